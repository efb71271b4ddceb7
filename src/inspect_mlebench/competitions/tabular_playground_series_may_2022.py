"""tabular-playground-series-may-2022: simulated manufacturing control data, ROC AUC of the binary `target`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.kit.synth import rng, synthesize_tabular

ID = "id"
TARGET = "target"
LETTERS = np.array(list("ABCDEFGHIJKLMNOPQRST"))


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
    synthesize_tabular(out, gen, _machines, size=size, id_column=ID, sample_fill={TARGET: 0.5}, test_first_id=900_000)
