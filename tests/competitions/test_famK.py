"""Upstream parity of icecube-neutrinos-in-deep-ice and smartphone-decimeter-2022 at the edges that matter for
each, plus their metrics by hand.

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
from inspect_mlebench.competitions import smartphone_decimeter_2022 as smartphone
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import grading_context
from inspect_mlebench.grading.metrics import haversine_p50_p95_by_trip, mean_angular_error

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


GPS_HEADER = "tripId,UnixTimeMillis,LatitudeDegrees,LongitudeDegrees\n"
GPS_ANSWERS = _read(
    GPS_HEADER + "a-P,1,37.0,-122.0\na-P,2,37.001,-122.0\na-P,3,37.002,-122.001\nb-Q,5,10.0,20.0\nb-Q,6,10.0,20.001\n"
)
GPS_CASES: dict[str, tuple[str, float | None]] = {
    "gold": (
        "a-P,1,37.0,-122.0\na-P,2,37.001,-122.0\na-P,3,37.002,-122.001\nb-Q,5,10.0,20.0\nb-Q,6,10.0,20.001\n",
        0.0,
    ),
    # rows are paired by position within each trip, never by time: reversing each trip's rows costs metres
    "trips_reversed": (
        "b-Q,6,10.0,20.001\nb-Q,5,10.0,20.0\na-P,3,37.002,-122.001\na-P,2,37.001,-122.0\na-P,1,37.0,-122.0\n",
        174.48504,
    ),
    "shifted": (
        "a-P,1,37.0001,-122.0\na-P,2,37.001,-122.0\na-P,3,37.002,-122.002\nb-Q,5,10.0,20.0\nb-Q,6,10.01,20.001\n",
        426.11989,
    ),
    # upstream's np.deg2rad of a boolean column computes in float16
    "booleans": (
        "a-P,1,True,-122.0\na-P,2,False,-122.0\na-P,3,True,-122.001\nb-Q,5,True,20.0\nb-Q,6,False,20.001\n",
        2567291.78589,
    ),
    "row_in_other_trip": (
        "a-P,1,37.0,-122.0\na-P,2,37.001,-122.0\nb-Q,3,37.002,-122.001\nb-Q,5,10.0,20.0\nb-Q,6,10.0,20.001\n",
        None,
    ),
    "text": ("a-P,1,x,-122.0\na-P,2,37.001,-122.0\na-P,3,37.002,-122.001\nb-Q,5,10.0,20.0\nb-Q,6,10.0,20.001\n", None),
}


@pytest.mark.parametrize("name", sorted(GPS_CASES))
def test_smartphone_matches_upstream(name: str) -> None:
    text, expected = GPS_CASES[name]
    if expected is None:
        with pytest.raises(InvalidSubmissionError):
            smartphone.grade(_read(GPS_HEADER + text), GPS_ANSWERS)
    else:
        assert round(smartphone.grade(_read(GPS_HEADER + text), GPS_ANSWERS), 5) == expected


def test_smartphone_nan_scores_nan_as_upstream() -> None:
    text = (
        GPS_HEADER + "a-P,1,,-122.0\na-P,2,37.001,-122.0\na-P,3,37.002,-122.001\nb-Q,5,10.0,20.0\nb-Q,6,10.0,20.001\n"
    )
    with grading_context() as warnings:
        assert np.isnan(smartphone.grade(_read(text), GPS_ANSWERS))
    assert warnings


def test_haversine_by_trip_by_hand() -> None:
    # trip a: errors 0 and d (1 degree of a meridian) -> (d/2 + 0.95 d) / 2; trip b: 0 -> mean 0.3625 d
    d = 6_371_000.0 * np.pi / 180
    y_true = np.array([[10.0, 20.0], [10.0, 20.0], [-5.0, 3.0]])
    y_pred = np.array([[10.0, 20.0], [11.0, 20.0], [-5.0, 3.0]])
    groups = np.array(["a", "a", "b"])
    assert haversine_p50_p95_by_trip(y_true, y_pred, groups=groups) == pytest.approx(0.3625 * d)
