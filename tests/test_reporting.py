"""`inspect-mlebench report` on real logs: upstream's per-seed grading reports, and the per-split mean +- SEM equal
to upstream's aggregation of those same reports (complete seeds, percentages per seed, ddof=1, 1.96 SEM)."""

from __future__ import annotations

import json
import math
import statistics
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from inspect_ai import Epochs, Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from inspect_mlebench import get_competition
from inspect_mlebench.cli import cli
from inspect_mlebench.data.prepare import prepare_synthetic, public_sample_submission
from inspect_mlebench.reporting import collect, summarize
from inspect_mlebench.scoring.medal_metrics import mlebench_seeds
from inspect_mlebench.scoring.scorer import mlebench_scorer

COMPS = ["spaceship-titanic", "random-acts-of-pizza"]
# which file each epoch submits: gold (a medal on these leaderboards) or the sample submission (none)
PLAN = {"spaceship-titanic": ["gold", "sample", "gold"], "random-acts-of-pizza": ["gold", "gold", "sample"]}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for cid in COMPS:
        prepare_synthetic(cid, root, size=80)
        scores = [round(0.99 - i * 0.004, 5) for i in range(120)]
        pd.DataFrame({"teamId": range(120), "score": scores}).to_csv(root / cid / "leaderboard.csv", index=False)
    return root


@solver
def _by_plan(data_dir: Path) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        cid = str(state.sample_id)
        prepared = data_dir / cid / "prepared"
        chosen = (
            prepared / "private" / "gold_submission.csv"
            if PLAN[cid][state.epoch - 1] == "gold"
            else data_dir / cid / public_sample_submission(get_competition(cid))
        )
        await sandbox().write_file("submission.csv", chosen.read_text())
        return state

    return solve


@pytest.fixture(scope="module")
def log_dir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    logs = tmp_path_factory.mktemp("logs")
    disclosure = {"split": "dev", "competitions": COMPS, "time_limit_hours": 1.0, "hardware": {"gpus": 0}}
    task = Task(
        dataset=[Sample(input="solve", id=c, metadata={"competition_id": c, "complexity": "dev"}) for c in COMPS],
        solver=_by_plan(data_dir),
        scorer=mlebench_scorer(data_dir=str(data_dir), submission_path="submission.csv"),
        sandbox="local",
        epochs=Epochs(3, mlebench_seeds()),
        metadata={"mlebench": disclosure},
    )
    [log] = eval(task, model="mockllm/model", log_dir=str(logs), display="none")
    assert log.status == "success", log.error
    return logs


def _upstream_aggregate(reports: list[dict[str, object]], competitions: list[str]) -> dict[str, tuple[float, float]]:
    """Upstream's aggregate_grading_reports.py, restated: the k-th report of each competition forms seed k."""
    per_comp: dict[str, list[dict[str, object]]] = {c: [] for c in competitions}
    for report in reports:
        per_comp[str(report["competition_id"])].append(report)
    seeds = min(len(v) for v in per_comp.values())
    out = {}
    for key in ("any_medal", "gold_medal", "above_median", "valid_submission"):
        values = []
        for k in range(seeds):
            runs = [per_comp[c][k] for c in competitions]
            if key == "any_medal":
                hits = sum(bool(r["gold_medal"] or r["silver_medal"] or r["bronze_medal"]) for r in runs)
            else:
                hits = sum(bool(r[key]) for r in runs)
            values.append(hits / len(runs) * 100)
        sem = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else 0.0
        out[key] = (statistics.fmean(values), sem)
    return out


def test_report_matches_upstreams_aggregation_of_the_same_seeds(log_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(log_dir), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    seed_files = sorted((tmp_path / "out" / "grading_reports").glob("*_grading_report.json"))
    assert len(seed_files) == 3  # one per seed, in upstream's format
    reports = [r for f in seed_files for r in json.loads(f.read_text())["competition_reports"]]
    upstream = _upstream_aggregate(reports, COMPS)
    [summary] = json.loads((tmp_path / "out" / "report.json").read_text())["summary"]
    assert summary["seeds"] == 3
    for key, (mean, sem) in upstream.items():
        assert summary["rates"][key]["mean"] == pytest.approx(mean)
        assert summary["rates"][key]["standard_error"] == pytest.approx(sem)
    # seeds: (1+1)/2, (0+1)/2, (1+0)/2 -> 100, 50, 50 % -> mean 66.67, SEM 16.67
    assert summary["rates"]["any_medal"]["mean"] == pytest.approx(200 / 3)
    assert summary["rates"]["any_medal"]["standard_error"] == pytest.approx(50 / 3)
    text = (tmp_path / "out" / "report.md").read_text()
    assert "| mockllm/model | dev | 2 | 3 | 66.7 ± 16.7 |" in text
    assert "upstream commit" in text
    samples = pd.read_csv(tmp_path / "out" / "samples.csv")
    assert len(samples) == 6
    assert set(samples["medal"]) == {"gold", "none"}


def test_incomplete_seeds_are_dropped_and_stated(log_dir: Path) -> None:
    rows = collect([log_dir]).rows
    partial = [r for r in rows if not (r.competition_id == "random-acts-of-pizza" and r.epoch == 3)]
    [summary] = summarize(partial)
    assert summary.seeds == 2
    assert summary.incomplete_seeds_dropped == 1
    assert "1 incomplete seed(s) dropped" in summary.notes[0]
    # seeds 1 and 2 only: 100 and 50 % -> 75 +- 25
    assert summary.rates["any_medal"].mean == pytest.approx(75.0)
    assert summary.rates["any_medal"].standard_error == pytest.approx(25.0)


def test_bad_inputs_get_one_line(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "empty")])
    assert result.exit_code == 1
    assert "no .eval logs found" in result.output
    result = CliRunner().invoke(cli, ["report", str(tmp_path / "empty"), "--format", "pdf"])
    assert "unknown report format(s) pdf" in result.output
