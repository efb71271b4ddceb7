"""Claude Code and Codex CLI on MLE-bench: inspect_swe's agents, set up for this project's sandbox.

inspect_swe runs the CLI in the agent container through Inspect's sandbox agent bridge. This wrapper adds what
MLE-bench needs: the binary comes from the npm registry via the host (the container has no network, and
inspect_swe's own download hosts may be unreachable), it runs as `nonroot` in /home/code like the other agents,
and it is stopped `stop_margin_s` before the sample's time limit so the submission is graded in time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from inspect_ai.agent import Agent, AgentState, agent
from inspect_ai.util import apply_limits, store, time_limit

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.external.npm_binaries import CLAUDE_CODE, CODEX_CLI, NpmBinary, fetch_binary
from inspect_mlebench.external.scaffold import root_write
from inspect_mlebench.sandbox.layout import CODE_DIR
from inspect_mlebench.solvers.budget import current_budget
from inspect_mlebench.solvers.context import sample_metadata

STORE_KEY = "mlebench:coding_agent"


class CodingAgentUnavailableError(MLEBenchError, RuntimeError):
    """inspect_swe is not installed on the host."""


def _swe_agent(name: str) -> Callable[..., Agent]:
    try:
        import inspect_swe
    except ImportError as err:
        raise CodingAgentUnavailableError(
            f"{name} runs through inspect_swe, which is not installed; run `pip install 'inspect-mlebench[coding]'`"
        ) from err
    factory: Callable[..., Agent] = getattr(inspect_swe, name)
    return factory


def _wrapped(
    name: str,
    binary: NpmBinary,
    version: str,
    cwd: str,
    user: str | None,
    stop_margin_s: float,
    options: dict[str, Any] | None,
) -> Agent:
    factory = _swe_agent(name)
    inner = factory(cwd=cwd, user=user, version="sandbox", **(options or {}))

    async def execute(state: AgentState) -> AgentState:
        started = asyncio.get_running_loop().time()
        path, resolved = await asyncio.to_thread(fetch_binary, binary, version)
        await root_write(f"/usr/local/bin/{binary.name}", path.read_bytes(), mode="755")
        store().set(STORE_KEY, {"agent": name, "binary": binary.name, "version": resolved})
        remaining = current_budget(sample_metadata()).remaining_s
        run_s = None if remaining is None else max(1.0, remaining - stop_margin_s)
        with apply_limits([time_limit(run_s)], catch_errors=True) as scope:
            state = await inner(state)
        ended = "its time limit" if scope.limit_error is not None else "its own end"
        elapsed = asyncio.get_running_loop().time() - started
        store().set(STORE_KEY, {"agent": name, "version": resolved, "ended_by": ended, "elapsed_s": elapsed})
        return state

    return execute


@agent
def claude_code(
    version: str = "latest",
    cwd: str = CODE_DIR,
    user: str | None = "nonroot",
    stop_margin_s: float = 60.0,
    options: dict[str, Any] | None = None,
) -> Agent:
    """Claude Code (inspect_swe's `claude_code`) in the agent container; its calls go to the eval's model.

    Args:
      version: Claude Code version from npm (`@anthropic-ai/claude-code-linux-x64`), or "latest".
      cwd: Working directory.
      user: User it runs as.
      stop_margin_s: Seconds before the sample's time limit at which it is stopped.
      options: Further arguments of `inspect_swe.claude_code` (e.g. `{"system_prompt": "..."}`).
    """
    return _wrapped("claude_code", CLAUDE_CODE, version, cwd, user, stop_margin_s, options)


@agent
def codex_cli(
    version: str = "latest",
    cwd: str = CODE_DIR,
    user: str | None = "nonroot",
    stop_margin_s: float = 60.0,
    options: dict[str, Any] | None = None,
) -> Agent:
    """Codex CLI (inspect_swe's `codex_cli`) in the agent container; its calls go to the eval's model.

    Args:
      version: Codex CLI version from npm (`@openai/codex`, its `-linux-x64` build), or "latest".
      cwd: Working directory.
      user: User it runs as.
      stop_margin_s: Seconds before the sample's time limit at which it is stopped.
      options: Further arguments of `inspect_swe.codex_cli`.
    """
    return _wrapped("codex_cli", CODEX_CLI, version, cwd, user, stop_margin_s, options)
