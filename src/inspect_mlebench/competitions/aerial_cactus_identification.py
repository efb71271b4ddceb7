"""aerial-cactus-identification: 32x32 aerial JPEGs inside zips, binary `has_cactus` (ROC AUC)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import write_zip
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.media import rezip
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "has_cactus"
# Upstream holds out 19% of Kaggle's train (about 4000 of 17500 + 4000) with random_state=0, unstratified.
TEST_SIZE = 0.19
SIDE = 32
POSITIVE_RATE = 0.75  # Kaggle's train is roughly three quarters cactus


def prepare(raw: Path, public: Path, private: Path) -> None:
    original = read_csv(raw / "train.csv")
    train, test = train_test_split(original, test_size=TEST_SIZE, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID]), "train and test ids overlap"

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.assign(**{TARGET: 0.5}).to_csv(public / "sample_submission.csv", index=False)

    # Kaggle's train.zip nests images under train/; upstream's re-zipped archives hold them at the top level.
    with zipfile.ZipFile(raw / "train.zip") as source:
        rezip(source, ((f"train/{i}", i) for i in train[ID]), public / "train.zip")
        rezip(source, ((f"train/{i}", i) for i in test[ID]), public / "test.zip")


def _labels(gen: np.random.Generator, n: int) -> np.ndarray:
    """Random labels, adjusted so upstream's test split holds both classes (AUC needs both)."""
    labels = (gen.random(n) < POSITIVE_RATE).astype(int)
    _, test_pos = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=0)
    if len(test_pos) >= 2 and len(set(labels[test_pos])) < 2:
        labels[test_pos[0]], labels[test_pos[1]] = 0, 1
    return labels


def _tile(gen: np.random.Generator, has_cactus: int) -> bytes:
    """Sandy ground with noise; a cactus is a dark green vertical stroke."""
    pixels = np.array([190, 165, 120], dtype=float) + gen.normal(0, 18, (SIDE, SIDE, 3))
    if has_cactus:
        col, top = int(gen.integers(4, SIDE - 8)), int(gen.integers(0, SIDE // 3))
        width, length = int(gen.integers(3, 7)), int(gen.integers(SIDE // 2, SIDE))
        pixels[top : top + length, col : col + width] = np.array([70, 115, 55]) + gen.normal(0, 10, 3)
    return jpeg_bytes(pixels)


def _write_zip(path: Path, folder: str, ids: list[str], images: list[bytes]) -> None:
    write_zip(path, ((f"{folder}/{image_id}", data) for image_id, data in zip(ids, images, strict=True)))


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "aerial-cactus-identification")
    n_test = max(4, size // 4)
    ids = hex_ids(gen, size + n_test, 16, ".jpg")
    train_ids, test_ids = ids[:size], ids[size:]
    labels = _labels(gen, size)
    test_labels = (gen.random(n_test) < POSITIVE_RATE).astype(int)

    write_csv(pd.DataFrame({ID: train_ids, TARGET: labels}), out / "train.csv")
    write_csv(pd.DataFrame({ID: test_ids, TARGET: 0.5}), out / "sample_submission.csv")
    _write_zip(out / "train.zip", "train", train_ids, [_tile(gen, int(y)) for y in labels])
    _write_zip(out / "test.zip", "test", test_ids, [_tile(gen, int(y)) for y in test_labels])
