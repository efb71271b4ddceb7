"""dogs-vs-cats-redux-kernels-edition: cat/dog JPEGs in zips; `label` is P(dog), scored by log loss."""

from __future__ import annotations

import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import zip_member
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.synth import rng, write_csv

ID = "id"
TARGET = "label"
# Kaggle's own test set has no labels, so upstream holds out 10% of the 25,000 labelled images (random_state=0).
TEST_SIZE = 0.1
SIDE = 32


def prepare(raw: Path, public: Path, private: Path) -> None:
    with zipfile.ZipFile(raw / "train.zip") as source:
        # upstream splits the extracted train/*.jpg sorted by path, i.e. by file name
        names = sorted(_train_images(source), key=lambda name: PurePosixPath(name).name)
        train_names, test_names = train_test_split(names, test_size=TEST_SIZE, random_state=0)
        _write_train(source, train_names, public)
        _write_test(source, test_names, public)

    ids = range(1, len(test_names) + 1)
    is_dog = [int("dog" in PurePosixPath(name).name) for name in test_names]
    pd.DataFrame({ID: ids, TARGET: is_dog}).to_csv(private / "answers.csv", index=False)
    pd.DataFrame({ID: ids, TARGET: 0.5}).to_csv(public / "sample_submission.csv", index=False)


def _train_images(source: zipfile.ZipFile) -> list[str]:
    """Members that upstream's glob of the extracted folder finds: train/<name>.jpg, no subfolders."""
    return [
        name
        for name in source.namelist()
        if name.startswith("train/") and name.count("/") == 1 and name.endswith(".jpg")
    ]


def _write_train(source: zipfile.ZipFile, names: list[str], public: Path) -> None:
    """Renumber each class from 0 in split order, so training file names give no hint of the held-out ones."""
    counters = {"cat": 0, "dog": 0}
    renamed = []
    for name in names:
        kind = "cat" if "cat" in PurePosixPath(name).name else "dog"
        renamed.append(f"{kind}.{counters[kind]}.jpg")
        counters[kind] += 1
    _write_folder_and_zip(source, names, renamed, public / "train")


def _write_test(source: zipfile.ZipFile, names: list[str], public: Path) -> None:
    _write_folder_and_zip(source, names, [f"{i}.jpg" for i in range(1, len(names) + 1)], public / "test")


def _write_folder_and_zip(source: zipfile.ZipFile, names: list[str], renamed: list[str], folder: Path) -> None:
    # Upstream leaves both the image folder and its zip (files at the archive's top level) in public/.
    folder.mkdir(exist_ok=True)
    with zipfile.ZipFile(folder.with_suffix(".zip"), "w", zipfile.ZIP_DEFLATED) as archive:
        for name, new_name in zip(names, renamed, strict=True):
            data = source.read(name)
            (folder / new_name).write_bytes(data)
            archive.writestr(new_name, data)


def _cat_count(n: int) -> int:
    """How many of n images are cats, chosen so upstream's test split (over sorted names) holds both classes."""
    if n < 2:
        return n
    _, test_pos = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=0)
    # Sorted, every cat.* name comes before every dog.*, so positions below the count are cats.
    low, high = int(test_pos.min()) + 1, int(test_pos.max())
    return min(max(n // 2, low), high) if low <= high else n // 2


def _photo(gen: np.random.Generator, is_dog: bool) -> bytes:
    """A blob on a noisy background: warm brown for dogs, cool grey for cats."""
    yy, xx = np.mgrid[:SIDE, :SIDE]
    cy, cx = gen.uniform(SIDE * 0.35, SIDE * 0.65, size=2)
    body = ((yy - cy) / (SIDE * 0.35)) ** 2 + ((xx - cx) / (SIDE * 0.3)) ** 2 < 1
    coat = np.array([150, 100, 60] if is_dog else [120, 125, 140], dtype=float)
    background = gen.uniform(60, 200) + gen.normal(0, 15, (SIDE, SIDE, 3))
    pixels = np.where(body[..., None], coat + gen.normal(0, 15, (SIDE, SIDE, 3)), background)
    return jpeg_bytes(pixels)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "dogs-vs-cats-redux-kernels-edition")
    n_cats = _cat_count(size)
    n_test = max(4, size // 4)
    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out / "train.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(n_cats):
            archive.writestr(zip_member(f"train/cat.{i}.jpg"), _photo(gen, is_dog=False))
        for i in range(size - n_cats):
            archive.writestr(zip_member(f"train/dog.{i}.jpg"), _photo(gen, is_dog=True))
    with zipfile.ZipFile(out / "test.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for i in range(1, n_test + 1):
            archive.writestr(zip_member(f"test/{i}.jpg"), _photo(gen, is_dog=bool(gen.random() < 0.5)))
    write_csv(pd.DataFrame({ID: range(1, n_test + 1), TARGET: 0.5}), out / "sample_submission.csv")
