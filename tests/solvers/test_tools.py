"""The agent tools in the local sandbox: background jobs (start, status, logs, kill, timeout), clamped commands,
host-side validation of any path, the resource report; and the job bookkeeping parsers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.solvers.jobs import JobManager, job_state, parse_status, slug
from inspect_mlebench.solvers.tools import (
    ToolContext,
    bash,
    job_kill,
    job_logs,
    job_start,
    job_status,
    python,
    resources,
    validate_submission,
    validation_answer,
)
from sample_runner import run_in_sample

CID = "spaceship-titanic"


def test_job_state_and_status_parsing() -> None:
    assert job_state("", False) == ("running", None)
    assert job_state("0", False) == ("finished", 0)
    assert job_state("3", False) == ("failed", 3)
    assert job_state("124", False) == ("timed out", 124)
    assert job_state("lost", False) == ("lost", None)
    assert job_state("", True) == ("killed", None)
    [job] = parse_status("001-train|42|100|0|130||epoch 3 | loss 0.1\nnoise line\n")
    assert job.job_id == "001-train"
    assert job.state == "finished"
    assert job.runtime_s == 30
    assert job.last_line == "epoch 3 | loss 0.1"
    assert slug("Train LightGBM (fold 1)!") == "train-lightgbm-fold-1"
    assert slug("***") == "job"


def test_validation_answer_first_word() -> None:
    assert validation_answer(True, "Submission is valid.").startswith("valid:")
    assert validation_answer(False, "wrong ids").startswith("invalid:")
    assert validation_answer(None, "no competition").startswith("invalid:")


def test_jobs_survive_the_call_and_can_be_stopped(tmp_path: Path) -> None:
    ctx = ToolContext(user=None, jobs_dir=str(tmp_path / "jobs"))

    async def body(out: dict[str, Any]) -> None:
        start, status, logs, kill = job_start(ctx), job_status(ctx), job_logs(ctx), job_kill(ctx)
        out["start"] = await start(command="echo one; sleep 1; echo two", name="Quick Job")
        out["long"] = await start(command="echo begin; sleep 300 & wait", name="long")
        out["status_early"] = await status()
        for _ in range(40):
            if "finished" in str(await status(job_id="001-quick-job")):
                break
            await anyio.sleep(0.25)
        out["status_quick"] = await status(job_id="001-quick-job")
        out["logs"] = await logs(job_id="001-quick-job", lines=1)
        out["kill"] = await kill(job_id="002-long")
        out["status_after_kill"] = await status(job_id="002-long")
        out["unknown"] = await status(job_id="009-nope")
        out["bad_id"] = await logs(job_id="../../etc/passwd")
        out["left"] = await JobManager(ctx.jobs_dir).kill_all()

    out = run_in_sample(body, tmp_path)
    assert "Started job 001-quick-job" in out["start"]
    assert "stopped after" in out["start"]  # the 120 s sample limit clamps the job
    assert "001-quick-job: running" in out["status_early"]
    assert "002-long: running" in out["status_early"]
    assert "finished after" in out["status_quick"]
    assert "exit code 0" in out["status_quick"]
    assert out["logs"].strip() == "two"
    assert out["kill"] == "Job 002-long: killed."
    assert "killed" in out["status_after_kill"]
    assert out["unknown"] == "No job 009-nope."
    assert "unknown job id" in out["bad_id"]
    assert out["left"] == []
    assert (tmp_path / "jobs" / "001-quick-job" / "output.log").read_text() == "one\ntwo\n"


def test_job_timeout_marks_it_timed_out(tmp_path: Path) -> None:
    ctx = ToolContext(user=None, jobs_dir=str(tmp_path / "jobs"))

    async def body(out: dict[str, Any]) -> None:
        await job_start(ctx)(command="sleep 30", name="slow", timeout=1)
        for _ in range(60):
            text = str(await job_status(ctx)())
            if "timed out" in text:
                break
            await anyio.sleep(0.25)
        out["status"] = text

    out = run_in_sample(body, tmp_path)
    assert "001-slow: timed out" in out["status"]
    assert "exit code 124" in out["status"]


def test_job_start_refused_in_wrapup(tmp_path: Path) -> None:
    ctx = ToolContext(user=None, jobs_dir=str(tmp_path / "jobs"), wrapup_share=1.0)

    async def body(out: dict[str, Any]) -> None:
        out["start"] = await job_start(ctx)(command="sleep 1")

    out = run_in_sample(body, tmp_path)
    assert "wrap-up phase" in out["start"]
    assert not (tmp_path / "jobs").exists()


def test_commands_report_clamped_and_expired_timeouts(tmp_path: Path) -> None:
    ctx = ToolContext(user=None, command_timeout=3600, reserve_s=0)
    short = ToolContext(user=None, command_timeout=1)

    async def body(out: dict[str, Any]) -> None:
        out["bash"] = await bash(ctx)(command="echo out; echo err >&2; exit 3")
        out["python"] = await python(ctx)(code="print(6 * 7)")
        out["requested"] = await bash(ctx)(command="echo fine", timeout=30)
        out["expired"] = await bash(short)(command="sleep 20")
        out["killed"] = await bash(ctx)(command="kill -9 $$")

    out = run_in_sample(body, tmp_path, time_limit=60)
    assert "timeout clamped to" in out["bash"]  # the 1 h cap met the 60 s budget
    assert "out\nerr" in out["bash"]
    assert "[exit code 3]" in out["bash"]
    assert "42" in out["python"]
    assert "clamped" not in out["requested"]  # a 30 s request fits the budget
    assert "hit its 1s timeout" in out["expired"]
    assert "killed (exit 137)" in out["killed"]  # not mistaken for a timeout


def test_no_time_left_means_nothing_runs(tmp_path: Path) -> None:
    ctx = ToolContext(user=None, reserve_s=10_000)

    async def body(out: dict[str, Any]) -> None:
        out["bash"] = await bash(ctx)(command="touch should-not-exist")

    out = run_in_sample(body, tmp_path, time_limit=60)
    assert out["bash"].startswith("Not run: no time is left")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tools-data")
    prepare_synthetic(CID, root, size=120)
    return root


def test_validate_submission_reads_any_path_on_the_host(data_dir: Path, tmp_path: Path) -> None:
    sample_csv = data_dir / CID / "prepared" / "public" / "sample_submission.csv"
    bad = tmp_path / "bad.csv"
    bad.write_text("id,wrong\n1,2\n")
    metadata = {"competition_id": CID, "data_dir": str(data_dir), "submission_path": str(tmp_path / "none.csv")}

    async def body(out: dict[str, Any]) -> None:
        tool = validate_submission(ToolContext.from_sample(user=None))
        out["good"] = await tool(path=str(sample_csv))
        out["bad"] = await tool(path=str(bad))
        out["missing"] = await tool()  # the graded file, which does not exist yet
        out["no_competition"] = await validate_submission(ToolContext(user=None))(path=str(sample_csv))

    out = run_in_sample(body, tmp_path, metadata=metadata)
    assert out["good"] == "valid: Submission is valid."
    assert out["bad"].startswith("invalid: ")
    assert out["missing"] == f"invalid: no file at {tmp_path / 'none.csv'}"
    assert out["no_competition"].startswith("invalid: could not validate")


def test_resources_report(tmp_path: Path) -> None:
    ctx = ToolContext(user=None, jobs_dir=str(tmp_path / "jobs"), metadata={"hardware": {"gpus": 0, "cpus": 2}})

    async def body(out: dict[str, Any]) -> None:
        out["report"] = await resources(ctx)()

    report = run_in_sample(body, tmp_path)["report"]
    for part in (
        "GPU:",
        "CPU:",
        "RAM:",
        "Disk:",
        "Allocated to this run: gpus=0, cpus=2",
        "Jobs: 0 running",
        "left of",
    ):
        assert part in report
