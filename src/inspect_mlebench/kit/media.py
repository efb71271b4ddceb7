"""Placing a competition's media files (images, audio, scans) into the prepared dirs, by id.

Real datasets here reach hundreds of GB, so files are hard-linked where the raw and prepared dirs share a
filesystem (no extra space, no copy time) and copied otherwise; the space a copy would need is checked before the
first file is written, so preparation fails at once with the figures instead of filling the disk midway.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from collections.abc import Iterable
from pathlib import Path

from inspect_mlebench.errors import MLEBenchError

GIB = 1024**3


class MediaError(MLEBenchError, OSError):
    """A media file is missing, or the destination lacks the space for the copies."""


def _same_filesystem(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def ensure_free_space(dest: Path, needed: int, what: str) -> None:
    """Raise with both figures when `dest`'s filesystem has less than `needed` bytes free."""
    free = shutil.disk_usage(dest).free
    if needed > free:
        raise MediaError(
            f"{what} needs {needed / GIB:.1f} GiB in {dest} but only {free / GIB:.1f} GiB is free; free some space "
            "or prepare into a data dir on the same filesystem as the raw files (then they are linked, not copied)"
        )


def place_files(source: Path, ids: Iterable[object], dest: Path, *, name: str = "{id}", link: bool = True) -> int:
    """Put `source/<name>` for each id into `dest` (created), hard-linked when possible, else copied.

    `name` is a template with `{id}`, e.g. `"{id}.jpg"`. Returns the number of files placed."""
    dest.mkdir(parents=True, exist_ok=True)
    names = [name.format(id=item) for item in ids]
    missing = [n for n in names if not (source / n).is_file()]
    if missing:
        more = f" (+{len(missing) - 3} more)" if len(missing) > 3 else ""
        raise MediaError(f"{len(missing)} file(s) missing in {source}: {', '.join(missing[:3])}{more}")
    linking = link and _same_filesystem(source, dest)
    if not linking:
        ensure_free_space(dest, sum((source / n).stat().st_size for n in names), f"copying {len(names)} files")
    for file_name in names:
        target = dest / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        if linking:
            try:
                os.link(source / file_name, target)
                continue
            except OSError:  # e.g. a filesystem without hard links: copy this one instead
                pass
        shutil.copyfile(source / file_name, target)
    return len(names)


def rezip(
    source: zipfile.ZipFile,
    members: Iterable[tuple[str, str]],
    dest: Path,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
) -> int:
    """Write a new zip at `dest` with `(name in source, name in dest)` pairs (a subset, renamed or moved out of a
    folder), streaming each member. Returns the number of members written."""
    count = 0
    with zipfile.ZipFile(dest, "w", compression) as out:
        for inner, outer in members:
            with source.open(inner) as reader, out.open(outer, "w") as writer:
                shutil.copyfileobj(reader, writer, 1 << 20)
            count += 1
    return count
