"""Running a command-line agent (any scaffold) in the agent container, its model calls through Inspect's bridge.

The scaffold sees MLE-bench as upstream's agents did: the instructions in /home/instructions.txt, the data,
submission, code and logs directories and its time in environment variables, and the validator at
$VALIDATOR_URL. Its OpenAI, Anthropic or Google client talks to the sandbox agent bridge on localhost, which
answers with the eval's model, so tokens, cost and every call are in the Inspect log as for a native agent.

The budget is enforced from outside: the command runs under `timeout`, which signals its whole process group at
the time limit (less a margin for grading) and kills it after a grace period; whatever submission exists then is
graded by the task's scorer.
"""

from __future__ import annotations

import importlib.util
import shlex
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from inspect_ai.agent import AgentState, sandbox_agent_bridge
from inspect_ai.model import Model
from inspect_ai.util import sandbox, store
from pydantic import BaseModel

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.external.wheels import PipInstall, install_in_sandbox
from inspect_mlebench.sandbox.layout import BRIDGE_PORT, CODE_DIR, DATA_DIR, LOGS_DIR, SUBMISSION_DIR
from inspect_mlebench.solvers.budget import current_budget
from inspect_mlebench.solvers.context import sample_metadata
from inspect_mlebench.util import format_duration

BRIDGE_MODEL = "inspect"  # the model name a scaffold sends to reach the eval's model
INSTRUCTIONS_FILE = "/home/instructions.txt"
AGENT_LOG = f"{LOGS_DIR}/agent.log"
STORE_KEY = "mlebench:external_agent"


class BridgeClientsMissingError(MLEBenchError, RuntimeError):
    """The host lacks the API client packages Inspect's agent bridge needs."""


def require_bridge_clients() -> None:
    """Fail before any sample starts when Inspect's bridge could not translate the agent's calls on this host."""
    missing = [name for name in ("openai", "anthropic") if importlib.util.find_spec(name) is None]
    if missing:
        raise BridgeClientsMissingError(
            f"external agents need {' and '.join(missing)} on this host for Inspect's agent bridge; "
            "run `pip install 'inspect-mlebench[external]'`"
        )


class ScaffoldSetupError(MLEBenchError, RuntimeError):
    """The scaffold's setup (installation, files, setup command) failed; the message says which step and why."""


@dataclass(frozen=True)
class Scaffold:
    """What to install and run. `files` are written into the container before `setup` runs (path: content)."""

    command: str
    installs: tuple[PipInstall, ...] = ()
    setup: str | None = None
    files: Mapping[str, str | bytes] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: str = CODE_DIR
    user: str | None = "nonroot"
    pip: str = "/opt/venv/bin/pip"
    stop_margin_s: float = 60.0
    kill_grace_s: float = 30.0
    setup_timeout_s: int = 1800
    output_tail_chars: int = 20_000
    port: int = BRIDGE_PORT
    model_aliases: Mapping[str, str | Model] = field(default_factory=dict)


class ScaffoldRun(BaseModel):
    """What happened to the scaffold's process (kept in the sample store under `mlebench:external_agent`)."""

    command: str
    exit_code: int | None
    stopped_at_time_limit: bool
    time_given_s: float
    elapsed_s: float
    output_tail: str


def bridge_env(port: int = BRIDGE_PORT) -> dict[str, str]:
    """The variables that point the common LLM clients at the bridge (the keys are placeholders it ignores)."""
    return {
        "OPENAI_BASE_URL": f"http://localhost:{port}/v1",
        "OPENAI_API_KEY": "inspect-bridge",
        "ANTHROPIC_BASE_URL": f"http://localhost:{port}",
        "ANTHROPIC_API_KEY": "inspect-bridge",
        "GOOGLE_GEMINI_BASE_URL": f"http://localhost:{port}",
        "GEMINI_API_KEY": "inspect-bridge",
        "MLEBENCH_MODEL": BRIDGE_MODEL,
        "NO_PROXY": "localhost,127.0.0.1",
    }


def mlebench_env(time_given_s: float) -> dict[str, str]:
    """Upstream's variable names for the layout, so agents written for upstream's containers find their way."""
    return {
        "INSTRUCTIONS_FILE": INSTRUCTIONS_FILE,
        "DATA_DIR": DATA_DIR,
        "SUBMISSION_DIR": SUBMISSION_DIR,
        "CODE_DIR": CODE_DIR,
        "LOGS_DIR": LOGS_DIR,
        "TIME_LIMIT_SECS": str(int(time_given_s)),
    }


def task_text(state: AgentState) -> str:
    """The sample's instructions: the first user message's text."""
    for message in state.messages:
        if message.role == "user":
            return message.text
    return ""


async def root_write(path: str, content: str | bytes, mode: str = "644") -> None:
    """Write a file as root (the agent's home and /opt are root's; the agent user may lack rights there)."""
    env = sandbox()
    staged = f"/tmp/mlebench-stage-{uuid.uuid4().hex}"
    await env.write_file(staged, content)
    folder = path.rsplit("/", 1)[0] or "/"
    script = 'mkdir -p "$1" && cp "$2" "$3" && chmod "$4" "$3" && rm -f "$2"'
    result = await env.exec(["sh", "-c", script, "sh", folder, staged, path, mode], user="root", timeout=120)
    if not result.success:
        raise ScaffoldSetupError(f"could not write {path} in the sandbox: {result.stderr.strip()}")


async def prepare(scaffold: Scaffold, instructions: str) -> None:
    """Install the scaffold, write its files and the instructions, run its setup command (as root)."""
    await root_write(INSTRUCTIONS_FILE, instructions)
    if scaffold.installs:
        await install_in_sandbox(scaffold.installs, pip=scaffold.pip)
    for path, content in scaffold.files.items():
        await root_write(path, content, mode="755")
    if scaffold.setup:
        result = await sandbox().exec(["bash", "-lc", scaffold.setup], user="root", timeout=scaffold.setup_timeout_s)
        if not result.success:
            tail = (result.stderr or result.stdout).strip()[-2000:]
            raise ScaffoldSetupError(f"the scaffold's setup command failed (exit {result.returncode}): {tail}")


_WAIT_FOR_BRIDGE = """\
# the bridge's proxy starts in the background: an agent that calls the model at once must find it listening
for _ in $(seq 1 240); do
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && exit 0
  sleep 0.5
done
echo "the model bridge did not start listening on port $1 within 120s" >&2
exit 1
"""

_RUN = """\
limit=$1 grace=$2 log=$3 tail_chars=$4 command=$5
mkdir -p "$(dirname "$log")"
timeout -s TERM -k "$grace" "$limit" bash -lc "$command" >"$log" 2>&1 </dev/null
# the status goes on the first line, not into this script's exit status: Inspect reads an exec's 124 as its own
# timeout and raises instead of returning the result
printf 'exit_code=%s\n' "$?"
tail -c "$tail_chars" "$log"
"""


async def run_scaffold(state: AgentState, scaffold: Scaffold) -> tuple[AgentState, ScaffoldRun]:
    """Prepare the scaffold, then run its command through the bridge until it exits or its time is up."""
    started = time.monotonic()
    metadata = sample_metadata()
    await prepare(scaffold, task_text(state))
    async with sandbox_agent_bridge(state, port=scaffold.port, model_aliases=dict(scaffold.model_aliases)) as bridge:
        ready = await sandbox().exec(["bash", "-c", _WAIT_FOR_BRIDGE, "wait", str(scaffold.port)], timeout=180)
        if not ready.success:
            raise ScaffoldSetupError(ready.stderr.strip() or "the model bridge did not start")
        # the time left now, after installation and the bridge's start, less the margin and the kill grace
        remaining = current_budget(metadata, started).remaining_s
        reserve = scaffold.stop_margin_s + scaffold.kill_grace_s
        time_given = 30 * 24 * 3600.0 if remaining is None else remaining - reserve
        if time_given < 1:
            raise ScaffoldSetupError(
                f"no time left to start the scaffold after setup ({format_duration(remaining or 0)} left, "
                f"stop margin {scaffold.stop_margin_s:.0f}s): give the task a longer time_limit_hours"
            )
        env = {**mlebench_env(time_given), **bridge_env(scaffold.port), **scaffold.env}
        args = [str(int(time_given)), str(int(scaffold.kill_grace_s)), AGENT_LOG, str(scaffold.output_tail_chars)]
        begun = time.monotonic()
        store().set(STORE_KEY, {"command": scaffold.command, "time_given_s": time_given, "running": True})
        result = await sandbox().exec(
            ["bash", "-c", _RUN, "run", *args, scaffold.command],
            cwd=scaffold.cwd,
            user=scaffold.user,
            env=env,
            # the in-container `timeout` stops it first; this only guards against a wedged exec
            timeout=int(time_given + scaffold.kill_grace_s + 120),
            timeout_retry=False,
            concurrency=False,
        )
    status, _, output = result.stdout.partition("\n")
    code = status.removeprefix("exit_code=")
    exit_code = int(code) if result.success and code.isdigit() else None
    run = ScaffoldRun(
        command=scaffold.command,
        exit_code=exit_code,
        stopped_at_time_limit=exit_code in (124, 137),  # timeout's TERM, or the KILL after the grace period
        time_given_s=time_given,
        elapsed_s=time.monotonic() - begun,
        output_tail=(output + result.stderr)[-scaffold.output_tail_chars :],
    )
    store().set(STORE_KEY, run.model_dump())
    return bridge.state, run


def split_command(command: str | Sequence[str]) -> str:
    """A command given as a list (as `-S command=[...]` may pass it) becomes one shell-quoted line."""
    return command if isinstance(command, str) else shlex.join(command)
