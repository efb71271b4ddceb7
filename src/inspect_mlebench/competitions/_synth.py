"""Small helpers for synthetic raw data: seeded generators and Kaggle-style files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def rng(seed: int, salt: str) -> np.random.Generator:
    """A generator that differs per competition for the same seed, so datasets are not accidentally alike."""
    return np.random.default_rng([seed, *salt.encode()])


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)


def hex_ids(gen: np.random.Generator, n: int, nbytes: int, suffix: str = "") -> list[str]:
    """`n` distinct random hex ids (`2 * nbytes` digits, then `suffix`), like Kaggle's hashed image names."""
    ids: list[str] = []
    seen: set[str] = set()
    while len(ids) < n:
        candidate = gen.bytes(nbytes).hex() + suffix
        if candidate not in seen:
            seen.add(candidate)
            ids.append(candidate)
    return ids
