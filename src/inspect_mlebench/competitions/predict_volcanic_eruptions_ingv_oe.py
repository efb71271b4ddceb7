"""predict-volcanic-eruptions-ingv-oe: time until the next eruption from ten seismic sensors, MAE rounded to an int.

Kaggle's download is `train.csv` (segment_id, time_to_eruption), one CSV per segment under `train/` and `test/`
(columns sensor_1..sensor_10, one row per sample, a sensor that failed left empty) and `sample_submission.csv`.
Upstream holds out 10% of `train.csv` (scikit-learn's split, random_state 0), copies the held-out segments' files to
`public/test/`, and never uses Kaggle's own test segments. Its grader requires both columns, the same *set* of
segment ids (so duplicated rows pass and are scored twice), merges on segment_id and returns the MAE rounded to a
whole number with Python's `round` (halves to even); a mean that overflows cannot be rounded, so it is invalid there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "segment_id"
TARGET = "time_to_eruption"
SENSORS = [f"sensor_{i}" for i in range(1, 11)]
SAMPLES = 300  # samples per synthetic segment (Kaggle's have 60,001)


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, test = train_test_split(table, test_size=0.1, random_state=0)
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError(f"train.csv repeats values of '{ID}' across the split")
    sample = test.copy()
    sample[TARGET] = 0
    test.to_csv(private / "test.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    # every segment, train or test, comes from Kaggle's labelled train/ folder
    place_files(raw / "train", train[ID], public / "train", name="{id}.csv")
    place_files(raw / "train", test[ID], public / "test", name="{id}.csv")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """MAE of time_to_eruption over the answers merged with the submission on segment_id, rounded to an integer."""
    checks.require_columns(submission, [TARGET, ID])
    checks.require_id_set(submission, answers, ID)
    checks.warn_unless_integer_ids(submission, ID)
    if submission[ID].duplicated().any():
        dupes = submission.loc[submission[ID].duplicated(), ID].unique()
        lenient(f"column '{ID}' repeats id(s) {checks.examples(dupes)}; upstream scores every repeated row")
    merged = answers[[ID, TARGET]].merge(submission[[ID, TARGET]], on=ID, suffixes=("_true", "_pred"))
    y_pred = checks.sklearn_floats(merged[f"{TARGET}_pred"], TARGET)
    y_true = merged[f"{TARGET}_true"].to_numpy(dtype=float)
    score = metrics.mae(y_true, y_pred)
    if not np.isfinite(score):
        raise InvalidSubmissionError(f"column '{TARGET}' holds values so large that the mean error overflows")
    return float(round(score))


def _segment(gen: np.random.Generator, time_to_eruption: int) -> pd.DataFrame:
    """Ten sensors of noise whose loudness grows as the eruption nears (the signal a model can learn); now and
    then a sensor is missing for the whole segment, as in Kaggle's data."""
    loudness = 60.0 + 2500.0 * np.exp(-time_to_eruption / 1.2e7)
    data: dict[str, object] = {}
    for name in SENSORS:
        if gen.random() < 0.05:
            data[name] = np.full(SAMPLES, np.nan)
        else:
            scale = loudness * gen.uniform(0.7, 1.3)
            data[name] = np.round(gen.normal(0, scale, SAMPLES)).astype(np.int64)
    return pd.DataFrame(data)


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's layout: `size` labelled segments, max(10, size // 4) unlabelled test segments."""
    gen = rng(seed, "predict-volcanic-eruptions-ingv-oe")
    n_test = max(10, size // 4)
    # distinct ids in Kaggle's range, drawn without materialising the 2.1-billion-value range (16 GB as an array)
    ids = 1_000_000 + gen.choice(2_146_000_000, size + n_test, replace=False)
    train_ids, test_ids = ids[:size], ids[size:]
    times = gen.integers(6_000, 49_000_000, size + n_test)
    write_csv(pd.DataFrame({ID: train_ids, TARGET: times[:size]}), out / "train.csv")
    write_csv(pd.DataFrame({ID: test_ids, TARGET: 0}), out / "sample_submission.csv")
    for folder, seg_ids, seg_times in (("train", train_ids, times[:size]), ("test", test_ids, times[size:])):
        for seg, t in zip(seg_ids, seg_times, strict=True):
            write_csv(_segment(gen, int(t)), out / folder / f"{seg}.csv")
