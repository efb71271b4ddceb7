"""plant-pathology-2021-fgvc8: apple-leaf photos, each with a space-separated set of conditions (micro-F1 over the
label sets).

Upstream holds out 20% of Kaggle's train (random_state=0): `answers.csv` keeps those rows, the sample submission
gives each of them `healthy`, and the photos go to `train_images/` and `test_images/`. There is no public test
table: the agent lists `test_images/`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.grading.metrics import multilabel_micro_f1
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "image"
TARGET = "labels"
TEST_SIZE = 0.2
# Kaggle's twelve label sets, with their rough shares in train.csv.
LABEL_SETS = {
    "scab": 0.26,
    "healthy": 0.25,
    "frog_eye_leaf_spot": 0.17,
    "rust": 0.10,
    "complex": 0.08,
    "powdery_mildew": 0.06,
    "scab frog_eye_leaf_spot": 0.04,
    "scab frog_eye_leaf_spot complex": 0.01,
    "frog_eye_leaf_spot complex": 0.01,
    "rust frog_eye_leaf_spot": 0.01,
    "rust complex": 0.005,
    "powdery_mildew complex": 0.005,
}


def prepare(raw: Path, public: Path, private: Path) -> None:
    original = read_csv(raw / "train.csv")
    train, answers = train_test_split(original, test_size=TEST_SIZE, random_state=0)
    assert set(train[ID]).isdisjoint(answers[ID]), "train and test images overlap"

    answers.to_csv(private / "answers.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    answers.assign(**{TARGET: "healthy"}).to_csv(public / "sample_submission.csv", index=False)
    place_files(raw / "train_images", train[ID], public / "train_images")
    place_files(raw / "train_images", answers[ID], public / "test_images")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Upstream's checks: both columns present (others ignored), one row per test image, exactly the test images;
    an empty label counts as no labels (a warning, invalid in strict mode); labels must be text (upstream splits
    them as strings)."""
    checks.require_columns(submission, [ID, TARGET])
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the answers have {len(answers)}")
    sub, ans = checks.align_by_id(submission, answers, ID)
    empty = int(sub[TARGET].isna().sum())
    if empty:
        lenient(f"column '{TARGET}' has {empty} empty label(s), read as predicting no labels, as upstream does")
    # upstream's fillna(""), without pandas' warning about filling a float column with text
    predicted = sub[TARGET].astype(object).where(sub[TARGET].notna(), "")
    not_text = ~predicted.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not_text.any():
        raise InvalidSubmissionError(
            f"column '{TARGET}' must hold space-separated label names; non-text values for image(s) "
            f"{checks.examples(sub.loc[not_text, ID])}"
        )
    return multilabel_micro_f1(ans[TARGET].fillna("").to_numpy(dtype=object), predicted.to_numpy(dtype=object))


# --- synthetic data ------------------------------------------------------------------------------------------------

# Mean colour of the marks each condition leaves on a green leaf.
_MARKS = {
    "scab": (80, 70, 45),
    "frog_eye_leaf_spot": (150, 110, 90),
    "rust": (225, 130, 30),
    "complex": (120, 40, 40),
    "powdery_mildew": (235, 235, 225),
}


def _photo(gen: np.random.Generator, labels: str) -> bytes:
    pixels = gen.normal((70, 140, 60), 12, (40, 40, 3))
    for label in labels.split():
        if label == "healthy":
            continue
        for _ in range(3):
            y, x = gen.integers(0, 34, size=2)
            pixels[y : y + 6, x : x + 6] = gen.normal(_MARKS[label], 10, (6, 6, 3))
    return jpeg_bytes(pixels)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "plant-pathology-2021-fgvc8")
    names = list(LABEL_SETS)
    shares = np.array(list(LABEL_SETS.values()))
    n_test = 3
    ids = hex_ids(gen, size + n_test, 8, ".jpg")
    labels = [names[k] for k in gen.choice(len(names), size, p=shares / shares.sum())]
    # the held-out part gets several kinds of label set, multi-label ones included
    held_out = train_test_split(np.arange(size), test_size=TEST_SIZE, random_state=0)[1]
    for position, name in zip(held_out, ["healthy", "scab frog_eye_leaf_spot", "rust", "complex"], strict=False):
        labels[position] = name
    train = pd.DataFrame({ID: ids[:size], TARGET: labels})
    write_csv(train, out / "train.csv")
    write_csv(pd.DataFrame({ID: ids[size:], TARGET: "healthy"}), out / "sample_submission.csv")
    write_files(out / "train_images", train[ID], (_photo(gen, name) for name in labels))
    test_labels = [names[k] for k in gen.choice(len(names), n_test, p=shares / shares.sum())]
    write_files(out / "test_images", ids[size:], (_photo(gen, name) for name in test_labels))
