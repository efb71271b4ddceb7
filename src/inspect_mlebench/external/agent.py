"""`inspect_mlebench/external_agent`: put any command-line agent on MLE-bench.

    inspect eval inspect_mlebench/mlebench_lite --model openai/gpt-4o \\
        --solver inspect_mlebench/external_agent -S command="python /opt/my_agent/run.py" \\
        -S files='{"/opt/my_agent/run.py": "./my_agent/run.py"}' -S requirements='["openai>=1.40"]'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from inspect_ai.agent import Agent, AgentState, agent
from inspect_ai.model import ChatMessageAssistant

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.external.scaffold import (
    Scaffold,
    ScaffoldRun,
    require_bridge_clients,
    run_scaffold,
    split_command,
)
from inspect_mlebench.external.wheels import PipInstall
from inspect_mlebench.sandbox.layout import BRIDGE_PORT, CODE_DIR
from inspect_mlebench.util import format_duration


class ExternalAgentConfigError(MLEBenchError, ValueError):
    """A parameter of `external_agent` is invalid; the message is one line and says what to pass instead."""


def _requirements(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """A list of requirements, or one as a string (not split at commas: `pkg>=1,<2` is one requirement)."""
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else list(value)
    return tuple(r.strip() for r in items if r.strip())


def _files(value: Mapping[str, str] | None) -> dict[str, str | bytes]:
    """Container path -> host file, read now so a wrong path fails before any sample starts."""
    files: dict[str, str | bytes] = {}
    for target, source in (value or {}).items():
        if not str(target).startswith("/"):
            raise ExternalAgentConfigError(f"files: {target!r} is not an absolute path in the container")
        path = Path(source).expanduser()
        if not path.is_file():
            raise ExternalAgentConfigError(f"files: {source!r} (for {target}) is not a file on this host")
        files[str(target)] = path.read_bytes()
    return files


def outcome_message(run: ScaffoldRun) -> ChatMessageAssistant:
    """One message for the transcript's end: how the scaffold's process ended and the tail of its output."""
    if run.stopped_at_time_limit:
        how = f"was stopped at its time limit ({format_duration(run.time_given_s)})"
    else:
        how = f"exited with status {run.exit_code} after {format_duration(run.elapsed_s)}"
    tail = run.output_tail[-4000:]
    return ChatMessageAssistant(content=f"[external agent] `{run.command}` {how}. Output tail:\n\n{tail}")


@agent
def external_agent(
    command: str | list[str],
    requirements: str | list[str] | None = None,
    requirements_no_deps: str | list[str] | None = None,
    setup: str | None = None,
    files: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    cwd: str = CODE_DIR,
    user: str | None = "nonroot",
    stop_margin_s: float = 60.0,
    kill_grace_s: float = 30.0,
    port: int = BRIDGE_PORT,
    model_aliases: dict[str, str] | None = None,
) -> Agent:
    """Run a command-line agent in the agent container, its LLM calls answered by the eval's model.

    The command runs with `bash -lc` as `user` in `cwd`. It finds the task in /home/instructions.txt
    ($INSTRUCTIONS_FILE) and $DATA_DIR, $SUBMISSION_DIR, $CODE_DIR, $LOGS_DIR, $TIME_LIMIT_SECS (the seconds it is
    given), $VALIDATOR_URL; $OPENAI_BASE_URL, $ANTHROPIC_BASE_URL and $GOOGLE_GEMINI_BASE_URL point at Inspect's
    bridge, which serves any model name (use "inspect", $MLEBENCH_MODEL) with the eval's model. The command's
    process group gets SIGTERM `stop_margin_s + kill_grace_s` before the sample's time limit and SIGKILL
    `kill_grace_s` later; /home/submission/submission.csv is then graded.

    Args:
      command: Shell command that starts the agent.
      requirements: pip requirements installed (with their dependencies) into the image's venv before the start,
        from wheels the host downloads: the container needs no network.
      requirements_no_deps: Requirements installed without their declared dependencies (a scaffold that declares a
        whole ML stack the image already has).
      setup: Shell command run as root after the installs and files, before the agent (e.g. unpacking a tool).
      files: Container path -> host file, copied in before `setup` (e.g. the agent's own script).
      env: Extra environment variables for the command.
      cwd: Working directory of the command.
      user: User the command runs as (None: the image's).
      stop_margin_s: Seconds before the sample's time limit at which the agent is stopped, kept for grading.
      kill_grace_s: Seconds between SIGTERM and SIGKILL.
      port: Port of the bridge inside the container.
      model_aliases: Model names the agent sends -> Inspect model specs (e.g. a cheaper model for a sub-step);
        every other name gets the eval's model.
    """
    require_bridge_clients()
    installs: list[PipInstall] = []
    if reqs := _requirements(requirements):
        installs.append(PipInstall(reqs))
    if reqs := _requirements(requirements_no_deps):
        installs.append(PipInstall(reqs, no_deps=True))
    scaffold = Scaffold(
        command=split_command(command),
        installs=tuple(installs),
        setup=setup,
        files=_files(files),
        env={str(k): str(v) for k, v in (env or {}).items()},
        cwd=cwd,
        user=user,
        stop_margin_s=float(stop_margin_s),
        kill_grace_s=float(kill_grace_s),
        port=int(port),
        model_aliases=dict(model_aliases or {}),
    )
    if not scaffold.command.strip():
        raise ExternalAgentConfigError("command is empty: pass the shell command that starts your agent")

    async def execute(state: AgentState) -> AgentState:
        state, run = await run_scaffold(state, scaffold)
        state.messages.append(outcome_message(run))
        return state

    return execute
