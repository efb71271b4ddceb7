"""Kaggle's medal thresholds as upstream implements them, and where a score lands on a leaderboard.

Leaderboard rows are in rank order (best first), as in upstream's `leaderboard.csv`. Thresholds are the scores at
fixed row positions that depend on the number of teams; medals are inclusive (a tie with the threshold team earns
the medal), above-median is strict.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import first_line


class LeaderboardError(MLEBenchError, ValueError):
    """The leaderboard file is missing or unusable; medals cannot be computed."""


@dataclass(frozen=True)
class Thresholds:
    gold: float
    silver: float
    bronze: float
    median: float
    num_teams: int
    is_lower_better: bool


@dataclass(frozen=True)
class Placement:
    gold: bool
    silver: bool
    bronze: bool
    above_median: bool
    percentile: float

    @property
    def any_medal(self) -> bool:
        return self.gold or self.silver or self.bronze


# every team of a leaderboard generated for synthetic data is named so (grading.synthetic_leaderboard)
SYNTHETIC_TEAM_PREFIX = "synthetic-team-"
SYNTHETIC_NOTE = (
    "synthetic leaderboard (generated from the gold and sample submissions on synthetic data): medals and "
    "percentiles exercise the pipeline and are not comparable with Kaggle's"
)


def load_leaderboard(path: Path) -> pd.Series:
    """The `score` column of a leaderboard CSV, in file (rank) order; `.attrs["synthetic"]` says whether it is one
    generated for synthetic data (every team named `synthetic-team-...`), read from the same parse."""
    if not path.is_file():
        raise LeaderboardError(f"no leaderboard at {path}")
    head = path.read_bytes()[:200]
    if head.startswith(b"version https://git-lfs"):
        raise LeaderboardError(f"{path} is a git-LFS pointer, not the leaderboard; fetch the real file")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise LeaderboardError(f"{path} is not a readable CSV: {first_line(err)}") from err
    if "score" not in frame.columns:
        raise LeaderboardError(f"{path} has no 'score' column")
    scores = pd.to_numeric(frame["score"], errors="coerce").dropna().reset_index(drop=True)
    if not np.isfinite(scores).all():
        rows = ", ".join(str(i + 2) for i in np.flatnonzero(~np.isfinite(scores))[:5])
        # one inf at the top or bottom would flip the direction read from the first and last rows
        raise LeaderboardError(f"{path} has non-finite scores (lines {rows}); Kaggle leaderboards hold finite ones")
    if scores.empty:
        raise LeaderboardError(f"{path} has no numeric scores")
    names = frame["teamName"].astype(str) if "teamName" in frame.columns else None
    scores.attrs["synthetic"] = names is not None and bool(names.str.startswith(SYNTHETIC_TEAM_PREFIX).all())
    return scores


def medal_positions(num_teams: int) -> tuple[int, int, int]:
    """1-based leaderboard rows whose scores are the gold, silver and bronze thresholds (upstream's bands)."""
    n = num_teams
    if n < 100:
        return max(1, int(n * 0.1)), max(1, int(n * 0.2)), max(1, int(n * 0.4))
    if n < 250:
        return 10, max(1, int(n * 0.2)), max(1, int(n * 0.4))
    if n < 1000:
        return 10 + int(n * 0.002), 50, 100
    return 10 + int(n * 0.002), max(1, int(n * 0.05)), max(1, int(n * 0.1))


def thresholds(scores: pd.Series) -> Thresholds:
    """Thresholds from a rank-ordered score column; direction is read from the first and last rows, as upstream."""
    n = len(scores)
    gold, silver, bronze = medal_positions(n)
    return Thresholds(
        gold=float(scores.iloc[gold - 1]),
        silver=float(scores.iloc[silver - 1]),
        bronze=float(scores.iloc[bronze - 1]),
        median=float(scores.median()),
        num_teams=n,
        is_lower_better=bool(scores.iloc[0] < scores.iloc[-1]),
    )


def place(score: float, limits: Thresholds, scores: pd.Series) -> Placement:
    """Medals (inclusive, exclusive of each other), strict above-median, and the share of teams strictly beaten."""
    if np.isnan(score):
        return Placement(False, False, False, False, 0.0)

    def at_least(threshold: float) -> bool:
        return score <= threshold if limits.is_lower_better else score >= threshold

    gold = at_least(limits.gold)
    silver = not gold and at_least(limits.silver)
    bronze = not gold and not silver and at_least(limits.bronze)
    above = score < limits.median if limits.is_lower_better else score > limits.median
    values = scores.to_numpy(dtype=float)
    beaten = int((values > score).sum() if limits.is_lower_better else (values < score).sum())
    return Placement(gold, silver, bronze, above, beaten / len(values))
