"""spaceship-titanic: tabular binary classification of `Transported` (accuracy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.kit.synth import rng, write_tabular_download

TARGET = "Transported"
ID = "PassengerId"


def _passengers(gen: np.random.Generator, n: int, first_group: int) -> pd.DataFrame:
    groups = first_group + np.cumsum(gen.integers(1, 3, size=n))
    cryo = gen.random(n) < 0.35
    spend = {
        col: np.where(cryo, 0.0, np.round(gen.exponential(300, n)))
        for col in ("RoomService", "FoodCourt", "ShoppingMall", "Spa", "VRDeck")
    }
    deck = gen.choice(list("ABCDEFGT"), n)
    side = gen.choice(["P", "S"], n)
    frame = pd.DataFrame(
        {
            ID: [f"{g:04d}_{i % 3 + 1:02d}" for i, g in enumerate(groups)],
            "HomePlanet": gen.choice(["Earth", "Europa", "Mars"], n),
            "CryoSleep": cryo,
            "Cabin": [f"{d}/{gen.integers(0, 1800)}/{s}" for d, s in zip(deck, side, strict=True)],
            "Destination": gen.choice(["TRAPPIST-1e", "PSO J318.5-22", "55 Cancri e"], n),
            "Age": np.round(gen.uniform(0, 80, n)),
            "VIP": gen.random(n) < 0.03,
            **spend,
            "Name": [f"Name{i} Family{g}" for i, g in enumerate(groups)],
        }
    )
    total = sum(spend.values())
    logit = 2.5 * cryo - 0.002 * total + 0.8 * (side == "S") + gen.normal(0, 0.5, n)
    frame[TARGET] = logit > 0.3
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "spaceship-titanic")
    train = _passengers(gen, size, first_group=0)
    test = _passengers(gen, max(10, size // 2), first_group=int(train[ID].str[:4].astype(int).max()) + 1)
    write_tabular_download(out, train, test, id_column=ID, sample_fill={TARGET: False})
