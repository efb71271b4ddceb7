"""Leaderboards for synthetic data, so the offline demo exercises medals, percentiles and the per-split aggregate.

Synthetic answers have no Kaggle leaderboard. This one is made from the competition's own grader: submissions that
take each row from the gold submission or, with a growing share, from the sample submission are graded against
the synthetic answers; teams are then spread over that range of quality (most in the middle, few at the top), and
ranked best first. Every team is named `synthetic-team-NNNN`, which is how grading recognises such a leaderboard
and labels the report: its medals say nothing about Kaggle's. Real data always uses upstream's leaderboards.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.config import get_competition
from inspect_mlebench.data.paths import competition_dir, leaderboard_path
from inspect_mlebench.grading.leaderboard import (
    SYNTHETIC_TEAM_PREFIX,
    LeaderboardError,
    load_leaderboard,
)
from inspect_mlebench.tables import read_csv
from inspect_mlebench.util import atomic_write

DEFAULT_TEAMS = 600  # a mid-sized Kaggle competition: 10 + 0.2% gold places, 50 silver, 100 bronze
MIXTURES = 21  # graded points between the gold (all rows) and the sample (none) submission


def is_synthetic_leaderboard(path: Path) -> bool:
    """Whether a leaderboard file is one of ours for synthetic data (every team named `synthetic-team-...`)."""
    try:
        return bool(load_leaderboard(path).attrs["synthetic"])
    except LeaderboardError:
        return False


def _aligned(gold: pd.DataFrame, sample: pd.DataFrame, id_column: str | None) -> pd.DataFrame | None:
    """The sample submission in the gold's row order, or None where rows cannot be paired."""
    if list(gold.columns) != list(sample.columns):
        return None
    if len(gold) == len(sample) and gold.iloc[:, 0].equals(sample.iloc[:, 0]):
        return sample
    if id_column and id_column in gold.columns and gold[id_column].is_unique and sample[id_column].is_unique:
        reordered = sample.set_index(id_column).reindex(gold[id_column])
        if reordered.notna().all().all():
            return reordered.reset_index()[list(gold.columns)]
    return None


def mixture_scores(competition_id: str, data_dir: str | Path, *, seed: int = 0) -> list[tuple[float, float]]:
    """(share of rows from the sample submission, score) for each mixture the grader accepts with a finite score."""
    from inspect_mlebench.data.prepare import GOLD_SUBMISSION, public_sample_submission
    from inspect_mlebench.grading.grader import grade

    comp = get_competition(competition_id)
    root = competition_dir(data_dir, comp.id)
    # as text, exactly as written: the mixtures must differ from the files only in which row each line comes from
    read = {"dtype": str, "keep_default_na": False}
    gold = read_csv(root / "prepared" / "private" / GOLD_SUBMISSION, **read)
    sample = _aligned(gold, read_csv(root / public_sample_submission(comp), **read), comp.grading.id_column)
    shares = np.linspace(0.0, 1.0, MIXTURES) if sample is not None else np.array([0.0])
    rng = np.random.default_rng(seed)
    points = []
    with tempfile.TemporaryDirectory(prefix="mlebench-synthetic-lb-") as tmp:
        for share in shares:
            mixed = gold.copy()
            if sample is not None and share > 0:
                take = rng.random(len(gold)) < share
                mixed.loc[take] = sample.loc[take].to_numpy()
            path = Path(tmp) / "submission.csv"
            mixed.to_csv(path, index=False)
            report = grade(comp.id, path, data_dir, leaderboard=Path(tmp) / "none.csv")
            if report.valid_submission and report.score is not None and math.isfinite(report.score):
                points.append((float(share), report.score))
    return points


def write_synthetic_leaderboard(
    competition_id: str, data_dir: str | Path, *, teams: int = DEFAULT_TEAMS, seed: int = 0
) -> Path | None:
    """Write `<data>/<id>/leaderboard.csv` for synthetic data; None (and nothing written) when the grader gives
    fewer than three distinct scores to spread teams over."""
    comp = get_competition(competition_id)
    points = mixture_scores(comp.id, data_dir, seed=seed)
    if len({score for _, score in points}) < 3:
        return None
    shares = np.array([share for share, _ in points])
    scores = np.array([score for _, score in points])
    rng = np.random.default_rng(seed + 1)
    # most teams in the middle of the range, a few near the gold submission and a few near the sample's
    team_scores = np.interp(rng.beta(2.0, 2.0, size=teams), shares, scores)
    team_scores = np.sort(team_scores) if comp.grading.is_lower_better else -np.sort(-team_scores)
    frame = pd.DataFrame(
        {
            "teamId": np.arange(1, teams + 1),
            "teamName": [f"{SYNTHETIC_TEAM_PREFIX}{i:04d}" for i in range(1, teams + 1)],
            "score": np.round(team_scores, 5),
        }
    )
    target = leaderboard_path(data_dir, comp.id)
    atomic_write(target, frame.to_csv(index=False))
    return target


def ensure_synthetic_leaderboards(competition_ids: Iterable[str], data_dir: str | Path) -> dict[str, str]:
    """Write a synthetic leaderboard for each prepared synthetic competition that has none; per competition, what
    happened (for the CLI and the task's log)."""
    from inspect_mlebench.data.prepare import is_prepared

    done: dict[str, str] = {}
    for cid in competition_ids:
        comp = get_competition(cid)
        if leaderboard_path(data_dir, cid).is_file() or not is_prepared(comp, data_dir):
            continue
        written = write_synthetic_leaderboard(cid, data_dir)
        done[cid] = (
            f"synthetic leaderboard of {DEFAULT_TEAMS} teams written"
            if written
            else "no synthetic leaderboard: the grader gave fewer than three distinct scores"
        )
    return done
