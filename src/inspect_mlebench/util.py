"""Small helpers every layer uses: atomic file writes, one-line messages, durations. No project imports here."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(
    target: Path,
    content: str | bytes | Callable[[BinaryIO], object],
    *,
    mode: int | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write `target` through a temp file in its folder, fsync'd and renamed into place, so a reader (or a crash)
    never sees half a file. `content` is the text or bytes to write, or a function that writes to the open binary
    file (and may raise to abort: the temp file is removed and `target` is left as it was). `mode`: the file's
    permissions (mkstemp's default is 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            if isinstance(content, str):
                out.write(content.encode(encoding))
            elif isinstance(content, bytes):
                out.write(content)
            else:
                content(out)
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def one_line(text: object, limit: int = 500) -> str:
    """`text` with its whitespace collapsed and cut to `limit` characters, so a message stays one log/JSON line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def first_line(err: BaseException, limit: int | None = None, *, empty: str | None = None) -> str:
    """The first line of an exception's message (libraries put tracebacks and hints below it), for one-line errors
    that name the cause; an empty message gives `empty`, or the type's name when that is None."""
    text = str(err).strip()
    line = text.splitlines()[0] if text else (type(err).__name__ if empty is None else empty)
    return line if limit is None or len(line) <= limit else line[: limit - 3] + "..."


def format_duration(seconds: float) -> str:
    """`1h 05m`, `12m 30s` or `45s`: what an agent reads in its prompt and a user in a log."""
    s = max(0, round(seconds))
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def host_cpus() -> int:
    """The CPUs this process may run on (its affinity where the OS says, e.g. in a container's CPU set)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity else (os.cpu_count() or 1)


def worker_threads(limit: int = 8) -> int:
    """Threads for work split into independent blocks (numpy and Arrow release the GIL): one per CPU, at most
    `limit`."""
    return max(1, min(host_cpus(), limit))
