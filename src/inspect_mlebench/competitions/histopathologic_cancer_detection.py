"""histopathologic-cancer-detection: lymph-node patches (TIFF), binary `label` for tumour tissue (ROC AUC)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import tiff_bytes
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files

ID = "id"
TARGET = "label"
SIDE = 32
POSITIVE_RATE = 0.4  # Kaggle's train is about 40% tumour
# Kaggle's download: 220,025 labelled patches and 57,458 unlabelled test patches.
KAGGLE_TEST_PER_TRAIN = 57_458 / 220_025


def prepare(raw: Path, public: Path, private: Path) -> None:
    original = pd.read_csv(raw / "train_labels.csv")
    # Upstream holds out as many labelled patches as Kaggle's test share of all patches, random_state=0.
    n_kaggle_test = len(list((raw / "test").glob("*.tif")))
    test_ratio = n_kaggle_test / (len(original) + n_kaggle_test)
    train_ids, test_ids = train_test_split(original[ID], test_size=test_ratio, random_state=0)
    # rows keep the order of train_labels.csv, not the shuffled split order
    train = original[original[ID].isin(train_ids)]
    test = original[original[ID].isin(test_ids)]
    assert set(train[ID]).isdisjoint(test[ID]), "train and test ids overlap"
    assert len(train) + len(test) == len(original), "ids of train_labels.csv are not unique"

    place_files(raw / "train", train_ids, public / "train", name="{id}.tif")
    place_files(raw / "train", test_ids, public / "test", name="{id}.tif")
    train.to_csv(public / "train_labels.csv", index=False)
    test.to_csv(private / "answers.csv", index=False)
    test.assign(**{TARGET: 0}).to_csv(public / "sample_submission.csv", index=False)


def _labels(gen: np.random.Generator, n: int, test_ratio: float) -> np.ndarray:
    """Random labels, adjusted so upstream's test split holds both classes (AUC needs both)."""
    labels = (gen.random(n) < POSITIVE_RATE).astype(int)
    _, test_pos = train_test_split(np.arange(n), test_size=test_ratio, random_state=0)
    if len(test_pos) >= 2 and len(set(labels[test_pos])) < 2:
        labels[test_pos[0]], labels[test_pos[1]] = 0, 1
    return labels


def _patch(gen: np.random.Generator, tumour: int) -> np.ndarray:
    """Pink stroma with scattered purple nuclei; tumour patches have a dense dark cluster in the centre."""
    pixels = np.array([235, 175, 205], dtype=float) + gen.normal(0, 12, (SIDE, SIDE, 3))
    centre = SIDE // 4, 3 * SIDE // 4
    n_nuclei, n_central = (15, 30) if tumour else (15, 0)
    spots = [gen.integers(0, SIDE - 2, size=2) for _ in range(n_nuclei)]
    spots += [gen.integers(*centre, size=2) for _ in range(n_central)]
    for y, x in spots:
        pixels[y : y + 2, x : x + 2] = np.array([110, 50, 140]) + gen.normal(0, 10, 3)
    return pixels


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "histopathologic-cancer-detection")
    # The number of test patches sets upstream's split ratio, so keep Kaggle's proportion.
    n_test = max(2, round(size * KAGGLE_TEST_PER_TRAIN))
    ids = hex_ids(gen, size + n_test, 20)
    train_ids, test_ids = ids[:size], ids[size:]
    labels = _labels(gen, size, n_test / (size + n_test))

    write_csv(pd.DataFrame({ID: train_ids, TARGET: labels}), out / "train_labels.csv")
    write_csv(pd.DataFrame({ID: test_ids, TARGET: 0}), out / "sample_submission.csv")
    write_files(out / "train", [f"{i}.tif" for i in train_ids], (tiff_bytes(_patch(gen, int(v))) for v in labels))
    test_labels = (gen.random(n_test) < POSITIVE_RATE).astype(int)
    write_files(out / "test", [f"{i}.tif" for i in test_ids], (tiff_bytes(_patch(gen, int(v))) for v in test_labels))
