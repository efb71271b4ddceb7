"""ventilator-pressure-prediction: airway pressure per time step of simulated breaths, MAE over inspiration only.

Upstream holds out 10% of Kaggle's breaths (whole breaths, never split), renumbers both sides' ids from 1 and
writes floats with `%.10g`. Its grader sorts submission and answers by `id`, requires the same ids, then scores only
the rows where the answers' `u_out` is 0 (the expiratory phase is not scored), so values in the other rows are never
looked at.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.holdout import split_by_group
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "pressure"
BREATH = "breath_id"
STEPS = 80  # time steps per breath, as in Kaggle's data
FLOAT_FORMAT = "%.10g"
# Kaggle's columns and the dtypes upstream reads them with (they fix how the split files are written)
DTYPES = {
    "id": "int32",
    "breath_id": "int32",
    "R": "int8",
    "C": "int8",
    "time_step": "float64",
    "u_in": "float64",
    "u_out": "int8",
    "pressure": "float64",
}


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv", dtype=DTYPES)
    # the split shuffles breaths (in sorted breath_id order), never rows; each side is renumbered from 1
    train, test = (
        part.assign(**{ID: np.arange(1, len(part) + 1)})
        for part in split_by_group(table, BREATH, test_size=0.1, random_state=0)
    )
    public_test = test.drop(columns=[TARGET])
    sample = pd.DataFrame({ID: public_test[ID], TARGET: 0})
    train.to_csv(public / "train.csv", index=False, float_format=FLOAT_FORMAT)
    public_test.to_csv(public / "test.csv", index=False, float_format=FLOAT_FORMAT)
    sample.to_csv(public / "sample_submission.csv", index=False, float_format=FLOAT_FORMAT)
    test.to_csv(private / "test.csv", index=False, float_format=FLOAT_FORMAT)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """MAE of `pressure` over the test rows whose `u_out` is 0, rows paired after sorting both files by id."""
    checks.require_columns(submission, [ID, TARGET])
    checks.require_row_count(submission, answers)
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    checks.warn_unless_integer_ids(submission, ID)
    scored = np.asarray(ans["u_out"].to_numpy() == 0)
    skipped = sub.loc[~scored, TARGET]
    if not np.isfinite(pd.to_numeric(skipped, errors="coerce").to_numpy(dtype=float)).all():
        lenient(
            f"column '{TARGET}' has missing, infinite or non-numeric values in expiratory rows (u_out = 1), which "
            "upstream never scores"
        )
    y_pred = checks.sklearn_floats(sub.loc[scored, TARGET], TARGET)
    y_true = ans.loc[scored, TARGET].to_numpy(dtype=float)
    return metrics.mae(y_true, y_pred)


def _breath(gen: np.random.Generator) -> dict[str, np.ndarray]:
    """One simulated breath: a valve opening `u_in` during inspiration (about the first 30 steps), then exhalation.
    Pressure rises with the volume let in (the integral of u_in) over compliance C and with flow times resistance
    R, as in the real lung simulator; values are quantized like Kaggle's sensor readings."""
    r = int(gen.choice([5, 20, 50]))
    c = int(gen.choice([10, 20, 50]))
    dt = 0.0333 + gen.normal(0, 0.0005, STEPS)
    time = np.concatenate([[0.0], np.cumsum(dt[:-1])])
    inspiratory = time < 1.0
    level = gen.uniform(5, 60)
    u_in = np.where(inspiratory, np.clip(level * (1 - np.exp(-time * 8)) + gen.normal(0, 2, STEPS), 0, 100), 0.0)
    u_in = np.where(inspiratory, u_in, np.clip(gen.normal(3, 1, STEPS), 0, 10))
    volume = np.cumsum(np.where(inspiratory, u_in, 0.0) * dt)
    pressure = np.where(
        inspiratory,
        5.0 + volume * 20.0 / c + u_in * r / 100.0,
        5.0 + volume[inspiratory].max(initial=0.0) * 2.0 / c * np.exp(-(time - 1.0) * 4),
    )
    step = 0.07030215
    quantized = -1.895744294564641 + np.round((pressure + gen.normal(0, 0.1, STEPS) + 1.895744294564641) / step) * step
    return {
        "R": np.full(STEPS, r),
        "C": np.full(STEPS, c),
        "time_step": time,
        "u_in": u_in,
        "u_out": (~inspiratory).astype(int),
        TARGET: quantized,
    }


def _breaths(gen: np.random.Generator, n: int, first_id: int, first_breath: int) -> pd.DataFrame:
    # Kaggle's breath ids skip numbers (the test set's breaths sit between them)
    breath_ids = first_breath + np.cumsum(gen.integers(1, 3, n))
    parts = [pd.DataFrame({BREATH: b, **_breath(gen)}) for b in breath_ids]
    frame = pd.concat(parts, ignore_index=True)
    frame.insert(0, ID, np.arange(first_id, first_id + len(frame)))
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training breaths' worth of rows divided by 2 (80 rows per breath; at least 20 breaths, so the
    10% test split holds two), plus a Kaggle test set of half as many breaths."""
    gen = rng(seed, "ventilator-pressure-prediction")
    n_train = max(20, size // 2)
    train = _breaths(gen, n_train, 1, 0)
    test = _breaths(gen, max(4, n_train // 2), len(train) + 1, int(train[BREATH].max()))
    write_csv(train, out / "train.csv")
    write_csv(test.drop(columns=[TARGET]), out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 0}), out / "sample_submission.csv")
