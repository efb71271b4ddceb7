"""Medal thresholds at every team-count boundary, ties, strict above-median, percentile, missing leaderboards."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.grading.leaderboard import (
    LeaderboardError,
    load_leaderboard,
    medal_positions,
    place,
    thresholds,
)


@pytest.mark.parametrize(
    ("teams", "expected"),
    [
        (1, (1, 1, 1)),
        (5, (1, 1, 2)),
        (99, (9, 19, 39)),  # < 100: 10% / 20% / 40%, floored
        (100, (10, 20, 40)),  # 100-249: gold is row 10
        (249, (10, 49, 99)),
        (250, (10, 50, 100)),  # 250-999: gold 10 + 0.2%, silver 50, bronze 100
        (999, (11, 50, 100)),
        (1000, (12, 50, 100)),  # >= 1000: gold 10 + 0.2%, silver 5%, bronze 10%
        (4321, (18, 216, 432)),
    ],
)
def test_medal_positions_by_band(teams: int, expected: tuple[int, int, int]) -> None:
    assert medal_positions(teams) == expected


def _board(values: list[float]) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_thresholds_read_rank_order_and_direction() -> None:
    higher = _board([float(100 - i) for i in range(100)])  # best first, descending
    limits = thresholds(higher)
    assert not limits.is_lower_better
    assert (limits.gold, limits.silver, limits.bronze) == (91.0, 81.0, 61.0)
    assert limits.median == pytest.approx(50.5)
    lower = _board([float(i) for i in range(100)])
    assert thresholds(lower).is_lower_better


def test_medals_are_inclusive_and_exclusive() -> None:
    scores = _board([float(100 - i) for i in range(100)])
    limits = thresholds(scores)
    gold = place(91.0, limits, scores)  # a tie with the gold row earns gold
    assert (gold.gold, gold.silver, gold.bronze, gold.any_medal) == (True, False, False, True)
    silver = place(90.9, limits, scores)
    assert (silver.gold, silver.silver, silver.bronze) == (False, True, False)
    bronze = place(61.0, limits, scores)
    assert (bronze.gold, bronze.silver, bronze.bronze) == (False, False, True)
    none = place(60.99, limits, scores)
    assert not none.any_medal


def test_lower_is_better_medals() -> None:
    scores = _board([float(i) for i in range(1, 101)])  # 1 is best
    limits = thresholds(scores)
    assert limits.gold == 10.0
    assert place(10.0, limits, scores).gold
    assert not place(10.01, limits, scores).gold
    assert place(10.01, limits, scores).silver


def test_ties_on_the_leaderboard_use_the_row_score() -> None:
    scores = _board([0.9] * 30 + [0.5] * 70)  # 100 teams, first 30 tied
    limits = thresholds(scores)
    assert limits.gold == limits.silver == 0.9
    assert limits.bronze == 0.5
    assert place(0.9, limits, scores).gold


def test_above_median_is_strict() -> None:
    scores = _board([4.0, 3.0, 2.0, 1.0, 0.0])
    limits = thresholds(scores)
    assert limits.median == 2.0
    assert not place(2.0, limits, scores).above_median
    assert place(2.00001, limits, scores).above_median


def test_percentile_counts_teams_strictly_beaten() -> None:
    scores = _board([4.0, 3.0, 2.0, 2.0, 1.0])
    limits = thresholds(scores)
    assert place(2.0, limits, scores).percentile == pytest.approx(0.2)  # beats only 1.0
    assert place(5.0, limits, scores).percentile == 1.0
    assert place(0.0, limits, scores).percentile == 0.0
    assert place(float("nan"), limits, scores) == place(-1e9, limits, scores)


def test_load_leaderboard_errors(tmp_path: Path) -> None:
    with pytest.raises(LeaderboardError, match="no leaderboard"):
        load_leaderboard(tmp_path / "missing.csv")
    pointer = tmp_path / "lfs.csv"
    pointer.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 10\n")
    with pytest.raises(LeaderboardError, match="git-LFS pointer"):
        load_leaderboard(pointer)
    no_score = tmp_path / "noscore.csv"
    no_score.write_text("teamId,points\n1,2\n")
    with pytest.raises(LeaderboardError, match="no 'score' column"):
        load_leaderboard(no_score)
    good = tmp_path / "good.csv"
    good.write_text(
        "scoreNullable,teamId,hasTeamName,submissionDate,score,hasScore\n,1,True,2020-01-01,0.9,True\n"
        ",2,True,2020-01-01,0.8,True\n"
    )
    assert list(load_leaderboard(good)) == [0.9, 0.8]
