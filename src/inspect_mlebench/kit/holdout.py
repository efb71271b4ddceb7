"""The declarative hold-out split (`preparation.holdout` in a config): upstream's most common preparation.

Part of Kaggle's labelled table becomes the test set with scikit-learn's `train_test_split`, exactly as upstream's
preparers call it (same source, `test_size`, `random_state`, stratification), so the same rows land on each side.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.config import HoldoutSpec
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.tables import read_csv


class HoldoutError(MLEBenchError, ValueError):
    """The raw table does not fit the declared split (missing file or column, overlapping ids)."""


def effective_test_size(spec: HoldoutSpec, n_rows: int) -> int | float:
    """The declared size; a row count is replaced by `small_test_size` for tables too small to hold it out twice
    (only synthetic data is that small, so real data always gets upstream's count)."""
    if isinstance(spec.test_size, int) and spec.small_test_size is not None and n_rows <= 2 * spec.test_size:
        return spec.small_test_size
    return spec.test_size


def split(table: pd.DataFrame, spec: HoldoutSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) rows of `table` as upstream splits them."""
    stratify = table[spec.stratify] if spec.stratify else None
    train, test = train_test_split(
        table, test_size=effective_test_size(spec, len(table)), random_state=spec.random_state, stratify=stratify
    )
    if spec.renumber_ids:
        train[spec.id_column] = np.arange(len(train))
        test[spec.id_column] = np.arange(len(train), len(train) + len(test))
    return train, test


def prepare_holdout(spec: HoldoutSpec, raw: Path, public: Path, private: Path) -> None:
    """Write the public train/test files, the sample submission, the answers and any copied files."""
    source = raw / spec.source
    if not source.is_file():
        raise HoldoutError(f"raw file {spec.source} not found in {raw}")
    table = read_csv(source)
    missing = [c for c in (spec.id_column, *spec.target_columns, spec.stratify) if c and c not in table.columns]
    if missing:
        raise HoldoutError(f"{spec.source} lacks column(s) {', '.join(missing)}")
    train, test = split(table, spec)
    if not set(train[spec.id_column]).isdisjoint(test[spec.id_column]):
        raise HoldoutError(f"train and test share values of '{spec.id_column}'")

    sample = test[[spec.id_column]].copy()
    for column, value in spec.sample_submission.fill.items():
        sample[column] = value
    train.to_csv(public / spec.public_train, index=False)
    test.drop(columns=list(spec.target_columns)).to_csv(public / spec.public_test, index=False)
    sample.to_csv(public / spec.sample_submission.file, index=False)
    test.to_csv(private / spec.answers, index=False)
    if spec.gold_submission:
        test[[spec.id_column, *spec.target_columns]].to_csv(private / spec.gold_submission, index=False)
    for name in spec.copy_files:
        shutil.copyfile(raw / name, public / name)
    if spec.media is not None:
        media = spec.media
        place_files(raw / media.source, train[spec.id_column], public / media.train, name=media.name)
        place_files(raw / media.source, test[spec.id_column], public / media.test, name=media.name)


def rows_by_group(keys: pd.Series) -> list[np.ndarray]:
    """Row positions of each group, groups in sorted key order and rows in file order (as pandas' groupby)."""
    codes, uniques = pd.factorize(keys, sort=True)
    order = np.argsort(codes, kind="stable")
    return np.split(order, np.cumsum(np.bincount(codes, minlength=len(uniques)))[:-1])


def split_by_group(
    table: pd.DataFrame, column: str, *, test_size: float | int, random_state: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) rows of `table` with whole groups on one side: `train_test_split` over the groups (in sorted
    key order), each side's rows concatenated group by group in the split's order, as upstream's group-wise
    preparers (molecules, patients, breaths) build them."""
    groups = rows_by_group(table[column])
    train_groups, test_groups = train_test_split(np.arange(len(groups)), test_size=test_size, random_state=random_state)

    def rows(picked: np.ndarray) -> pd.DataFrame:
        positions = np.concatenate([groups[g] for g in picked]) if len(picked) else np.array([], dtype=int)
        return table.iloc[positions]

    train, test = rows(train_groups), rows(test_groups)
    if not set(train[column]).isdisjoint(test[column]):
        raise HoldoutError(f"a value of '{column}' landed on both sides of the split")
    return train, test
