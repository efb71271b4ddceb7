"""Keep the agent's code with the log: at scoring time the code directory (and any script the agent ran from
elsewhere) is read out of the sandbox into the sample store, so every integrity check runs from the log alone after
the sandbox is gone.

Bounded: text files only, a per-file and a total cap, and a list of every file left out with the reason. Written
once while the sandbox is up; `inspect score` re-scoring (no sandbox) keeps what was saved.
"""

from __future__ import annotations

import base64
import io
import logging
import posixpath
import re
import shlex
import tarfile
from collections.abc import Iterable
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant
from inspect_ai.solver import TaskState
from inspect_ai.util import sandbox
from pydantic import BaseModel, Field

from inspect_mlebench.sandbox.layout import CODE_DIR

logger = logging.getLogger(__name__)

EVIDENCE_KEY = "mlebench:evidence"  # sample store: Evidence.model_dump()
CODE_DIR_KEY = "code_dir"  # sample metadata: where the agent keeps its code (default /home/code)
DEFAULT_CODE_DIR = CODE_DIR
EVIDENCE_VERSION = 1

MAX_FILE_BYTES = 200_000  # a longer text file is kept truncated to this many bytes
MAX_TOTAL_BYTES = 2_000_000  # all files together; what does not fit is listed as left out
MAX_FILES = 400
MAX_LISTED = 5_000  # files listed per directory before the listing is cut
MAX_RAN_SCRIPTS = 50
LIST_TIMEOUT_S = 60

# what counts as code or notes; data, weights and predictions are left out by name
TEXT_SUFFIXES = frozenset(
    {".py", ".ipynb", ".sh", ".bash", ".r", ".jl", ".sql", ".js", ".ts", ".c", ".cc", ".cpp", ".h", ".hpp", ".cu",
     ".java", ".scala", ".go", ".rs", ".m", ".txt", ".md", ".rst", ".json", ".yaml", ".yml", ".toml", ".cfg", ".ini",
     ".conf", ".env", ".mk", ".dockerfile"}
)  # fmt: skip
TEXT_NAMES = frozenset({"Makefile", "Dockerfile", "requirements.txt", "Procfile"})
SKIPPED_DIRS = ("__pycache__", ".git", ".ipynb_checkpoints", "node_modules", "site-packages", ".venv", "venv")
SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".r", ".R", ".jl")


class SavedFile(BaseModel):
    path: str
    size: int  # bytes in the sandbox
    text: str
    truncated: bool = False  # only the first MAX_FILE_BYTES are kept
    source: str = "code_dir"  # code_dir: found under a code directory; ran: named in a command the agent ran


class LeftOut(BaseModel):
    path: str
    size: int | None = None
    reason: str


class Evidence(BaseModel):
    """The agent's code as it was when the sample ended."""

    version: int = EVIDENCE_VERSION
    roots: list[str] = Field(default_factory=list)  # the code directories read
    files: list[SavedFile] = Field(default_factory=list)
    left_out: list[LeftOut] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)  # what could not be read at all, and why
    limits: dict[str, int] = Field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(len(f.text.encode("utf-8")) for f in self.files)


def load_evidence(store: dict[str, Any] | None) -> Evidence | None:
    """The evidence a sample's store holds (None for logs written before it was kept)."""
    raw = (store or {}).get(EVIDENCE_KEY)
    return Evidence.model_validate(raw) if raw else None


def _is_text_name(path: str) -> bool:
    name = posixpath.basename(path)
    return name in TEXT_NAMES or posixpath.splitext(name)[1].lower() in TEXT_SUFFIXES


_RUNNER = re.compile(r"^(?:python[0-9.]*|bash|sh|Rscript|julia|source|\.)$")


def scripts_ran(messages: Iterable[ChatMessage], code_dirs: Iterable[str]) -> list[str]:
    """Absolute paths of the scripts the agent's shell commands ran (`python x.py`, `bash run.sh`, `cd d && python
    y.py`) that are not under a code directory, so an agent that works elsewhere still leaves its code."""
    roots = [d.rstrip("/") + "/" for d in code_dirs]
    found: dict[str, None] = {}
    for message in messages:
        if not isinstance(message, ChatMessageAssistant):
            continue
        for call in message.tool_calls or []:
            command = call.arguments.get("command")
            if isinstance(command, str):
                for path in _paths_run(command):
                    if not any(path.startswith(r) for r in roots):
                        found[path] = None
    return list(found)[:MAX_RAN_SCRIPTS]


def _paths_run(command: str) -> list[str]:
    paths: list[str] = []
    cwd: str | None = None  # the directory a preceding `cd` moved to
    for line in re.split(r"\n|&&|\|\||;", command):
        try:
            words = shlex.split(line, comments=True)
        except ValueError:  # an unbalanced quote: fall back to whitespace
            words = line.split()
        if not words:
            continue
        if words[0] == "cd" and len(words) > 1:
            cwd = words[1]
            continue
        for i, word in enumerate(words[:-1]):
            if _RUNNER.match(posixpath.basename(word)):
                target = next((w for w in words[i + 1 :] if not w.startswith("-")), None)
                if target and target.endswith(SCRIPT_SUFFIXES):
                    if posixpath.isabs(target):
                        paths.append(posixpath.normpath(target))
                    elif cwd is not None and posixpath.isabs(cwd):
                        paths.append(posixpath.normpath(posixpath.join(cwd, target)))
                break
    return paths


def _listing_command(root: str) -> list[str]:
    prune = " -o ".join(f"-name {shlex.quote(d)}" for d in SKIPPED_DIRS)
    script = (
        f"find {shlex.quote(root)} \\( {prune} \\) -prune -o -type f -printf '%s\\t%p\\n' 2>/dev/null"
        f" | head -n {MAX_LISTED + 1}"
    )
    return ["sh", "-c", script]


async def _list_files(root: str, evidence: Evidence) -> list[tuple[str, int]]:
    result = await sandbox().exec(["test", "-d", root], timeout=LIST_TIMEOUT_S)
    if not result.success:
        evidence.errors.append(f"{root}: no such directory in the sandbox")
        return []
    result = await sandbox().exec(_listing_command(root), timeout=LIST_TIMEOUT_S)
    if not result.success:
        evidence.errors.append(f"{root}: could not list ({result.stderr.strip()[:200] or result.returncode})")
        return []
    entries = []
    for line in result.stdout.splitlines():
        size, _, path = line.partition("\t")
        if path and size.isdigit():
            entries.append((path, int(size)))
    if len(entries) > MAX_LISTED:
        evidence.errors.append(f"{root}: more than {MAX_LISTED} files; only the first {MAX_LISTED} were considered")
        entries = entries[:MAX_LISTED]
    # the shallowest files first: the agent's own top-level scripts before per-node copies deep below
    return sorted(entries, key=lambda e: (e[0].count("/"), e[0]))


async def _file_size(path: str) -> int | None:
    result = await sandbox().exec(["stat", "-c", "%s", path], timeout=LIST_TIMEOUT_S)
    return int(result.stdout.strip()) if result.success and result.stdout.strip().isdigit() else None


async def _read_head(path: str) -> bytes:
    """The first MAX_FILE_BYTES of a longer file (base64: a cut inside a multi-byte character must not fail the
    decoding of the command's output)."""
    script = f"head -c {MAX_FILE_BYTES} {shlex.quote(path)} | base64"
    result = await sandbox().exec(["sh", "-c", script], timeout=LIST_TIMEOUT_S)
    if not result.success:
        raise OSError(result.stderr.strip()[:200] or f"head exited {result.returncode}")
    return base64.b64decode(result.stdout)


async def _read_many(paths: list[str]) -> dict[str, bytes]:
    """Many small files in one command (a tar stream, base64 over the exec's text output) rather than one round
    trip each: AIDE leaves a script per node. A file that vanished is simply missing from the result."""
    if not paths:
        return {}
    result = await sandbox().exec(
        ["sh", "-c", "tar -cf - -T - 2>/dev/null | base64"], input="\n".join(paths) + "\n", timeout=LIST_TIMEOUT_S
    )
    data = base64.b64decode(result.stdout)
    by_member = {path.lstrip("/"): path for path in paths}
    found: dict[str, bytes] = {}
    if not data:
        return found
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None and member.name in by_member:
                    found[by_member[member.name]] = handle.read()
    except tarfile.TarError as err:  # a cut stream: keep what came through, the rest is listed as unreadable
        logger.warning("evidence: reading the code files stopped early: %s", err)
    return found


def _admit(path: str, size: int, evidence: Evidence, planned: int, used: int) -> bool:
    """Whether a file may be kept under the type, count and size rules; if not, it is listed with the reason."""
    reason = None
    if not _is_text_name(path):
        reason = "not a code or text file type"
    elif planned >= MAX_FILES:
        reason = f"file cap reached ({MAX_FILES} files)"
    elif used + min(size, MAX_FILE_BYTES) > MAX_TOTAL_BYTES:
        reason = f"total cap reached ({MAX_TOTAL_BYTES} bytes)"
    if reason is not None:
        evidence.left_out.append(LeftOut(path=path, size=size, reason=reason))
    return reason is None


async def collect_evidence(code_dirs: list[str], ran: list[str]) -> Evidence:
    """Read the code directories and the scripts the agent ran out of the current sample's sandbox."""
    evidence = Evidence(
        roots=code_dirs,
        limits={"max_file_bytes": MAX_FILE_BYTES, "max_total_bytes": MAX_TOTAL_BYTES, "max_files": MAX_FILES},
    )
    candidates: list[tuple[str, int, str]] = []
    for root in code_dirs:
        candidates += [(path, size, "code_dir") for path, size in await _list_files(root, evidence)]
    for path in ran:
        found = await _file_size(path)
        if found is None:
            evidence.left_out.append(LeftOut(path=path, reason="ran by the agent but gone when the sample ended"))
        else:
            candidates.append((path, found, "ran"))
    plan: list[tuple[str, int, str]] = []
    used = 0
    for path, size, source in candidates:
        if _admit(path, size, evidence, len(plan), used):
            plan.append((path, size, source))
            used += min(size, MAX_FILE_BYTES)
    small = await _read_many([p for p, size, _ in plan if size <= MAX_FILE_BYTES and "\n" not in p])
    for path, size, source in plan:
        try:
            raw = small[path] if path in small else await _read_head(path)
        except (OSError, UnicodeDecodeError, TimeoutError) as err:  # removed or unreadable meanwhile
            evidence.left_out.append(LeftOut(path=path, size=size, reason=f"unreadable: {err}"))
            continue
        if b"\0" in raw:
            evidence.left_out.append(LeftOut(path=path, size=size, reason="binary content"))
            continue
        text = raw.decode("utf-8", errors="replace")
        evidence.files.append(
            SavedFile(path=path, size=size, text=text, truncated=size > MAX_FILE_BYTES, source=source)
        )
    return evidence


async def keep_evidence(state: TaskState) -> Evidence | None:
    """Save the agent's code in the sample store (the scorer calls this before grading). Without a sandbox (a log
    re-scored with `inspect score`) what was saved during the run stays as it is and None is returned."""
    code_dir = str(state.metadata.get(CODE_DIR_KEY) or DEFAULT_CODE_DIR)
    try:
        sandbox()
    except ProcessLookupError:
        return None
    try:
        evidence = await collect_evidence([code_dir], scripts_ran(state.messages, [code_dir]))
    except (OSError, TimeoutError, RuntimeError) as err:  # a sandbox that died at the end: say so in the log
        evidence = Evidence(roots=[code_dir], errors=[f"evidence not collected: {type(err).__name__}: {err}"])
    state.store.set(EVIDENCE_KEY, evidence.model_dump())
    return evidence
