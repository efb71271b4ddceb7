"""Medal rates per model and split, aggregated exactly as upstream's `aggregate_grading_reports.py`: complete seeds
only, a missing medal counts as none, mean over seeds with its SEM (0 for one seed) and a 1.96-SEM interval."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from inspect_mlebench.reporting.rows import RATE_KEYS, SampleRow
from inspect_mlebench.scoring.medal_metrics import seed_rates, sem


@dataclass(frozen=True)
class Rate:
    mean: float
    standard_error: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class SplitSummary:
    """Per model and split: upstream's aggregate over complete seeds, overall and by complexity."""

    model: str
    split: str
    competitions: int
    seeds: int
    incomplete_seeds_dropped: int
    runs: list[str]
    rates: dict[str, Rate]
    by_complexity: dict[str, Rate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _rate(values: Sequence[float]) -> Rate:
    mean = statistics.fmean(values)
    error = sem(values) if len(values) > 1 else 0.0  # upstream reports 0, not NaN, for a single seed
    return Rate(mean=mean, standard_error=error, ci_lower=mean - 1.96 * error, ci_upper=mean + 1.96 * error)


def _seed_percentages(runs_per_competition: Iterable[Sequence[SampleRow]], key: str) -> list[float]:
    """Per seed, the percentage of competitions where `key` holds (the metrics' own per-seed aggregation)."""
    return seed_rates([[float(getattr(row, key)) for row in runs] for runs in runs_per_competition])


def summarize(rows: Sequence[SampleRow]) -> list[SplitSummary]:
    """Upstream's aggregation per (model, split): complete seeds only, percentages per seed, mean and SEM."""
    groups: dict[tuple[str, str], list[SampleRow]] = defaultdict(list)
    for row in rows:
        groups[(row.model, row.split)].append(row)
    summaries = []
    for (model, split), group in sorted(groups.items()):
        by_comp: dict[str, list[SampleRow]] = defaultdict(list)
        for row in sorted(group, key=lambda r: (r.log, r.epoch)):  # run order, as upstream reads its reports
            by_comp[row.competition_id].append(row)
        counts = [len(v) for v in by_comp.values()]
        seeds = min(counts)
        notes = []
        if max(counts) > seeds:
            short = sorted(c for c, v in by_comp.items() if len(v) == seeds)
            notes.append(
                f"{max(counts) - seeds} incomplete seed(s) dropped: only {seeds} run(s) of {', '.join(short[:5])}"
                + (" ..." if len(short) > 5 else "")
            )
        if any(r.synthetic_leaderboard for r in group):
            notes.append("synthetic leaderboards: medal rates exercise the pipeline, not comparable with Kaggle's")
        complete = [runs[:seeds] for runs in by_comp.values()]
        rates = {key: _rate(_seed_percentages(complete, key)) for key in RATE_KEYS}
        by_complexity = {
            level: _rate(_seed_percentages([runs for runs in complete if runs[0].complexity == level], "any_medal"))
            for level in sorted({r.complexity for r in group if r.complexity})
        }
        summaries.append(
            SplitSummary(
                model=model,
                split=split,
                competitions=len(by_comp),
                seeds=seeds,
                incomplete_seeds_dropped=max(counts) - seeds,
                runs=sorted({r.run_id for r in group}),
                rates=rates,
                by_complexity=by_complexity,
                notes=notes,
            )
        )
    return summaries
