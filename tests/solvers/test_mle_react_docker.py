"""mle_react through the real task in Docker: spaceship-titanic's synthetic data, the slim image, a scripted model.

One eval shows what issue 7 asks for: a background job started, polled and finished across turns; a submit refused
early, then accepted with confirm; a snapshot history with validation results in the log, the valid snapshot
selected and restored over a later invalid overwrite; a command timeout clamped by the short time limit; a job
still running at submit stopped; commands run as `nonroot` with the image's Python; the sample graded.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.log import read_eval_log
from inspect_ai.model import ChatMessageTool

from inspect_mlebench.solvers.mle_react import RUN_KEY, mle_react
from inspect_mlebench.solvers.snapshots import SELECTION_KEY
from inspect_mlebench.solvers.store_keys import SNAPSHOTS_KEY
from scripted_react import Step, scripted_model

SUB = "/home/submission/submission.csv"


@pytest.mark.docker
def test_mle_react_end_to_end_in_docker(synthetic_task: Callable[..., Task], tmp_path: Path) -> None:
    from inspect_mlebench.scoring.scorer import STORE_KEY as SUBMISSION_KEY

    task = synthetic_task(time_limit_hours=0.05)  # 3 minutes: every command's 1 h cap is clamped to the time left
    write_job = f"echo start; sleep 3; cp /home/data/sample_submission.csv {SUB}; echo wrote"
    steps = [
        Step("bash", {"command": "id -un; command -v python"}),
        Step("text_editor", {"command": "create", "path": "/home/code/notes.md", "file_text": "plan: baseline\n"}),
        Step("job_start", {"command": write_job, "name": "train"}),
        Step("job_status", {"job_id": "001-train"}, until="finished", delay_s=1.0),
        Step("job_logs", {"job_id": "001-train"}),
        Step("validate_submission", {}),
        Step("resources", {}),
        Step("submit", {"answer": "first try"}),
        Step("python", {"code": f"open({SUB!r}, 'w').write('PassengerId,Transported\\n')"}),
        Step("validate_submission", {"path": SUB}),
        Step("job_start", {"command": "sleep 600", "name": "leftover"}),
        Step("submit", {"answer": "done", "confirm": True}),
    ]
    [log] = eval(
        task,
        solver=mle_react(min_submit_share=0.5, reserve_s=20),
        model=scripted_model(steps),
        log_dir=str(tmp_path / "logs"),
        display="none",
    )
    assert log.status == "success", log.error
    assert log.location
    log = read_eval_log(log.location)  # assert on what the .eval file holds
    assert log.samples
    sample = log.samples[0]

    def answers(tool: str) -> list[str]:
        return [m.text for m in sample.messages if isinstance(m, ChatMessageTool) and m.function == tool]

    # commands run as nonroot with the image's Python, with the 1 h cap clamped by the 3 min budget
    whoami = answers("bash")[0]
    assert "nonroot" in whoami
    assert "/opt/venv/bin/python" in whoami
    assert "timeout clamped to" in whoami
    assert "[status] time:" in whoami
    assert "error" not in answers("text_editor")[0].lower()

    # the job: started, seen running, then finished, output readable
    assert "Started job 001-train" in answers("job_start")[0]
    statuses = answers("job_status")
    assert "running" in statuses[0]
    assert "finished" in statuses[-1]
    assert "wrote" in answers("job_logs")[0]
    assert "CPU:" in answers("resources")[0]

    # validation answers and the submit protocol
    assert [a.split(":")[0] for a in answers("validate_submission")] == ["valid", "invalid"]
    first, second = answers("submit")
    assert "refused" in first
    assert "confirm=true" in first
    assert "accepted" in second

    # snapshot history with validation results; the valid one selected and restored; the leftover job stopped
    snaps = sample.store[SNAPSHOTS_KEY]
    assert [(s["valid"], s["selected"]) for s in snaps] == [(True, True), (False, False)]
    selection = sample.store[SELECTION_KEY]
    assert selection["policy"] == "last_valid"
    assert selection["restored"] is True
    run = sample.store[RUN_KEY]
    assert run["ended_by"] == "submit"
    assert run["jobs_stopped"] == ["002-leftover"]
    assert [c["why"] for c in run["submit_calls"]] == ["early", "confirmed"]
    infos = [getattr(e, "source", "") for e in sample.events if e.event == "info"]
    assert infos.count("mle_react: submission snapshot") == 2
    assert "mle_react: final selection" in infos

    # the scorer graded the restored valid snapshot
    graded = zlib.decompress(base64.b64decode(sample.store[SUBMISSION_KEY]))
    assert hashlib.sha256(graded).hexdigest() == snaps[0]["sha256"]
    assert sample.scores
    [score] = sample.scores.values()
    assert isinstance(score.value, dict)
    assert score.value["valid_submission"] == 1

    # every agent command ran as nonroot
    execs = [e for e in sample.events if e.event == "sandbox" and getattr(e, "action", None) == "exec"]
    timed = [e for e in execs if (getattr(e, "cmd", "") or "").startswith("timeout -k 5")]  # bash and python
    launches = [e for e in execs if "setsid nohup" in (getattr(e, "cmd", "") or "")]  # the two jobs
    assert len(timed) == 2
    assert len(launches) == 2
    assert all((e.options or {}).get("user") == "nonroot" for e in timed + launches)
