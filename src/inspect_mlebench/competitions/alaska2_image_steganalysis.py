"""alaska2-image-steganalysis: JPEG photos, some carrying a hidden message; scored by a TPR-band weighted ROC area.

Preparation (upstream's rules): Kaggle's 75,000 cover images (`Cover/`, sorted by name) are split by scikit-learn
(5,000 to test, random_state=42). Train covers are renumbered 00001.jpg... in split order, each with its three
stego versions (`JMiPOD/`, `JUNIWARD/`, `UERD/`, same file name). The test covers are shuffled by Python's
`random` seeded with 0 and renamed 0001.jpg...; per image a coin flip of that generator keeps the cover (label 0) or
puts one of the three stego versions, chosen by the same generator, in its place (label 1). Files are hard-linked
where the filesystem allows, else copied after a free-space check.

Grading (upstream's checks, in its order): the test set's row count, columns Id and Label, the same ids once both
files are sorted by Id, Label convertible to float, no NaN; infinite values make its ROC call fail (invalid).
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import MediaError, ensure_free_space
from inspect_mlebench.kit.synth import rng, write_csv, write_files

ID = "Id"
LABEL = "Label"
COVER = "Cover"
TEST = "Test"
ALGORITHMS = ("JMiPOD", "JUNIWARD", "UERD")
TEST_COUNT = 5000  # upstream's test set size
# Only synthetic data has too few covers to hold out 5,000 (upstream's split would fail there): it holds out a quarter.
SMALL_TEST_SHARE = 4
SIDE = 32


def test_count(n_covers: int) -> int:
    return TEST_COUNT if n_covers > TEST_COUNT else max(2, n_covers // SMALL_TEST_SHARE)


def prepare(raw: Path, public: Path, private: Path) -> None:
    covers = sorted((raw / COVER).glob("*.jpg"))
    train, test = train_test_split(covers, test_size=test_count(len(covers)), random_state=42)
    placements: list[tuple[Path, Path]] = []
    for number, cover in enumerate(train, start=1):
        name = f"{number:05d}.jpg"
        placements.append((cover, public / COVER / name))
        placements += [(raw / alg / cover.name, public / alg / name) for alg in ALGORITHMS]

    draws = random.Random(0)  # upstream seeds Python's global generator with 0: the same sequence
    draws.shuffle(test)
    rows = []
    for number, cover in enumerate(test, start=1):
        name = f"{number:04d}.jpg"
        if draws.choice([True, False]):
            placements.append((cover, public / TEST / name))
            rows.append((name, 0))
        else:
            placements.append((raw / draws.choice(ALGORITHMS) / cover.name, public / TEST / name))
            rows.append((name, 1))

    answers = pd.DataFrame(rows, columns=[ID, LABEL])
    answers.to_csv(private / "test.csv", index=False)
    answers.assign(**{LABEL: 0}).to_csv(public / "sample_submission.csv", index=False)
    for folder in (COVER, TEST, *ALGORITHMS):
        (public / folder).mkdir(parents=True, exist_ok=True)
    _place(placements, public)


def _place(pairs: list[tuple[Path, Path]], dest: Path) -> None:
    """Hard-link each (source, target) pair, renaming on the way; copy when linking is impossible, after checking
    that the destination has room for every copy."""
    missing = [str(src) for src, _ in pairs if not src.is_file()]
    if missing:
        raise MediaError(f"{len(missing)} raw image(s) missing, e.g. {', '.join(missing[:3])}")
    if pairs and pairs[0][0].stat().st_dev != dest.stat().st_dev:
        ensure_free_space(dest, sum(src.stat().st_size for src, _ in pairs), f"copying {len(pairs)} images")
    for src, target in pairs:
        try:
            os.link(src, target)
        except OSError:
            shutil.copyfile(src, target)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, LABEL])
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    try:
        predicted = sub[LABEL].astype(float).to_numpy()
    except (ValueError, TypeError) as err:
        raise InvalidSubmissionError(f"column '{LABEL}' must hold numbers: {err}") from err
    if np.isnan(predicted).any():
        raise InvalidSubmissionError(f"column '{LABEL}' has {int(np.isnan(predicted).sum())} missing/NaN value(s)")
    if np.isinf(predicted).any():
        raise InvalidSubmissionError(f"column '{LABEL}' has infinite value(s), which the ROC curve cannot rank")
    return metrics.tpr_weighted_auc(ans[LABEL].astype(float).to_numpy(), predicted)


def _scene(gen: np.random.Generator) -> np.ndarray:
    """A smooth random photo-like scene: a colour gradient with a few soft blobs."""
    yy, xx = np.mgrid[:SIDE, :SIDE] / SIDE
    base = gen.uniform(40, 200, 3) + 60 * (
        gen.uniform(-1, 1, 3) * xx[..., None] + gen.uniform(-1, 1, 3) * yy[..., None]
    )
    for _ in range(3):
        cy, cx, r = gen.uniform(0, 1, 3)
        base += gen.uniform(-50, 50, 3) * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (0.02 + 0.05 * r))[..., None]
    return np.asarray(np.clip(base, 0, 255))


def _embed(gen: np.random.Generator, pixels: np.ndarray, strength: float) -> np.ndarray:
    """The 'message': sparse +-strength changes on a random half of the pixels (high-frequency energy a model sees)."""
    flips = gen.choice([-strength, 0.0, strength], size=pixels.shape[:2], p=[0.25, 0.5, 0.25])
    return np.asarray(np.clip(pixels + flips[..., None], 0, 255))


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "alaska2-image-steganalysis")
    names = [f"{i:05d}.jpg" for i in range(1, size + 1)]
    scenes = [_scene(gen) for _ in names]
    write_files(out / COVER, names, (jpeg_bytes(s, quality=95) for s in scenes))
    for strength, alg in zip((10.0, 12.0, 14.0), ALGORITHMS, strict=True):
        write_files(out / alg, names, (jpeg_bytes(_embed(gen, s, strength), quality=95) for s in scenes))
    n_test = max(4, size // 10)
    test_names = [f"{i:04d}.jpg" for i in range(1, n_test + 1)]
    test_scenes = [_scene(gen) for _ in test_names]
    stego = gen.integers(0, 2, n_test)
    write_files(
        out / TEST,
        test_names,
        (
            jpeg_bytes(_embed(gen, s, 12.0) if hidden else s, quality=95)
            for s, hidden in zip(test_scenes, stego, strict=True)
        ),
    )
    write_csv(pd.DataFrame({ID: test_names, LABEL: 0}), out / "sample_submission.csv")
