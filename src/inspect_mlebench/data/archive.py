"""Extracting Kaggle downloads safely: no entry may land outside the target, and the disk must have room first."""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from inspect_mlebench.errors import MLEBenchError

# Room to leave beyond the archive's uncompressed size (filesystem overhead, the preparer's own copies).
DISK_MARGIN = 1.1
# A zip bomb expands a megabyte into gigabytes. Kaggle's downloads (CSV, images, audio) expand a few times, at
# most tens; an archive that would expand more than this, to more than BOMB_MIN_BYTES, is refused before writing.
MAX_EXPANSION = 200
BOMB_MIN_BYTES = 1 << 30
EXPANSION_ENV = "INSPECT_MLEBENCH_MAX_EXPANSION"


class ArchiveError(MLEBenchError, RuntimeError):
    """An archive cannot be extracted safely; the message says which entry or how much space is missing."""


def _check_member(name: str, archive: Path) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ArchiveError(f"{archive.name}: entry '{name}' would be written outside the target directory; refusing")


def _check_space(total_bytes: int, dest: Path, archive: Path) -> None:
    probe = dest
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    needed = int(total_bytes * DISK_MARGIN)
    if needed > free:
        raise ArchiveError(
            f"{archive.name} needs {needed / 2**30:.1f} GiB to extract but {probe} has {free / 2**30:.1f} GiB free; "
            "free space or choose another --data-dir"
        )


def _check_expansion(total_bytes: int, archive: Path) -> None:
    limit = float(os.environ.get(EXPANSION_ENV) or MAX_EXPANSION)
    ratio = total_bytes / max(1, archive.stat().st_size)
    if total_bytes > BOMB_MIN_BYTES and ratio > limit:
        raise ArchiveError(
            f"{archive.name} would expand {ratio:.0f}-fold to {total_bytes / 2**30:.1f} GiB, more than the "
            f"{limit:g}-fold a Kaggle download does; refusing (set {EXPANSION_ENV} higher if you trust this file)"
        )


def _members_sizes(archive: Path) -> Iterable[tuple[str, int, bool]]:
    """(name, uncompressed size, is_link) for every entry."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                is_link = (info.external_attr >> 16) & 0o170000 == 0o120000
                yield info.filename, info.file_size, is_link
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                yield member.name, member.size, member.issym() or member.islnk()
    elif archive.suffix == ".7z":
        import py7zr

        with py7zr.SevenZipFile(archive) as sz:
            for entry in sz.list():
                yield entry.filename, entry.uncompressed or 0, bool(getattr(entry, "is_symlink", False))
    else:
        raise ArchiveError(f"{archive.name}: not a zip, tar or 7z archive")


def extract(archive: Path, dest: Path) -> Path:
    """Extract `archive` into `dest` after checking every entry's path and the free space. Links are refused:
    Kaggle downloads have none, and a link is the usual way to smuggle a write outside the target."""
    if not archive.is_file():
        raise ArchiveError(f"{archive} does not exist")
    members = list(_members_sizes(archive))
    for name, _, is_link in members:
        _check_member(name, archive)
        if is_link:
            raise ArchiveError(f"{archive.name}: entry '{name}' is a link; refusing")
    total = sum(size for _, size, _ in members)
    _check_expansion(total, archive)
    _check_space(total, dest, archive)
    dest.mkdir(parents=True, exist_ok=True)
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(dest)
    elif tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tf:
            tf.extractall(dest, filter="data")
    else:
        import py7zr

        with py7zr.SevenZipFile(archive) as sz:
            sz.extractall(dest)
    return dest
