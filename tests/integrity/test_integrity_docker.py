"""Evidence in the real sandbox: the baseline under mle_react in Docker leaves /home/code/train.py in the log, the
log reads back clean, and the only validation call is the agent's one tool call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.log import read_eval_log

from inspect_mlebench.baseline.model import SCRIPT_PATH, training_script
from inspect_mlebench.integrity import check_sample, load_evidence

pytestmark = pytest.mark.docker


def test_baseline_in_docker_keeps_its_code_and_is_clean(synthetic_task: Callable[..., Task], tmp_path: Path) -> None:
    [log] = eval(
        synthetic_task(time_limit_hours=0.1), model="mlebench/baseline", log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.status == "success", log.error
    [sample] = read_eval_log(log.location).samples or []
    evidence = load_evidence(sample.store)
    assert evidence is not None
    assert evidence.errors == []
    assert evidence.roots == ["/home/code"]
    kept = {f.path: f.text for f in evidence.files}
    assert kept == {SCRIPT_PATH: training_script()}
    result = check_sample(sample)
    assert result.findings == [], [(f.rule, f.where, f.excerpt) for f in result.findings]
    assert result.validation.tool == 1
