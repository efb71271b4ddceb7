"""plant-pathology-2020-fgvc7: apple-leaf condition in four one-hot columns (mean column-wise ROC AUC)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "image_id"
CLASSES = ["healthy", "multiple_diseases", "rust", "scab"]
TEST_SIZE = 0.1
SEED = 0


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 10% of Kaggle's train becomes the test set (random_state=0, no stratification); every image is then
    # renamed Train_<i> / Test_<i> in split order so the new test ids don't reveal their original position.
    original = read_csv(raw / "train.csv")
    train, answers = train_test_split(original, test_size=TEST_SIZE, random_state=SEED)
    assert set(train[ID]).isdisjoint(answers[ID])
    assert len(train) + len(answers) == len(original)
    renamed = {
        **{old: f"Train_{i}" for i, old in enumerate(train[ID].unique())},
        **{old: f"Test_{i}" for i, old in enumerate(answers[ID].unique())},
    }
    train[ID] = train[ID].map(renamed)
    answers[ID] = answers[ID].map(renamed)

    sample = answers[[ID]].copy()
    sample[CLASSES] = 0.25
    (public / "images").mkdir()
    for old in original[ID]:
        shutil.copyfile(raw / "images" / f"{old}.jpg", public / "images" / f"{renamed[old]}.jpg")

    answers.to_csv(private / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    answers[[ID]].to_csv(public / "test.csv", index=False)
    train.to_csv(public / "train.csv", index=False)


# Mean colour of the lesions each condition adds to a green leaf.
_SPOTS = {"rust": (230, 140, 30), "scab": (90, 70, 50)}


def _photo(gen: np.random.Generator, condition: str) -> bytes:
    pixels = gen.normal((80, 150, 70), 12, (32, 32, 3))
    kinds = {"healthy": [], "multiple_diseases": ["rust", "scab"]}.get(condition, [condition])
    for kind in kinds:
        for _ in range(3):
            y, x = gen.integers(0, 27, size=2)
            pixels[y : y + 5, x : x + 5] = gen.normal(_SPOTS[kind], 10, (5, 5, 3))
    return jpeg_bytes(pixels)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "plant-pathology-2020-fgvc7")
    n = max(size, 40)
    condition = gen.choice(len(CLASSES), n, p=[0.3, 0.1, 0.3, 0.3])
    # Each column's AUC needs both values in the rows upstream's split holds out, so every class appears there.
    held_out = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=SEED)[1]
    condition[held_out[: len(CLASSES)]] = np.arange(len(CLASSES))
    one_hot = np.eye(len(CLASSES), dtype=int)[condition]
    train = pd.DataFrame({ID: [f"Train_{i}" for i in range(n)], **dict(zip(CLASSES, one_hot.T, strict=True))})
    test_ids = [f"Test_{i}" for i in range(max(4, n // 10))]

    (out / "images").mkdir(parents=True)
    for image_id, k in zip(train[ID], condition, strict=True):
        (out / "images" / f"{image_id}.jpg").write_bytes(_photo(gen, CLASSES[k]))
    for image_id in test_ids:
        (out / "images" / f"{image_id}.jpg").write_bytes(_photo(gen, CLASSES[int(gen.integers(0, len(CLASSES)))]))
    write_csv(train, out / "train.csv")
    write_csv(pd.DataFrame({ID: test_ids}), out / "test.csv")
    write_csv(pd.DataFrame({ID: test_ids, **dict.fromkeys(CLASSES, 0.25)}), out / "sample_submission.csv")
