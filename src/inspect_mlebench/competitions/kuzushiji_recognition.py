"""kuzushiji-recognition: locate and classify the cursive Japanese characters on scanned book pages, scored by a
point-in-box F1 (a predicted "label x y" hits an answer box "label x y width height" of the same label when the
point lies strictly inside it; each prediction hits at most once).

Upstream holds out 10% of Kaggle's training pages (`train.csv`, random_state=0): their images move from Kaggle's
`train_images.zip` into a new `test_images.zip` (the rest into a new `train_images.zip`, both flat), the answers
keep the page's boxes, the sample submission guesses "U+003F 1 1 U+FF2F 2 2" on every page, and a gold submission
puts a point one pixel inside each box's top-left corner. Kaggle's own test pages are not used.

Upstream's grader refuses a submission without as many rows as the answers, without `image_id` and `labels`, whose
sorted ids differ from the test set's, or with a prediction text that is not whole "label x y" triples (split on
single spaces) with numbers for x and y. An empty prediction counts as no characters (on a page that has some, scored
with a warning here, invalid in strict mode), and coordinates such as `nan` or `inf` never hit (likewise).
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import write_zip
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import rezip
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "image_id"
LABELS = "labels"
TEST_SIZE = 0.1
SAMPLE_LABELS = "U+003F 1 1 U+FF2F 2 2"  # upstream's guess for every page, as Kaggle's own sample


# --- preparation ----------------------------------------------------------------------------------------------


def _gold_labels(text: object) -> str:
    """A point one pixel inside the top-left corner of each box ("label x y w h" -> "label x+1 y+1"); a page without
    characters gets an empty prediction (upstream's preparer would stop on one; its split holds none)."""
    if not isinstance(text, str):
        return ""
    tokens = text.split()
    if len(tokens) % 5:
        raise ValueError(f"an answer text is not made of 'label x y w h' groups: {text[:60]!r}")
    return " ".join(
        f"{label} {int(x) + 1} {int(y) + 1}"
        for label, x, y in zip(tokens[0::5], tokens[1::5], tokens[2::5], strict=True)
    )


def prepare(raw: Path, public: Path, private: Path) -> None:
    pages = read_csv(raw / "train.csv")
    train, test = train_test_split(pages, test_size=TEST_SIZE, random_state=0)
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError(f"train and test share values of '{ID}'")

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.assign(**{LABELS: SAMPLE_LABELS}).to_csv(public / "sample_submission.csv", index=False)
    test.assign(**{LABELS: [_gold_labels(t) for t in test[LABELS]]}).to_csv(
        private / "gold_submission.csv", index=False
    )

    # Kaggle's train_images.zip holds <image_id>.jpg at its top level; upstream's new archives do too
    with zipfile.ZipFile(raw / "train_images.zip") as source:
        for side, ids in (("train_images.zip", train[ID]), ("test_images.zip", test[ID])):
            rezip(source, ((f"{i}.jpg", f"{i}.jpg") for i in ids), public / side)
    shutil.copyfile(raw / "unicode_translation.csv", public / "unicode_translation.csv")


def gold(public: Path, private: Path) -> pd.DataFrame:
    """The gold submission the preparer wrote (upstream's), one point inside each answer box."""
    return pd.read_csv(private / "gold_submission.csv", dtype=str, keep_default_na=False)


# --- grading --------------------------------------------------------------------------------------------------


def _check_prediction(text: str, image_id: object) -> bool:
    """Refuse a text that is not whole "label x y" triples with numbers for x and y (as upstream reads them:
    split on single spaces, Python's float). Whether every coordinate is finite."""
    tokens = text.split(" ")
    if len(tokens) % 3:
        raise InvalidSubmissionError(
            f"column '{LABELS}' for {image_id!r} is not made of 'label x y' triples separated by single spaces: "
            f"{text[:60]!r}"
        )
    finite = True
    for token in (*tokens[1::3], *tokens[2::3]):
        try:
            value = float(token)
        except ValueError:
            raise InvalidSubmissionError(
                f"column '{LABELS}' for {image_id!r} has a coordinate that is not a number: {token[:30]!r}"
            ) from None
        finite = finite and bool(np.isfinite(value))
    return finite


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, LABELS])
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    empty = 0
    not_finite: list[object] = []
    for image_id, text, answer in zip(sub[ID], sub[LABELS], ans[LABELS], strict=True):
        if pd.isna(text):
            empty += 0 if pd.isna(answer) else 1  # a page without characters is rightly left empty
        elif not isinstance(text, str):
            raise InvalidSubmissionError(f"column '{LABELS}' must hold 'label x y' texts; {image_id!r} has {text!r}")
        elif not _check_prediction(text, image_id):
            not_finite.append(image_id)
    if empty:
        lenient(
            f"column '{LABELS}' has {empty} empty prediction(s) for pages with characters, read as predicting none "
            "as upstream does"
        )
    if not_finite:
        lenient(
            f"column '{LABELS}' has coordinates that are not finite numbers (e.g. nan, inf) for "
            f"{checks.examples(not_finite)}; they never hit a box, as upstream scores them"
        )
    return metrics.kuzushiji_f1(ans[LABELS].to_numpy(dtype=object), sub[LABELS].to_numpy(dtype=object))


# --- synthetic data -------------------------------------------------------------------------------------------
# Pages of beige paper (a few hundred pixels, JPEG) with characters set in vertical columns read right to left, as
# in the books. Each character class has its own dark glyph (a fixed random 5x5 pattern per class, scaled to the
# character's box), so a detector can learn both where characters are and which they are. Labels list each
# character as "U+XXXX x y w h" in whole pixels; a few training pages are blank (empty labels). Kaggle's test pages
# (images only), its sample submission and the Unicode-to-character table complete the layout.

CHARACTERS = {
    "U+306F": "は",
    "U+304C": "が",
    "U+3044": "い",
    "U+306E": "の",
    "U+3057": "し",
    "U+3066": "て",
    "U+306B": "に",
    "U+3092": "を",
}
EXTRA_CHARACTERS = {"U+003F": "?", "U+FF2F": "\uff2f", "U+4E00": "一", "U+5927": "大"}
PAGE_HEIGHT, PAGE_WIDTH = 320, 224


def _page_ids(gen: np.random.Generator, n: int) -> list[str]:
    """Kaggle-like page ids: '100241706_00004_2' for most books, 'umgy001-017' style for the others."""
    ids: set[str] = set()
    while len(ids) < n:
        if gen.random() < 0.7:
            ids.add(
                f"{int(gen.integers(100241706, 300000000))}_{int(gen.integers(1, 60)):05d}_{int(gen.integers(1, 3))}"
            )
        else:
            book = str(gen.choice(["umgy", "hnsd", "brsk", "burh", "mkrd"]))
            ids.add(f"{book}{int(gen.integers(1, 12)):03d}-{int(gen.integers(1, 80)):03d}")
    return sorted(ids)


def _glyphs(gen: np.random.Generator) -> dict[str, np.ndarray]:
    return {code: gen.random((5, 5)) < 0.5 for code in CHARACTERS}


def _page(gen: np.random.Generator, glyphs: dict[str, np.ndarray], blank: bool) -> tuple[bytes, str | None]:
    pixels = np.array([222.0, 208.0, 180.0]) + gen.normal(0, 8, (PAGE_HEIGHT, PAGE_WIDTH, 3))
    boxes: list[str] = []
    if not blank:
        codes = list(CHARACTERS)
        for column in range(int(gen.integers(2, 6))):
            x = PAGE_WIDTH - 40 - column * 40 + int(gen.integers(-3, 4))
            y = int(gen.integers(8, 30))
            while y < PAGE_HEIGHT - 40 and x > 4:
                size = int(gen.integers(18, 30))
                code = codes[int(gen.integers(len(codes)))]
                glyph = np.kron(glyphs[code], np.ones((6, 6))).astype(bool)[:size, :size]
                patch = pixels[y : y + size, x : x + size]
                patch[glyph[: patch.shape[0], : patch.shape[1]]] = np.array([40.0, 35.0, 30.0])
                boxes.append(f"{code} {x} {y} {size} {size}")
                y += size + int(gen.integers(2, 10))
    return jpeg_bytes(np.clip(pixels, 0, 255)), " ".join(boxes) if boxes else None


def _blank_train_pages(n: int) -> set[int]:
    """Two rows that upstream's split keeps in train (a blank page in its test split would stop its preparer)."""
    train_rows, _ = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=0)
    return {int(r) for r in train_rows[:2]}


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training pages (at least 20, so the 10% test split holds two) and a few Kaggle test pages."""
    gen = rng(seed, "kuzushiji-recognition")
    n_train = max(20, size)
    n_test = max(3, n_train // 10)
    ids = _page_ids(gen, n_train + n_test)
    order = gen.permutation(len(ids))
    train_ids = [ids[i] for i in order[:n_train]]
    test_ids = [ids[i] for i in order[n_train:]]
    glyphs = _glyphs(gen)
    blank = _blank_train_pages(n_train)
    train_pages = [_page(gen, glyphs, row in blank) for row in range(n_train)]
    test_pages = [_page(gen, glyphs, False) for _ in test_ids]

    write_csv(pd.DataFrame({ID: train_ids, LABELS: [labels for _, labels in train_pages]}), out / "train.csv")
    write_csv(pd.DataFrame({ID: test_ids, LABELS: SAMPLE_LABELS}), out / "sample_submission.csv")
    table = {**CHARACTERS, **EXTRA_CHARACTERS}
    write_csv(pd.DataFrame({"Unicode": list(table), "char": list(table.values())}), out / "unicode_translation.csv")
    write_zip(
        out / "train_images.zip", ((f"{i}.jpg", image) for i, (image, _) in zip(train_ids, train_pages, strict=True))
    )
    write_zip(
        out / "test_images.zip", ((f"{i}.jpg", image) for i, (image, _) in zip(test_ids, test_pages, strict=True))
    )
