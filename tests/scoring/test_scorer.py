"""The host-side scorer and the metrics, including upstream's per-seed aggregation, checked by hand."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from inspect_ai import Epochs, Task, eval, score
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalSample
from inspect_ai.scorer import SampleScore, Score
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.scoring.medal_metrics import (
    SCORE_KEYS,
    SEED_KEY,
    any_medal_by_complexity,
    any_medal_seeds,
    mean_by_key,
    mlebench_seeds,
    stderr_by_key,
)
from inspect_mlebench.scoring.scorer import mlebench_scorer

CID = "spaceship-titanic"


def _sample(value: dict[str, float | None], complexity: str = "low", seeds: list[float] | None = None) -> SampleScore:
    metadata = {SEED_KEY: seeds} if seeds is not None else None
    return SampleScore(score=Score(value=value, metadata=metadata), sample_metadata={"complexity": complexity})


def _apply(metric: Any, scores: list[SampleScore]) -> Any:
    """Call a metric on sample scores (Inspect's Metric type also admits a deprecated list[Score] form)."""
    return metric(scores)


def test_metrics_cope_with_no_scores() -> None:
    # before any sample is scored the keys are known (NaN), so the headline metric `any_medal` resolves
    means = _apply(mean_by_key(), [])
    assert isinstance(means, dict)
    assert list(means) == list(SCORE_KEYS)
    assert all(math.isnan(v) for v in means.values())
    errors = _apply(stderr_by_key(), [])
    assert isinstance(errors, dict)
    assert "any_medal_stderr" in errors
    assert _apply(any_medal_by_complexity(), []) == {}
    seeds = _apply(any_medal_seeds(), [])
    assert isinstance(seeds, dict)
    assert math.isnan(seeds["any_medal_pct_mean"])
    assert seeds["seeds"] == 0


def test_unavailable_values_are_left_out_not_zero() -> None:
    scores = [
        _sample({"any_medal": None, "valid_submission": 1.0}),
        _sample({"any_medal": 1.0, "valid_submission": 0.0}),
    ]
    means = _apply(mean_by_key(), scores)
    assert means == {"any_medal": 1.0, "valid_submission": 0.5}
    errors = _apply(stderr_by_key(), scores)
    assert isinstance(errors, dict)
    assert math.isnan(errors["any_medal_stderr"])  # one value: no standard error
    assert errors["valid_submission_stderr"] == pytest.approx(0.5)  # stdev 0.7071 / sqrt(2)


def test_any_medal_by_complexity() -> None:
    scores = [
        _sample({"any_medal": 1.0}, "low"),
        _sample({"any_medal": 0.0}, "low"),
        _sample({"any_medal": 1.0}, "high"),
    ]
    assert _apply(any_medal_by_complexity(), scores) == {"any_medal_low": 0.5, "any_medal_high": 1.0}


def test_seed_aggregation_matches_a_hand_computation() -> None:
    # seeds: A [1,0,1], B [0,0,1], C [1,1,1] -> per-seed % 66.67, 33.33, 100 -> mean 66.67, SEM 33.33/sqrt(3);
    # D ran only twice, so only the first two seeds are complete: (1+0+1+1)/4=75 and (0+0+1+0)/4=25 -> 50 +- 25
    complete = [
        _sample({"any_medal": 2 / 3}, seeds=[1.0, 0.0, 1.0]),
        _sample({"any_medal": 1 / 3}, seeds=[0.0, 0.0, 1.0]),
        _sample({"any_medal": 1.0}, seeds=[1.0, 1.0, 1.0]),
    ]
    result = _apply(any_medal_seeds(), complete)
    assert isinstance(result, dict)
    assert result["seeds"] == 3
    assert result["any_medal_pct_mean"] == pytest.approx(200 / 3)
    assert result["any_medal_pct_sem"] == pytest.approx((100 / 3) / math.sqrt(3))
    padded = [*complete, _sample({"any_medal": 0.5}, seeds=[1.0, 0.0])]
    result = _apply(any_medal_seeds(), padded)
    assert isinstance(result, dict)
    assert result["seeds"] == 2
    assert result["any_medal_pct_mean"] == pytest.approx(50.0)
    assert result["any_medal_pct_sem"] == pytest.approx(25.0)


def test_reducer_keeps_each_epoch() -> None:
    epochs = [Score(value={"any_medal": 1.0, "percentile": 0.9}), Score(value={"any_medal": 0.0, "percentile": None})]
    reduced = mlebench_seeds()(epochs)
    assert reduced.value == {"any_medal": 0.5, "percentile": 0.9}
    assert reduced.metadata is not None
    assert reduced.metadata[SEED_KEY] == [1.0, 0.0]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_synthetic(CID, root, size=80)
    scores = [round(0.99 - i * 0.004, 5) for i in range(120)]  # a leaderboard the gold submission tops
    pd.DataFrame({"teamId": range(120), "score": scores}).to_csv(root / CID / "leaderboard.csv", index=False)
    return root


@solver
def _submit_by_epoch(data_dir: Path, target: str) -> Solver:
    """Epochs 1 and 3 submit the gold answers (a medal), epoch 2 the sample submission (none)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        prepared = data_dir / CID / "prepared"
        chosen = prepared / ("private/gold_submission.csv" if state.epoch != 2 else "public/sample_submission.csv")
        await sandbox().write_file(target, chosen.read_text())
        return state

    return solve


SUBMISSION = "submission.csv"  # relative: each epoch's local sandbox has its own directory (epochs run concurrently)


def _local_task(data_dir: Path, solver: Solver, metadata: dict[str, Any] | None = None, **task_args: Any) -> Task:
    """One spaceship-titanic sample in the local sandbox, graded by the real scorer from `SUBMISSION`."""
    sample_metadata = {"competition_id": CID, "complexity": "dev", **(metadata or {})}
    return Task(
        dataset=[Sample(input="solve", id=CID, metadata=sample_metadata)],
        solver=solver,
        scorer=mlebench_scorer(data_dir=str(data_dir), submission_path=SUBMISSION),
        sandbox="local",
        **task_args,
    )


def test_scorer_seeds_and_regrading_without_sandbox(data_dir: Path, tmp_path: Path) -> None:
    task = _local_task(data_dir, _submit_by_epoch(data_dir, SUBMISSION), epochs=Epochs(3, mlebench_seeds()))
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    assert log.results is not None
    metrics = {name: m.value for s in log.results.scores for name, m in s.metrics.items()}
    # one competition, seeds [medal, none, medal] -> 100, 0, 100 % -> mean 66.67, SEM 33.33
    assert metrics["any_medal_pct_mean"] == pytest.approx(200 / 3)
    assert metrics["any_medal_pct_sem"] == pytest.approx(100 / 3)
    assert metrics["valid_submission"] == 1.0
    assert log.samples is not None
    first = log.samples[0].scores
    assert first is not None
    graded = next(iter(first.values()))
    assert graded.metadata is not None
    assert graded.metadata["competition_id"] == CID

    # re-grade the log with no sandbox (the sandboxes and their files are gone): the stored copies give the same
    rescorer = mlebench_scorer(data_dir=str(data_dir), submission_path=SUBMISSION)
    rescored = score(log, rescorer, epochs_reducer=mlebench_seeds(), action="overwrite")
    assert rescored.samples is not None

    def graded_values(samples: list[EvalSample]) -> list[tuple[object, ...]]:
        return [(sc.value, sc.answer, sc.explanation) for s in samples for sc in (s.scores or {}).values()]

    assert graded_values(rescored.samples) == graded_values(log.samples)
    assert len(graded_values(log.samples)) == 3  # one graded score per epoch
    assert rescored.results is not None
    rescored_metrics = {name: m.value for s in rescored.results.scores for name, m in s.metrics.items()}
    assert rescored_metrics["any_medal_pct_mean"] == pytest.approx(200 / 3)


def test_flagged_known_issues_are_marked_in_the_score(data_dir: Path, tmp_path: Path) -> None:
    flagged = {"known_issues_flagged": ["public-labels-leak"]}
    task = _local_task(data_dir, _submit_by_epoch(data_dir, SUBMISSION), flagged)
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    assert log.samples is not None
    graded = next(iter((log.samples[0].scores or {}).values()))
    assert graded.explanation is not None
    # the metric and its direction next to the raw score, the flag first
    assert graded.explanation.startswith("[known issue: public-labels-leak] accuracy ")
    assert "accuracy 1.0 (higher is better; gold medal, beats 100.0% of the leaderboard)" in graded.explanation
    assert graded.metadata is not None
    assert graded.metadata["known_issues_flagged"] == ["public-labels-leak"]


@solver
def _write_then_crash(data_dir: Path, target: str) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        gold = data_dir / CID / "prepared" / "private" / "gold_submission.csv"
        await sandbox().write_file(target, gold.read_text())
        raise RuntimeError("the agent crashed after writing its submission")

    return solve


def test_an_agent_that_crashes_after_writing_is_still_graded(data_dir: Path, tmp_path: Path) -> None:
    task = _local_task(data_dir, _write_then_crash(data_dir, SUBMISSION), score_on_error=True)  # as mlebench does
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none", fail_on_error=False)
    assert log.samples is not None
    [sample] = log.samples
    assert sample.error is not None
    graded = next(iter((sample.scores or {}).values()))
    assert isinstance(graded.value, dict)
    assert graded.value["valid_submission"] == 1.0
    assert graded.value["gold_medal"] == 1.0


NOMAD = "nomad2018-predict-transparent-conductors"


@solver
def _submit_shuffled_nomad(data_dir: Path, target: str) -> Solver:
    """nomad2018's gold answers in reversed row order: upstream scores them by position (valid, with a warning)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        gold = pd.read_csv(data_dir / NOMAD / "prepared" / "private" / "gold_submission.csv")
        await sandbox().write_file(target, gold.iloc[::-1].to_csv(index=False))
        return state

    return solve


def test_grading_mode_upstream_warns_and_strict_regrade_invalidates(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    prepare_synthetic(NOMAD, data_dir, size=40)
    task = Task(
        dataset=[Sample(input="solve", id=NOMAD, metadata={"competition_id": NOMAD, "complexity": "low"})],
        solver=_submit_shuffled_nomad(data_dir, SUBMISSION),
        scorer=mlebench_scorer(data_dir=str(data_dir), submission_path=SUBMISSION),
        sandbox="local",
    )
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    assert log.samples is not None
    graded = next(iter((log.samples[0].scores or {}).values()))
    assert isinstance(graded.value, dict)
    assert graded.value["valid_submission"] == 1.0
    assert graded.metadata is not None
    assert graded.metadata["grading_mode"] == "upstream"
    [warning] = graded.metadata["warnings"]
    assert warning.startswith("scored by position, as upstream does; ids do not match")
    assert graded.explanation is not None
    assert "\n" not in graded.explanation
    assert f"; 1 warning: {warning}" in graded.explanation

    # what `inspect score LOG --scorer inspect_mlebench/mlebench_scorer -S grading_mode=strict` runs
    strict = mlebench_scorer(data_dir=str(data_dir), submission_path=SUBMISSION, grading_mode="strict")
    rescored = score(log, strict, action="overwrite")
    assert rescored.samples is not None
    regraded = next(iter((rescored.samples[0].scores or {}).values()))
    assert isinstance(regraded.value, dict)
    assert regraded.value["valid_submission"] == 0.0
    assert regraded.metadata is not None
    assert regraded.metadata["grading_mode"] == "strict"
    assert regraded.explanation == f"invalid submission: {warning}"


def test_unknown_grading_mode_is_one_line_error() -> None:
    with pytest.raises(ValueError, match="unknown grading mode 'lax'; use one of: upstream, strict"):
        mlebench_scorer(grading_mode="lax")
