"""icecube-neutrinos-in-deep-ice: the direction (azimuth, zenith) of a neutrino from the pulses it left in the
detector's sensors, scored by the mean angle between predicted and true directions.

Kaggle ships the events' metadata in `train_meta.parquet` (one row per event: batch, event id, the range of its
pulses, and the labels) and the pulses in one parquet file per batch (`train/batch_<n>.parquet`, indexed by event
id). Upstream holds out 10% of the batches (whole batches; `train_test_split` over the batch ids in order of
appearance, random_state 0): their metadata without labels becomes `test_meta.parquet` and their pulse files move to
`test/`. Its grader wants exactly the columns event_id, azimuth and zenith, numeric and finite directions, as many
rows as the test set and the same set of event ids (compared as parsed numbers), then pairs rows by sorted id.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.parquet import read_parquet, write_parquet
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv

ID = "event_id"
TARGETS = ["azimuth", "zenith"]
BATCH_FILE = "batch_{id}.parquet"


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    meta = read_parquet(raw / "train_meta.parquet")
    batches = meta["batch_id"].unique()
    train_batches, test_batches = train_test_split(batches, test_size=0.1, random_state=0)
    train = meta[meta["batch_id"].isin(train_batches)].reset_index(drop=True)
    test = meta[meta["batch_id"].isin(test_batches)].reset_index(drop=True)
    answers = test[[ID, *TARGETS]]
    write_parquet(train, public / "train_meta.parquet")
    write_parquet(test.drop(columns=TARGETS), public / "test_meta.parquet")
    answers.assign(azimuth=1, zenith=1).to_csv(public / "sample_submission.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    shutil.copyfile(raw / "sensor_geometry.csv", public / "sensor_geometry.csv")
    # pulse files are hard-linked where possible (the real ones are about 100 GB); batches in sorted order
    place_files(raw / "train", sorted(int(b) for b in train_batches), public / "train", name=BATCH_FILE)
    place_files(raw / "train", sorted(int(b) for b in test_batches), public / "test", name=BATCH_FILE)


def _direction(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A direction column as upstream accepts it: parsed as numbers by pandas, and finite (NaN included)."""
    values = frame[column]
    # numpy's number kinds only: text (object or string dtype) and booleans are refused, as upstream does
    if not isinstance(values.dtype, np.dtype) or not np.issubdtype(values.dtype, np.number):
        bad = values[pd.to_numeric(values, errors="coerce").isna()].unique()
        shown = f"values such as {checks.examples(bad)}" if len(bad) else f"read as {values.dtype}"
        raise InvalidSubmissionError(f"column '{column}' must be numeric; {shown}")
    array = values.to_numpy(dtype=float)
    finite = np.isfinite(array)
    if not finite.all():
        ids = frame.loc[~finite, ID] if ID in frame.columns else frame.index[~finite]
        raise InvalidSubmissionError(
            f"column '{column}' has {int((~finite).sum())} NaN or infinite value(s), e.g. event_id "
            f"{checks.examples(ids)}"
        )
    return array


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean angular error (radians) over the test events, rows paired by event id."""
    checks.require_exact_columns(submission, [ID, *TARGETS])
    for column in TARGETS:
        _direction(submission, column)
    checks.require_row_count(submission, answers)
    # same length and the same set of (parsed) ids means the same ids once each: pair them by id
    sub, ans = checks.align_by_id(submission, answers, ID, as_text=False)
    checks.warn_unless_integer_ids(submission, ID)
    y_pred = sub[TARGETS].to_numpy(dtype=float)
    y_true = ans[TARGETS].to_numpy(dtype=float)
    return metrics.mean_angular_error(y_true, y_pred)


def _unit(azimuth: np.ndarray, zenith: np.ndarray) -> np.ndarray:
    return np.stack([np.sin(zenith) * np.cos(azimuth), np.sin(zenith) * np.sin(azimuth), np.cos(zenith)], axis=1)


def synthesize(out: Path, seed: int, size: int) -> None:
    """About `size` labelled events in 20 batches (the 10% split holds 2 of them), plus Kaggle's one test batch.

    Each event is a track through a small detector: its pulses are on the sensors nearest a straight line along the
    true direction, timed by their position along it (earliest upstream), so the first and last hits point the way."""
    gen = rng(seed, "icecube-neutrinos-in-deep-ice")
    n_sensors = 60
    geometry = pd.DataFrame(
        {
            "sensor_id": np.arange(n_sensors),
            "x": gen.uniform(-500, 500, n_sensors).round(2),
            "y": gen.uniform(-500, 500, n_sensors).round(2),
            "z": gen.uniform(-500, 500, n_sensors).round(2),
        }
    )
    write_csv(geometry, out / "sensor_geometry.csv")
    positions = geometry[["x", "y", "z"]].to_numpy()
    per_batch = max(2, size // 20)
    next_event = 24

    def batch(batch_id: int, folder: Path, n_events: int) -> pd.DataFrame:
        nonlocal next_event
        event_ids = next_event + np.cumsum(gen.integers(1, 40, n_events))
        next_event = int(event_ids[-1])
        azimuth = gen.uniform(0, 2 * np.pi, n_events)
        zenith = np.arccos(gen.uniform(-1, 1, n_events))
        pulses, first, last, start = [], [], [], 0
        for event, az, zen in zip(event_ids, azimuth, zenith, strict=True):
            direction = -_unit(np.array([az]), np.array([zen]))[0]  # travelling away from where it came from
            along = positions @ direction
            off_track = np.linalg.norm(positions - np.outer(along, direction), axis=1)
            hit = np.sort(np.argsort(off_track)[: gen.integers(6, 14)])
            time = (6000 + along[hit] * 3.3 + gen.normal(0, 20, len(hit))).round().astype(np.int64)
            order = np.argsort(time, kind="stable")
            pulses.append(
                pd.DataFrame(
                    {
                        "sensor_id": hit[order].astype(np.int16),
                        "time": time[order],
                        "charge": gen.exponential(1.0, len(hit)).round(3),
                        "auxiliary": gen.random(len(hit)) < 0.3,
                    },
                    index=pd.Index(np.full(len(hit), event, dtype=np.int64), name=ID),
                )
            )
            first.append(start)
            last.append(start + len(hit) - 1)
            start += len(hit)
        folder.mkdir(parents=True, exist_ok=True)
        write_parquet(pd.concat(pulses), folder / BATCH_FILE.format(id=batch_id), index=True)
        return pd.DataFrame(
            {
                "batch_id": np.full(n_events, batch_id, dtype=np.int64),
                ID: event_ids.astype(np.int64),
                "first_pulse_index": np.array(first, dtype=np.int64),
                "last_pulse_index": np.array(last, dtype=np.int64),
                "azimuth": azimuth,
                "zenith": zenith,
            }
        )

    train_meta = pd.concat([batch(b, out / "train", per_batch) for b in range(1, 21)], ignore_index=True)
    write_parquet(train_meta, out / "train_meta.parquet")
    test_meta = batch(661, out / "test", 3).drop(columns=TARGETS)
    write_parquet(test_meta, out / "test_meta.parquet")
    sample = pd.DataFrame({ID: test_meta[ID], "azimuth": 1.0, "zenith": 1.0})
    write_parquet(sample, out / "sample_submission.parquet")
