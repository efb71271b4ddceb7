"""aide through the real task in Docker: spaceship-titanic's synthetic data, the slim image, the scripted model.

Shows each thing issue 8 asks for in one eval: drafts, a crashing draft debugged, an improvement chosen as best
(and a later, worse one not chosen), the scripts run as `nonroot`, the best node's submission is the file the
task's scorer graded, and the journal is in the log.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import Task, eval

from inspect_mlebench.solvers.aide import Journal, aide
from inspect_mlebench.solvers.aide.agent import STORE_KEY
from scripted_aide import ScriptedAide  # noqa: F401  (registers aide_scripted/*)


@pytest.mark.docker
def test_aide_end_to_end_in_docker(synthetic_task: Callable[..., Task], tmp_path: Path) -> None:
    from inspect_mlebench.scoring.scorer import STORE_KEY as SUBMISSION_KEY

    task = synthetic_task(time_limit_hours=0.1)
    [log] = eval(
        task,
        solver=aide(num_drafts=2, max_steps=6, seed=0, stop_margin_s=30),
        model="aide_scripted/coder",
        model_roles={"feedback": "aide_scripted/reviewer"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    assert log.samples
    sample = log.samples[0]

    journal = Journal.model_validate(sample.store[STORE_KEY])
    nodes = journal.nodes
    assert [n.operator for n in nodes] == ["draft", "draft", "debug", "improve", "improve", "improve"]
    assert [n.is_buggy for n in nodes] == [False, True, False, False, False, True]
    assert [n.submission_valid for n in nodes] == [True, None, True, True, True, False]
    assert "KeyError" in nodes[1].output_tail
    assert nodes[2].parent_id == nodes[1].id
    assert journal.best_id == nodes[3].id
    assert all(n.workdir and n.workdir.startswith("/home/code/aide/") for n in nodes)
    assert all(n.summary.startswith("[reviewer]") for n in nodes)

    # what the scorer graded is the best node's file (the scorer keeps a compressed copy in the store)
    graded = zlib.decompress(base64.b64decode(sample.store[SUBMISSION_KEY]))
    assert hashlib.sha256(graded).hexdigest() == nodes[3].submission_sha256
    assert nodes[3].submission_sha256 != nodes[4].submission_sha256
    assert sample.scores
    [score] = sample.scores.values()
    assert isinstance(score.value, dict)
    assert score.value["valid_submission"] == 1

    # every node ran as nonroot in the agent container, in its own directory
    execs = [e for e in sample.events if e.event == "sandbox" and getattr(e, "action", None) == "exec"]
    runs = [e for e in execs if "timeout -s INT" in (getattr(e, "cmd", "") or "")]
    assert len(runs) == 6
    assert all((e.options or {}).get("user") == "nonroot" for e in runs), [e.options for e in runs]
    spans = [e for e in sample.events if e.event == "span_begin" and getattr(e, "type", None) == "aide_node"]
    assert len(spans) == 6
