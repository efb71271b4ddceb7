"""invasive-species-monitoring: does a forest photo show invasive hydrangea (`invasive`, ROC AUC)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import extract, write_7z_folder, zip_file
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "name"
TARGET = "invasive"
TEST_SIZE = 0.2
SEED = 0
PINNED_MTIME = 1_491_004_800  # 2017-04-01, the competition's era


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 20% of Kaggle's labelled train becomes the test set (random_state=0, no stratification); public data
    # is re-compressed like the Kaggle download (7z image folders, zipped CSVs).
    extract(raw / "train.7z", raw)
    extract(raw / "train_labels.csv.zip", raw)
    labels = read_csv(raw / "train_labels.csv")
    train, answers = train_test_split(labels, test_size=TEST_SIZE, random_state=SEED)
    assert set(train[ID]).isdisjoint(answers[ID])
    assert len(train) + len(answers) == len(labels)

    sample = answers.copy()
    sample[TARGET] = 0.5
    answers.to_csv(private / "answers.csv", index=False)
    sample.to_csv(private / "sample_submission.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    train.to_csv(public / "train_labels.csv", index=False)

    place_files(raw / "train", train[ID], public / "train", name="{id}.jpg")
    place_files(raw / "train", answers[ID], public / "test", name="{id}.jpg")

    # The uncompressed sample submission stays in public/ (the framework hands it to the agent); the labels go
    # zipped only, as upstream leaves them.
    zip_file(public / "sample_submission.csv")
    zip_file(public / "train_labels.csv")
    (public / "train_labels.csv").unlink()
    for split in ("train", "test"):
        # Upstream calls `write` on the folder, which stores only an empty directory entry (openai/mle-bench#122);
        # `writeall` stores the images, which is what the archive is for.
        write_7z_folder(public / split, public / f"{split}.7z")
        shutil.rmtree(public / split)


def _photo(gen: np.random.Generator, invasive: bool) -> bytes:
    """A 32x32 green 'forest' JPEG; invasive ones carry a bright blue-violet blotch (the hydrangea flowers)."""
    pixels = np.empty((32, 32, 3))
    pixels[..., 0] = gen.normal(60, 20, (32, 32))
    pixels[..., 1] = gen.normal(120, 25, (32, 32))
    pixels[..., 2] = gen.normal(50, 20, (32, 32))
    if invasive:
        y, x = gen.integers(4, 20, size=2)
        side = gen.integers(8, 13)
        pixels[y : y + side, x : x + side] = gen.normal((150, 130, 220), 15, (side, side, 3))
    return jpeg_bytes(pixels)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "invasive-species-monitoring")
    n = max(size, 10)
    names = np.arange(1, n + 1)
    invasive = (gen.random(n) < 0.6).astype(int)
    # AUC needs both classes among the rows upstream's split holds out.
    held_out = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=SEED)[1]
    invasive[held_out[:2]] = [0, 1]
    n_test = max(4, n // 2)
    test_names = np.arange(1, n_test + 1)

    staging = out / "_staging"
    write_files(staging / "train", [f"{n}.jpg" for n in names], (_photo(gen, bool(f)) for f in invasive))
    test_flags = gen.random(n_test) < 0.6
    write_files(staging / "test", [f"{n}.jpg" for n in test_names], (_photo(gen, bool(f)) for f in test_flags))
    write_csv(pd.DataFrame({ID: names, TARGET: invasive}), staging / "train_labels.csv")
    write_csv(pd.DataFrame({ID: test_names, TARGET: 0.5}), staging / "sample_submission.csv")
    # Archives record file times; pinning them keeps the synthetic download byte-identical for a seed.
    for path in [staging, *staging.rglob("*")]:
        os.utime(path, (PINNED_MTIME, PINNED_MTIME))
    for split in ("train", "test"):
        write_7z_folder(staging / split, out / f"{split}.7z")
    for csv in ("train_labels.csv", "sample_submission.csv"):
        zip_file(staging / csv)
        (staging / f"{csv}.zip").rename(out / f"{csv}.zip")
    shutil.rmtree(staging)
