"""ranzcr-clip-catheter-line-classification: multi-label chest X-ray tube/line classification (mean column AUC).

Upstream scores (and puts in the sample submission) only 9 of Kaggle's 11 label columns: 'CVC - Normal' and
'Swan Ganz Catheter Present' are left out (openai/mle-bench#30). That behaviour is kept here on purpose.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "StudyInstanceUID"
# The columns upstream grades, in upstream's order.
CLASSES = [
    "ETT - Abnormal",
    "ETT - Borderline",
    "ETT - Normal",
    "NGT - Abnormal",
    "NGT - Borderline",
    "NGT - Incompletely Imaged",
    "NGT - Normal",
    "CVC - Abnormal",
    "CVC - Borderline",
]
# Kaggle's train.csv label columns (all 11), in file order.
ALL_LABELS = [*CLASSES, "CVC - Normal", "Swan Ganz Catheter Present"]
TEST_SIZE = 0.1
UID_ROOT = "1.2.826.0.1.3680043.8.498."


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 10% of Kaggle's train.csv rows become the test set (random_state=0, no stratification); annotations
    # of test studies are dropped and test images move to public/test.
    studies = read_csv(raw / "train.csv")
    train, test = train_test_split(studies, test_size=TEST_SIZE, random_state=0)
    annotations = read_csv(raw / "train_annotations.csv")
    train_annotations = annotations[annotations[ID].isin(train[ID])]

    for split, frame in (("train", train), ("test", test)):
        (public / split).mkdir(exist_ok=True)
        for uid in frame[ID]:
            shutil.copyfile(raw / "train" / f"{uid}.jpg", public / split / f"{uid}.jpg")
        assert len(list((public / split).glob("*.jpg"))) == len(frame)

    sample = test[[ID, *CLASSES]].copy()
    sample[CLASSES] = 0
    train.to_csv(public / "train.csv", index=False)
    train_annotations.to_csv(public / "train_annotations.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)


# --- synthetic data -------------------------------------------------------------------------------------------

IMAGE_SIDE = 32
CELL = 8  # one 8x8 cell per label (a 4x4 grid, 11 used) matches JPEG's blocks, so the signal survives compression


def _uids(gen: np.random.Generator, n: int) -> list[str]:
    digits = gen.integers(10**17, 10**18, size=(n, 2))
    return [f"{UID_ROOT}{a}{b}" for a, b in digits]


def _labels(gen: np.random.Generator, n: int) -> np.ndarray:
    """Independent per-label flags, with every graded column mixed (0 and 1) inside the rows that will be test."""
    labels = (gen.random((n, len(ALL_LABELS))) < 0.3).astype(int)
    _, test_rows = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=0)
    for j in range(len(CLASSES)):
        labels[test_rows[j % len(test_rows)], j] = 1
        labels[test_rows[(j + 1) % len(test_rows)], j] = 0
    return labels


def _xray(gen: np.random.Generator, flags: np.ndarray) -> bytes:
    image = gen.normal(70, 12, (IMAGE_SIDE, IMAGE_SIDE))
    for j, flag in enumerate(flags):
        if flag:
            r, c = divmod(j, IMAGE_SIDE // CELL)
            image[r * CELL : (r + 1) * CELL, c * CELL : (c + 1) * CELL] += 120
    return jpeg_bytes(image)


def _annotations(gen: np.random.Generator, uids: list[str], labels: np.ndarray) -> pd.DataFrame:
    """Line traces for roughly half of the positive labels, as Kaggle's `data` strings of [x, y] points."""
    rows = []
    for uid, flags in zip(uids, labels, strict=True):
        for j in np.flatnonzero(flags):
            if gen.random() < 0.5:
                points = gen.integers(0, 3000, size=(int(gen.integers(2, 6)), 2))
                rows.append({ID: uid, "label": ALL_LABELS[j], "data": str(points.tolist())})
    return pd.DataFrame(rows, columns=[ID, "label", "data"])


def synthesize(out: Path, seed: int, size: int) -> None:
    # Kaggle's train_tfrecords/ and test_tfrecords/ folders are not written: upstream never reads them.
    gen = rng(seed, "ranzcr-clip-catheter-line-classification")
    n = max(size, 20)
    uids = _uids(gen, n)
    labels = _labels(gen, n)
    patients = [f"{p:09x}" for p in gen.integers(16**8, 16**9, size=max(2, n // 3))]
    train = pd.DataFrame(labels, columns=ALL_LABELS)
    train.insert(0, ID, uids)
    train["PatientID"] = gen.choice(patients, n)
    write_csv(train, out / "train.csv")
    write_csv(_annotations(gen, uids, labels), out / "train_annotations.csv")
    write_files(out / "train", [f"{u}.jpg" for u in uids], (_xray(gen, flags) for flags in labels))

    n_test = max(4, n // 4)
    test_uids = _uids(gen, n_test)
    test_labels = (gen.random((n_test, len(ALL_LABELS))) < 0.3).astype(int)
    write_files(out / "test", [f"{u}.jpg" for u in test_uids], (_xray(gen, flags) for flags in test_labels))
    sample = pd.DataFrame(0, index=range(n_test), columns=ALL_LABELS)
    sample.insert(0, ID, test_uids)
    write_csv(sample, out / "sample_submission.csv")
