"""Upstream parity at the boundary for billion-word-imputation and facebook-recruiting-iii-keyword-extraction.

Each expected verdict and score is measured: the same file (same synthetic data, seed 0, size 120; same mutation of
the gold or sample submission) was graded with upstream's own grade function (openai/mle-bench at 783b15a, read as
upstream's `grade_csv` reads it, rounded to 5 decimals; any exception there means invalid). `lenient` says whether
this project scores it with a warning by default and refuses it in strict mode.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from Levenshtein import distance as edit_distance

from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.metrics import levenshtein_mean, multilabel_micro_f1

SIZE = 120
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, sample) -> submission

WORDS = "billion-word-imputation"
TAGS = "facebook-recruiting-iii-keyword-extraction"


def _target(value: str, rows: tuple[int, ...] = (0,)) -> Mutation:
    def mutate(gold: Frame, sample: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[list(rows)], out.columns[-1]] = value
        return out

    return mutate


def _texts(edit: Callable[[str], str]) -> Mutation:
    return lambda gold, sample: gold.assign(**{gold.columns[-1]: [edit(x) for x in gold.iloc[:, -1]]})


def _ids(edit: Callable[[str], str]) -> Mutation:
    return lambda gold, sample: gold.assign(**{gold.columns[0]: [edit(x) for x in gold.iloc[:, 0]]})


def _first_id(value: str) -> Mutation:
    return lambda gold, sample: gold.assign(**{gold.columns[0]: [value, *gold.iloc[1:, 0]]})


MUTATIONS: dict[str, Mutation] = {
    "gold": lambda gold, sample: gold,
    "sample": lambda gold, sample: sample,
    "shuffled": lambda gold, sample: gold.sample(frac=1, random_state=1),
    "float_ids": _ids(lambda x: f"{x}.0"),
    "padded_ids": _ids(lambda x: f" {x} "),
    "duplicate_id": lambda gold, sample: gold.assign(**{gold.columns[0]: [gold.iloc[1, 0], *gold.iloc[1:, 0]]}),
    "unknown_id": _first_id("999999999"),
    "text_id": _first_id("abc"),
    "missing_row": lambda gold, sample: gold.iloc[1:],
    "header_only": lambda gold, sample: gold.iloc[:0],
    "no_target": lambda gold, sample: gold.iloc[:, :1],
    "extra_column": lambda gold, sample: gold.assign(extra="1"),
    "target_missing": _target(""),
    "target_NA": _target("NA"),
    "target_number": _target("5"),
    "target_inf": _target("inf"),
    "targets_all_numbers": lambda gold, sample: gold.assign(**{gold.columns[-1]: [str(i) for i in range(len(gold))]}),
    "targets_all_booleans": lambda gold, sample: gold.assign(**{gold.columns[-1]: "False"}),
    "targets_all_empty": lambda gold, sample: gold.assign(**{gold.columns[-1]: ""}),
    "lower": _texts(str.lower),
    "padded_texts": _texts(lambda x: f" {x} "),
    "last_char_dropped": _texts(lambda x: x[:-1]),
    "upper": _texts(str.upper),
    # tag lists
    "first_tag_only": _texts(lambda x: x.split()[0]),
    "unknown_tag_added": _texts(lambda x: f"{x} zzz-unknown"),
    "tags_repeated": _texts(lambda x: f"{x} {x}"),
    "only_unknown_tags": lambda gold, sample: gold.assign(**{gold.columns[-1]: "zzz"}),
    "title_emptied": lambda gold, sample: gold.assign(Title=["", "", "", *gold["Title"][3:]]),
}

# (competition, case): upstream's score (None: invalid upstream), and whether it is scored only with a warning.
EXPECTED: dict[tuple[str, str], tuple[float | None, bool]] = {
    (WORDS, "gold"): (0.0, False),
    (WORDS, "sample"): (4.93333, False),  # the shortened sentences: the missing word and a space per row
    (WORDS, "shuffled"): (0.0, False),
    (WORDS, "float_ids"): (0.0, True),  # parsed as the same numbers
    (WORDS, "padded_ids"): (0.0, False),  # pandas parses ' 3 ' as 3
    (WORDS, "duplicate_id"): (None, False),
    (WORDS, "unknown_id"): (None, False),
    (WORDS, "text_id"): (None, False),
    (WORDS, "missing_row"): (None, False),
    (WORDS, "header_only"): (None, False),
    (WORDS, "no_target"): (None, False),
    (WORDS, "extra_column"): (0.0, False),
    (WORDS, "target_missing"): (None, False),  # Levenshtein refuses a float (NaN)
    (WORDS, "target_NA"): (None, False),  # pandas reads 'NA' as missing
    (WORDS, "target_number"): (1.13333, False),  # one number among texts: the column stays text
    (WORDS, "target_inf"): (1.1, False),
    (WORDS, "targets_all_numbers"): (None, False),  # the column parses as integers: no text to compare
    (WORDS, "lower"): (1.1, False),
    (WORDS, "padded_texts"): (2.0, False),  # quoted, so pandas keeps the spaces
    (WORDS, "last_char_dropped"): (1.0, False),
    (TAGS, "gold"): (1.0, False),
    (TAGS, "sample"): (0.25, False),  # "javascript c# python php java" for every question
    (TAGS, "shuffled"): (1.0, False),
    (TAGS, "float_ids"): (1.0, True),
    (TAGS, "padded_ids"): (1.0, False),
    (TAGS, "duplicate_id"): (None, False),
    (TAGS, "unknown_id"): (None, False),
    (TAGS, "text_id"): (None, False),
    (TAGS, "missing_row"): (None, False),
    (TAGS, "header_only"): (None, False),
    (TAGS, "no_target"): (None, False),
    (TAGS, "extra_column"): (1.0, False),
    (TAGS, "target_missing"): (0.95652, False),  # an empty cell predicts no tags
    (TAGS, "target_NA"): (0.95652, False),
    (TAGS, "target_number"): (0.95652, False),  # '5' is a tag no answer has: ignored
    (TAGS, "target_inf"): (0.95652, False),
    (TAGS, "targets_all_numbers"): (None, False),  # an integer column has no .str accessor upstream
    (TAGS, "targets_all_booleans"): (None, False),
    (TAGS, "targets_all_empty"): (0.0, False),  # read as floats, all missing: no tags predicted
    (TAGS, "lower"): (1.0, False),
    (TAGS, "upper"): (0.0, False),  # tags are case-sensitive; 'PYTHON' is unknown, so ignored
    (TAGS, "padded_texts"): (1.0, False),
    (TAGS, "first_tag_only"): (0.66667, False),
    (TAGS, "unknown_tag_added"): (1.0, False),  # not a false positive: the vocabulary is the answers'
    (TAGS, "tags_repeated"): (1.0, False),  # a tag counts once per row
    (TAGS, "only_unknown_tags"): (0.0, False),
    (TAGS, "title_emptied"): (1.0, True),  # Title is never read upstream; emptied copies get a warning here
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("famF")
    for cid in sorted({cid for cid, _ in EXPECTED}):
        prepare_synthetic(cid, root, seed=0, size=SIZE)
    return root


def _write(cid: str, data_dir: Path, case: str, out: Path) -> Path:
    prepared = data_dir / cid / "prepared"
    gold = pd.read_csv(prepared / "private" / GOLD_SUBMISSION, dtype=str, keep_default_na=False)
    sample = pd.read_csv(prepared / "public" / "sample_submission.csv", dtype=str, keep_default_na=False)
    path = out / f"{case}.csv"
    MUTATIONS[case](gold, sample).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(("cid", "case"), sorted(EXPECTED))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    expected, lenient = EXPECTED[cid, case]
    path = _write(cid, data_dir, case, tmp_path)
    report = grade(cid, path, data_dir)
    assert report.score == expected, report.invalid_reason
    assert report.valid_submission is (expected is not None)
    assert bool(report.warnings) is lenient, report.warnings
    if report.invalid_reason:
        assert "\n" not in report.invalid_reason
    strict = grade(cid, path, data_dir, mode="strict")
    assert strict.valid_submission is (expected is not None and not lenient)


def test_words_split_as_upstream(data_dir: Path) -> None:
    """Seed 0, size 120 (3,000 lines): upstream's prepare.py on the same raw data holds out 30 sentences; each public
    test sentence is its answer with one inner word taken out, and the sample is the public test file itself."""
    prepared = data_dir / WORDS / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    with zipfile.ZipFile(prepared / "public" / "test_v2.txt.zip") as archive:
        public_test = archive.read("test_v2.txt")
    assert public_test == (prepared / "public" / "sample_submission.csv").read_bytes()
    assert public_test == (prepared / "private" / "sample_submission.csv").read_bytes()
    assert public_test.startswith(b'"id","sentence"\n0,"')
    shortened = pd.read_csv(prepared / "public" / "sample_submission.csv")
    assert list(answers["id"]) == list(range(30)) == list(shortened["id"])
    for full, short in zip(answers["sentence"], shortened["sentence"], strict=True):
        words, rest = full.split(), short.split()
        assert len(rest) == len(words) - 1
        assert (rest[0], rest[-1]) == (words[0], words[-1])
    with zipfile.ZipFile(prepared / "public" / "train_v2.txt.zip") as archive:
        train = archive.read("train_v2.txt").decode().splitlines()
    assert len(train) == 3000 - 30


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("", "", 0),
        ("kitten", "sitting", 3),  # two substitutions and an insertion
        ("the cat sat", "the sat", 4),  # a word and its space taken out
        ("flaw", "lawn", 2),
        ("a😀b", "ab", 1),  # one code point, even outside the BMP
        ("abc", "", 3),
    ],
)
def test_edit_distance(a: str, b: str, expected: int) -> None:
    assert edit_distance(a, b) == expected == edit_distance(b, a)


def test_levenshtein_mean_takes_numpy_and_pandas_text() -> None:
    truths, preds = ["the cat sat .", "a b c", "x"], ["the sat .", "a b c", "xyz"]
    expected = (4 + 0 + 2) / 3
    assert levenshtein_mean(np.array(truths, dtype=object), np.array(preds, dtype=object)) == expected
    arrays = pd.Series(truths, dtype="string").array, pd.Series(preds, dtype="string").array
    assert levenshtein_mean(*arrays) == expected
    assert math.isnan(levenshtein_mean(np.array([], dtype=object), np.array([], dtype=object)))


def test_levenshtein_mean_blocks_long_and_short_texts() -> None:
    """Texts of very different lengths share no block; past the widest block each pair is handled on its own."""
    gen = np.random.default_rng(0)
    truths = ["".join(gen.choice(list("abc "), size=n)) for n in (0, 3, 40, 900, 2500)]
    preds = [t[:1] + "z" + t[2:] + "q" if t else "q" for t in truths]
    expected = np.mean([edit_distance(t, p) for t, p in zip(truths, preds, strict=True)])
    assert levenshtein_mean(np.array(truths, dtype=object), np.array(preds, dtype=object)) == expected


def test_tags_split_as_upstream(data_dir: Path) -> None:
    """Seed 0, size 120: upstream's train_test_split(test_size=0.1, random_state=0) holds out 12 of the 120
    questions (ids measured with upstream's prepare.py on the same raw data); the sample keeps Title and Body."""
    prepared = data_dir / TAGS / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    assert list(answers.columns) == ["Id", "Title", "Body", "Tags"]
    assert list(answers["Id"])[:4] == [49, 95, 96, 9]  # split order, as upstream writes it
    assert len(answers) == 12
    sample = pd.read_csv(prepared / "public" / "sample_submission.csv")
    assert list(sample.columns) == ["Id", "Title", "Body", "Tags"]
    assert set(sample["Tags"]) == {"javascript c# python php java"}
    public_test = pd.read_csv(prepared / "public" / "test.csv")
    assert list(public_test.columns) == ["Id", "Title", "Body"]
    assert list(public_test["Id"]) == list(answers["Id"]) == list(sample["Id"])
    train = pd.read_csv(prepared / "public" / "train.csv")
    assert len(train) == 108
    assert not set(train["Id"]) & set(answers["Id"])


@pytest.mark.parametrize(
    ("truths", "preds", "expected"),
    [
        (["a b", "c"], ["a b", "c"], 1.0),
        (["a b", "c"], ["", ""], 0.0),  # nothing predicted: TP 0
        (["a b", "c"], ["b\ta", " c  c "], 1.0),  # any whitespace separates; repeats count once
        (["a b", "c"], ["a zz", "c q"], 2 * 2 / (2 + 3)),  # zz, q never in the answers: ignored
        (["a b", "c"], ["c", "a"], 0.0),  # known tags on the wrong rows are false positives
        (["a b", "c"], [float("nan"), "c \x01 a"], 2 * 1 / (2 + 3)),  # missing: none; the row marker as a tag
    ],
)
def test_multilabel_micro_f1(truths: list[object], preds: list[object], expected: float) -> None:
    value = multilabel_micro_f1(np.array(truths, dtype=object), np.array(preds, dtype=object))
    assert value == pytest.approx(expected, abs=1e-12)
