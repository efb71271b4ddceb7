"""playground-series-s3e18: multi-label enzyme substrate classification, mean ROC AUC over EC1 and EC2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.kit.synth import rng, write_tabular_download

ID = "id"
SCORED = ["EC1", "EC2"]
TARGETS = ["EC1", "EC2", "EC3", "EC4", "EC5", "EC6"]
FEATURES = [
    "BertzCT",
    "Chi1",
    "Chi1n",
    "Chi1v",
    "Chi2n",
    "Chi2v",
    "Chi3v",
    "Chi4n",
    "EState_VSA1",
    "EState_VSA2",
    "ExactMolWt",
    "FpDensityMorgan1",
    "FpDensityMorgan2",
    "FpDensityMorgan3",
    "HallKierAlpha",
    "HeavyAtomMolWt",
    "Kappa3",
    "MaxAbsEStateIndex",
    "MinEStateIndex",
    "NumHeteroatoms",
    "PEOE_VSA10",
    "PEOE_VSA14",
    "PEOE_VSA6",
    "PEOE_VSA7",
    "PEOE_VSA8",
    "SMR_VSA10",
    "SMR_VSA5",
    "SlogP_VSA3",
    "VSA_EState9",
    "fr_COO",
    "fr_COO2",
]


def _molecules(gen: np.random.Generator, n: int, first_id: int) -> pd.DataFrame:
    frame = pd.DataFrame({ID: np.arange(first_id, first_id + n)})
    for name in FEATURES:
        if name.startswith(("fr_", "Num")):
            frame[name] = gen.integers(0, 8, n)
        else:
            frame[name] = np.round(gen.gamma(2.0, 5.0, n), 6)
    # EC1/EC2 follow two different descriptors, so both scored columns have something to learn.
    z = (frame[FEATURES].to_numpy(dtype=float) - 10.0) / 7.0
    logits = {
        "EC1": 1.5 * z[:, 0] - 1.0 * z[:, 14] + gen.normal(0, 0.5, n),
        "EC2": 1.5 * z[:, 10] + 0.8 * frame["fr_COO"].to_numpy() / 4 - 0.8 + gen.normal(0, 0.5, n),
    }
    for name in TARGETS:
        frame[name] = (logits[name] > 0).astype(int) if name in logits else (gen.random(n) < 0.15).astype(int)
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "playground-series-s3e18")
    train = _molecules(gen, size, first_id=0)
    test = _molecules(gen, max(10, size // 2), first_id=size).drop(columns=TARGETS)
    write_tabular_download(out, train, test, id_column=ID, sample_fill={"EC1": 0.5, "EC2": 0.5})
