"""Synthetic data gets a generated leaderboard, labelled synthetic, on which the gold submission wins gold and the
sample submission stays below the median; real data never gets one."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.leaderboard import SYNTHETIC_NOTE
from inspect_mlebench.grading.synthetic_leaderboard import (
    DEFAULT_TEAMS,
    ensure_synthetic_leaderboards,
    is_synthetic_leaderboard,
    write_synthetic_leaderboard,
)


@pytest.mark.parametrize(
    "cid", ["spaceship-titanic", "new-york-city-taxi-fare-prediction", "aerial-cactus-identification"]
)
def test_gold_wins_gold_and_sample_is_below_median(cid: str, tmp_path: Path) -> None:
    prepare_synthetic(cid, tmp_path, size=120)
    path = write_synthetic_leaderboard(cid, tmp_path)
    assert path is not None
    board = pd.read_csv(path)
    assert len(board) == DEFAULT_TEAMS
    assert is_synthetic_leaderboard(path)
    lower = cid == "new-york-city-taxi-fare-prediction"  # RMSE: best first means ascending
    assert board["score"].is_monotonic_increasing if lower else board["score"].is_monotonic_decreasing
    gold = grade(cid, tmp_path / cid / "prepared" / "private" / "gold_submission.csv", tmp_path)
    assert gold.gold_medal is True
    assert gold.leaderboard_note == SYNTHETIC_NOTE
    sample = next((tmp_path / cid / "prepared" / "public").glob("sample_submission*.csv"))
    report = grade(cid, sample, tmp_path)
    assert report.any_medal is False
    assert report.above_median is False
    assert report.percentile is not None
    assert report.percentile < 0.5


def test_written_once_and_the_same_for_the_same_data(tmp_path: Path) -> None:
    cid = "spaceship-titanic"
    prepare_synthetic(cid, tmp_path, size=120)
    assert ensure_synthetic_leaderboards([cid], tmp_path) == {
        cid: f"synthetic leaderboard of {DEFAULT_TEAMS} teams written"
    }
    first = (tmp_path / cid / "leaderboard.csv").read_bytes()
    assert ensure_synthetic_leaderboards([cid], tmp_path) == {}  # already there: left alone
    (tmp_path / cid / "leaderboard.csv").unlink()
    ensure_synthetic_leaderboards([cid], tmp_path)
    assert (tmp_path / cid / "leaderboard.csv").read_bytes() == first


def test_a_real_leaderboard_is_not_labelled_synthetic(tmp_path: Path) -> None:
    path = tmp_path / "leaderboard.csv"
    pd.DataFrame({"teamId": [1, 2], "teamName": ["synthetic-team-0001", "Kaggle team"], "score": [0.9, 0.8]}).to_csv(
        path, index=False
    )
    assert not is_synthetic_leaderboard(path)
    pd.DataFrame({"score": [0.9, 0.8]}).to_csv(path, index=False)  # upstream's files may lack team names
    assert not is_synthetic_leaderboard(path)
