"""Zip and 7z archives as Kaggle ships them, written deterministically where the caller needs it.

Zip entries carry a modification time. Entries made here from in-memory data get a fixed time, so the same input
gives byte-identical archives (synthetic raw data is fingerprinted); entries made from files on disk keep those files'
times, so callers that need fixed bytes pin the times first (`os.utime`), as they must for 7z too.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can hold; the default for entries written from memory."""

Members = Mapping[str, bytes | str] | Iterable[tuple[str, bytes | str]]
"""Archive members as {name: data} or (name, data) pairs, in the order they are written; str data is UTF-8 encoded,
and a name ending in "/" with empty data is a directory entry."""


def zip_member(
    name: str,
    date_time: tuple[int, int, int, int, int, int] = FIXED_DATE_TIME,
    compress_type: int = zipfile.ZIP_DEFLATED,
) -> zipfile.ZipInfo:
    """A zip entry with a fixed timestamp (deflated unless told), so the same data gives byte-identical archives."""
    info = zipfile.ZipInfo(name, date_time=date_time)
    info.compress_type = compress_type
    return info


def write_zip(
    path: Path,
    members: Members,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    date_time: tuple[int, int, int, int, int, int] = FIXED_DATE_TIME,
) -> None:
    """A zip of in-memory `members`, every entry with `date_time`: the same members give the same bytes."""
    items = members.items() if isinstance(members, Mapping) else members
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in items:
            archive.writestr(zip_member(name, date_time, compression), data)


def zip_csv(
    frame: pd.DataFrame,
    path: Path,
    member: str | None = None,
    *,
    compression: int = zipfile.ZIP_DEFLATED,
    date_time: tuple[int, int, int, int, int, int] = FIXED_DATE_TIME,
    sep: str = ",",
) -> None:
    """A CSV inside a zip, as Kaggle ships tables: `train.csv.zip` holding `train.csv` (the member defaults to the
    archive's name without `.zip`), written without the index."""
    name = member if member is not None else path.name.removesuffix(".zip")
    write_zip(path, [(name, frame.to_csv(index=False, sep=sep))], compression=compression, date_time=date_time)


def zip_file(path: Path) -> Path:
    """`x.csv` -> `x.csv.zip` next to it, holding `x.csv` at its root (deflated, with the file's own time), as a
    Kaggle download ships a single file. Returns the archive's path."""
    archive = path.with_name(path.name + ".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(path, arcname=path.name)
    return archive


def zip_folder(
    folder: Path, archive: Path, *, arcname: str | None = None, compression: int = zipfile.ZIP_DEFLATED
) -> None:
    """Re-zip a folder deterministically: entries under `arcname/` (default: the folder's name) in sorted order,
    directory entries included, every entry with the fixed time, whatever the files' times on disk."""
    root = folder.name if arcname is None else arcname
    prefix = f"{root}/" if root else ""
    members: list[tuple[str, bytes | str]] = [(prefix, b"")] if prefix else []
    for item in sorted(folder.rglob("*")):
        name = prefix + item.relative_to(folder).as_posix()
        members.append((name + "/", b"") if item.is_dir() else (name, item.read_bytes()))
    write_zip(archive, members, compression=compression)


def write_7z_folder(folder: Path, archive: Path) -> None:
    """A 7z archive holding `folder` (under its own name) and everything in it, with the files' times on disk."""
    import py7zr  # imported here: only preparation needs it, and grading imports the competition modules

    with py7zr.SevenZipFile(archive, "w") as z:
        z.writeall(folder, arcname=folder.name)


def extract(archive: Path, dest: Path) -> None:
    """Extract a .zip or .7z archive into `dest`."""
    if archive.suffix == ".7z":
        import py7zr

        with py7zr.SevenZipFile(archive, mode="r") as z:
            z.extractall(dest)
    else:
        with zipfile.ZipFile(archive) as z:
            z.extractall(dest)
