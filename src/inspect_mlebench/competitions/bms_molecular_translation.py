"""bms-molecular-translation: read the InChI identifier of a molecule from an image of its structure, scored by
the mean Levenshtein distance between predicted and true InChI strings.

Upstream holds out 20% of Kaggle's labelled images (`train_test_split`, random_state=0): public train_labels.csv
keeps the rest, the answers are the held-out rows, the sample submission gives each held-out image water's InChI,
and the images move to public/train and public/test under Kaggle's nesting by the id's first three characters
(`a/b/c/abc....png`). There is no public test table: the test images are the list. extra_approved_InChIs.csv is
copied unchanged; Kaggle's own test images are unused.

Upstream's grader needs the same number of rows as the answers and, after sorting both by image_id, the same ids;
predictions are compared as text (`str` of what pandas parsed, so an empty cell is the text 'nan').
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import png_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "image_id"
TARGET = "InChI"
SAMPLE_INCHI = "InChI=1S/H2O/h1H2"
IMAGE_NAME = "{id[0]}/{id[1]}/{id[2]}/{id}.png"  # Kaggle's nesting by the first three characters of the id


def prepare(raw: Path, public: Path, private: Path) -> None:
    labels = read_csv(raw / "train_labels.csv")
    train, test = train_test_split(labels, test_size=0.2, random_state=0)
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError(f"train and test share values of '{ID}'")
    train.to_csv(public / "train_labels.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.assign(**{TARGET: SAMPLE_INCHI}).to_csv(public / "sample_submission.csv", index=False)
    place_files(raw / "train", train[ID], public / "train", name=IMAGE_NAME)
    place_files(raw / "train", test[ID], public / "test", name=IMAGE_NAME)
    shutil.copyfile(raw / "extra_approved_InChIs.csv", public / "extra_approved_InChIs.csv")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean Levenshtein distance, rows paired by image_id."""
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the answers have {len(answers)}")
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.align_by_id(submission, answers, ID)
    empty = int(sub[TARGET].isna().sum())
    if empty:
        lenient(f"column '{TARGET}' has {empty} empty value(s), scored as the text 'nan' as upstream does")
    return metrics.levenshtein_mean(ans[TARGET].astype(str).array, sub[TARGET].astype(str).array)


# Synthetic data: a dozen small molecules with their real InChIs; each image is a fixed line drawing per molecule
# (its skeleton), shifted a little and sprinkled with noise pixels, as Kaggle's scanned-looking black-on-white PNGs.
MOLECULES = [
    "InChI=1S/CH4/h1H4",
    "InChI=1S/C2H6/c1-2/h1-2H3",
    "InChI=1S/C3H8/c1-3-2/h3H2,1-2H3",
    "InChI=1S/C4H10/c1-3-4-2/h3-4H2,1-2H3",
    "InChI=1S/CH4O/c1-2/h2H,1H3",
    "InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3",
    "InChI=1S/C2H4O2/c1-2(3)4/h1H3,(H,3,4)",
    "InChI=1S/C3H6O/c1-3(2)4/h1-2H3",
    "InChI=1S/C6H6/c1-2-4-6-5-3-1/h1-6H",
    "InChI=1S/C7H8/c1-7-5-3-2-4-6-7/h2-6H,1H3",
    "InChI=1S/C6H6O/c7-6-4-2-1-3-5-6/h1-5,7H",
    "InChI=1S/CH5N/c1-2/h2H2,1H3",
]
EXTRA = [
    "InChI=1S/C2H4/c1-2/h1-2H2",
    "InChI=1S/CH2O/c1-2/h1H2",
    "InChI=1S/C5H12/c1-3-5-4-2/h3-5H2,1-2H3",
    "InChI=1S/C3H8O/c1-2-3-4/h4H,2-3H2,1H3",
]
HEIGHT, WIDTH = 40, 56


def _skeleton(molecule: int) -> np.ndarray:
    """The molecule's drawing: a few line segments fixed by its index."""
    gen = np.random.default_rng(molecule)
    canvas = np.full((HEIGHT, WIDTH), 255, dtype=np.uint8)
    points = gen.integers([6, 6], [HEIGHT - 6, WIDTH - 6], size=(3 + molecule % 4, 2))
    for (y0, x0), (y1, x1) in itertools.pairwise(points):
        steps = int(max(abs(y1 - y0), abs(x1 - x0))) + 1
        canvas[np.linspace(y0, y1, steps).round().astype(int), np.linspace(x0, x1, steps).round().astype(int)] = 0
    return canvas


def _image(gen: np.random.Generator, molecule: int) -> bytes:
    shift = gen.integers(-2, 3, 2)
    pixels = np.roll(_skeleton(molecule), tuple(int(s) for s in shift), axis=(0, 1))
    pixels[gen.random((HEIGHT, WIDTH)) < 0.01] = 0
    return png_bytes(pixels)


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` labelled images (every molecule at least once when size allows) and a quarter as many test images."""
    gen = rng(seed, "bms-molecular-translation")
    n_test = max(5, size // 4)
    ids = hex_ids(gen, size + n_test, 6)
    molecules = gen.integers(0, len(MOLECULES), size + n_test)
    molecules[: min(size, len(MOLECULES))] = np.arange(min(size, len(MOLECULES)))
    for k, (image_id, molecule) in enumerate(zip(ids, molecules, strict=True)):
        path = out / ("train" if k < size else "test") / IMAGE_NAME.format(id=image_id)
        path.parent.mkdir(parents=True, exist_ok=True)  # nested folders: a/b/c/
        path.write_bytes(_image(gen, int(molecule)))
    train = pd.DataFrame({ID: ids[:size], TARGET: [MOLECULES[m] for m in molecules[:size]]})
    write_csv(train, out / "train_labels.csv")
    write_csv(pd.DataFrame({ID: ids[size:], TARGET: SAMPLE_INCHI}), out / "sample_submission.csv")
    write_csv(pd.DataFrame({TARGET: MOLECULES + EXTRA}), out / "extra_approved_InChIs.csv")
