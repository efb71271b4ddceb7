"""petfinder-pawpularity-score: pet photos with twelve binary metadata flags, `Pawpularity` in [1, 100] (RMSE).

Upstream holds out 10% of Kaggle's train (random_state=0); the public test table is that part without the target,
the answers keep every column, the sample submission draws each prediction uniformly from [1, 100] (numpy
`default_rng(0)`, two decimals), and the photos go to `train/` and `test/` by id.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.metrics import rmse
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "Id"
TARGET = "Pawpularity"
FLAGS = [
    "Subject Focus",
    "Eyes",
    "Face",
    "Near",
    "Action",
    "Accessory",
    "Group",
    "Collage",
    "Human",
    "Occlusion",
    "Info",
    "Blur",
]
TEST_SIZE = 0.1
LOW, HIGH = 1, 100


def prepare(raw: Path, public: Path, private: Path) -> None:
    original = read_csv(raw / "train.csv")
    train, test = train_test_split(original, test_size=TEST_SIZE, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID]), "train and test ids overlap"
    sample = test[[ID]].copy()
    sample[TARGET] = np.random.default_rng(0).uniform(LOW, HIGH, len(sample)).round(2)

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.drop(columns=[TARGET]).to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    # both parts' photos come from Kaggle's train/ (its own test photos are unlabelled)
    place_files(raw / "train", train[ID], public / "train", name="{id}.jpg")
    place_files(raw / "train", test[ID], public / "test", name="{id}.jpg")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Upstream's checks: both columns present (others ignored), every prediction a number in [1, 100], and the ids
    exactly the test ids once each; then RMSE."""
    checks.require_columns(submission, [ID, TARGET])
    predicted = checks.numeric_columns(submission, [TARGET])[:, 0]
    outside = (predicted < LOW) | (predicted > HIGH)
    if outside.any():
        raise InvalidSubmissionError(
            f"column '{TARGET}' must be within [{LOW}, {HIGH}]; ids with values outside: "
            f"{checks.examples(submission.loc[outside, ID])}"
        )
    sub, ans = checks.align_by_id(submission.assign(**{TARGET: predicted}), answers, ID)
    return rmse(ans[TARGET].to_numpy(dtype=float), sub[TARGET].to_numpy(dtype=float))


# --- synthetic data ------------------------------------------------------------------------------------------------


def _photo(gen: np.random.Generator, score: float, flags: np.ndarray) -> bytes:
    """A pet-ish blob on a background: the blob's size and brightness grow with the score; a blurred photo is
    smoothed, a 'Human' one gets a skin-coloured patch."""
    side = 48
    yy, xx = np.mgrid[0:side, 0:side]
    radius = 6 + 14 * score / HIGH
    cy, cx = gen.normal(side / 2, 3, 2)
    blob = ((yy - cy) ** 2 + (xx - cx) ** 2) < radius**2
    pixels = gen.normal((90, 110, 120), 20, (side, side, 3))
    pixels[blob] = np.array([120, 90, 60]) + 100 * score / HIGH + gen.normal(0, 8, (int(blob.sum()), 3))
    if flags[FLAGS.index("Human")]:
        pixels[:10, :10] = (225, 180, 150)
    if flags[FLAGS.index("Blur")]:
        pixels = (pixels + np.roll(pixels, 1, 0) + np.roll(pixels, 1, 1) + np.roll(pixels, -1, 0)) / 4
    return jpeg_bytes(pixels)


def _table(gen: np.random.Generator, ids: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    flags = (gen.random((len(ids), len(FLAGS))) < 0.3).astype(int)
    score = 35 + 25 * gen.random(len(ids)) + 10 * flags[:, FLAGS.index("Eyes")] - 8 * flags[:, FLAGS.index("Blur")]
    score = np.clip(np.round(score + gen.normal(0, 4, len(ids))), LOW, HIGH).astype(int)
    return pd.DataFrame({ID: ids, **dict(zip(FLAGS, flags.T, strict=True))}), score


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "petfinder-pawpularity-score")
    n_test = max(4, size // 10)
    ids = hex_ids(gen, size + n_test, 16)
    train, train_score = _table(gen, ids[:size])
    test, test_score = _table(gen, ids[size:])
    write_csv(train.assign(**{TARGET: train_score}), out / "train.csv")
    write_csv(test, out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 0.0}), out / "sample_submission.csv")
    for folder, table, scores in (("train", train, train_score), ("test", test, test_score)):
        flags = table[FLAGS].to_numpy()
        write_files(
            out / folder,
            (f"{i}.jpg" for i in table[ID]),
            (_photo(gen, float(s), f) for s, f in zip(scores, flags, strict=True)),
        )
