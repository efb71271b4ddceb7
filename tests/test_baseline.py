"""The scripted `mlebench/baseline` model under the `aide` agent (Inspect's local sandbox, no Docker): it answers
the coder with the training script as a single-file solution and the reviewer with a review read off the run."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample

from inspect_mlebench.baseline.model import aide_review
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade
from inspect_mlebench.solvers.aide import Journal, aide
from inspect_mlebench.solvers.aide.agent import STORE_KEY

CID = "spaceship-titanic"


def test_review_reads_the_metric_line_and_the_harness_facts() -> None:
    ok = (
        "```\nValidation metric: 0.123400 (holdout RMSE, lower is better)\n```\n"
        "- The run exited with code 0 after 2.0s.\n- `./submission/submission.csv` exists after the run.\n"
    )
    review = aide_review(ok)
    assert review["is_bug"] is False
    assert review["metric"] == pytest.approx(0.1234)
    assert review["lower_is_better"] is True
    assert review["has_csv_submission"] is True
    crashed = "Traceback ...\n- The run exited with code 1 after 0.2s.\n- `./submission/submission.csv` does NOT exist"
    assert aide_review(crashed)["is_bug"] is True
    assert aide_review(crashed)["metric"] is None
    rejected = ok + "- The competition's format check of that file FAILED: missing column\n"
    assert aide_review(rejected)["is_bug"] is True


def test_aide_with_the_baseline_trains_and_keeps_the_best(tmp_path: Path) -> None:
    root = tmp_path / "data"
    public = prepare_synthetic(CID, root) / "public"
    agent = aide(num_drafts=2, max_steps=3, seed=0, stop_margin_s=5, data_dir=str(public),
                 submission_dir=str(tmp_path / "submission"), code_dir=str(tmp_path / "code"),
                 logs_dir=str(tmp_path / "logs"), user=None, python=sys.executable)  # fmt: skip
    metadata = {"time_limit_s": 600, "competition_id": CID, "data_dir": str(root)}
    task = Task(
        dataset=[Sample(id=CID, input="Predict Transported.", metadata=metadata)], solver=agent, sandbox="local"
    )
    [log] = eval(task, model="mlebench/baseline", log_dir=str(tmp_path / "eval-logs"), display="none")
    assert log.status == "success", log.error
    assert log.samples is not None
    journal = Journal.model_validate(log.samples[0].store[STORE_KEY])
    assert [n.operator for n in journal.nodes] == ["draft", "draft", "improve"]
    assert all(not n.is_buggy for n in journal.nodes), [n.summary for n in journal.nodes]
    assert all(n.metric is not None and n.metric > 0.5 for n in journal.nodes)
    graded = tmp_path / "submission" / "submission.csv"
    assert len(pd.read_csv(graded)) > 0
    assert grade(CID, graded, root).valid_submission


def test_scripted_model_declares_its_context_window() -> None:
    """Without a declared window Inspect warns once per sample that it cannot determine one."""
    from inspect_ai.model import get_model
    from inspect_ai.model._model_info import get_model_input_tokens

    from inspect_mlebench.baseline.scripted import SCRIPTED_CONTEXT_WINDOW

    assert get_model_input_tokens(get_model("mlebench/baseline")) == SCRIPTED_CONTEXT_WINDOW
