"""mle_react: the final-selection policy, the submit gate, and whole runs in the local sandbox with a scripted
model (jobs across turns, an early submit refused then accepted, snapshots with validation, clamped timeouts)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog
from inspect_ai.model import ChatMessageTool

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.solvers.mle_react import RUN_KEY, make_compaction, mle_react, submit_decision
from inspect_mlebench.solvers.snapshots import SELECTION_KEY, Snapshot, keep_set, select_snapshot
from inspect_mlebench.solvers.store_keys import SNAPSHOTS_KEY
from scripted_react import ScriptLog, Step, scripted_model

CID = "spaceship-titanic"


def snap(index: int, valid: bool | None) -> Snapshot:
    return Snapshot(index, float(index), "t", f"sha{index}", 10, valid, "r", "turn")


# --- final-selection policy -------------------------------------------------------------------------------------


def test_select_last_takes_the_newest_whatever_its_state() -> None:
    history = [snap(1, True), snap(2, False)]
    chosen = select_snapshot(history, "last")
    assert chosen is not None
    assert chosen.index == 2


def test_select_last_valid_skips_invalid_overwrites() -> None:
    history = [snap(1, True), snap(2, True), snap(3, False), snap(4, None)]
    chosen = select_snapshot(history, "last_valid")
    assert chosen is not None
    assert chosen.index == 2


def test_select_last_valid_falls_back_to_the_newest_without_any_valid() -> None:
    history = [snap(1, False), snap(2, None)]
    chosen = select_snapshot(history, "last_valid")
    assert chosen is not None
    assert chosen.index == 2


def test_select_with_no_snapshots_and_bad_policy() -> None:
    assert select_snapshot([], "last") is None
    assert select_snapshot([], "last_valid") is None
    with pytest.raises(ValueError, match="unknown selection policy"):
        select_snapshot([snap(1, True)], "best")


def test_only_selectable_copies_are_kept() -> None:
    assert keep_set([]) == set()
    assert keep_set([snap(1, True), snap(2, True), snap(3, False)]) == {2, 3}
    assert keep_set([snap(1, False), snap(2, False)]) == {2}
    assert keep_set([snap(1, False), snap(2, True)]) == {2}


# --- submit gate ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "early", "confirm", "has_valid", "accepted", "why"),
    [
        ("gated", True, False, True, False, "early"),
        ("gated", True, False, False, False, "early"),
        ("gated", True, True, True, True, "confirmed"),
        ("gated", True, True, False, False, "early_no_valid"),
        ("gated", False, False, True, True, "accepted"),
        ("gated", False, False, False, False, "no_valid"),
        ("gated", False, True, False, True, "gave_up"),
        ("free", True, False, False, True, "accepted"),
    ],
)
def test_submit_decision(mode: str, early: bool, confirm: bool, has_valid: bool, accepted: bool, why: str) -> None:
    assert submit_decision(mode, early, confirm, has_valid) == (accepted, why)


def test_parameters_are_checked_up_front() -> None:
    with pytest.raises(ValueError, match="submit mode"):
        mle_react(submit="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="selection policy"):
        mle_react(selection="best")
    with pytest.raises(ValueError, match="compaction"):
        mle_react(compaction="magic")
    assert make_compaction("none", 0.9) is None
    assert type(make_compaction("trim", 0.5)).__name__ == "CompactionTrim"


# --- whole runs in the local sandbox ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("react-data")
    prepare_synthetic(CID, root, size=120)
    return root


def run_local(
    data_dir: Path, work: Path, steps: list[Step], time_limit: int = 120, **params: Any
) -> tuple[EvalLog, ScriptLog, Path]:
    submission = work / "submission" / "submission.csv"
    submission.parent.mkdir(parents=True, exist_ok=True)
    metadata = {
        "competition_id": CID,
        "data_dir": str(data_dir),
        "submission_path": str(submission),
        "time_limit_s": time_limit,
    }
    agent = mle_react(user=None, jobs_dir=str(work / "jobs"), text_editor=False, **params)
    task = Task(
        dataset=[Sample(input="Solve the competition.", id=CID, metadata=metadata)],
        solver=agent,
        sandbox="local",
        time_limit=time_limit,
    )
    log = ScriptLog()
    logs = eval(task, model=scripted_model(steps, log), log_dir=str(work / "logs"), display="none")
    return logs[0], log, submission


def answers_for(log: EvalLog, tool: str) -> list[str]:
    """The tool's answers as the conversation in the log holds them (status lines included)."""
    assert log.samples is not None
    return [m.text for m in log.samples[0].messages if isinstance(m, ChatMessageTool) and m.function == tool]


def test_job_submit_and_snapshots_in_one_run(data_dir: Path, tmp_path: Path) -> None:
    sample_csv = data_dir / CID / "prepared" / "public" / "sample_submission.csv"
    sub = tmp_path / "submission" / "submission.csv"
    steps = [
        Step("bash", {"command": "echo hello"}),
        Step("job_start", {"command": f"echo start; sleep 2; cp {sample_csv} {sub}; echo wrote", "name": "train"}),
        Step("job_status", {}, until="finished", delay_s=0.3),
        Step("job_logs", {"job_id": "001-train"}),
        Step("validate_submission", {}),
        Step("submit", {"answer": "first try"}),
        Step("bash", {"command": f"echo broken > {sub}"}),
        Step("validate_submission", {"path": str(sub)}),
        Step("resources", {}),
        Step("submit", {"answer": "done", "confirm": True}),
    ]
    log, script, submission = run_local(data_dir, tmp_path, steps, min_submit_share=0.5)
    assert log.status == "success", log.error
    assert log.samples is not None
    sample = log.samples[0]

    # the job ran across turns: seen running, then finished, with its output readable
    statuses = answers_for(log, "job_status")
    assert "running" in statuses[0]
    assert "finished" in statuses[-1]
    assert len(statuses) >= 2
    assert "wrote" in answers_for(log, "job_logs")[0]

    # a clamped timeout is reported, and each turn carries the status line
    assert "timeout clamped to" in answers_for(log, "bash")[0]
    assert all("[status] time:" in text for _, text in script.answers)  # what the model read, turn by turn

    # validation: first valid, then the overwrite invalid
    assert [a.split(":")[0] for a in answers_for(log, "validate_submission")] == ["valid", "invalid"]

    # submit refused early, then accepted with confirm (a valid snapshot exists under last_valid)
    first, second = answers_for(log, "submit")
    assert "refused" in first
    assert "confirm=true" in first
    assert "accepted" in second

    # snapshot history with validation results; the valid one is selected and restored
    snaps = sample.store[SNAPSHOTS_KEY]
    assert [(s["index"], s["valid"]) for s in snaps] == [(1, True), (2, False)]
    assert [s["selected"] for s in snaps] == [True, False]
    selection = sample.store[SELECTION_KEY]
    assert selection["policy"] == "last_valid"
    assert selection["restored"] is True
    assert submission.read_bytes() == sample_csv.read_bytes()
    run = sample.store[RUN_KEY]
    assert run["ended_by"] == "submit"
    assert [c["why"] for c in run["submit_calls"]] == ["early", "confirmed"]

    # the transcript carries the snapshots and the selection
    sources = [getattr(e, "source", None) for e in sample.events]
    assert sources.count("mle_react: submission snapshot") == 2
    assert "mle_react: final selection" in sources

    # the tools the model was offered
    assert set(script.tool_names) == {
        "bash",
        "python",
        "validate_submission",
        "job_start",
        "job_status",
        "job_logs",
        "job_kill",
        "resources",
        "submit",
    }


def test_last_policy_keeps_the_invalid_overwrite(data_dir: Path, tmp_path: Path) -> None:
    sample_csv = data_dir / CID / "prepared" / "public" / "sample_submission.csv"
    sub = tmp_path / "submission" / "submission.csv"
    steps = [
        Step("bash", {"command": f"cp {sample_csv} {sub}"}),
        Step("bash", {"command": f"echo broken > {sub}"}),
        Step("submit", {"answer": ""}),  # early, no confirm: refused
        Step("submit", {"answer": "", "confirm": True}),  # early with nothing valid under `last`: refused
        Step("bash", {"command": f"cp {sample_csv} {sub}"}),
        Step("job_start", {"command": "sleep 300", "name": "still-running"}),
        Step("submit", {"answer": "", "confirm": True}),
    ]
    log, _script, submission = run_local(data_dir, tmp_path, steps, selection="last")
    assert log.status == "success", log.error
    assert log.samples is not None
    submits = answers_for(log, "submit")
    assert "refused" in submits[0]
    assert "refused" in submits[1]
    assert "no valid submission" in submits[1]
    assert "accepted" in submits[2]
    store = log.samples[0].store
    assert [s["valid"] for s in store[SNAPSHOTS_KEY]] == [True, False, True]
    assert store[SELECTION_KEY]["restored"] is False
    assert store[RUN_KEY]["jobs_stopped"] == ["001-still-running"]  # nothing may rewrite the file after selection
    assert (tmp_path / "jobs" / "001-still-running" / "killed").exists()
    assert submission.read_bytes() == sample_csv.read_bytes()


def test_time_limit_ends_the_run_with_jobs_stopped_and_selection_done(data_dir: Path, tmp_path: Path) -> None:
    sample_csv = data_dir / CID / "prepared" / "public" / "sample_submission.csv"
    sub = tmp_path / "submission" / "submission.csv"
    steps = [
        Step("python", {"code": f"import shutil; shutil.copy({str(sample_csv)!r}, {str(sub)!r}); print('ok')"}),
        Step("job_start", {"command": "sleep 300", "name": "long"}),
        Step("bash", {"command": "sleep 300"}),  # clamped to the few seconds left, then the run ends
    ]
    log, script, submission = run_local(data_dir, tmp_path, steps, time_limit=12, submit="none", reserve_s=3)
    assert log.status == "success", log.error
    assert log.samples is not None
    store = log.samples[0].store
    run = store[RUN_KEY]
    assert run["ended_by"] == "time limit"
    # the job never outlives the budget: stopped by its clamped timeout or by the final clean-up
    job_dir = tmp_path / "jobs" / "001-long"
    assert (job_dir / "exit_code").exists() or (job_dir / "killed").exists()
    assert store[SELECTION_KEY]["selected"]["valid"] is True
    assert submission.read_bytes() == sample_csv.read_bytes()
    assert "submit" not in script.tool_names
    # the job's own timeout was clamped below the 12 s budget
    assert "stopped after" in answers_for(log, "job_start")[0]


def test_compaction_keeps_long_runs_within_the_window(data_dir: Path, tmp_path: Path) -> None:
    chatty = Step("bash", {"command": "seq 1 1500"})  # ~2k tokens of output per turn
    steps = [chatty] * 8 + [Step("submit", {"answer": "", "confirm": True})]
    log, _, _ = run_local(
        data_dir, tmp_path, steps, submit="free", compaction="edit", compaction_threshold=8000, reminder_every=0
    )
    assert log.status == "success", log.error
    assert log.samples is not None
    sample = log.samples[0]
    compactions = [e for e in sample.events if e.event == "compaction"]
    assert compactions, "no compaction happened"
    assert not [e for e in sample.events if e.event == "info" and "Compaction failed" in str(e.data)]
    sent = [e.output.usage.input_tokens for e in sample.events if e.event == "model" and e.output.usage]
    assert sent[-1] < 8000 < 8 * 1650  # the model's input stayed under the threshold
    # the log keeps the full conversation; only the model's input was compacted
    assert len([m for m in sample.messages if isinstance(m, ChatMessageTool)]) == 9


def test_wrapup_phase_is_announced_and_blocks_new_jobs(data_dir: Path, tmp_path: Path) -> None:
    steps = [
        Step("bash", {"command": "sleep 3"}),  # 3 s of a 20 s budget: past the 10% mark, into the wrap-up
        Step("job_start", {"command": "sleep 60", "name": "late"}),
        Step("submit", {"answer": "", "confirm": True}),
    ]
    log, _, _ = run_local(data_dir, tmp_path, steps, time_limit=20, wrapup_share=0.9, reserve_s=1, submit="free")
    assert log.status == "success", log.error
    assert log.samples is not None
    users = [m.text for m in log.samples[0].messages if m.role == "user"]
    assert any(text.startswith("Wrap-up phase:") for text in users)
    assert "Not started: the run is in its wrap-up phase" in answers_for(log, "job_start")[0]
    assert "WRAP-UP" in answers_for(log, "job_start")[0]


def test_message_limit_is_an_optional_cost_guard(data_dir: Path, tmp_path: Path) -> None:
    steps = [Step("bash", {"command": "echo step"})] * 20
    custom = "Budget: {budget_text}. Keep dicts like {'a': 1} as they are."
    log, _, _ = run_local(data_dir, tmp_path, steps, message_limit=8, instructions=custom)
    assert log.status == "success", log.error
    assert log.samples is not None
    system = log.samples[0].messages[0]
    assert system.role == "system"
    assert system.text == "Budget: you have 2m 00s of wall-clock time in total. Keep dicts like {'a': 1} as they are."
    run = log.samples[0].store[RUN_KEY]
    assert run["ended_by"] == "message limit"
    assert SELECTION_KEY in log.samples[0].store  # the final selection still ran
