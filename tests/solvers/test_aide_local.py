"""aide end to end on Inspect's local sandbox with the scripted model (no Docker, no LLM).

Temporary directories stand in for `/home/data`, `/home/submission`, `/home/code` and `/home/logs`; the data is
spaceship-titanic's synthetic set. The scripted model (tests/scripted_aide.py) makes the search draft twice (one
draft crashes), debug the crash, improve the best node and then try a worse improvement.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog
from inspect_ai.solver import Generate, Solver, TaskState, solver

from inspect_mlebench.solvers.aide import Journal, aide
from inspect_mlebench.solvers.aide.agent import STORE_KEY
from inspect_mlebench.solvers.aide.runner import Paths, SandboxRunner
from scripted_aide import ScriptedAide  # noqa: F401  (registers aide_scripted/*)

PROMPT = "Predict `Transported` for each passenger in test.csv; accuracy is the metric."


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from inspect_mlebench.data.prepare import prepare_synthetic

    root = tmp_path_factory.mktemp("data")
    return prepare_synthetic("spaceship-titanic", root) / "public"


def _dirs(tmp_path: Path, data_dir: Path) -> dict[str, Any]:
    return {
        "data_dir": str(data_dir),
        "submission_dir": str(tmp_path / "submission"),
        "code_dir": str(tmp_path / "code"),
        "logs_dir": str(tmp_path / "logs"),
        "user": None,
        "python": sys.executable,
    }


def _run(task: Task, **kwargs: Any) -> EvalLog:
    [log] = eval(task, model="aide_scripted/coder", display="none", log_dir=str(kwargs.pop("log_dir")), **kwargs)
    return log


def test_search_drafts_debugs_improves_and_keeps_the_best(tmp_path: Path, data_dir: Path) -> None:
    dirs = _dirs(tmp_path, data_dir)
    agent = aide(num_drafts=2, max_steps=6, seed=0, stop_margin_s=5, **dirs)
    metadata = {"time_limit_s": 600, "competition_id": "spaceship-titanic", "data_dir": str(data_dir.parents[2])}
    task = Task(
        dataset=[Sample(id="spaceship-titanic", input=PROMPT, metadata=metadata)],
        solver=agent,
        sandbox="local",
    )
    log = _run(task, log_dir=tmp_path / "logs-eval", model_roles={"feedback": "aide_scripted/reviewer"})
    assert log.status == "success", log.error
    assert log.samples
    sample = log.samples[0]

    journal = Journal.model_validate(sample.store[STORE_KEY])
    nodes = journal.nodes
    assert [n.operator for n in nodes] == ["draft", "draft", "debug", "improve", "improve", "improve"]
    assert [n.parent_id for n in nodes] == [None, None, "node-001", "node-002", "node-003", "node-003"]
    assert [n.is_buggy for n in nodes] == [False, True, False, False, False, True]
    # the last node claims the best metric, but its file fails the competition's format check
    assert [n.submission_valid for n in nodes] == [True, None, True, True, True, False]
    assert "Transported" in (nodes[5].validation_message or "")
    assert (nodes[5].metric or 0) > (nodes[3].metric or 0)
    assert "KeyError" in nodes[1].output_tail
    assert nodes[1].exit_code == 1
    metrics = [n.metric for n in nodes]
    assert metrics[0] is not None
    assert metrics[2] is not None
    assert metrics[4] is not None
    assert metrics[0] < metrics[2] < (metrics[3] or 0)
    assert metrics[4] < (metrics[3] or 0)
    assert journal.best_id == "node-003"
    # the feedback role, not the main model, reviewed every run
    assert all(n.summary.startswith("[reviewer]") for n in nodes)

    # the graded location holds the best node's files, not the last node's
    submission = (tmp_path / "submission" / "submission.csv").read_bytes()
    assert hashlib.sha256(submission).hexdigest() == nodes[3].submission_sha256
    assert nodes[3].submission_sha256 != nodes[4].submission_sha256
    assert (tmp_path / "code" / "solution.py").read_text() == nodes[3].code
    assert Journal.from_json((tmp_path / "logs" / "aide_journal.json").read_text()) == journal

    # every node is a span; node records and a closing summary are info events
    spans = [e for e in sample.events if e.event == "span_begin" and getattr(e, "type", None) == "aide_node"]
    assert [getattr(s, "name", "") for s in spans][:2] == ["aide node-000 draft", "aide node-001 draft"]
    assert len(spans) == 6
    infos = [e.data for e in sample.events if e.event == "info" and getattr(e, "source", None) == "aide"]
    assert [d["aide_node"] for d in infos if isinstance(d, dict) and "aide_node" in d] == [n.id for n in nodes]
    assert "best: node-003" in sample.output.completion.lower()


def test_stops_before_the_budget_with_no_time_to_run(tmp_path: Path, data_dir: Path) -> None:
    agent = aide(num_drafts=2, max_steps=5, stop_margin_s=580, min_run_s=30, **_dirs(tmp_path, data_dir))
    task = Task(
        dataset=[Sample(input=PROMPT, metadata={"time_limit_s": 600})],
        solver=agent,
        sandbox="local",
    )
    log = _run(task, log_dir=tmp_path / "logs-eval")
    assert log.status == "success", log.error
    assert log.samples
    sample = log.samples[0]
    assert Journal.model_validate(sample.store[STORE_KEY]).nodes == []
    assert "explored 0 node(s)" in sample.output.completion
    assert not (tmp_path / "submission" / "submission.csv").exists()


@solver
def _run_scripts(paths: Paths, results: dict[str, Any]) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        runner = SandboxRunner(paths, user=None, python=sys.executable, tail_chars=200)
        results["slow"] = await runner.run("slow", "import time\nprint('start', flush=True)\ntime.sleep(30)\n", 1)
        results["noisy"] = await runner.run("noisy", "for i in range(20000):\n    print('line', i)\n", 60)
        results["preview"] = await runner.preview()
        return state

    return solve


def test_runner_timeout_tail_and_preview(tmp_path: Path, data_dir: Path) -> None:
    paths = Paths(data_dir=str(data_dir), work_root=str(tmp_path / "work"))
    results: dict[str, Any] = {}
    task = Task(dataset=[Sample(input="x")], solver=_run_scripts(paths, results), sandbox="local")
    log = _run(task, log_dir=tmp_path / "logs-eval")
    assert log.status == "success", log.error
    slow, noisy = results["slow"], results["noisy"]
    assert slow.timed_out
    assert slow.exit_code == 124
    assert slow.exec_time_s < 20
    assert "start" in slow.output_tail
    assert not slow.has_submission
    assert noisy.exit_code == 0
    assert not noisy.timed_out
    assert noisy.output_tail.rstrip().endswith("line 19999")
    assert len(noisy.output_tail) <= 200
    assert (tmp_path / "work" / "noisy" / "runfile.py").exists()
    assert "train.csv" in results["preview"]
    assert "PassengerId" in results["preview"]


def test_run_timeout_is_clamped_to_the_budget(tmp_path: Path, data_dir: Path) -> None:
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    usage = ModelUsage(input_tokens=10, output_tokens=10, total_tokens=20)
    sleeper = ModelOutput.from_content("mockllm/model", "Sleep.\n```python\nimport time\ntime.sleep(120)\n```")
    review = ModelOutput.for_tool_call(
        "mockllm/model",
        "submit_review",
        {"is_bug": True, "summary": "timed out", "metric": None, "lower_is_better": False, "has_csv_submission": False},
    )
    outputs = [sleeper, review]
    for output in outputs:
        output.usage = usage
    model = get_model("mockllm/model", custom_outputs=outputs)
    # 37 s budget, 30 s kept free: the first script may run about 7 s, then no time is left for a second one
    agent = aide(exec_timeout_s=3600, stop_margin_s=30, min_run_s=3, data_preview=False, **_dirs(tmp_path, data_dir))
    task = Task(dataset=[Sample(input=PROMPT, metadata={"time_limit_s": 37})], solver=agent, sandbox="local")
    [log] = eval(task, model=model, display="none", log_dir=str(tmp_path / "logs-eval"))
    assert log.status == "success", log.error
    assert log.samples
    [node] = Journal.model_validate(log.samples[0].store[STORE_KEY]).nodes
    assert node.exec_timeout_s is not None
    assert 3 <= node.exec_timeout_s <= 7.5
    assert node.timed_out
    assert node.is_buggy
    assert "stopped with" in log.samples[0].output.completion
