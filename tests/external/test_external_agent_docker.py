"""Agents from outside Inspect on the real task in Docker: synthetic spaceship-titanic, the slim image, a scripted
model answering through Inspect's sandbox agent bridge (no network anywhere).

- the original AIDE (PyPI aideml, installed offline from host-downloaded wheels) takes several steps, its best
  node's submission is the graded file, and its code and feedback calls are model events in the log;
- a tiny standard-library agent run by `external_agent` calls the bridge, writes and validates a submission, and
  is stopped from outside at its time limit; it runs in an `eval_set` next to a local task whose sample fails once,
  which the set retries, and a second `eval_set` over the same log dir runs nothing again.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval, eval_set
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, Solver, TaskState, solver

from inspect_mlebench.external import aideml, external_agent
from inspect_mlebench.external.aide_original import STORE_KEY as AIDEML_KEY
from inspect_mlebench.external.scaffold import STORE_KEY as RUN_KEY
from scripted_bridge import ScriptedBridgeModel  # noqa: F401  (registers bridge_scripted/*)

TINY_AGENT = Path(__file__).parents[1] / "tiny_cli_agent.py"


def _graded_sha(sample: Any) -> str:
    from inspect_mlebench.scoring.scorer import STORE_KEY as SUBMISSION_KEY

    return hashlib.sha256(zlib.decompress(base64.b64decode(sample.store[SUBMISSION_KEY]))).hexdigest()


def _model_events(sample: Any) -> list[Any]:
    return [e for e in sample.events if e.event == "model"]


@pytest.mark.docker
@pytest.mark.slow
def test_original_aide_through_the_bridge(synthetic_task: Callable[..., Task], tmp_path: Path) -> None:
    task = synthetic_task(time_limit_hours=0.2)
    [log] = eval(
        task,
        solver=aideml(steps=4, num_drafts=2, exec_timeout_s=120, stop_margin_s=30, kill_grace_s=10),
        model="bridge_scripted/coder",
        model_roles={"feedback": "bridge_scripted/reviewer"},
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    assert log.samples
    sample = log.samples[0]
    record = sample.store[AIDEML_KEY]
    steps = record["steps"]
    assert record["exit_code"] == 0, sample.store[RUN_KEY]["output_tail"]
    assert [s["stage"] for s in steps] == ["draft", "draft", "debug", "improve"]
    assert [s["buggy"] for s in steps] == [False, True, False, False]
    assert all(s["analysis"].startswith("[reviewer]") for s in steps), steps
    promoted = [s for s in steps if s["promoted"]]
    assert promoted
    assert promoted[-1]["node"] == steps[-1]["best"]
    assert _graded_sha(sample) == promoted[-1]["submission_sha256"]
    assert sample.scores
    [score] = sample.scores.values()
    assert isinstance(score.value, dict)
    assert score.value["valid_submission"] == 1

    # 4 code calls to the eval's model and 4 reviews by the feedback role, all in the transcript with usage
    models = [e.model for e in _model_events(sample)]
    assert models.count("bridge_scripted/coder") == 4, models
    assert models.count("bridge_scripted/reviewer") == 4, models
    assert log.stats.model_usage["bridge_scripted/coder"].input_tokens > 0


@solver
def _fails_first_time(attempts: Path) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        attempts.mkdir(exist_ok=True)
        count = len(list(attempts.iterdir()))
        (attempts / str(count)).touch()  # one sample: the count is its attempts
        if count == 0:
            raise RuntimeError("a transient failure (the first attempt always fails)")
        return await generate(state)

    return solve


def _local_task(attempts: Path) -> Task:
    return Task(
        dataset=[Sample(input="Say DONE.", target="DONE")],
        solver=_fails_first_time(attempts),
        scorer=includes(),
        name="tiny_local_task",
    )


def _by_task(logs: list[EvalLog]) -> dict[str, EvalLog]:
    return {log.eval.task.split("/")[-1]: log for log in logs}


@pytest.mark.docker
@pytest.mark.slow
def test_command_line_agent_in_an_eval_set(synthetic_task: Callable[..., Task], tmp_path: Path) -> None:
    agent = external_agent(
        command="python3 /opt/tiny/agent.py --linger",
        files={"/opt/tiny/agent.py": str(TINY_AGENT)},
        stop_margin_s=15,
        kill_grace_s=5,
    )
    tasks = [synthetic_task(time_limit_hours=0.04, solver=agent), _local_task(tmp_path / "attempts")]
    log_dir = str(tmp_path / "set")
    done, logs = eval_set(
        tasks, log_dir=log_dir, model="bridge_scripted/agent", retry_attempts=1, retry_wait=0.1, display="none"
    )
    assert done, [(log.eval.task, log.status, log.error) for log in logs]
    assert len(list((tmp_path / "attempts").iterdir())) == 2  # failed once, retried once
    mle = read_eval_log(_by_task(logs)["mlebench"].location)  # eval_set returns headers only
    assert mle.samples
    sample = mle.samples[0]
    assert sample.error is None, sample.error
    run = sample.store[RUN_KEY]
    assert run["stopped_at_time_limit"], run["output_tail"]
    assert '"valid": true' in run["output_tail"], run["output_tail"]
    assert "model: DONE" in run["output_tail"]
    assert run["elapsed_s"] < run["time_given_s"] + 5 + 30
    assert [e.model for e in _model_events(sample)] == ["bridge_scripted/agent"] * 2
    [score] = (sample.scores or {}).values()
    assert isinstance(score.value, dict)
    assert score.value["valid_submission"] == 1

    # the same set again: everything is complete, nothing runs
    done_again, logs_again = eval_set(
        tasks, log_dir=log_dir, model="bridge_scripted/agent", retry_attempts=1, retry_wait=0.1, display="none"
    )
    assert done_again
    assert len(list((tmp_path / "attempts").iterdir())) == 2
    assert {log.location.rsplit("/", 1)[-1] for log in logs_again} == {log.location.rsplit("/", 1)[-1] for log in logs}
