"""tabular-playground-series-dec-2021: synthetic forest cover type, multi-class accuracy of `Cover_Type`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.kit.synth import rng, synthesize_tabular

ID = "Id"
TARGET = "Cover_Type"
NUMERIC = [
    "Elevation",
    "Aspect",
    "Slope",
    "Horizontal_Distance_To_Hydrology",
    "Vertical_Distance_To_Hydrology",
    "Horizontal_Distance_To_Roadways",
    "Hillshade_9am",
    "Hillshade_Noon",
    "Hillshade_3pm",
    "Horizontal_Distance_To_Fire_Points",
]
WILDERNESS = [f"Wilderness_Area{i}" for i in range(1, 5)]
SOIL = [f"Soil_Type{i}" for i in range(1, 41)]


def _forest(gen: np.random.Generator, n: int, first_id: int) -> pd.DataFrame:
    elevation = np.clip(np.round(gen.normal(2950, 260, n)), 1800, 3900).astype(int)
    frame = pd.DataFrame({ID: np.arange(first_id, first_id + n), "Elevation": elevation})
    for name in NUMERIC[1:]:
        low, high = (0, 255) if name.startswith("Hillshade") else (0, 360) if name == "Aspect" else (-50, 6000)
        frame[name] = gen.integers(low, high, n)
    area = gen.integers(0, len(WILDERNESS), n)
    for i, name in enumerate(WILDERNESS):
        frame[name] = (area == i).astype(int)
    soil = gen.integers(0, len(SOIL), n)
    for i, name in enumerate(SOIL):
        frame[name] = (soil == i).astype(int)
    # Cover type follows elevation bands, ordered roughly as in the original data, with a little label noise.
    cover = np.array([4, 3, 6, 5, 2, 1, 7])[np.digitize(elevation, [2250, 2450, 2550, 2700, 3050, 3300])]
    noisy = gen.random(n) < 0.05
    frame[TARGET] = np.where(noisy, gen.integers(1, 8, n), cover)
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "tabular-playground-series-dec-2021")
    synthesize_tabular(out, gen, _forest, size=size, id_column=ID, sample_fill={TARGET: 2}, test_first_id=4_000_000)
