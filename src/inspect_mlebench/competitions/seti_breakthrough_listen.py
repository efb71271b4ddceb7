"""seti-breakthrough-listen: does a cadence of six radio spectrograms (a float16 `.npy` array per id) hold a
technosignature-like signal (`target`, ROC AUC).

Kaggle's test labels are hidden, so upstream holds out 10% of `train_labels.csv` (`random_state=0`); the arrays stay
in their `<first character of the id>/<id>.npy` folders, under `train/` or `test/`. The pre-relaunch data
(`old_leaky_data/`) is copied to the public folder unchanged, as upstream does.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "target"
TEST_SIZE = 0.1
SEED = 0
LEAKY = "old_leaky_data"
MEDIA = "{id[0]}/{id}.npy"


# ---------------------------------------------------------------------------------------------------------------
# Preparation


def _link_or_copy(source: str, dest: str) -> None:
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def prepare(raw: Path, public: Path, private: Path) -> None:
    labels = read_csv(raw / "train_labels.csv")
    train, test = train_test_split(labels, test_size=TEST_SIZE, random_state=SEED)
    assert set(train[ID]).isdisjoint(test[ID]), "train and test share ids"

    train.to_csv(public / "train_labels.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.assign(**{TARGET: 0.5}).to_csv(public / "sample_submission.csv", index=False)

    # the arrays (~150 GB with the old data) are hard-linked where the filesystem allows
    shutil.copytree(raw / LEAKY, public / LEAKY, dirs_exist_ok=True, copy_function=_link_or_copy)
    place_files(raw / "train", train[ID], public / "train", name=MEDIA)
    place_files(raw / "train", test[ID], public / "test", name=MEDIA)


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data

SHAPE = (6, 16, 16)  # the real cadences are (6, 273, 256): 6 observations, time x frequency


def _cadence(gen: np.random.Generator, signal: bool) -> bytes:
    """Noise spectrograms; a signal is a drifting narrow line in the on-target observations (0, 2, 4) only."""
    data = gen.normal(0, 1, SHAPE)
    if signal:
        start, drift = gen.uniform(2, SHAPE[2] - 6), gen.uniform(-0.2, 0.2)
        for obs in (0, 2, 4):
            for t in range(SHAPE[1]):
                column = int(np.rint(start + drift * (obs * SHAPE[1] + t) / 6))
                data[obs, t, min(max(column, 0), SHAPE[2] - 1)] += gen.uniform(3, 5)
    buffer = io.BytesIO()
    np.save(buffer, data.astype(np.float16))
    return buffer.getvalue()


def _write_arrays(folder: Path, ids: list[str], targets: np.ndarray, gen: np.random.Generator) -> None:
    for item, target in zip(ids, targets, strict=True):
        write_files(folder / item[0], [f"{item}.npy"], [_cadence(gen, bool(target))])


def _targets(gen: np.random.Generator, n: int) -> np.ndarray:
    """About a third positive (the real set has ~10%), both classes guaranteed."""
    targets = (gen.random(n) < 0.3).astype(int)
    targets[:2] = [0, 1]
    return targets


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "seti-breakthrough-listen")
    out.mkdir(parents=True, exist_ok=True)
    n_train = max(20, round(size / (1 - TEST_SIZE)))
    n_test, n_old_train, n_old_test = max(4, size // 10), max(4, size // 10), max(4, size // 20)
    # 15 hex digits, as Kaggle's ids (e.g. 0000799a2b2c42d)
    ids = [h[:15] for h in hex_ids(gen, n_train + n_test + n_old_train + n_old_test, 8)]
    train_ids, test_ids = ids[:n_train], ids[n_train : n_train + n_test]
    old_train, old_test = ids[n_train + n_test : -n_old_test], ids[-n_old_test:]

    train_targets = _targets(gen, n_train)
    write_csv(pd.DataFrame({ID: train_ids, TARGET: train_targets}), out / "train_labels.csv")
    _write_arrays(out / "train", train_ids, train_targets, gen)
    _write_arrays(out / "test", test_ids, _targets(gen, n_test), gen)
    write_csv(pd.DataFrame({ID: test_ids, TARGET: 0.5}), out / "sample_submission.csv")

    # the pre-relaunch data: other ids, its test labels included
    leaky = out / LEAKY
    old_train_targets, old_test_targets = _targets(gen, n_old_train), _targets(gen, n_old_test)
    write_csv(pd.DataFrame({ID: old_train, TARGET: old_train_targets}), leaky / "train_labels_old.csv")
    write_csv(pd.DataFrame({ID: old_test, TARGET: old_test_targets}), leaky / "test_labels_old.csv")
    _write_arrays(leaky / "train_old", old_train, old_train_targets, gen)
    _write_arrays(leaky / "test_old", old_test, old_test_targets, gen)
