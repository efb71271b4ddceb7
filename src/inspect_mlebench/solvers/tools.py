"""Agent tools for MLE-bench runs: commands whose timeouts respect the time budget, host-side submission
validation, background jobs and a resource report.

Every command runs as the agent's user (`nonroot` in the task's sandbox) under coreutils `timeout`, with the
timeout clamped to the time left before the end reserve, so no command can run past the budget. Validation runs
on the host against the competition's real checks (answers never enter the sandbox) and says valid or invalid,
never a score.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from inspect_ai.log import transcript
from inspect_ai.tool import Tool, ToolResult, tool
from inspect_ai.util import sandbox

from inspect_mlebench.sandbox.layout import JOBS_DIR, SUBMISSION_PATH, WRITABLE_DIRS
from inspect_mlebench.solvers.budget import Budget, clamp_timeout, current_budget, in_wrapup
from inspect_mlebench.solvers.context import sample_metadata
from inspect_mlebench.solvers.host_check import validate_csv_bytes
from inspect_mlebench.solvers.jobs import JobManager
from inspect_mlebench.solvers.snapshots import Snapshot, SubmissionKeeper
from inspect_mlebench.util import format_duration

_TIMEOUT_EXIT = 124  # coreutils timeout: the command ran out of time
_KILLED = (137, -9)  # SIGKILL as a shell reports it, and as a directly killed child does


@dataclass
class ToolContext:
    """What the tools share: the sample's facts, the agent's user and the time rules."""

    metadata: dict[str, Any] = field(default_factory=dict)
    user: str | None = "nonroot"
    command_timeout: float | None = 3600.0
    reserve_s: float = 0.0
    wrapup_share: float = 0.0
    jobs_dir: str = JOBS_DIR
    started: float = field(default_factory=time.monotonic)
    keeper: SubmissionKeeper | None = None

    @classmethod
    def from_sample(cls, **kwargs: Any) -> ToolContext:
        return cls(metadata=sample_metadata(), **kwargs)

    @property
    def submission_path(self) -> str:
        return str(self.metadata.get("submission_path") or SUBMISSION_PATH)

    def budget(self) -> Budget:
        return current_budget(self.metadata, self.started)

    def timeout_for(self, requested_s: float | None, cap_s: float | None) -> tuple[float | None, bool]:
        """The timeout to use, and whether the budget (not the request or cap) set it."""
        budget = self.budget()
        timeout = clamp_timeout(requested_s, cap_s, budget.remaining_s, self.reserve_s)
        unclamped = clamp_timeout(requested_s, cap_s, None)
        clamped = timeout is not None and (unclamped is None or timeout < unclamped)
        return timeout, clamped

    def wrapping_up(self) -> bool:
        return in_wrapup(self.budget(), self.wrapup_share)

    def jobs(self) -> JobManager:
        return JobManager(self.jobs_dir, self.user)


def _format_result(stdout: str, stderr: str, returncode: int) -> str:
    parts = [text.rstrip("\n") for text in (stdout, stderr) if text.strip()]
    if returncode != 0:
        parts.append(f"[exit code {returncode}]")
    return "\n".join(parts)


async def run_clamped(
    ctx: ToolContext, cmd: list[str], input: str | None = None, requested_s: float | None = None
) -> str:
    """Run a command as the agent's user with the budget-clamped timeout, reporting the clamp and any timeout."""
    timeout, clamped = ctx.timeout_for(requested_s, ctx.command_timeout)
    if timeout is not None and timeout < 1:
        return "Not run: no time is left in the budget. Make sure a valid submission is in place and submit."
    notes: list[str] = []
    if timeout is not None:
        seconds = int(timeout)
        cmd = ["timeout", "-k", "5", str(seconds), *cmd]
        if clamped:
            note = f"[timeout clamped to {seconds}s by the remaining budget ({ctx.budget().describe()})]"
            notes.append(note)
            transcript().info({"command_timeout_s": seconds, "clamped_by_budget": True}, source="mle_react: timeout")
    began = time.monotonic()
    try:
        result = await sandbox().exec(
            cmd, input=input, user=ctx.user, timeout=None if timeout is None else int(timeout) + 20
        )
    except TimeoutError:
        return "\n".join([*notes, f"[command timed out after {int(timeout or 0)}s and was stopped]"])
    text = _format_result(result.stdout, result.stderr, result.returncode) or "(no output)"
    ran_out = timeout is not None and time.monotonic() - began >= int(timeout) - 1
    if ran_out and result.returncode in (_TIMEOUT_EXIT, *_KILLED):
        notes.append(f"[the command hit its {int(timeout or 0)}s timeout and was stopped; use job_start for long work]")
    elif result.returncode in _KILLED:
        notes.append("[the command was killed (exit 137), possibly for running out of memory; check resources]")
    return "\n".join([*notes, text]) if notes else text


@tool(name="bash", parallel=True)
def bash(ctx: ToolContext | None = None) -> Tool:
    """Bash in the sandbox as the agent's user, timeout clamped to the budget."""

    async def execute(command: str, timeout: int | None = None) -> ToolResult:
        """Run a bash command in the sandbox (a fresh shell each call; files persist, shell state does not).

        Commands stop at the timeout (the per-command cap, never past the time budget). For training that takes
        longer, use job_start and poll it.

        Args:
          command: The bash command to run.
          timeout: Optional shorter timeout in seconds.
        """
        return await run_clamped(ctx or ToolContext.from_sample(), ["bash", "-c", command], None, timeout)

    return execute


@tool(name="python", parallel=True)
def python(ctx: ToolContext | None = None) -> Tool:
    """Python in the sandbox as the agent's user, timeout clamped to the budget."""

    async def execute(code: str, timeout: int | None = None) -> ToolResult:
        """Run a Python script in the sandbox (a fresh interpreter each call; print() what you want to see).

        Commands stop at the timeout (the per-command cap, never past the time budget). For training that takes
        longer, write a script under /home/code and run it with job_start.

        Args:
          code: The Python code to run.
          timeout: Optional shorter timeout in seconds.
        """
        launcher = "if command -v python >/dev/null 2>&1; then exec python -; else exec python3 -; fi"
        return await run_clamped(ctx or ToolContext.from_sample(), ["bash", "-c", launcher], code, timeout)

    return execute


def validator_for(metadata: dict[str, Any]) -> Callable[[bytes], Awaitable[tuple[bool | None, str]]]:
    async def validator(data: bytes) -> tuple[bool | None, str]:
        return await validate_csv_bytes(data, metadata)

    return validator


def validation_answer(valid: bool | None, reason: str) -> str:
    """`valid: ...` or `invalid: ...` (the first word is what scripted agents read)."""
    if valid:
        return f"valid: {reason}"
    if valid is None:
        return f"invalid: could not validate ({reason})"
    return f"invalid: {reason}"


@tool(name="validate_submission")
def validate_submission(ctx: ToolContext | None = None) -> Tool:
    """Host-side validation of a submission file in the sandbox: valid/invalid and why, never a score."""

    async def execute(path: str = SUBMISSION_PATH) -> ToolResult:
        """Check a submission file against the competition's format rules (columns, ids, row count, values).

        Answers valid or invalid with the reason; it never reveals a score. Checking the graded file
        (/home/submission/submission.csv) also records it as a snapshot.

        Args:
          path: File in the sandbox to check (default /home/submission/submission.csv).
        """
        context = ctx or ToolContext.from_sample()
        if path in ("", SUBMISSION_PATH):  # the graded file, wherever this sample keeps it
            path = context.submission_path
        if context.keeper is not None and path == context.keeper.path:
            snap: Snapshot | None = await context.keeper.check("validate_submission")
            if snap is None:
                return f"invalid: no file at {path}"
            return validation_answer(snap.valid, snap.reason)
        try:
            data = await sandbox().read_file(path, text=False)
        except FileNotFoundError:
            return f"invalid: no file at {path}"
        except Exception as err:
            return f"invalid: could not read {path} ({err})"
        valid, reason = await validate_csv_bytes(data, context.metadata)
        return validation_answer(valid, reason)

    return execute


def _job_line(job: Any) -> str:
    code = "" if job.exit_code is None else f", exit code {job.exit_code}"
    last = f" | last output: {job.last_line}" if job.last_line else ""
    timing = "for" if job.running else "after"
    return f"{job.job_id}: {job.state} {timing} {format_duration(job.runtime_s)}{code}{last}"


@tool(name="job_start")
def job_start(ctx: ToolContext | None = None) -> Tool:
    """Start a background job that survives the tool call (output to a log file)."""

    async def execute(command: str, name: str = "job", timeout: int | None = None) -> ToolResult:
        """Start a long-running bash command (e.g. training) in the background and return at once.

        The job keeps running between tool calls; poll it with job_status and job_logs, stop it with job_kill.
        Its output goes to /home/logs/jobs/<job id>/output.log. It is stopped when the time budget ends.

        Args:
          command: Bash command to run, e.g. "cd /home/code && python train.py".
          name: Short name for the job.
          timeout: Optional limit in seconds (never past the time budget).
        """
        context = ctx or ToolContext.from_sample()
        if context.wrapping_up():
            return (
                "Not started: the run is in its wrap-up phase "
                f"({context.budget().describe()}). Don't start new long jobs now; make sure a valid "
                "submission is in place."
            )
        budget = context.budget()
        limit, _ = context.timeout_for(timeout, None)
        if limit is not None and limit < 1:
            return "Not started: no time is left in the budget."
        try:
            job_id, pid = await context.jobs().start(command, name, limit)
        except RuntimeError as err:
            return f"Not started: {err}"
        until = "no time limit" if limit is None else f"stopped after {format_duration(limit)} at most"
        return (
            f"Started job {job_id} (pid {pid}); {until} ({budget.describe()}). "
            f"Output: {context.jobs_dir}/{job_id}/output.log. Poll with job_status / job_logs."
        )

    return execute


@tool(name="job_status")
def job_status(ctx: ToolContext | None = None) -> Tool:
    """State of background jobs."""

    async def execute(job_id: str = "") -> ToolResult:
        """Show the state of background jobs (running, finished, failed, timed out, killed), runtime, exit code
        and last output line.

        Args:
          job_id: One job's id; empty for all jobs.
        """
        context = ctx or ToolContext.from_sample()
        jobs = await context.jobs().list_jobs()
        if job_id:
            jobs = [j for j in jobs if j.job_id == job_id]
            if not jobs:
                return f"No job {job_id}."
        if not jobs:
            return "No background jobs."
        return "\n".join(_job_line(j) for j in jobs)

    return execute


@tool(name="job_logs")
def job_logs(ctx: ToolContext | None = None) -> Tool:
    """Tail of a background job's output."""

    async def execute(job_id: str, lines: int = 50) -> ToolResult:
        """Show the last lines of a background job's output log.

        Args:
          job_id: The job's id (from job_start).
          lines: How many lines from the end.
        """
        context = ctx or ToolContext.from_sample()
        try:
            return await context.jobs().logs(job_id, lines) or "(no output yet)"
        except (ValueError, RuntimeError) as err:
            return str(err)

    return execute


@tool(name="job_kill")
def job_kill(ctx: ToolContext | None = None) -> Tool:
    """Stop a background job and everything it started."""

    async def execute(job_id: str) -> ToolResult:
        """Stop a background job and all its processes.

        Args:
          job_id: The job's id (from job_start).
        """
        context = ctx or ToolContext.from_sample()
        try:
            outcome = await context.jobs().kill(job_id)
        except ValueError as err:
            return str(err)
        return f"Job {job_id}: {outcome}."

    return execute


_RESOURCES = r"""
echo "GPU:"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,memory.used,memory.total,utilization.gpu --format=csv,noheader 2>&1 | sed 's/^/  /'
else
  echo "  none visible (no nvidia-smi)"
fi
echo "CPU: $(nproc) visible cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
mem_total=$(awk '/MemTotal/ {print int($2/1024)}' /proc/meminfo)
mem_avail=$(awk '/MemAvailable/ {print int($2/1024)}' /proc/meminfo)
cg=/sys/fs/cgroup
limit=$(cat $cg/memory.max 2>/dev/null || cat $cg/memory/memory.limit_in_bytes 2>/dev/null || echo max)
used=$(cat $cg/memory.current 2>/dev/null || cat $cg/memory/memory.usage_in_bytes 2>/dev/null)
# cgroup v1 reports "no limit" as a huge number: treat anything above the machine's memory as none
if [ "$limit" != "max" ] && [ "$((limit/1048576))" -ge "$mem_total" ]; then limit=max; fi
if [ "$limit" != "max" ] && [ -n "$used" ]; then
  echo "RAM: $((used/1048576)) MiB used of a $((limit/1048576)) MiB container limit"
else
  echo "RAM: $mem_avail MiB available of $mem_total MiB"
fi
echo "Disk:"
df -h "$@" 2>/dev/null | sed 's/^/  /'
"""


@tool(name="resources")
def resources(ctx: ToolContext | None = None) -> Tool:
    """GPU, CPU, RAM, disk, running jobs and time left."""

    async def execute() -> ToolResult:
        """Report GPU memory and utilisation, CPU load, RAM, free disk, background jobs and the time left."""
        context = ctx or ToolContext.from_sample()
        dirs = list(WRITABLE_DIRS)
        result = await sandbox().exec(["bash", "-c", _RESOURCES, "_", *dirs], user=context.user, timeout=60)
        lines = [result.stdout.strip()]
        hardware = context.metadata.get("hardware")
        if isinstance(hardware, dict) and hardware:
            given = ", ".join(f"{k}={v}" for k, v in hardware.items())
            lines.append(f"Allocated to this run: {given}")
        jobs = await context.jobs().list_jobs()
        running = [j for j in jobs if j.running]
        lines.append(f"Jobs: {len(running)} running, {len(jobs) - len(running)} ended")
        lines.extend(f"  {_job_line(j)}" for j in running)
        lines.append(f"Time: {context.budget().describe()}")
        return "\n".join(lines)

    return execute
