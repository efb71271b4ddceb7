"""Inspect metrics over `mlebench_scorer`'s dict scores, including upstream's aggregation over seeds.

Keys whose value is None (medals without a leaderboard, percentile of an invalid submission) are left out of the
statistics rather than counted as 0: "not available" must not read as "no medal". Every metric copes with an empty
list of scores, which Inspect passes before any sample has finished.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from inspect_ai.scorer import Metric, SampleScore, Score, ScoreReducer, Value, metric, score_reducer

SEED_KEY = "seed_any_medal"  # per-epoch any_medal values, kept by the `mlebench_seeds` reducer
COMPLEXITIES = ("low", "medium", "high")
# The keys of every `mlebench_scorer` value, in the order the viewer shows them.
SCORE_KEYS = (
    "valid_submission",
    "submission_exists",
    "above_median",
    "any_medal",
    "gold_medal",
    "silver_medal",
    "bronze_medal",
    "percentile",
)


def _values(scores: Sequence[SampleScore], key: str) -> list[float]:
    found = []
    for sample in scores:
        value = sample.score.value
        if isinstance(value, dict) and value.get(key) is not None:
            found.append(float(value[key]))
    return found


def _keys(scores: Sequence[SampleScore]) -> list[str]:
    """The keys the scores carry; before the first sample finishes, the scorer's keys (as NaN), so the live display
    and the headline metric (`any_medal`) find their names from the start instead of warning."""
    keys: dict[str, None] = {}
    for sample in scores:
        if isinstance(sample.score.value, dict):
            keys.update(dict.fromkeys(sample.score.value))
    return list(keys) or list(SCORE_KEYS)


def sem(values: Sequence[float]) -> float:
    """Standard error of the mean with ddof=1, as `scipy.stats.sem` (upstream's choice); NaN below two values."""
    if len(values) < 2:
        return math.nan
    return statistics.stdev(values) / math.sqrt(len(values))


@metric
def mean_by_key() -> Metric:
    """Mean of each score key over the samples where it is available."""

    def compute(scores: list[SampleScore]) -> Value:
        return {key: statistics.fmean(v) if (v := _values(scores, key)) else math.nan for key in _keys(scores)}

    return compute


@metric
def stderr_by_key() -> Metric:
    """Standard error of each key's mean (ddof=1)."""

    def compute(scores: list[SampleScore]) -> Value:
        return {f"{key}_stderr": sem(_values(scores, key)) for key in _keys(scores)}

    return compute


@metric
def any_medal_by_complexity() -> Metric:
    """Any-medal rate per complexity split (low = Lite, medium, high), as upstream's leaderboard breaks it down."""

    def compute(scores: list[SampleScore]) -> Value:
        result: dict[str, float] = {}
        for complexity in COMPLEXITIES:
            group = [s for s in scores if (s.sample_metadata or {}).get("complexity") == complexity]
            values = _values(group, "any_medal")
            if values:
                result[f"any_medal_{complexity}"] = statistics.fmean(values)
        return result

    return compute


def seed_rates(per_sample: Sequence[Sequence[float]]) -> list[float]:
    """Upstream's seeds: seed i is the i-th run of every competition; only complete seeds count. Returns the
    any-medal percentage of each complete seed."""
    if not per_sample:
        return []
    complete = min(len(runs) for runs in per_sample)
    return [100 * statistics.fmean(runs[i] for runs in per_sample) for i in range(complete)]


@metric
def any_medal_seeds() -> Metric:
    """Any-medal % per seed (epoch) over the split, then mean and SEM over complete seeds: upstream's headline."""

    def compute(scores: list[SampleScore]) -> Value:
        per_sample: list[list[float]] = []
        for sample in scores:
            seeds = (sample.score.metadata or {}).get(SEED_KEY)
            if seeds is None:  # one epoch: the score itself is the only seed
                value = sample.score.value
                single = value.get("any_medal") if isinstance(value, dict) else None
                seeds = [] if single is None else [single]
            per_sample.append([float(v) for v in seeds if v is not None])
        rates = seed_rates(per_sample)
        return {
            "any_medal_pct_mean": statistics.fmean(rates) if rates else math.nan,
            "any_medal_pct_sem": sem(rates),
            "seeds": float(len(rates)),
        }

    return compute


@score_reducer(name="mlebench_seeds")
def mlebench_seeds() -> ScoreReducer:
    """Reduce a sample's epochs (= seeds) to per-key means, keeping each epoch's any_medal for `any_medal_seeds`.

    Takes no parameters: the task sets it with `Epochs(1, [mlebench_seeds()])`, so `--epochs N` runs N seeds.
    """

    def reduce(scores: list[Score]) -> Score:
        keys = list(dict.fromkeys(k for s in scores if isinstance(s.value, dict) for k in s.value))
        values: dict[str, float | None] = {}
        for key in keys:
            present = [
                float(s.value[key]) for s in scores if isinstance(s.value, dict) and s.value.get(key) is not None
            ]
            values[key] = statistics.fmean(present) if present else None
        seeds = [s.value.get("any_medal") if isinstance(s.value, dict) else None for s in scores]
        return Score(
            value=values,
            explanation=" | ".join(s.explanation or "" for s in scores),
            metadata={SEED_KEY: seeds, "epochs": [s.metadata for s in scores]},
        )

    return reduce
