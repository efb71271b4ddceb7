"""hotel-id-2021-fgvc8: photos of hotel rooms (JPEG, filed by hotel chain) to hotel ids, MAP@5 over five guesses.

Preparation (upstream's rules): Kaggle's `train.csv` (image, chain, hotel_id, timestamp) without the image
ce27d36c9147cc19.jpg (listed twice) is split 90/10 by scikit-learn (random_state=0). The new train keeps Kaggle's
`train_images/<chain>/<image>` layout; test images go flat into `test_images/`. The answers keep every column.
Images are linked where the filesystem allows, else copied after a free-space check.

Grading (upstream's checks): columns image and hotel_id (others ignored), the same set of images, as many rows as
the test set, no empty hotel_id; then MAP@5 of hotel_id as text split on single spaces (a number column reads as
its text, so '123.0' does not match hotel 123).
"""

from __future__ import annotations

import colorsys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

IMAGE = "image"
CHAIN = "chain"
HOTEL = "hotel_id"
DUPLICATED_IMAGE = "ce27d36c9147cc19.jpg"  # listed twice in Kaggle's train.csv; upstream drops it
SAMPLE_GUESS = "36363 53586 18807 64314 60181"
K = 5
SIDE = 32


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    table = table[table[IMAGE] != DUPLICATED_IMAGE]
    train, test = train_test_split(table, test_size=0.1, random_state=0)
    assert not set(train[IMAGE]) & set(test[IMAGE]), "train and test share images"

    train.to_csv(public / "train.csv", index=False)
    test[[IMAGE, HOTEL]].assign(**{HOTEL: SAMPLE_GUESS}).to_csv(public / "sample_submission.csv", index=False)
    test.to_csv(private / "test.csv", index=False)

    source = raw / "train_images"
    paths = [f"{chain}/{image}" for chain, image in zip(train[CHAIN].astype(str), train[IMAGE], strict=True)]
    place_files(source, paths, public / "train_images")
    (public / "test_images").mkdir(exist_ok=True)
    for chain, images in test.groupby(test[CHAIN].astype(str), sort=True)[IMAGE]:
        place_files(source / str(chain), images, public / "test_images")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [IMAGE, HOTEL])
    checks.require_id_set(submission, answers, IMAGE)
    checks.require_row_count(submission, answers)
    sub, ans = checks.align_by_id(submission, answers, IMAGE)
    guesses = checks.labels_as_upstream_text(sub[HOTEL], HOTEL, sub[IMAGE])
    return metrics.map_at_k(ans[HOTEL].astype(str).to_numpy(), guesses.to_numpy(), k=K)


def _photo(gen: np.random.Generator, wall: np.ndarray) -> bytes:
    """A room: a wall in the hotel's colour, a darker floor, a bed-like block, some noise."""
    pixels = np.empty((SIDE, SIDE, 3))
    pixels[:] = wall
    horizon = int(gen.integers(SIDE // 2, SIDE * 3 // 4))
    pixels[horizon:] = wall * 0.4
    left = int(gen.integers(0, SIDE // 2))
    pixels[horizon - 6 : horizon + 4, left : left + SIDE // 2] = (235, 235, 225)
    return jpeg_bytes(np.clip(pixels + gen.normal(0, 8, pixels.shape), 0, 255), quality=90)


def _timestamps(gen: np.random.Generator, n: int) -> list[str]:
    seconds = gen.integers(1_400_000_000, 1_590_000_000, n)
    return [str(t) for t in pd.to_datetime(seconds, unit="s")]


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "hotel-id-2021-fgvc8")
    n_hotels = max(3, size // 8)
    hotels = sorted(int(h) for h in gen.choice(np.arange(1000, 100_000), n_hotels, replace=False))
    chain_of = {h: int(c) for h, c in zip(hotels, gen.integers(0, 5, n_hotels), strict=True)}
    walls = {h: np.array(colorsys.hsv_to_rgb(i / n_hotels, 0.6, 0.9)) * 255 for i, h in enumerate(hotels)}
    labels = hotels * 2 + [hotels[int(i)] for i in gen.integers(0, n_hotels, max(0, size - 2 * n_hotels))]
    labels = [labels[int(i)] for i in gen.permutation(len(labels))]
    images = hex_ids(gen, len(labels), 8, ".jpg")
    # Kaggle lists one image twice (two rows); the preparer drops it
    images[0] = DUPLICATED_IMAGE
    labels.append(labels[0])
    images.append(DUPLICATED_IMAGE)
    frame = pd.DataFrame(
        {
            IMAGE: images,
            CHAIN: [chain_of[h] for h in labels],
            HOTEL: labels,
            "timestamp": _timestamps(gen, len(labels)),
        }
    )
    write_csv(frame, out / "train.csv")
    for chain, rows in frame.groupby(CHAIN):
        write_files(
            out / "train_images" / str(chain),
            rows[IMAGE].tolist(),
            (_photo(gen, walls[h]) for h in rows[HOTEL]),
        )
    test_images = hex_ids(gen, 3, 8, ".jpg")  # Kaggle's visible test folder holds a handful of images
    write_files(out / "test_images", test_images, (_photo(gen, walls[hotels[0]]) for _ in test_images))
    write_csv(pd.DataFrame({IMAGE: test_images, HOTEL: SAMPLE_GUESS}), out / "sample_submission.csv")
