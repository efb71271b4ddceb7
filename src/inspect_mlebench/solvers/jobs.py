"""Background jobs in the sandbox: long training runs that outlive the tool call that started them.

Each job lives in its own folder under the jobs directory (`command.sh`, `output.log`, `pid`, `started`, and
`exit_code` once it ends), written by the agent's own user so the agent can read the files with plain `cat` too.
A job runs in its own session (`setsid`) under coreutils `timeout`, so it can never outlast the time budget and
`job_kill` can stop everything it spawned. Finished state comes from `exit_code`, not from the pid: the agent
container's PID 1 (`sleep infinity`) does not reap orphans, so a finished job's pid can linger as a zombie.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from inspect_ai.util import sandbox

from inspect_mlebench.sandbox.layout import JOBS_DIR

_ID_RE = re.compile(r"^[0-9]{3}-[a-z0-9_-]{1,40}$")

# $1 jobs dir, $2 job id, $3 timeout seconds (0: none); the command arrives on stdin
_START = r"""
set -e
d="$1/$2"
mkdir -p "$d"
cat > "$d/command.sh"
date +%s > "$d/started"
run='timeout -k 10 "$1" bash "$2/command.sh" > "$2/output.log" 2>&1; c=$?
date +%s > "$2/ended"; echo $c > "$2/exit_code"'
setsid nohup bash -c "$run" _ "$3" "$d" < /dev/null > /dev/null 2>&1 &
echo $! > "$d/pid"
echo $!
"""

# $1 jobs dir; one line per job: id|pid|started|exit_code|ended (else now)|killed|last output line
_STATUS = r"""
now=$(date +%s)
for d in "$1"/*/; do
  [ -f "$d/pid" ] || continue
  id=$(basename "$d"); pid=$(cat "$d/pid"); started=$(cat "$d/started" 2>/dev/null || echo "$now")
  end=$now; [ -f "$d/ended" ] && end=$(cat "$d/ended")
  code=""; [ -f "$d/exit_code" ] && code=$(cat "$d/exit_code")
  killed=""; [ -f "$d/killed" ] && killed=1
  if [ -z "$code" ] && ! kill -0 "$pid" 2>/dev/null; then code=lost; fi
  last=$(tail -n 1 "$d/output.log" 2>/dev/null | tr -d '\r|' | cut -c1-160)
  echo "$id|$pid|$started|$code|$end|$killed|$last"
done
"""

# $1 job folder: stop the job's whole session, TERM first, KILL after a grace period
_KILL = r"""
d="$1"; pid=$(cat "$d/pid")
if [ -f "$d/exit_code" ]; then echo "already finished"; exit 0; fi
touch "$d/killed"; date +%s > "$d/ended"
pkill -TERM -s "$pid" 2>/dev/null || kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
for _ in 1 2 3 4 5 6 7 8 9 10; do
  pgrep -s "$pid" >/dev/null 2>&1 || break
  sleep 0.5
done
pkill -KILL -s "$pid" 2>/dev/null || true
echo "killed"
"""


@dataclass(frozen=True)
class JobInfo:
    """One job as `job_status` reports it."""

    job_id: str
    pid: int
    runtime_s: float
    state: str  # running | finished | failed | timed out | killed | lost
    exit_code: int | None
    last_line: str

    @property
    def running(self) -> bool:
        return self.state == "running"


def job_state(exit_code: str, killed: bool) -> tuple[str, int | None]:
    """The state a job's `exit_code` file (empty while running, `lost` when the pid is gone without one) means."""
    if killed:
        return "killed", int(exit_code) if exit_code.isdigit() else None
    if exit_code == "":
        return "running", None
    if exit_code == "lost":
        return "lost", None
    code = int(exit_code) if exit_code.lstrip("-").isdigit() else None
    if code == 0:
        return "finished", 0
    if code in (124, 137):
        return "timed out", code
    return "failed", code


def parse_status(output: str) -> list[JobInfo]:
    jobs: list[JobInfo] = []
    for line in output.splitlines():
        parts = line.split("|", 6)
        if len(parts) < 7 or not parts[1].isdigit():
            continue
        job_id, pid, started, code, now, killed, last = parts
        state, exit_code = job_state(code.strip(), killed == "1")
        runtime = max(0.0, float(now) - float(started)) if started.isdigit() and now.isdigit() else 0.0
        jobs.append(JobInfo(job_id, int(pid), runtime, state, exit_code, last.strip()))
    return jobs


def slug(name: str) -> str:
    """A job name safe for a folder name."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-")
    return cleaned[:40] or "job"


class JobManager:
    """Starts, lists, reads and stops background jobs in the default sandbox as the agent's user."""

    def __init__(self, jobs_dir: str = JOBS_DIR, user: str | None = None) -> None:
        self.jobs_dir = jobs_dir.rstrip("/")
        self.user = user
        self._count = 0

    async def _sh(self, script: str, *args: str, input: str | None = None, timeout: int = 60) -> tuple[int, str]:
        result = await sandbox().exec(["bash", "-c", script, "_", *args], input=input, user=self.user, timeout=timeout)
        return result.returncode, (result.stdout + result.stderr).strip()

    async def start(self, command: str, name: str, timeout_s: float | None) -> tuple[str, int]:
        """Launch `command` detached; returns (job id, pid)."""
        existing = await self.list_jobs()
        self._count = max(self._count, len(existing)) + 1
        job_id = f"{self._count:03d}-{slug(name)}"
        seconds = "0" if timeout_s is None else str(max(1, int(timeout_s)))
        code, out = await self._sh(_START, self.jobs_dir, job_id, seconds, input=command)
        last = out.splitlines()[-1] if out else ""
        if code != 0 or not last.isdigit():
            raise RuntimeError(f"could not start the job: {out or f'exit code {code}'}")
        return job_id, int(last)

    async def list_jobs(self) -> list[JobInfo]:
        _, out = await self._sh(_STATUS, self.jobs_dir)
        return parse_status(out)

    async def get(self, job_id: str) -> JobInfo | None:
        return next((j for j in await self.list_jobs() if j.job_id == job_id), None)

    async def logs(self, job_id: str, lines: int = 50) -> str:
        self._check_id(job_id)
        path = f"{self.jobs_dir}/{job_id}/output.log"
        code, out = await self._sh(f"tail -n {max(1, int(lines))} {shlex.quote(path)}")
        if code != 0:
            raise RuntimeError(f"no log for job {job_id}: {out}")
        return out

    async def kill(self, job_id: str) -> str:
        self._check_id(job_id)
        _, out = await self._sh(_KILL, f"{self.jobs_dir}/{job_id}", timeout=30)
        return out.splitlines()[-1] if out else ""

    async def kill_all(self) -> list[str]:
        """Stop every running job (at the end of the run, so nothing rewrites the submission after selection)."""
        stopped = []
        for job in await self.list_jobs():
            if job.running:
                await self.kill(job.job_id)
                stopped.append(job.job_id)
        return stopped

    @staticmethod
    def _check_id(job_id: str) -> None:
        if not _ID_RE.match(job_id):
            raise ValueError(f"unknown job id {job_id!r} (ids look like 001-train)")
