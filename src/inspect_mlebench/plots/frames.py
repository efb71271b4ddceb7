"""The tables behind the plots, built from what the report already read from the logs.

Both renderers (interactive and static) draw from these frames, so the HTML and the images show the same numbers
as report.md and report.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from inspect_mlebench.reporting import SampleRow, SplitSummary


OVER_TIME_COLUMNS = ["model", "competition_id", "epoch", "run", "kind", "share_pct", "at_hours", "score",
                     "best_so_far", "selected", "lower_is_better"]  # fmt: skip


@dataclass(frozen=True)
class PlotFrames:
    medals: pd.DataFrame  # model, split, label, mean, sem, lower, upper, seeds, competitions
    percentiles: pd.DataFrame  # model, competition_id, epoch, percentile (0-100), medal
    over_time: pd.DataFrame  # OVER_TIME_COLUMNS; kind: a checkpoint or the moment a new version appeared


def plot_frames(
    summaries: Sequence[SplitSummary], rows: Sequence[SampleRow], curves: Sequence[dict[str, Any]]
) -> PlotFrames:
    medals = pd.DataFrame(
        [
            {
                "model": s.model,
                "split": s.split,
                "label": f"{s.split} (n={s.competitions}, {s.seeds} seed{'s' if s.seeds != 1 else ''})",
                "mean": s.rates["any_medal"].mean,
                "sem": s.rates["any_medal"].standard_error,
                "lower": s.rates["any_medal"].mean - s.rates["any_medal"].standard_error,
                "upper": s.rates["any_medal"].mean + s.rates["any_medal"].standard_error,
                "seeds": s.seeds,
                "competitions": s.competitions,
            }
            for s in summaries
        ],
        columns=["model", "split", "label", "mean", "sem", "lower", "upper", "seeds", "competitions"],
    )
    percentiles = pd.DataFrame(
        [
            {
                "model": r.model,
                "competition_id": r.competition_id,
                "epoch": r.epoch,
                "percentile": 100 * r.percentile,
                "medal": r.medal,
            }
            for r in rows
            if r.percentile is not None
        ],
        columns=["model", "competition_id", "epoch", "percentile", "medal"],
    )
    points = []
    for curve in curves:
        budget = curve.get("budget_s")
        # checkpoints and the moment each version appeared, in time order: the exact step function
        marked = [(p, "checkpoint") for p in curve.get("checkpoints") or []]
        marked += [(p, "new version") for p in curve.get("changes") or []]
        merged = sorted(marked, key=lambda pk: float(pk[0]["at_s"]))
        for point, kind in merged:
            if point.get("share") is None:
                continue
            points.append(
                {
                    "model": curve["model"],
                    "competition_id": curve["competition_id"],
                    "epoch": curve["epoch"],
                    "run": f"{curve['model']} seed {curve['epoch']}",
                    "kind": kind,
                    "share_pct": 100 * float(point["share"]),
                    "at_hours": float(point["at_s"]) / 3600 if budget else None,
                    "score": point.get("score"),
                    "best_so_far": point.get("best_so_far"),
                    "selected": point.get("selected"),
                    "lower_is_better": bool(curve.get("is_lower_better")),
                }
            )
    over_time = pd.DataFrame(points, columns=OVER_TIME_COLUMNS)
    return PlotFrames(medals=medals, percentiles=percentiles, over_time=over_time)
