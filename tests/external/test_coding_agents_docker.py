"""Claude Code and Codex CLI through inspect_swe on the real task in Docker, answered by a scripted model.

The binaries come from the npm registry via the host (the only one of their download sources this project's CI
machine reaches); the container has no network. The scripted model makes the CLI run one shell command that writes
and validates a submission, then ends: the CLI's tool call ran in the sandbox as nonroot in /home/code, the
submission was graded, and the model calls are in the log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.log import resolve_sample_attachments

from inspect_mlebench.external import claude_code, codex_cli
from inspect_mlebench.external.coding_agents import STORE_KEY
from scripted_bridge import ScriptedBridgeModel  # noqa: F401  (registers bridge_scripted/*)

pytest.importorskip("inspect_swe")


@pytest.mark.docker
@pytest.mark.slow
@pytest.mark.parametrize("make_agent", [claude_code, codex_cli], ids=["claude_code", "codex_cli"])
def test_coding_agent_writes_a_graded_submission(
    make_agent: Callable[..., object], synthetic_task: Callable[..., Task], tmp_path: Path
) -> None:
    task = synthetic_task(time_limit_hours=0.1, solver=make_agent(stop_margin_s=30))
    [log] = eval(task, model="bridge_scripted/coder", log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    assert log.samples
    sample = log.samples[0]
    assert sample.error is None, sample.error
    record = sample.store[STORE_KEY]
    assert record["ended_by"] == "its own end", record
    [score] = (sample.scores or {}).values()
    assert isinstance(score.value, dict)
    assert score.value["valid_submission"] == 1, score.explanation
    calls = [e for e in resolve_sample_attachments(sample).events if e.event == "model"]
    assert len(calls) >= 2, "the shell call and the answer after it should both be in the log"
    # the shell call ran in the sandbox as nonroot in /home/code, and the validator accepted its submission
    results = [m.text for m in calls[-1].input if m.role == "tool"]
    assert any("cwd=/home/code user=nonroot" in r and '"valid": true' in r for r in results), results
