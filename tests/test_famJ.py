"""Upstream parity of predict-volcanic-eruptions-ingv-oe, stanford-covid-vaccine and
hms-harmful-brain-activity-classification at the edges that matter for each.

Every expected value below was measured with upstream's own grade functions (openai/mle-bench at 783b15a, under
pandas 2.3.3) on exactly these frames; any exception there means invalid here.
"""

from __future__ import annotations

import pandas as pd
import pytest

from inspect_mlebench.competitions import predict_volcanic_eruptions_ingv_oe as volcanic
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
