"""plant-seedlings-classification: which of 12 species a seedling photo shows (`species`, micro-F1)."""

from __future__ import annotations

import colorsys
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import png_bytes
from inspect_mlebench.kit.synth import rng, write_csv

ID = "file"
TARGET = "species"
SPECIES = (
    "Black-grass",
    "Charlock",
    "Cleavers",
    "Common Chickweed",
    "Common wheat",
    "Fat Hen",
    "Loose Silky-bent",
    "Maize",
    "Scentless Mayweed",
    "Shepherds Purse",
    "Small-flowered Cranesbill",
    "Sugar beet",
)


def _names_in(folder: Path) -> list[str]:
    return sorted(entry.name for entry in folder.iterdir())


def _listing(train_dir: Path) -> pd.DataFrame:
    """One row per PNG in `train/<species>/`, species and files in sorted name order (upstream's row order)."""
    rows = [
        {ID: name, TARGET: species}
        for species in _names_in(train_dir)
        if (train_dir / species).is_dir()
        for name in _names_in(train_dir / species)
        if name.endswith(".png")
    ]
    return pd.DataFrame(rows)


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream: 14% of the labelled images become the test set (random_state=0, no stratification).
    train_dir = raw / "train"
    listing = _listing(train_dir)
    train, test = train_test_split(listing, test_size=0.14, random_state=0)
    assert set(train[ID]).isdisjoint(test[ID])
    assert len(train) + len(test) == len(listing)

    sample = test.copy()
    sample[TARGET] = "Sugar beet"
    test.to_csv(private / "answers.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)

    (public / "test").mkdir()
    for name, species in zip(train[ID], train[TARGET], strict=True):
        (public / "train" / species).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(train_dir / species / name, public / "train" / species / name)
    for name, species in zip(test[ID], test[TARGET], strict=True):
        shutil.copyfile(train_dir / species / name, public / "test" / name)


def _photo(gen: np.random.Generator, species_index: int) -> bytes:
    """A 32x32 PNG: a round seedling on grey gravel, its size and hue set by the species."""
    pixels = gen.normal((120, 110, 95), 15, (32, 32, 3))
    radius = 4 + species_index % 3 * 4  # 4, 8 or 12 px
    tint = np.array(colorsys.hsv_to_rgb(0.12 + 0.5 * (species_index // 3) / 4, 0.9, 0.8)) * 255
    yy, xx = np.mgrid[:32, :32]
    cy, cx = gen.normal(16, 1.5, size=2)
    plant = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2
    pixels[plant] = gen.normal(tint, 8, (int(plant.sum()), 3))
    return png_bytes(pixels)


def _names(gen: np.random.Generator, n: int) -> list[str]:
    """Distinct 9-hex-digit file names like Kaggle's `0050f38b3.png`."""
    values = pd.unique(gen.integers(0, 16**9, 2 * n))[:n]  # a clash among 2n draws is vanishingly rare
    assert len(values) == n
    return [f"{v:09x}.png" for v in values]


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "plant-seedlings-classification")
    n = max(size, 12)
    n_test = max(4, n // 6)
    names = _names(gen, n + n_test)
    species = gen.integers(0, len(SPECIES), n)
    for name, k in zip(names[:n], species, strict=True):
        folder = out / "train" / SPECIES[k]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(_photo(gen, int(k)))
    (out / "test").mkdir()
    for name in names[n:]:
        (out / "test" / name).write_bytes(_photo(gen, int(gen.integers(0, len(SPECIES)))))
    write_csv(pd.DataFrame({ID: names[n:], TARGET: "Sugar beet"}), out / "sample_submission.csv")
