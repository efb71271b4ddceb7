"""Upstream parity of google-research-identify-contrails-reduce-global-warming and vesuvius-challenge-ink-detection
at the edges that matter for them (run-length masks touching the image's borders, empty and invalid encodings, ids),
plus their metrics on hand-computed data.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals, under pandas 2 and 3 alike; any exception there means invalid, None here).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.grading.errors import InvalidSubmissionError
from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission

CONTRAILS = "google-research-identify-contrails-reduce-global-warming"


def _pixels(answers: Frame) -> int:
    return int(answers["height"].iloc[0]) * int(answers["width"].iloc[0])


def _masks(make: Callable[[int], str]) -> Mutation:
    """Every record's encoding replaced by `make(pixels per image)`."""
    return lambda gold, answers: gold.assign(encoded_pixels=make(_pixels(answers)))


def _first_mask(text: str) -> Mutation:
    """The first row's encoding replaced, the others kept."""
    return lambda gold, answers: gold.assign(encoded_pixels=[text, *gold["encoded_pixels"][1:]])


def _with_border_runs(gold: Frame, answers: Frame) -> Frame:
    """Each record's runs plus the first pixel and a run from the second-to-last pixel past the image's end (where
    the record's own runs leave room for them)."""
    n = _pixels(answers)
    edited = []
    for text in gold["encoded_pixels"]:
        values = [] if text == "-" else [int(v) for v in text.split()]
        if not values or values[0] > 2:
            values = [1, 1, *values]
        if values[-2] + values[-1] < n - 2:
            values += [n - 1, 10]
        edited.append(" ".join(map(str, values)))
    return gold.assign(encoded_pixels=edited)


def _half_runs(gold: Frame, answers: Frame) -> Frame:
    """Each record keeps the first half of its runs."""
    kept = []
    for text in gold["encoded_pixels"]:
        tokens = [] if text == "-" else text.split()
        kept.append(" ".join(tokens[: len(tokens) // 4 * 2]) or "-")
    return gold.assign(encoded_pixels=kept)


VESUVIUS = "vesuvius-challenge-ink-detection"


def _prediction(make: Callable[[str, int], str]) -> Mutation:
    """The one fragment's prediction as `make(its true encoding, pixels in the fragment)`."""
    return lambda gold, answers: gold.assign(Predicted=make(gold["Predicted"].iloc[0], _pixels(answers)))


def _reencoded(edit: Callable[[np.ndarray], np.ndarray], order: str = "C") -> Mutation:
    """The true ink mask edited, then encoded along the rows (or down the columns with `order="F"`)."""
    from inspect_mlebench.grading.rle import rle_decode, rle_encode

    def mutate(gold: Frame, answers: Frame) -> Frame:
        height, width = int(answers["height"].iloc[0]), int(answers["width"].iloc[0])
        mask = rle_decode(gold["Predicted"].iloc[0], height, width, "C")
        return gold.assign(Predicted=rle_encode(edit(mask), "F" if order == "F" else "C"))

    return mutate


CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    (CONTRAILS, "gold"): (lambda gold, answers: gold, 1.0, False),
    (CONTRAILS, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=1), 1.0, False),
    (CONTRAILS, "all_empty"): (_masks(lambda n: "-"), 0.0, False),
    # the masks below are decoded with the answers' height and width (32 x 32 here)
    (CONTRAILS, "all_set"): (_masks(lambda n: f"1 {n}"), 0.09015, False),
    (CONTRAILS, "first_pixel"): (_masks(lambda n: "1 1"), 0.0, False),
    (CONTRAILS, "last_pixel"): (_masks(lambda n: f"{n} 1"), 0.0, False),
    (CONTRAILS, "run_past_the_end"): (_masks(lambda n: f"{n - 5} 100"), 0.0, False),
    (CONTRAILS, "start_past_the_end"): (_masks(lambda n: f"{n + 5} 3"), 0.0, False),
    (CONTRAILS, "half_the_runs"): (_half_runs, 0.66051, False),
    (CONTRAILS, "border_runs_added"): (_with_border_runs, 0.9699, False),
    # a lone start with no length sets nothing (numpy pairs it with no length), so that record predicts empty
    (CONTRAILS, "one_odd_token"): (_first_mask("5"), 0.78661, False),
    (CONTRAILS, "blank_cell"): (_first_mask(""), None, False),
    (CONTRAILS, "unsorted_runs"): (_first_mask("10 2 3 2"), None, False),
    (CONTRAILS, "overlapping_runs"): (_first_mask("10 5 12 3"), None, False),
    (CONTRAILS, "zero_length"): (_first_mask("10 0"), None, False),
    (CONTRAILS, "float_token"): (_first_mask("1.0 3"), None, False),
    (CONTRAILS, "without_height_width"): (lambda gold, answers: gold[["record_id", "encoded_pixels"]], 1.0, True),
    (CONTRAILS, "float_ids"): (lambda gold, answers: gold.assign(record_id=gold["record_id"] + ".0"), 1.0, True),
    (CONTRAILS, "unknown_id"): (
        lambda gold, answers: gold.assign(record_id=["1234567890123456789", *gold["record_id"][1:]]),
        None,
        False,
    ),
    (CONTRAILS, "missing_row"): (lambda gold, answers: gold.iloc[1:], None, False),
    (CONTRAILS, "no_encoded_pixels"): (lambda gold, answers: gold.drop(columns="encoded_pixels"), None, False),
    (VESUVIUS, "gold"): (lambda gold, answers: gold, 1.0, False),
    (VESUVIUS, "sample"): (_prediction(lambda truth, n: "1 1 5 1"), 0.0, False),
    (VESUVIUS, "blank_text"): (_prediction(lambda truth, n: "   "), 0.0, False),  # text, so an empty mask
    (VESUVIUS, "all_set"): (_prediction(lambda truth, n: f"1 {n}"), 0.16029, False),
    (VESUVIUS, "first_pixel_added"): (_prediction(lambda truth, n: f"1 1 {truth}"), 0.99359, False),
    (VESUVIUS, "run_past_the_end_added"): (_prediction(lambda truth, n: f"{truth} {n - 1} 10"), 0.98726, False),
    (VESUVIUS, "last_pixel"): (_prediction(lambda truth, n: f"{n} 1"), 0.0, False),
    (VESUVIUS, "half_the_runs"): (
        _prediction(lambda truth, n: " ".join(truth.split()[: len(truth.split()) // 4 * 2])),
        0.88095,
        False,
    ),
    (VESUVIUS, "dilated"): (_reencoded(lambda mask: mask | np.roll(mask, 1, axis=1)), 0.80311, False),
    (VESUVIUS, "down_the_columns"): (_reencoded(lambda mask: mask, "F"), 0.20968, False),  # the wrong pixel order
    (VESUVIUS, "tab_separated"): (_prediction(lambda truth, n: truth.replace(" ", "\t")), 1.0, False),
    (VESUVIUS, "columns_swapped"): (lambda gold, answers: gold[["Predicted", "Id"]], 1.0, False),
    # an empty cell, or a lone number, is not text: upstream refuses it (an empty mask must be written as blanks)
    (VESUVIUS, "empty_cell"): (_prediction(lambda truth, n: ""), None, False),
    (VESUVIUS, "lone_number"): (_prediction(lambda truth, n: "5"), None, False),
    (VESUVIUS, "unsorted_runs"): (_prediction(lambda truth, n: "10 2 3 2"), None, False),
    (VESUVIUS, "overlapping_runs"): (_prediction(lambda truth, n: "10 5 12 3"), None, False),
    (VESUVIUS, "three_starts_two_lengths"): (_prediction(lambda truth, n: "1 3 7 9 20"), None, False),
    (VESUVIUS, "dash"): (_prediction(lambda truth, n: "-"), None, False),
    (VESUVIUS, "other_id"): (lambda gold, answers: gold.assign(Id="b"), None, False),
    (VESUVIUS, "extra_column"): (lambda gold, answers: gold.assign(extra="1"), None, False),
    (VESUVIUS, "two_rows"): (lambda gold, answers: pd.concat([gold, gold]), None, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famQ"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_contrails_answers_encode_down_the_columns(data_dir: Path) -> None:
    """The answers' runs number pixels down each column first, as upstream's encoder does."""
    from inspect_mlebench.competitions.google_research_identify_contrails_reduce_global_warming import grade

    answers = pd.DataFrame({"record_id": [7, 3], "encoded_pixels": ["2 2", "-"], "height": [3, 3], "width": [2, 2]})
    # truth of record 7: pixels 2 and 3 of column one (rows 1 and 2); the prediction sets row 1 of both columns
    submission = pd.DataFrame({"record_id": [3, 7], "encoded_pixels": ["-", "2 1 5 1"]})
    assert grade(submission, answers) == pytest.approx(2 * 1 / (2 + 2))
    with pytest.raises(InvalidSubmissionError, match="'record_id'"):
        grade(submission.assign(record_id=[3, 8]), answers)
    with pytest.raises(InvalidSubmissionError, match="'encoded_pixels'"):
        grade(submission.assign(encoded_pixels=["-", "5 1 2 1"]), answers)


def test_vesuvius_grade_by_hand(data_dir: Path) -> None:
    from inspect_mlebench.competitions.vesuvius_challenge_ink_detection import grade
    from inspect_mlebench.formats.images import read_image
    from inspect_mlebench.grading.rle import rle_decode

    # a 2 x 3 fragment, ink at pixels 2 and 3 of the top row; the prediction sets pixel 2 and the middle of row 2:
    # TP 1, FP 1, FN 1 -> 1.25 / (0.25 * 2 + 2)
    answers = pd.DataFrame({"Id": ["a"], "Predicted": ["2 2"], "width": [3], "height": [2]})
    submission = pd.DataFrame({"Id": ["a"], "Predicted": ["2 1 5 1"]})
    assert grade(submission, answers) == pytest.approx(0.5)
    with pytest.raises(InvalidSubmissionError, match="'Id'"):
        grade(submission.assign(Id="b"), answers)
    with pytest.raises(InvalidSubmissionError, match="'Predicted'"):
        grade(submission.assign(Predicted="5 1 2 1"), answers)

    # the public training fragments' run-length text follows the rows of their ink labels image, as the answers do
    fragment = data_dir / VESUVIUS / "prepared" / "public" / "train" / "1"
    ink = read_image(fragment / "inklabels.png") > 0
    text = pd.read_csv(fragment / "inklabels_rle.csv")["Predicted"].iloc[0]
    assert (rle_decode(text, ink.shape[0], ink.shape[1], "C") == ink).all()


def test_metrics_by_hand() -> None:
    from inspect_mlebench.grading.metrics import fbeta, global_dice

    # pooled over both masks: |X & Y| = 1 + 2, |X| = 2 + 2, |Y| = 1 + 3 -> 2 * 3 / 8 (a per-mask mean would differ)
    truths = [np.array([[1, 1], [0, 0]]), np.array([[0, 1], [1, 0]])]
    guesses = [np.array([[1, 0], [0, 0]]), np.array([[1, 1], [1, 0]])]
    assert global_dice(truths, guesses) == 0.75
    assert global_dice(np.array(truths), np.array(guesses)) == 0.75
    assert math.isnan(global_dice([np.zeros((2, 2))], [np.zeros((2, 2))]))
    assert global_dice([np.zeros((2, 2))], [np.ones((2, 2))]) == 0.0

    # TP 2, FP 2, FN 1: precision 1/2, recall 2/3 -> 1.25 * 2 / (0.25 * 3 + 4) = 2.5 / 4.75
    truth = np.array([1, 1, 1, 0, 0, 0], dtype=bool)
    guess = np.array([1, 1, 0, 1, 1, 0], dtype=bool)
    assert fbeta(truth, guess, beta=0.5) == pytest.approx(2.5 / 4.75)
    assert fbeta(truth, guess, beta=1.0) == pytest.approx(4 / 7)  # F1 = 2 TP / (2 TP + FP + FN)
    assert fbeta(np.zeros(4, bool), np.zeros(4, bool), beta=0.5) == 0.0  # scikit-learn's zero_division default
    assert fbeta(truth, truth, beta=0.5) == 1.0


def test_fbeta_matches_scikit_learn() -> None:
    from sklearn.metrics import fbeta_score

    from inspect_mlebench.grading.metrics import fbeta

    gen = np.random.default_rng(0)
    for _ in range(50):
        truth, guess = gen.random(200) < gen.random(), gen.random(200) < gen.random()
        assert fbeta(truth, guess, beta=0.5) == fbeta_score(truth, guess, beta=0.5, zero_division=0.0)
