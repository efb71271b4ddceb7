"""Running node scripts in the sandbox and keeping the best node's files.

Each node gets a fresh working directory (`<work_root>/<node id>/`, with `./submission`, `./working` and
`./input` linked to the data) so no run can see or clobber another's files, and the best node's submission is
still there when it is promoted. The script's output goes to a file inside the sandbox and only its tail comes
back: `exec` output is capped, and a long training log is mostly noise to the reviewer. Everything runs as the
sandbox user given (`nonroot` in the task's container), never as root.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from inspect_ai.util import sandbox

from inspect_mlebench.sandbox.layout import CODE_DIR, DATA_DIR, LOGS_DIR, SUBMISSION_DIR

_PREPARE = r"""
set -eu
wd="$1"; data="$2"
rm -rf "$wd"
mkdir -p "$wd/submission" "$wd/working"
ln -sfn "$data" "$wd/input"
cat > "$wd/runfile.py"
"""

# `timeout` stops the script with SIGINT first (Python then unwinds and flushes), KILL after a grace period.
_RUN = r"""
rm -rf submission && mkdir -p submission
PYTHONUNBUFFERED=1 timeout -s INT -k "$3" "$1" "$2" runfile.py > output.log 2>&1
echo $? > exit_code
"""

_COLLECT = r"""
echo "rc=$(cat exit_code 2>/dev/null || echo none)"
if [ -s submission/submission.csv ]; then
  echo "sha=$(sha256sum submission/submission.csv | cut -d' ' -f1)"
else
  echo "sha="
fi
echo "---"
tail -c "$1" output.log 2>/dev/null || true
"""

_PROMOTE = r"""
set -eu
wd="$1"; sub="$2"; code="$3"
mkdir -p "$sub" "$code"
cp "$wd/submission/submission.csv" "$sub/.submission.csv.tmp"
mv -f "$sub/.submission.csv.tmp" "$sub/submission.csv"
cp "$wd/runfile.py" "$code/.solution.py.tmp"
mv -f "$code/.solution.py.tmp" "$code/solution.py"
"""

_WRITE = r"""
set -eu
mkdir -p "$(dirname "$1")"
cat > "$1.tmp"
mv -f "$1.tmp" "$1"
"""

# Stdlib only: runs before anything is known about the image. Lists the data and peeks into CSV files.
_PREVIEW = r"""
import csv, os, sys
root, limit = sys.argv[1], int(sys.argv[2])
out = []
entries = []
for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
    dirnames.sort()
    for name in sorted(filenames):
        entries.append(os.path.join(dirpath, name))
out.append(f"{len(entries)} file(s) under {root}:")
shown = 0
by_dir = {}
for path in entries:
    by_dir.setdefault(os.path.dirname(path), []).append(path)
for d, files in by_dir.items():
    for path in files[:8]:
        size = os.path.getsize(path)
        out.append(f"- {os.path.relpath(path, root)} ({size:,} bytes)")
    if len(files) > 8:
        out.append(f"- ... and {len(files) - 8} more file(s) in {os.path.relpath(d, root)}/")
csvs = [p for p in entries if p.endswith(".csv")][:6]
for path in csvs:
    try:
        with open(path, newline="", encoding="utf-8", errors="replace") as f:
            reader = csv.reader(f)
            header = next(reader, [])
            rows = [next(reader, None) for _ in range(2)]
        rows = [r for r in rows if r is not None]
        n = None
        if os.path.getsize(path) < 50_000_000:
            with open(path, "rb") as f:
                n = max(0, sum(1 for _ in f) - 1)
        cols = ", ".join(header[:30]) + (f", ... ({len(header)} columns)" if len(header) > 30 else "")
        out.append(f"\n{os.path.relpath(path, root)}: {n if n is not None else 'many'} rows; columns: {cols}")
        for r in rows:
            out.append("  e.g. " + ", ".join(v[:40] for v in r[:15]))
    except Exception as err:
        out.append(f"\n{os.path.relpath(path, root)}: unreadable ({err})")
text = "\n".join(out)
print(text if len(text) <= limit else text[:limit] + "\n...")
"""


@dataclass(frozen=True)
class Paths:
    """Where things live in the sandbox; parameters so tests can point them at temporary directories."""

    data_dir: str = DATA_DIR
    submission_dir: str = SUBMISSION_DIR
    code_dir: str = CODE_DIR
    logs_dir: str = LOGS_DIR
    work_root: str = f"{CODE_DIR}/aide"

    def workdir(self, node_id: str) -> str:
        return f"{self.work_root.rstrip('/')}/{node_id}"

    @property
    def journal_file(self) -> str:
        return f"{self.logs_dir.rstrip('/')}/aide_journal.json"


@dataclass(frozen=True)
class RunResult:
    exit_code: int | None  # None: unknown (the harness lost the process)
    timed_out: bool
    exec_time_s: float
    output_tail: str
    submission_sha256: str | None

    @property
    def has_submission(self) -> bool:
        return self.submission_sha256 is not None


class SandboxRunner:
    """Runs node scripts with `sandbox().exec` as one user, with per-run timeouts and output tails."""

    def __init__(
        self,
        paths: Paths,
        *,
        user: str | None = "nonroot",
        python: str = "python",
        tail_chars: int = 8000,
        kill_grace_s: int = 10,
    ) -> None:
        self.paths = paths
        self.user = user
        self.python = python
        self.tail_chars = tail_chars
        self.kill_grace_s = kill_grace_s

    async def _bash(
        self,
        script: str,
        *args: str,
        input: str | None = None,
        cwd: str | None = None,
        timeout: int = 120,
        concurrency: bool = True,
    ) -> tuple[bool, str, str]:
        result = await sandbox().exec(
            ["bash", "-c", script, "aide", *args],
            input=input,
            cwd=cwd,
            user=self.user,
            timeout=timeout,
            timeout_retry=False,
            concurrency=concurrency,
        )
        return result.success, result.stdout, result.stderr

    async def run(self, node_id: str, code: str, timeout_s: float) -> RunResult:
        """Write `code` to a fresh working dir, run it with at most `timeout_s` seconds, read back the result."""
        wd = self.paths.workdir(node_id)
        ok, _, err = await self._bash(_PREPARE, wd, self.paths.data_dir, input=code)
        if not ok:
            raise RuntimeError(f"could not prepare {wd}: {err.strip()}")
        limit = max(1, int(timeout_s))
        started = time.monotonic()
        lost = False
        try:
            # A run can take hours of waiting on the container: it must not hold one of Inspect's host subprocess
            # slots, or parallel samples would queue behind each other's training and burn their budgets.
            await self._bash(
                _RUN,
                str(limit),
                self.python,
                str(self.kill_grace_s),
                cwd=wd,
                timeout=limit + self.kill_grace_s + 30,
                concurrency=False,
            )
        except TimeoutError:  # `timeout` in the sandbox failed to stop it: treat as timed out
            lost = True
        elapsed = time.monotonic() - started
        _, out, _ = await self._bash(_COLLECT, str(self.tail_chars * 4), cwd=wd)
        header, _, tail = out.partition("---\n")
        fields = dict(line.split("=", 1) for line in header.splitlines() if "=" in line)
        rc_text = fields.get("rc", "none").strip()
        exit_code = int(rc_text) if rc_text.lstrip("-").isdigit() else None
        timed_out = lost or exit_code in (124, 137)
        sha = fields.get("sha", "").strip() or None
        tail = tail[-self.tail_chars :]
        if timed_out:
            tail += f"\n[harness: the script was stopped after {limit}s]"
        return RunResult(exit_code, timed_out, elapsed, tail, sha)

    async def promote(self, node_id: str) -> None:
        """Copy a node's submission and script to the graded location and the code directory."""
        wd = self.paths.workdir(node_id)
        ok, _, err = await self._bash(_PROMOTE, wd, self.paths.submission_dir, self.paths.code_dir)
        if not ok:
            raise RuntimeError(f"could not promote {node_id}: {err.strip()}")

    async def write_text(self, path: str, text: str) -> None:
        """Write a file as the sandbox user (atomic: a reader never sees half a journal)."""
        ok, _, err = await self._bash(_WRITE, path, input=text)
        if not ok:
            raise RuntimeError(f"could not write {path}: {err.strip()}")

    async def preview(self, limit_chars: int = 6000) -> str | None:
        """A short description of the data files, or None if the data cannot be listed."""
        result = await sandbox().exec(
            [self.python, "-c", _PREVIEW, self.paths.data_dir, str(limit_chars)],
            user=self.user,
            timeout=120,
            timeout_retry=False,
        )
        return result.stdout.strip() if result.success and result.stdout.strip() else None

    async def read_text(self, path: str) -> str | None:
        try:
            return await sandbox().read_file(path)
        except (FileNotFoundError, PermissionError, IsADirectoryError, UnicodeDecodeError):
            return None
