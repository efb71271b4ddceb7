"""whale-categorization-playground: humpback whale flukes (JPEG) to whale ids, MAP@5 over up to five guesses.

Preparation (upstream's rules): Kaggle's labelled `train.csv` is split image by image. Every whale id with two or
more images sends one (drawn by pandas' `sample(2, random_state=0)`) to train and one to test; an id with a single
image goes to test with probability 0.1 (one numpy `default_rng(0)` draw per such id, in order of first appearance);
the undecided rest is split 90/10 by scikit-learn (random_state=0). A test image whose whale never appears in the new
train becomes `new_whale`. Images are linked (or copied) from Kaggle's `train/` into `train/` and `test/`.

Grading (upstream's checks): exactly the columns Image and Id, as many rows as the test set, the same set of
images, no empty Id; then MAP@5 of the Id strings split on single spaces (rows paired by image).
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

IMAGE = "Image"
WHALE = "Id"
NEW_WHALE = "new_whale"
TEST_FRACTION = 0.1
SAMPLE_GUESS = "new_whale w_1287fbc w_98baff9 w_7554f44 w_1eafe46"
K = 5
SIDE = 32


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    side = pd.Series("undecided", index=table.index)
    draws = np.random.default_rng(0)
    positions = table.groupby(WHALE, sort=False).indices
    for whale in table[WHALE].unique():  # in order of first appearance, as the draws must be
        images = table.iloc[positions[whale]]
        if len(images) >= 2:
            first, second = images.sample(2, random_state=0).index[:2]
            side[first], side[second] = "train", "test"
        else:
            side[images.index[0]] = draws.choice(["train", "test"], replace=False, p=[1 - TEST_FRACTION, TEST_FRACTION])
    rest = table[side == "undecided"]
    rest_train, rest_test = train_test_split(rest, test_size=TEST_FRACTION, random_state=0)
    side[rest_train.index] = "train"
    side[rest_test.index] = "test"

    train = table[side == "train"].copy()
    answers = table[side == "test"].copy()
    answers.loc[~answers[WHALE].isin(set(train[WHALE])), WHALE] = NEW_WHALE
    assert (answers[WHALE] == NEW_WHALE).any(), "the test set has no new_whale image"
    assert not set(train[IMAGE]) & set(answers[IMAGE]), "train and test share images"

    answers.to_csv(private / "test.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    answers.assign(**{WHALE: SAMPLE_GUESS}).to_csv(public / "sample_submission.csv", index=False)
    place_files(raw / "train", train[IMAGE], public / "train")
    place_files(raw / "train", answers[IMAGE], public / "test")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_exact_columns(submission, [IMAGE, WHALE])
    checks.require_row_count(submission, answers)
    checks.require_id_set(submission, answers, IMAGE)
    sub, ans = checks.align_by_id(submission, answers, IMAGE)
    guesses = checks.labels_as_upstream_text(sub[WHALE], WHALE, sub[IMAGE])
    return metrics.map_at_k(ans[WHALE].astype(str).to_numpy(), guesses.to_numpy(), k=K)


def _photo(gen: np.random.Generator, colour: np.ndarray) -> bytes:
    """A fluke-coloured band on a noisy sea-blue background."""
    pixels = np.empty((SIDE, SIDE, 3))
    pixels[:] = (40, 70, 110)
    top = int(gen.integers(4, SIDE // 2))
    pixels[top : top + SIDE // 3] = colour
    return jpeg_bytes(np.clip(pixels + gen.normal(0, 10, pixels.shape), 0, 255), quality=90)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "whale-categorization-playground")
    n_whales = max(4, size // 8)
    whales: list[str] = []  # Kaggle's ids: 'w_' and 7 hex digits
    while len(whales) < n_whales:
        candidate = f"w_{hex_ids(gen, 1, 4)[0][:7]}"
        whales += [] if candidate in whales else [candidate]
    colours = [np.array(colorsys.hsv_to_rgb(i / n_whales, 0.8, 0.9)) * 255 for i in range(n_whales)]
    # a fifth of the images are new_whale (unidentified), the rest spread over the known whales; a few whales
    # have a single image, the others two or more
    labels = [NEW_WHALE] * max(3, size // 5)
    labels += whales * 2
    labels += [whales[int(i)] for i in gen.integers(0, n_whales, max(0, size - len(labels)))]
    labels = [labels[int(i)] for i in gen.permutation(len(labels))]
    images = hex_ids(gen, len(labels) + max(4, size // 4), 4, ".jpg")
    train_images, test_images = images[: len(labels)], images[len(labels) :]
    # whale's colour; new_whale a random one
    tint = {w: c for w, c in zip(whales, colours, strict=True)}

    def colour_of(label: str) -> np.ndarray:
        return tint.get(label, gen.uniform(0, 255, 3))

    write_csv(pd.DataFrame({IMAGE: train_images, WHALE: labels}), out / "train.csv")
    write_csv(pd.DataFrame({IMAGE: test_images, WHALE: SAMPLE_GUESS}), out / "sample_submission.csv")
    write_files(out / "train", train_images, (_photo(gen, colour_of(label)) for label in labels))
    test_labels = [whales[int(i)] for i in gen.integers(0, n_whales, len(test_images))]
    write_files(out / "test", test_images, (_photo(gen, colour_of(label)) for label in test_labels))
