from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.formats.archives import (
    FIXED_DATE_TIME,
    extract,
    write_7z_folder,
    write_zip,
    zip_csv,
    zip_file,
    zip_folder,
    zip_member,
)


def test_zip_is_byte_identical_for_the_same_input(tmp_path: Path) -> None:
    members: dict[str, bytes | str] = {"train/": b"", "train/a.txt": "alpha", "train/b.bin": bytes(range(256))}
    write_zip(tmp_path / "one.zip", members)
    time.sleep(2.1)  # zip times have two-second resolution: a wall-clock time would now differ
    write_zip(tmp_path / "two.zip", list(members.items()))
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as z:
        assert z.namelist() == list(members)
        assert z.read("train/a.txt") == b"alpha"
        assert {info.date_time for info in z.infolist()} == {FIXED_DATE_TIME}
        assert z.getinfo("train/b.bin").compress_type == zipfile.ZIP_DEFLATED


def test_stored_zip_and_member_settings(tmp_path: Path) -> None:
    write_zip(tmp_path / "s.zip", {"a": b"x" * 100}, compression=zipfile.ZIP_STORED, date_time=(2017, 1, 2, 3, 4, 6))
    with zipfile.ZipFile(tmp_path / "s.zip") as z:
        info = z.getinfo("a")
        assert (info.compress_type, info.date_time, info.compress_size) == (
            zipfile.ZIP_STORED,
            (2017, 1, 2, 3, 4, 6),
            100,
        )
    assert zip_member("m").compress_type == zipfile.ZIP_DEFLATED


def test_csv_inside_zip_as_kaggle_ships_it(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [1, 2], "label": ["a", "b"]})
    zip_csv(frame, tmp_path / "train.csv.zip")
    zip_csv(frame, tmp_path / "other.zip", "train.tsv", sep="\t")
    with zipfile.ZipFile(tmp_path / "train.csv.zip") as z:
        assert z.namelist() == ["train.csv"]
        assert z.read("train.csv") == b"id,label\n1,a\n2,b\n"
    with zipfile.ZipFile(tmp_path / "other.zip") as z:
        assert z.read("train.tsv") == b"id\tlabel\n1\ta\n2\tb\n"
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "train.csv.zip"), frame)


def test_zip_file_keeps_the_file_at_the_root(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a\n1\n")
    archive = zip_file(tmp_path / "x.csv")
    assert archive == tmp_path / "x.csv.zip"
    with zipfile.ZipFile(archive) as z:
        assert z.namelist() == ["x.csv"]


def _tree(root: Path) -> None:
    (root / "imgs" / "sub").mkdir(parents=True)
    (root / "imgs" / "b.jpg").write_bytes(b"bbb")
    (root / "imgs" / "a.jpg").write_bytes(b"aaa")
    (root / "imgs" / "sub" / "c.jpg").write_bytes(b"ccc")


def test_rezipped_folder_is_sorted_and_ignores_file_times(tmp_path: Path) -> None:
    _tree(tmp_path)
    zip_folder(tmp_path / "imgs", tmp_path / "one.zip")
    os.utime(tmp_path / "imgs" / "a.jpg", (0, 1_000_000_000))
    zip_folder(tmp_path / "imgs", tmp_path / "two.zip")
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "one.zip") as z:
        assert z.namelist() == ["imgs/", "imgs/a.jpg", "imgs/b.jpg", "imgs/sub/", "imgs/sub/c.jpg"]
    zip_folder(tmp_path / "imgs", tmp_path / "flat.zip", arcname="")
    with zipfile.ZipFile(tmp_path / "flat.zip") as z:
        assert z.namelist() == ["a.jpg", "b.jpg", "sub/", "sub/c.jpg"]


@pytest.mark.parametrize("suffix", [".7z", ".zip"])
def test_archives_extract(tmp_path: Path, suffix: str) -> None:
    _tree(tmp_path / "src")
    archive = tmp_path / f"imgs{suffix}"
    if suffix == ".7z":
        write_7z_folder(tmp_path / "src" / "imgs", archive)
    else:
        zip_folder(tmp_path / "src" / "imgs", archive)
    extract(archive, tmp_path / "out")
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*.jpg")) == [
        "imgs/a.jpg",
        "imgs/b.jpg",
        "imgs/sub/c.jpg",
    ]
    assert (tmp_path / "out" / "imgs" / "sub" / "c.jpg").read_bytes() == b"ccc"
