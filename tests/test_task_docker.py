"""The task end to end in Docker: the README's demo command, `inspect score` re-grading, and upstream's per-seed
aggregation through `--epochs 3`.

Marked `docker`: CI runs these against a real engine with the images built once per session.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai import Task, eval
from inspect_ai.log import read_eval_log
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from inspect_mlebench.data.paths import competition_dir, private_dir, public_dir
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
from inspect_mlebench.grading.synthetic_leaderboard import ensure_synthetic_leaderboards
from inspect_mlebench.task import DEMO_COMPETITIONS

pytestmark = pytest.mark.docker

INSPECT = str(Path(sys.executable).with_name("inspect"))


def _scores(log_path: Path) -> dict[str, tuple[dict[str, float | None], str | None]]:
    log = read_eval_log(str(log_path))
    assert log.samples is not None
    out: dict[str, tuple[dict[str, float | None], str | None]] = {}
    for sample in log.samples:
        assert sample.scores is not None
        score = sample.scores["mlebench_scorer"]
        assert isinstance(score.value, dict)
        out[str(sample.id)] = ({k: None if v is None else float(v) for k, v in score.value.items()}, score.answer)
    return out


def test_demo_command_then_inspect_score_regrades_without_a_sandbox(
    sandbox_images: tuple[str, str], tmp_path: Path
) -> None:
    logs = tmp_path / "logs"
    env = {**os.environ, "INSPECT_LOG_DIR": str(logs)}
    demo = subprocess.run(
        [INSPECT, "eval", "inspect_mlebench/mlebench_demo", "-T", f"data_dir={tmp_path / 'data'}", "--display",
         "plain", "--log-dir", str(logs)],
        capture_output=True, text=True, env=env, timeout=900, check=False,
    )  # fmt: skip
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    # the demo prints no warning of ours or Inspect's about the headline metric or the scripted model
    printed = demo.stdout + demo.stderr
    for warning in ("Headline metric", "Unable to determine context window"):
        assert warning not in printed, printed[-3000:]
    [log_path] = sorted(logs.glob("*.eval"))
    log = read_eval_log(str(log_path))
    assert log.status == "success"
    assert log.eval.model == "mlebench/baseline"
    assert log.eval.metadata is not None
    assert log.eval.metadata["mlebench"]["data"] == "synthetic"
    scores = _scores(log_path)
    assert sorted(scores) == sorted(DEMO_COMPETITIONS)
    for cid, (value, answer) in scores.items():
        assert value["valid_submission"] == 1.0, (cid, value)
        # synthetic data gets a generated leaderboard (labelled as such): medals and percentiles are finite
        assert value["any_medal"] in (0.0, 1.0), (cid, value)
        assert value["percentile"] is not None
        assert 0.0 <= value["percentile"] <= 1.0
        assert answer is not None
    assert log.samples is not None
    # the baseline really trained a model on the tabular competitions, through the agent's bash tool
    may = next(s for s in log.samples if s.id == "tabular-playground-series-may-2022")
    tool_text = "\n".join(m.text for m in may.messages if m.role == "tool")
    assert "holdout AUC" in tool_text
    assert "wrote model predictions" in tool_text

    rescored = tmp_path / "rescored.eval"
    shutil.rmtree(tmp_path / "data")  # re-grading reads the answers again: bring them back, but no sandbox
    for cid in DEMO_COMPETITIONS:
        prepare_synthetic(cid, tmp_path / "data")
    ensure_synthetic_leaderboards(DEMO_COMPETITIONS, tmp_path / "data")  # the same data gives the same leaderboard
    again = subprocess.run(
        [INSPECT, "score", str(log_path), "--scorer", "inspect_mlebench/mlebench_scorer", "--action", "overwrite",
         "--output-file", str(rescored)],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert _scores(rescored) == scores


EPOCH_PLAN = {  # which file each epoch (seed) submits: gold = a medal, sample = none
    "spaceship-titanic": ["gold", "sample", "gold"],
    "tabular-playground-series-may-2022": ["gold", "gold", "sample"],
}


@solver
def _submit_by_epoch(data_dir: Path) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        cid = str(state.sample_id)
        kind = EPOCH_PLAN[cid][state.epoch - 1]
        if kind == "gold":
            source = private_dir(data_dir, cid) / GOLD_SUBMISSION
        else:
            source = next(public_dir(data_dir, cid).glob("sample_submission*.csv"))
        await sandbox().write_file("/home/submission/submission.csv", source.read_bytes())
        return state

    return solve


def test_epochs_give_upstreams_per_seed_mean_and_sem(synthetic_task: Callable[..., Task], tmp_path: Path) -> None:
    data = tmp_path / "data"
    for cid in EPOCH_PLAN:
        prepare_synthetic(cid, data)
        # a leaderboard of 100 teams scoring 0.60..0.99: a perfect score wins gold, the sample wins nothing
        board = pd.DataFrame({"score": [0.99 - i * 0.0039 for i in range(100)]})
        board.to_csv(competition_dir(data, cid) / "leaderboard.csv", index=False)
    task = synthetic_task(
        competitions=list(EPOCH_PLAN), data_dir=str(data), time_limit_hours=0.1, solver=_submit_by_epoch(data)
    )
    [log] = eval(task, model="mlebench/baseline", epochs=3, log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    assert log.eval.config.epochs_reducer == ["mlebench_seeds"]
    assert log.results is not None
    metrics = {name: m.value for s in log.results.scores for name, m in s.metrics.items()}
    # Hand computation: seed 1 medals in both (100 %), seed 2 in one of two (50 %), seed 3 in one of two (50 %).
    rates = [100.0, 50.0, 50.0]
    mean = sum(rates) / 3
    sem = math.sqrt(sum((r - mean) ** 2 for r in rates) / 2) / math.sqrt(3)
    assert metrics["seeds"] == 3
    assert metrics["any_medal_pct_mean"] == pytest.approx(mean)  # 66.67
    assert metrics["any_medal_pct_sem"] == pytest.approx(sem)  # 16.67
    assert metrics["any_medal"] == pytest.approx(4 / 6)  # per-sample means over epochs, then over samples
    assert metrics["gold_medal"] == pytest.approx(4 / 6)
