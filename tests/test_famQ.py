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
