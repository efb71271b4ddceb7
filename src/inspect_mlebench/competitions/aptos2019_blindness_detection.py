"""aptos2019-blindness-detection: retina PNGs graded 0-4 for diabetic retinopathy (quadratic weighted kappa)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import png_bytes
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "id_code"
TARGET = "diagnosis"
TEST_SIZE = 0.1
SIDE = 32
# Kaggle's train.csv has roughly this share of each grade 0..4.
GRADE_SHARES = (0.49, 0.10, 0.27, 0.05, 0.09)


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 10% of Kaggle's train becomes the test set, random_state=0, no stratification.
    original = read_csv(raw / "train.csv")
    train, test = train_test_split(original, test_size=TEST_SIZE, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID]), "train and test ids overlap"

    place_files(raw / "train_images", train[ID], public / "train_images", name="{id}.png")
    place_files(raw / "train_images", test[ID], public / "test_images", name="{id}.png")

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.drop(columns=TARGET).to_csv(public / "test.csv", index=False)
    test.assign(**{TARGET: 0}).to_csv(public / "sample_submission.csv", index=False)


def _grades(gen: np.random.Generator, n: int) -> np.ndarray:
    """Random grades, adjusted so upstream's test split is not all one grade (kappa is undefined then)."""
    grades = gen.choice(len(GRADE_SHARES), size=n, p=GRADE_SHARES)
    _, test_pos = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=0)
    if len(test_pos) >= 2 and len(set(grades[test_pos])) < 2:
        grades[test_pos[0]], grades[test_pos[1]] = 0, 2
    return grades


def _fundus(gen: np.random.Generator, grade: int) -> np.ndarray:
    """An orange disc on black; higher grades get more bright yellow lesions and a darker red tone."""
    yy, xx = np.mgrid[:SIDE, :SIDE]
    disc = (yy - SIDE / 2 + 0.5) ** 2 + (xx - SIDE / 2 + 0.5) ** 2 < (SIDE * 0.45) ** 2
    tone = np.array([210, 110, 50], dtype=float) - grade * np.array([15, 12, 5])
    pixels = np.where(disc[..., None], tone + gen.normal(0, 10, (SIDE, SIDE, 3)), 0.0)
    for _ in range(3 * grade):
        y, x = gen.integers(SIDE // 4, 3 * SIDE // 4, size=2)
        pixels[y : y + 2, x : x + 2] = [250, 235, 120]
    return pixels


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "aptos2019-blindness-detection")
    n_test = max(4, size // 4)
    ids = hex_ids(gen, size + n_test, 6)
    train_ids, test_ids = ids[:size], ids[size:]
    grades = _grades(gen, size)

    write_csv(pd.DataFrame({ID: train_ids, TARGET: grades}), out / "train.csv")
    write_csv(pd.DataFrame({ID: test_ids}), out / "test.csv")
    write_csv(pd.DataFrame({ID: test_ids, TARGET: 0}), out / "sample_submission.csv")
    write_files(
        out / "train_images", [f"{i}.png" for i in train_ids], (png_bytes(_fundus(gen, int(g))) for g in grades)
    )
    test_grades = gen.choice(len(GRADE_SHARES), size=n_test, p=GRADE_SHARES)
    write_files(
        out / "test_images", [f"{i}.png" for i in test_ids], (png_bytes(_fundus(gen, int(g))) for g in test_grades)
    )
