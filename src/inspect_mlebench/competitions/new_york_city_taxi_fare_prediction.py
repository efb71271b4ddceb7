"""new-york-city-taxi-fare-prediction: regress `fare_amount` of NYC taxi rides (RMSE)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.kit.synth import rng, synthesize_tabular

ID = "key"
TARGET = "fare_amount"
COUPONS = "GCP-Coupons-Instructions.rtf"


def _rides(gen: np.random.Generator, n: int, first: int) -> pd.DataFrame:
    start = np.datetime64("2009-01-01T00:00:00")
    seconds = np.sort(gen.integers(0, 6 * 365 * 24 * 3600, n))
    stamps = [str(start + np.timedelta64(int(s), "s")).replace("T", " ") for s in seconds]
    pickup = np.column_stack([gen.normal(-73.98, 0.03, n), gen.normal(40.75, 0.03, n)])
    dropoff = pickup + gen.normal(0, 0.02, (n, 2))
    # Fare grows with the trip's length (degrees -> roughly km), as a meter would charge.
    km = np.hypot((dropoff[:, 0] - pickup[:, 0]) * 84.0, (dropoff[:, 1] - pickup[:, 1]) * 111.0)
    fare = np.round(2.5 + 1.6 * km + np.abs(gen.normal(0, 0.8, n)), 2)
    return pd.DataFrame(
        {
            ID: [f"{stamp}.{first + i:07d}" for i, stamp in enumerate(stamps)],
            TARGET: fare,
            "pickup_datetime": [f"{stamp} UTC" for stamp in stamps],
            "pickup_longitude": np.round(pickup[:, 0], 6),
            "pickup_latitude": np.round(pickup[:, 1], 6),
            "dropoff_longitude": np.round(dropoff[:, 0], 6),
            "dropoff_latitude": np.round(dropoff[:, 1], 6),
            "passenger_count": gen.integers(1, 7, n),
        }
    )


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "new-york-city-taxi-fare-prediction")
    synthesize_tabular(
        out, gen, _rides, size=size, id_column=ID, sample_fill={TARGET: 11.35}, train_first_id=1, test_first_id=size + 1
    )
    (out / COUPONS).write_text("{\\rtf1\\ansi Synthetic stand-in for the GCP coupon instructions.\\par}\n")
