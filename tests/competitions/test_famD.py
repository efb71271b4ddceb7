"""Upstream parity of osic-pulmonary-fibrosis-progression, bms-molecular-translation and AI4Code at the edges that
matter for each, plus their metrics on hand-computed data.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals; any exception there means invalid, None here; NaN is a valid NaN score there).
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
NAN = float("nan")

OSIC = "osic-pulmonary-fibrosis-progression"


def _osic_scored(answers: Frame) -> set[str]:
    """Each patient's last three measured weeks (what upstream scores)."""
    measured = answers[answers["FVC"] != ""].assign(week=lambda f: f["Weeks"].astype(int))
    return set(measured.sort_values("week").groupby("Patient").tail(3)["Patient_Week"])


def _osic_where(scored: bool, **values: str) -> Mutation:
    """Set columns to constants on the scored rows (or on the others)."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        rows = out["Patient_Week"].isin(_osic_scored(answers)) == scored
        for column, value in values.items():
            out.loc[rows, column] = value
        return out

    return mutate


def _osic_keep(scored: bool) -> Mutation:
    return lambda gold, answers: gold[gold["Patient_Week"].isin(_osic_scored(answers)) == scored]


def _osic_repeat_scored(extra_ids: int) -> Mutation:
    """The first scored id three times (the second repeat with FVC off by 600), plus `extra_ids` other scored ids."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        ids = sorted(_osic_scored(answers))
        first = gold[gold["Patient_Week"] == ids[0]]
        others = gold[gold["Patient_Week"].isin(ids[1 : 1 + extra_ids])]
        shifted = first.assign(FVC=(first["FVC"].astype(float) + 600).map(repr))
        return pd.concat([first, shifted, first, others])

    return mutate


def _shift(column: str, delta: float) -> Mutation:
    return lambda gold, answers: gold.assign(**{column: (gold[column].astype(float) + delta).map(repr)})


BMS = "bms-molecular-translation"


def _bms_first(value: str) -> Mutation:
    return lambda gold, answers: gold.assign(InChI=[value, *gold["InChI"][1:]])


AI4CODE = "AI4Code"


def _orders(edit: Callable[[list[str]], list[str]], rows: slice = slice(None)) -> Mutation:
    """Each notebook's true order (in the answers) edited on the chosen rows."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        picked = out.index[rows]
        out.loc[picked, "cell_order"] = [" ".join(edit(x.split())) for x in out.loc[picked, "cell_order"]]
        return out

    return mutate


CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    (OSIC, "gold"): (lambda gold, answers: gold, -4.59507, False),
    (OSIC, "sample"): (lambda gold, answers: gold.assign(FVC="2000", Confidence="100"), -13.26496, False),
    (OSIC, "fvc_plus_300_conf_150"): (
        lambda gold, answers: _shift("FVC", 300.0)(gold, answers).assign(Confidence="150.5"),
        -8.17957,
        False,
    ),
    (OSIC, "fvc_minus_1000_capped"): (_shift("FVC", -5000.0), -24.79812, False),
    (OSIC, "confidence_empty_is_70"): (_osic_where(True, Confidence=""), -4.59507, True),
    (OSIC, "confidence_negative"): (lambda gold, answers: gold.assign(Confidence="-5"), -4.59507, False),
    (OSIC, "confidence_inf"): (lambda gold, answers: gold.assign(Confidence="inf"), float("-inf"), False),
    (OSIC, "confidence_text"): (lambda gold, answers: gold.assign(Confidence="high"), None, False),
    (OSIC, "fvc_text"): (lambda gold, answers: gold.assign(FVC="lots"), None, False),
    (OSIC, "fvc_empty_unscored"): (_osic_where(False, FVC=""), -4.59507, True),
    (OSIC, "fvc_empty_scored_is_nan"): (_osic_where(True, FVC=""), NAN, True),
    (OSIC, "only_scored_rows"): (_osic_keep(True), -4.59507, False),
    (OSIC, "only_unscored_rows_is_nan"): (_osic_keep(False), NAN, True),
    (OSIC, "one_scored_id_repeated"): (_osic_repeat_scored(0), -8.63568, True),
    (OSIC, "repeat_with_other_ids"): (_osic_repeat_scored(2), None, False),
    (OSIC, "unknown_week"): (
        lambda gold, answers: gold.assign(Patient_Week=[f"{gold['Patient_Week'].iloc[0]}0", *gold["Patient_Week"][1:]]),
        None,
        False,
    ),
    (OSIC, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=1), -4.59507, False),
    (BMS, "gold"): (lambda gold, answers: gold, 0.0, False),
    (BMS, "sample"): (lambda gold, answers: gold.assign(InChI="InChI=1S/H2O/h1H2"), 17.75, False),
    (BMS, "no_prefix"): (lambda gold, answers: gold.assign(InChI=gold["InChI"].str[6:]), 6.0, False),
    (BMS, "shuffled_lowercase"): (
        lambda gold, answers: gold.assign(InChI=gold["InChI"].str.lower()).sample(frac=1, random_state=2),
        8.5,
        False,
    ),
    (BMS, "number_as_parsed"): (_bms_first("1.50"), 3.75, False),  # scored as '1.5', the parsed float's text
    # an empty prediction is the text 'nan' under pandas 2, which upstream was written for (under pandas 3 its
    # astype(str) keeps the cell missing and Levenshtein raises)
    (BMS, "empty_prediction"): (_bms_first(""), 3.75, True),
    (BMS, "duplicated_id"): (
        lambda gold, answers: gold.assign(image_id=[*gold["image_id"][1:2], *gold["image_id"][1:]]),
        None,
        False,
    ),
    (BMS, "missing_row"): (lambda gold, answers: gold.iloc[1:], None, False),
    (AI4CODE, "gold"): (lambda gold, answers: gold, 1.0, False),
    (AI4CODE, "reversed"): (_orders(lambda cells: cells[::-1]), -1.0, False),
    (AI4CODE, "first_two_swapped"): (_orders(lambda cells: [cells[1], cells[0], *cells[2:]]), 0.96452, False),
    (AI4CODE, "one_notebook_swapped"): (
        _orders(lambda cells: [cells[1], cells[0], *cells[2:]], slice(0, 1)),
        0.99557,
        False,
    ),
    (AI4CODE, "tabs_and_spaces"): (_orders(lambda cells: ["\t".join(cells[:2]), *cells[2:]]), 1.0, False),
    (AI4CODE, "cell_missing"): (_orders(lambda cells: cells[:-1], slice(0, 1)), None, False),
    (AI4CODE, "cell_repeated"): (_orders(lambda cells: [*cells[:-1], cells[0]], slice(0, 1)), None, False),
    (AI4CODE, "cell_unknown"): (_orders(lambda cells: [*cells[:-1], "deadbeef"], slice(0, 1)), None, False),
    (AI4CODE, "empty_order"): (_orders(lambda cells: [], slice(0, 1)), None, False),
    (AI4CODE, "ids_swapped"): (
        lambda gold, answers: gold.assign(id=[*gold["id"][1:], gold["id"].iloc[0]]),
        None,
        False,
    ),
    (BMS, "upper_case_id"): (lambda gold, answers: gold.assign(image_id=gold["image_id"].str.upper()), None, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famD"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_osic_scores_last_three_measured_weeks_by_hand() -> None:
    from inspect_mlebench.competitions.osic_pulmonary_fibrosis_progression import grade as osic_grade

    answers = pd.DataFrame(
        {
            "Patient": ["P"] * 5,
            "Patient_Week": ["P_-2", "P_0", "P_5", "P_9", "P_12"],
            "FVC": [3000.0, 2900.0, 2800.0, NAN, 2700.0],
        }
    )
    # scored: weeks 0, 5 and 12 (week 9 unmeasured, week -2 not among the last three)
    submission = pd.DataFrame(
        {"Patient_Week": ["P_12", "P_-2", "P_5", "P_0"], "FVC": [2700.0, 0.0, 2900.0, 2900.0], "Confidence": 70.0}
    )
    best = -math.log(70 * math.sqrt(2))
    assert osic_grade(submission, answers) == pytest.approx(best - math.sqrt(2) * 100 / 70 / 3)
    with pytest.raises(InvalidSubmissionError, match="'Patient_Week'"):
        osic_grade(submission.assign(Patient_Week=["P_12", "P_-2", "P_5", "P_1"]), answers)
    with pytest.raises(InvalidSubmissionError, match="'FVC'"):
        osic_grade(submission.assign(FVC=["a", "1", "2", "3"]), answers)


def test_metrics_by_hand() -> None:
    from inspect_mlebench.grading.metrics import (
        kendall_tau_orders,
        laplace_log_likelihood,
        levenshtein_mean,
    )

    # global, not a mean of per-notebook taus: (a b c d) fully reversed has 6 inversions, (e f) none: 1 - 4*6/14
    orders = np.array(["a b c d", "e f"], dtype=object)
    assert kendall_tau_orders(orders, np.array(["d c b a", "e f"], dtype=object)) == pytest.approx(1 - 24 / 14)
    with pytest.raises(ValueError, match="permutation"):
        kendall_tau_orders(orders, np.array(["a b c c", "e f"], dtype=object))
    with pytest.raises(ValueError, match="two cells"):
        kendall_tau_orders(np.array(["a"], dtype=object), np.array(["a"], dtype=object))

    # kitten -> sitting 3 (two substitutions, an insertion); "" -> "abc" 3; flaw -> lawn 2; CH4 -> C2H6 2: mean 10/4
    truths = np.array(["kitten", "", "flaw", "InChI=1S/CH4"], dtype=object)
    guesses = np.array(["sitting", "abc", "lawn", "InChI=1S/C2H6"], dtype=object)
    assert levenshtein_mean(truths, guesses) == 2.5

    assert math.isnan(laplace_log_likelihood(np.array([]), np.empty((0, 2))))
    assert laplace_log_likelihood(np.array([100.0]), np.array([[100.0, 10.0]])) == pytest.approx(
        -math.log(70 * math.sqrt(2))
    )
