"""ml2021spring-hw2: framewise TIMIT phoneme classification from 11-frame MFCC windows (accuracy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.kit.synth import rng, write_csv

ID = "Id"
TARGET = "ClassId"
SUBDIR = Path("timit_11") / "timit_11"
N_CLASSES = 39
FRAMES = 11
N_FEATURES = FRAMES * N_CLASSES  # 11 frames x 39 MFCC coefficients = 429


def prepare(raw: Path, public: Path, private: Path) -> None:
    features = np.load(raw / SUBDIR / "train_11.npy")
    labels = np.load(raw / SUBDIR / "train_label_11.npy")
    kaggle_test = np.load(raw / SUBDIR / "test_11.npy")
    # Upstream keeps Kaggle's test share of all frames (~0.268) and splits train row indices with random_state=0.
    test_share = len(kaggle_test) / (len(features) + len(kaggle_test))
    train_idx, test_idx = train_test_split(range(len(features)), test_size=test_share, random_state=0)

    out = public / SUBDIR
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "train_11.npy", features[train_idx])
    np.save(out / "train_label_11.npy", labels[train_idx])
    np.save(out / "test_11.npy", features[test_idx])
    answers = pd.DataFrame({ID: range(len(test_idx)), TARGET: labels[test_idx]})
    answers.assign(**{TARGET: 0}).to_csv(public / "sampleSubmission.csv", index=False)
    answers.to_csv(private / "answers.csv", index=False)

    assert len(train_idx) + len(test_idx) == len(features)


def _frames(gen: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """MFCC-like windows whose coefficient for the phoneme's index is raised in every frame."""
    labels = gen.integers(0, N_CLASSES, n)
    features = gen.normal(0, 1, (n, FRAMES, N_CLASSES)).astype(np.float32)
    features[np.arange(n), :, labels] += 4.0
    return features.reshape(n, N_FEATURES), labels.astype("U2")


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "ml2021spring-hw2")
    folder = out / SUBDIR
    folder.mkdir(parents=True, exist_ok=True)
    train, labels = _frames(gen, size)
    # Kaggle's test set is ~27% of all frames; keep that share so the preparer's split proportion is realistic.
    test, _ = _frames(gen, max(4, round(size * 0.268 / 0.732)))
    np.save(folder / "train_11.npy", train)
    np.save(folder / "train_label_11.npy", labels)
    np.save(folder / "test_11.npy", test)
    write_csv(pd.DataFrame({ID: range(len(test)), "Class": 0}), out / "sampleSubmission.csv")
