"""Small helpers for synthetic raw data: seeded generators and Kaggle-style files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


def write_tabular_download(
    out: Path, train: pd.DataFrame, test: pd.DataFrame, *, id_column: str, sample_fill: dict[str, object]
) -> None:
    """Kaggle's usual tabular download: `train.csv`, `test.csv` (only the columns of `test` that are not in
    `sample_fill`) and `sample_submission.csv` (the test ids, each fill column set to its constant)."""
    write_csv(train, out / "train.csv")
    write_csv(test.drop(columns=[c for c in sample_fill if c in test.columns]), out / "test.csv")
    write_csv(pd.DataFrame({id_column: test[id_column], **sample_fill}), out / "sample_submission.csv")


def synthesize_tabular(
    out: Path,
    gen: np.random.Generator,
    make_rows: Callable[[np.random.Generator, int, int], pd.DataFrame],
    *,
    size: int,
    id_column: str,
    sample_fill: dict[str, object],
    train_first_id: int = 0,
    test_first_id: int,
) -> None:
    """A tabular download from a row maker `make_rows(gen, n, first_id)` (labelled rows): `size` training rows,
    then max(10, size // 2) test rows, written by `write_tabular_download`."""
    train = make_rows(gen, size, train_first_id)
    test = make_rows(gen, max(10, size // 2), test_first_id)
    write_tabular_download(out, train, test, id_column=id_column, sample_fill=sample_fill)


def write_files(folder: Path, names: Iterable[str], contents: Iterable[bytes]) -> None:
    """One file per name in `folder` (created), e.g. generated images by id. `contents` may be a generator: each
    file is made and written before the next, so seeded generation keeps its order and memory stays small."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in zip(names, contents, strict=True):
        (folder / name).write_bytes(data)
