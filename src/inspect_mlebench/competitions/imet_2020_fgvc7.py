"""imet-2020-fgvc7: museum artworks (PNG) to attribute labels, micro-F1 over the label sets.

Preparation (upstream's rules): Kaggle's `train.csv` (id, attribute_ids) is split 85/15 by scikit-learn
(random_state=0); the answers keep both columns, the sample submission guesses "0 1 2" for every test image,
`labels.csv` is copied, and the images are linked (or copied) from Kaggle's `train/` into `train/` and `test/`.

Grading (upstream's checks, in its order): columns id and attribute_ids (others ignored), the test set's row count,
the same ids once both files are sorted by id; attribute_ids must read as text (an empty cell is no label, a
warning here and invalid in strict mode; a column pandas reads as numbers fails upstream's string split), then
micro-F1 over the answers' label vocabulary (predicted labels absent from the answers are ignored).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import png_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "id"
LABELS = "attribute_ids"
SAMPLE_GUESS = "0 1 2"
SIDE = 32


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, answers = train_test_split(table, test_size=0.15, random_state=0)
    assert set(train[ID]).isdisjoint(answers[ID]), "train and test share ids"
    answers.to_csv(private / "answers.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    answers.assign(**{LABELS: SAMPLE_GUESS}).to_csv(public / "sample_submission.csv", index=False)
    (public / "labels.csv").write_bytes((raw / "labels.csv").read_bytes())
    place_files(raw / "train", train[ID], public / "train", name="{id}.png")
    place_files(raw / "train", answers[ID], public / "test", name="{id}.png")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, LABELS])
    checks.require_row_count(submission, answers)
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    empty = int(sub[LABELS].isna().sum())
    if empty:
        lenient(f"column '{LABELS}' has {empty} empty cell(s), read as 'no label' as upstream does")
    try:
        with warnings.catch_warnings():  # pandas warns when '' fills a number column, as it does upstream
            warnings.simplefilter("ignore")
            guesses = sub[LABELS].fillna("")
        guesses.str  # noqa: B018 - upstream splits with the .str accessor, which numbers and booleans lack
    except (AttributeError, TypeError, ValueError) as err:
        raise InvalidSubmissionError(
            f"column '{LABELS}' must hold space-separated labels as text; pandas read it as {sub[LABELS].dtype}"
        ) from err
    not_text = ~guesses.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    if not_text.any():
        raise InvalidSubmissionError(
            f"column '{LABELS}' must hold space-separated labels as text; rows for {checks.examples(sub[ID][not_text])}"
            " do not"
        )
    return metrics.multilabel_micro_f1(ans[LABELS].fillna("").to_numpy(dtype=object), guesses.to_numpy(dtype=object))


def _painting(gen: np.random.Generator, attributes: list[int], n_attributes: int) -> bytes:
    """A canvas whose horizontal bands light up for the artwork's attributes (one band per attribute)."""
    pixels = gen.normal(60, 15, (SIDE, SIDE, 3))
    band = SIDE / n_attributes
    for attribute in attributes:
        top = int(attribute * band)
        pixels[top : max(top + 1, int((attribute + 1) * band))] += (150, 120, 90)
    return png_bytes(np.clip(pixels, 0, 255).astype(np.uint8))


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "imet-2020-fgvc7")
    n_attributes = 12
    kinds = ["country", "culture", "dimension", "medium", "tag"]
    names = [f"{kinds[i % len(kinds)]}::attribute {i}" for i in range(n_attributes)]
    write_csv(pd.DataFrame({"attribute_id": range(n_attributes), "attribute_name": names}), out / "labels.csv")

    def draw(n: int) -> list[list[int]]:
        return [sorted(gen.choice(n_attributes, int(gen.integers(1, 4)), replace=False).tolist()) for _ in range(n)]

    ids = hex_ids(gen, size, 8)
    sets = draw(size)
    write_csv(pd.DataFrame({ID: ids, LABELS: [" ".join(map(str, s)) for s in sets]}), out / "train.csv")
    write_files(out / "train", [f"{i}.png" for i in ids], (_painting(gen, s, n_attributes) for s in sets))
    test_ids = hex_ids(gen, max(4, size // 10), 8)
    write_files(
        out / "test", [f"{i}.png" for i in test_ids], (_painting(gen, s, n_attributes) for s in draw(len(test_ids)))
    )
    write_csv(pd.DataFrame({ID: test_ids, LABELS: SAMPLE_GUESS}), out / "sample_submission.csv")
