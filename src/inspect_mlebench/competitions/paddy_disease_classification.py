"""paddy-disease-classification: which of ten diseases (or `normal`) a paddy leaf photo shows (`label`, accuracy)."""

from __future__ import annotations

import colorsys
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "image_id"
TARGET = "label"
LABELS = (
    "bacterial_leaf_blight",
    "bacterial_leaf_streak",
    "bacterial_panicle_blight",
    "blast",
    "brown_spot",
    "dead_heart",
    "downy_mildew",
    "hispa",
    "normal",
    "tungro",
)
VARIETIES = (
    "ADT45",
    "AndraPonni",
    "AtchayaPonni",
    "IR20",
    "KarnatakaPonni",
    "Onthanel",
    "Ponni",
    "RR",
    "Surya",
    "Zonal",
)
# Upstream leaves the sample's labels empty; here every prediction must be a label (an empty one is invalid), so
# the sample carries one fixed class instead.
SAMPLE_LABEL = "normal"


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 75% of Kaggle's train stays train (train_size=0.75, random_state=0, no stratification).
    original = read_csv(raw / "train.csv")
    train, test = train_test_split(original, train_size=0.75, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID])
    assert len(train) + len(test) == len(original)

    sample = test[[ID, TARGET]].copy()
    sample[TARGET] = SAMPLE_LABEL
    train.to_csv(public / "train.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    test.to_csv(private / "test.csv", index=False)

    source = raw / "train_images"
    for image_id, label in zip(train[ID], train[TARGET], strict=True):
        _copy(source / label / image_id, public / "train_images" / label / image_id)
    # Test images lose their label folder.
    for image_id, label in zip(test[ID], test[TARGET], strict=True):
        _copy(source / label / image_id, public / "test_images" / image_id)


def _photo(gen: np.random.Generator, label_index: int) -> bytes:
    """A 32x32 leaf-green JPEG; each disease adds lesions of its own hue, and `normal` adds none."""
    pixels = gen.normal((70, 140, 60), 12, (32, 32, 3))
    if label_index != LABELS.index("normal"):
        # hues from cyan round to orange, away from the leaf's own green
        hue = np.array(colorsys.hsv_to_rgb((0.45 + 0.07 * label_index) % 1, 0.9, 0.9)) * 255
        for _ in range(4):
            y, x = gen.integers(0, 24, size=2)
            pixels[y : y + 8, x : x + 8] = gen.normal(hue, 10, (8, 8, 3))
    return jpeg_bytes(pixels)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "paddy-disease-classification")
    n = max(size, 10)
    labels = np.sort(gen.integers(0, len(LABELS), n))  # Kaggle's train.csv lists the images class by class
    image_ids = [f"{i}.jpg" for i in 100000 + gen.choice(np.arange(1, 10 * n), n, replace=False)]
    train = pd.DataFrame(
        {
            ID: image_ids,
            TARGET: [LABELS[k] for k in labels],
            "variety": gen.choice(VARIETIES, n),
            "age": gen.integers(45, 83, n),
        }
    )
    write_csv(train, out / "train.csv")
    for image_id, k in zip(image_ids, labels, strict=True):
        path = out / "train_images" / LABELS[k] / image_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_photo(gen, int(k)))

    test_ids = [f"{200001 + i}.jpg" for i in range(max(4, n // 3))]
    (out / "test_images").mkdir()
    for image_id in test_ids:
        (out / "test_images" / image_id).write_bytes(_photo(gen, int(gen.integers(0, len(LABELS)))))
    write_csv(pd.DataFrame({ID: test_ids, TARGET: ""}), out / "sample_submission.csv")
