"""tabular-playground-series-may-2022: simulated manufacturing control data, ROC AUC of the binary `target`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "target"
# Upstream holds out 100,000 of Kaggle's 900,000 training rows.
TEST_ROWS = 100_000
# Only for inputs too small for TEST_ROWS (synthetic data): never reached with the real 900,000-row file.
SMALL_TEST_FRACTION = 0.1
LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRST"))


def _test_size(n_rows: int) -> int | float:
    return TEST_ROWS if n_rows > 2 * TEST_ROWS else SMALL_TEST_FRACTION


def prepare(raw: Path, public: Path, private: Path) -> None:
    original = read_csv(raw / "train.csv")
    train, test = train_test_split(original, test_size=_test_size(len(original)), random_state=0)
    # Upstream renumbers: train ids 0..n_train-1, then the test ids continue after them.
    train[ID] = np.arange(len(train))
    test[ID] = np.arange(len(train), len(train) + len(test))

    gold = test[[ID, TARGET]].copy()
    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.drop(columns=TARGET).to_csv(public / "test.csv", index=False)
    gold.to_csv(private / "gold_submission.csv", index=False)
    gold.assign(**{TARGET: 0.5}).to_csv(public / "sample_submission.csv", index=False)

    assert len(train) + len(test) == len(original)
    assert list(train.columns) == list(original.columns) == list(test.columns)


def _machines(gen: np.random.Generator, n: int, first_id: int) -> pd.DataFrame:
    frame = pd.DataFrame({ID: np.arange(first_id, first_id + n)})
    for i in range(7):
        frame[f"f_{i:02d}"] = np.round(gen.normal(0, 1, n), 6)
    for i in range(7, 19):
        frame[f"f_{i:02d}"] = gen.poisson(2.5, n)
    for i in range(19, 27):
        frame[f"f_{i:02d}"] = np.round(gen.normal(0, 2, n), 6)
    frame["f_27"] = ["".join(row) for row in gen.choice(LETTERS, size=(n, 10))]
    frame["f_28"] = np.round(gen.normal(0, 230, n), 6)
    frame["f_29"] = gen.integers(0, 2, n)
    frame["f_30"] = gen.integers(0, 3, n)
    # The state depends on a few continuous features and one interaction, as in the real data's spirit.
    logit = 1.2 * frame["f_00"] - 0.6 * frame["f_21"] + 0.8 * frame["f_29"] * frame["f_01"] + gen.normal(0, 0.5, n)
    frame[TARGET] = (logit > 0).astype(int)
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "tabular-playground-series-may-2022")
    train = _machines(gen, size, first_id=0)
    test = _machines(gen, max(10, size // 2), first_id=900_000).drop(columns=TARGET)
    write_csv(train, out / "train.csv")
    write_csv(test, out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 0.5}), out / "sample_submission.csv")
