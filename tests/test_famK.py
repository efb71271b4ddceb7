"""Upstream parity of icecube-neutrinos-in-deep-ice at the edges that matter for it, plus its metric by hand.

Every expected score below was measured on exactly these files with upstream's own grade function (openai/mle-bench
at 783b15a, the submission read as its `grade_csv` reads it, under pandas 2, rounded to 5 decimals; any exception
there means invalid, None here).
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.competitions import icecube_neutrinos_in_deep_ice as icecube
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import grading_context
from inspect_mlebench.grading.metrics import mean_angular_error

ICE_ANSWERS = pd.DataFrame({"event_id": [10, 20, 30], "azimuth": [0.0, 1.0, 2.0], "zenith": [0.5, 1.5, 3.0]})
HEADER = "event_id,azimuth,zenith\n"

# name -> (submission CSV, upstream's score or None for invalid)
ICE_CASES: dict[str, tuple[str, float | None]] = {
    "gold_shuffled": (HEADER + "30,2.0,3.0\n10,0.0,0.5\n20,1.0,1.5\n", 0.0),
    "ones": (HEADER + "10,1,1\n20,1,1\n30,1,1\n", 1.12243),
    "opposite_and_huge": (HEADER + "10,3.141592653589793,2.641592653589793\n20,1e6,-1.5\n30,-4,0\n", 2.63981),
    "extra_column": ("event_id,azimuth,zenith,x\n10,1,1,0\n20,1,1,0\n30,1,1,0\n", None),
    "duplicated_id": (HEADER + "10,1,1\n10,1,1\n30,1,1\n", None),
    "booleans": (HEADER + "10,True,1\n20,False,1\n30,True,1\n", None),
    "text": (HEADER + "10,a,1\n20,1,1\n30,1,1\n", None),
    "nan": (HEADER + "10,,1\n20,1,1\n30,1,1\n", None),
}


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), float_precision="round_trip")


@pytest.mark.parametrize("name", sorted(ICE_CASES))
def test_icecube_matches_upstream(name: str) -> None:
    text, expected = ICE_CASES[name]
    if expected is None:
        with pytest.raises(InvalidSubmissionError):
            icecube.grade(_read(text), ICE_ANSWERS)
    else:
        assert round(icecube.grade(_read(text), ICE_ANSWERS), 5) == expected


def test_icecube_float_ids_are_scored_with_a_warning() -> None:
    # upstream compares parsed ids, so 10.0 matches 10: it scores 0.04931
    text = HEADER + "10.0,0.1,0.5\n20.0,1.0,1.4\n30.0,2.0,3.0\n"
    with grading_context() as warnings:
        assert round(icecube.grade(_read(text), ICE_ANSWERS), 5) == 0.04931
    assert warnings
    with grading_context("strict"), pytest.raises(InvalidSubmissionError):
        icecube.grade(_read(text), ICE_ANSWERS)


def test_mean_angular_error_by_hand() -> None:
    # x axis vs y axis: pi/2; +z vs -z: pi; identical: 0 -> mean pi/2
    y_true = np.array([[0.0, np.pi / 2], [0.0, 0.0], [1.0, 1.0]])
    y_pred = np.array([[np.pi / 2, np.pi / 2], [0.0, np.pi], [1.0, 1.0]])
    assert mean_angular_error(y_true, y_pred) == pytest.approx(np.pi / 2)
