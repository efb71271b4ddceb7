"""Upstream parity of predict-volcanic-eruptions-ingv-oe, stanford-covid-vaccine and
hms-harmful-brain-activity-classification at the edges that matter for each.

Every expected value below was measured with upstream's own grade functions (openai/mle-bench at 783b15a, under
pandas 2.3.3) on exactly these frames; any exception there means invalid here.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from inspect_mlebench.competitions import hms_harmful_brain_activity_classification as hms
from inspect_mlebench.competitions import predict_volcanic_eruptions_ingv_oe as volcanic
from inspect_mlebench.competitions import stanford_covid_vaccine as covid
from inspect_mlebench.grading.errors import InvalidSubmissionError

VOLCANIC_ANSWERS = pd.DataFrame({"segment_id": [10, 20, 30], "time_to_eruption": [100, 200, 300]})


@pytest.mark.parametrize(
    ("ids", "preds", "expected"),
    [
        ([10, 20, 30], [100.5, 200.5, 300.5], 0.0),  # MAE 0.5 rounds half to even: upstream 0
        ([30, 10, 20], [302.5, 102.5, 202.5], 2.0),  # MAE 2.5, rows merged by id: upstream 2
        ([10, 20, 30, 30], [100, 200, 300, 310], 2.0),  # duplicated id passes the set check, scored twice: upstream 2
        ([10.0, 20.0, 30.0], [110, 200, 300], 3.0),  # float ids equal the parsed ints: upstream 3
    ],
)
def test_volcanic_scores_as_upstream(ids: list[float], preds: list[float], expected: float) -> None:
    submission = pd.DataFrame({"segment_id": ids, "time_to_eruption": preds})
    assert volcanic.grade(submission, VOLCANIC_ANSWERS.copy()) == expected


@pytest.mark.parametrize(
    ("ids", "preds"),
    [
        ([10, 20], [100, 200]),  # a missing id: upstream InvalidSubmissionError
        ([10, 20, 30], [1.7e308] * 3),  # the mean overflows to inf: upstream OverflowError in int(round(inf))
        ([10, 20, 30], [100, float("nan"), 300]),  # NaN: sklearn's ValueError upstream
        ([10, 20, 30], [100, "abc", 300]),  # text: sklearn's ValueError upstream
    ],
)
def test_volcanic_invalid_as_upstream(ids: list[float], preds: list[object]) -> None:
    submission = pd.DataFrame({"segment_id": ids, "time_to_eruption": preds})
    with pytest.raises(InvalidSubmissionError):
        volcanic.grade(submission, VOLCANIC_ANSWERS.copy())


# --- stanford-covid-vaccine: one sequence of 11 bases, the first 3 scored; sorting puts s_10 before s_2 ---


def _covid_answers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id_seqpos": [f"s_{j}" for j in range(11)],
            "reactivity": [0.5, 1.0, 2.0] + [0.0] * 8,
            "deg_Mg_pH10": [1.0] * 3 + [0.0] * 8,
            "deg_pH10": [0.3] * 3 + [0.0] * 8,
            "deg_Mg_50C": [0.0, 2.0, 0.0] + [0.0] * 8,
            "deg_50C": [0.1] * 3 + [0.0] * 8,
            "keep": [True] * 3 + [False] * 8,
        }
    )


def _covid_submission(*, sort: bool = False, **columns: Any) -> pd.DataFrame:
    sub = _covid_answers().drop(columns=["keep"])
    sub["reactivity"] = [1.0] * 3 + [9.0] * 8
    sub["deg_Mg_pH10"] = [1.0, 3.0, 1.0] + [9.0] * 8
    sub["deg_Mg_50C"] = [0.0] * 3 + [9.0] * 8
    sub = sub.assign(**columns)
    # a file written in sorted order and read back: the index follows the new order
    return sub.sort_values("id_seqpos").reset_index(drop=True) if sort else sub


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        # in the answers' order: RMSEs sqrt(1.25/3), sqrt(4/3), sqrt(4/3), mean; upstream 0.9849661003754685
        (_covid_submission(), 0.9849661003754685),
        # sorted by id: the keep mask (by file position) picks s_0, s_1, s_10, paired with s_0, s_1, s_2; upstream
        # 4.711869117877804
        (_covid_submission(sort=True), 4.711869117877804),
        # deg_pH10 is required but never read: NaN there passes; upstream 0.9849661003754685
        (_covid_submission(deg_pH10=float("nan")), 0.9849661003754685),
    ],
)
def test_covid_scores_as_upstream(submission: pd.DataFrame, expected: float) -> None:
    assert covid.grade(submission, _covid_answers()) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    "submission",
    [
        _covid_submission(reactivity=[float("nan")] + [1.0] * 10),  # NaN in a scored cell: sklearn's ValueError
        _covid_submission().iloc[:-1],  # one row short: upstream InvalidSubmissionError
        _covid_submission().drop(columns=["deg_50C"]),  # an unread column missing: upstream InvalidSubmissionError
    ],
)
def test_covid_invalid_as_upstream(submission: pd.DataFrame) -> None:
    with pytest.raises(InvalidSubmissionError):
        covid.grade(submission, _covid_answers())


# --- hms-harmful-brain-activity-classification: eeg 1 labelled in two windows, eeg 2 in one ---

HMS_VOTES = ["seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote", "grda_vote", "other_vote"]


def _hms_answers() -> pd.DataFrame:
    votes = [[3, 1, 0, 0, 0, 0], [0, 0, 2, 0, 0, 2], [0, 0, 0, 0, 0, 5]]
    return pd.DataFrame({"eeg_id": [1, 1, 2], **{c: [v[j] for v in votes] for j, c in enumerate(HMS_VOTES)}})


def _hms_submission(rows: list[list[float]], ids: tuple[float, ...] = (1, 1, 2)) -> pd.DataFrame:
    return pd.DataFrame({"eeg_id": list(ids), **{c: [r[j] for r in rows] for j, c in enumerate(HMS_VOTES)}})


GOLD_ROWS = [[0.75, 0.25, 0, 0, 0, 0], [0, 0, 0.5, 0, 0, 0.5], [0, 0, 0, 0, 0, 1.0]]


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        (_hms_submission(GOLD_ROWS), 3.7007434154171867e-16),  # the normalised votes (1 - 1e-15 clip): upstream 3.7e-16
        # eeg 1's two windows swapped: paired in the order pandas' sort leaves them; upstream 22.60735682154754
        (_hms_submission([GOLD_ROWS[1], GOLD_ROWS[0], GOLD_ROWS[2]]), 22.60735682154754),
        (_hms_submission([[1 / 6] * 6] * 3), 1.373265360835137),  # uniform: upstream 1.373265360835137
        # an empty cell counts as 0 in the sums and adds nothing (the truth's 0.75 is skipped): upstream 3.7e-16
        (_hms_submission([[float("nan"), 0.25, 0, 0, 0, 0.75], GOLD_ROWS[1], GOLD_ROWS[2]]), 3.7007434154171867e-16),
    ],
)
def test_hms_scores_as_upstream(submission: pd.DataFrame, expected: float) -> None:
    assert hms.grade(submission, _hms_answers()) == pytest.approx(expected, rel=1e-9, abs=1e-20)


@pytest.mark.parametrize(
    "submission",
    [
        _hms_submission([[0.75, 0.25, 0, 0, 0, 6e-6], GOLD_ROWS[1], GOLD_ROWS[2]]),  # sum 1.000006: round(., 5) != 1
        _hms_submission(GOLD_ROWS).assign(extra=0.5),  # an extra column breaks np.allclose(row sums, 1)
        _hms_submission(GOLD_ROWS, ids=(1, 2, 3)),  # another id set
        _hms_submission([[1.2, -0.2, 0, 0, 0, 0], GOLD_ROWS[1], GOLD_ROWS[2]]),  # outside [0, 1]
    ],
)
def test_hms_invalid_as_upstream(submission: pd.DataFrame) -> None:
    with pytest.raises(InvalidSubmissionError):
        hms.grade(submission, _hms_answers())
