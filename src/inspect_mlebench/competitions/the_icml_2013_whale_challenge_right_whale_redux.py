"""the-icml-2013-whale-challenge-right-whale-redux: does a 2 s AIFF clip hold a right whale up-call? (ROC AUC).

Kaggle's original test labels are hidden, so the new split comes from `train2.zip` alone: its four recording days are
split by date, the first two days for training and the last two for testing. Clips are renumbered in time order;
training names keep their `_<label>` suffix, test names lose it (`..._Test<idx>.aif`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.audio import aiff_bytes
from inspect_mlebench.kit.synth import rng, write_csv

ID = "clip"
TARGET = "probability"


# ---------------------------------------------------------------------------------------------------------------
# Preparation


def _clip_members(archive: zipfile.ZipFile, folder: str) -> dict[str, str]:
    """File name -> member name for the files directly inside `folder/` (what unpacking and listing it would give)."""
    members = {}
    for info in archive.infolist():
        parent, _, name = info.filename.rstrip("/").rpartition("/")
        if parent == folder and name and not info.is_dir():
            members[name] = info.filename
    return members


def _split_by_date(names: Sequence[str]) -> tuple[list[str], list[str]]:
    """Clips of the first two recording days train, those of the last two test; each part sorted by name (= time)."""
    by_date: dict[str, list[str]] = {}
    for name in names:
        by_date.setdefault(name.split("_")[0], []).append(name)
    dates = sorted(by_date)
    assert len(dates) == 4, f"expected 4 recording days in train2.zip, found {len(dates)}"
    train = sorted(by_date[dates[0]] + by_date[dates[1]])
    test = sorted(by_date[dates[2]] + by_date[dates[3]])
    return train, test


def _write_zip(path: Path, folder: str, files: Sequence[tuple[str, bytes]]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(f"{folder}/", b"")
        for name, data in files:
            out.writestr(f"{folder}/{name}", data)


def prepare(raw: Path, public: Path, private: Path) -> None:
    with zipfile.ZipFile(raw / "train2.zip") as source:
        members = _clip_members(source, "train2")
        train, test = _split_by_date(list(members))

        # Only the index changes in training names: the label suffix stays.
        train_files = [
            (re.sub(r"TRAIN\d+", f"TRAIN{i}", name), source.read(members[name])) for i, name in enumerate(train)
        ]
        # Test names keep the timestamp part and lose both the index and the label.
        test_names = [name.split("TRAIN")[0] + f"Test{i}.aif" for i, name in enumerate(test)]
        test_files = [(new, source.read(members[old])) for new, old in zip(test_names, test, strict=True)]
    assert len(set(test_names)) == len(test_names), "test clip names must be unique ids"

    _write_zip(public / "train2.zip", "train2", train_files)
    _write_zip(public / "test2.zip", "test2", test_files)

    labels = [1 if Path(name).stem.endswith("_1") else 0 for name in test]
    answers = pd.DataFrame({ID: test_names, TARGET: labels})
    answers.to_csv(private / "test.csv", index=False)
    answers.assign(**{TARGET: 0}).to_csv(public / "sampleSubmission.csv", index=False)


# ---------------------------------------------------------------------------------------------------------------
# Grading


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data

RATE = 2000
N_SAMPLES = 400  # 0.2 s; the real clips are 2 s at the same rate
TRAIN_DATES = ("20090328", "20090329", "20090330", "20090331")
TEST_DATES = ("20090401", "20090402", "20090403")


def _clip_audio(gen: np.random.Generator, whale: bool) -> np.ndarray:
    """Background noise and a low hum; a whale clip adds an up-sweep (the right whale up-call, ~80 -> 250 Hz)."""
    t = np.arange(N_SAMPLES) / RATE
    signal = gen.normal(0, 0.25, N_SAMPLES) + 0.2 * np.sin(2 * np.pi * gen.uniform(30, 60) * t)
    if whale:
        start, stop = gen.uniform(70, 100), gen.uniform(200, 260)
        phase = 2 * np.pi * (start * t + (stop - start) * t**2 / (2 * t[-1]))
        signal += gen.uniform(0.4, 0.8) * np.sin(phase) * np.hanning(N_SAMPLES)
    return np.clip(signal * 12000, -32768, 32767).astype(np.int16)


def _timestamps(gen: np.random.Generator, date: str, n: int) -> list[str]:
    """`YYYYMMDD_HHMMSS_SSSsMms`: the day, the start of the 15-minute recording and the clip's offset in it."""
    stamps: set[str] = set()
    while len(stamps) < n:
        quarter = int(gen.integers(0, 96))
        start = f"{quarter // 4:02d}{quarter % 4 * 15:02d}00"
        stamps.add(f"{date}_{start}_{int(gen.integers(0, 900)):03d}s{int(gen.integers(0, 10))}ms")
    return sorted(stamps)


def _labels(gen: np.random.Generator, n: int) -> np.ndarray:
    """About a quarter positive, with both classes on every day so each split can be scored."""
    labels = (gen.random(n) < 0.25).astype(int)
    labels[gen.permutation(n)[:2]] = [0, 1]
    return labels


def _train_zip(gen: np.random.Generator, size: int) -> list[tuple[str, bytes]]:
    per_date = [size // 2, size - size // 2, max(6, size // 4), max(6, size // 4)]
    stamps = [stamp for date, n in zip(TRAIN_DATES, per_date, strict=True) for stamp in _timestamps(gen, date, n)]
    labels = np.concatenate([_labels(gen, n) for n in per_date])
    index = gen.permutation(len(stamps))  # original indices are not in time order, so renumbering shows
    return [
        (f"{stamp}_TRAIN{idx}_{label}.aif", aiff_bytes(_clip_audio(gen, bool(label)), RATE))
        for stamp, idx, label in zip(stamps, index, labels, strict=True)
    ]


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "the-icml-2013-whale-challenge-right-whale-redux")
    out.mkdir(parents=True, exist_ok=True)
    _write_zip(out / "train2.zip", "train2", _train_zip(gen, size))

    # Kaggle's own (unlabelled) test set; upstream's preparer does not use it.
    stamps = [stamp for date in TEST_DATES for stamp in _timestamps(gen, date, max(3, size // 10))]
    test_names = [f"{stamp}_Test{i}.aif" for i, stamp in enumerate(stamps)]
    _write_zip(
        out / "test2.zip", "test2", [(n, aiff_bytes(_clip_audio(gen, gen.random() < 0.25), RATE)) for n in test_names]
    )
    write_csv(pd.DataFrame({ID: test_names, TARGET: 0}), out / "sampleSubmission.csv")
