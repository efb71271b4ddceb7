"""Score over time: the agents' submissions kept on the host during the run and graded by the scorer afterwards.

Whole runs use the real agent loops on Inspect's local sandbox with scripted models (mle_react: tests/scripted_react.py,
aide: tests/scripted_aide.py) and the real scorer; the curve is read back from the log.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.log import EvalLog

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.scoring.candidates import CANDIDATES_KEY, Candidate, CandidateArchive
from inspect_mlebench.scoring.score_over_time import CURVE_KEY, build_curve, checkpoints, choose
from inspect_mlebench.scoring.scorer import mlebench_scorer
from inspect_mlebench.solvers.aide import Journal, aide
from inspect_mlebench.solvers.aide.agent import STORE_KEY
from inspect_mlebench.solvers.mle_react import mle_react
from scripted_aide import ScriptedAide  # noqa: F401  (registers aide_scripted/*)
from scripted_react import ScriptLog, Step, scripted_model

CID = "spaceship-titanic"


def cand(label: str, t: float, valid: bool | None = True, **kw: Any) -> Candidate:
    return Candidate(label=label, elapsed_s=t, sha256=label * 8, size=1, valid=valid, kept=True, **kw)


# --- the selection rules replayed ---------------------------------------------------------------------------------


def test_choose_follows_each_policy() -> None:
    seen = [cand("a", 1), cand("b", 2, valid=False)]
    assert choose(seen, "last") is seen[1]
    assert choose(seen, "last_valid") is seen[0]
    assert choose([cand("x", 1, valid=None)], "last_valid") is not None  # nothing valid: the newest
    nodes = [
        cand("n0", 1, own_metric=0.5, lower_is_better=False),
        cand("n1", 2, own_metric=0.9, lower_is_better=False, eligible=False),  # buggy: never picked
        cand("n2", 3, own_metric=0.7, lower_is_better=False),
        cand("n3", 4, own_metric=0.7, lower_is_better=False),  # a tie: the earlier one stays
    ]
    assert choose(nodes, "best_own_metric") is nodes[2]
    lower = [cand("l", 1, own_metric=2.0, lower_is_better=True), cand("m", 2, own_metric=1.0, lower_is_better=True)]
    assert choose(lower, "best_own_metric") is lower[1]
    assert choose([], "best_own_metric") is None
    with pytest.raises(ValueError, match="unknown selection policy"):
        choose(seen, "best")


def test_checkpoints_use_tenths_and_whole_hours() -> None:
    points = checkpoints(3 * 3600)
    labels = [label for _, label in points]
    assert labels[0] == "10%"
    assert "1h" in labels
    assert "2h" in labels
    assert labels[-1] == "100% (3h)"
    assert [at for at, _ in points] == sorted(at for at, _ in points)
    expected = ["10%", "20%", "25%", "30%", "40%", "50%", "60%", "70%", "75%", "80%", "90%", "100%"]
    assert [label for _, label in checkpoints(60)] == expected


def test_curve_replays_the_policy_and_keeps_the_oracle_apart(tmp_path: Path) -> None:
    scores = {"a": 0.5, "b": 0.9, "c": 0.7}
    for key in scores:
        (tmp_path / f"{key * 8}.csv").write_text(key)
    record = {
        "policy": "last",
        "dir": str(tmp_path),
        "candidates": [vars(cand("a", 10)), vars(cand("b", 50)), vars(cand("c", 90))],
    }

    def grader(path: Path) -> dict[str, Any]:
        s = scores[path.read_text()]
        return {"score": s, "valid_submission": True, "any_medal": s > 0.8, "gold_medal": s > 0.8, "percentile": s}

    final = {"score": 0.7, "valid_submission": True, "is_lower_better": False, "any_medal": False}
    curve = build_curve(record, final, None, 100.0, grader)
    by_at = {p["at"]: p for p in curve["checkpoints"]}
    assert by_at["10%"]["selected"] == "a"
    assert by_at["10%"]["score"] == 0.5
    assert by_at["50%"]["selected"] == "b"
    assert by_at["50%"]["medal"] == "gold"
    assert by_at["100%"]["selected"] == "c"
    assert by_at["100%"]["score"] == 0.7  # what the run ended with ...
    assert by_at["100%"]["best_so_far"] == 0.9  # ... and the oracle, kept apart
    assert [c["score"] for c in curve["candidates"]] == [0.5, 0.9, 0.7]
    assert [(p["at_s"], p["selected"], p["best_so_far"]) for p in curve["changes"]] == [
        (10, "a", 0.5),
        (50, "b", 0.9),
        (90, "c", 0.9),
    ]
    assert "selection=last" in curve["rule"]


def test_archive_dedupes_and_stops_copying_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    stored: dict[str, Any] = {}

    class FakeStore:
        def set(self, key: str, value: Any) -> None:
            stored[key] = value

    monkeypatch.setattr("inspect_mlebench.scoring.candidates.store", FakeStore)
    archive = CandidateArchive("last", max_files=2, max_bytes=10_000)
    archive.add(b"one", label="1", elapsed_s=1, valid=True)
    archive.add(b"one", label="2", elapsed_s=2, valid=True)  # same bytes: one copy
    archive.add(b"two", label="3", elapsed_s=3, valid=True)
    third = archive.add(b"three", label="4", elapsed_s=4, valid=False)
    unread = archive.add(None, label="5", elapsed_s=5, valid=None, sha256="f" * 64)
    assert len(list(archive.dir.iterdir())) == 2
    assert not third.kept
    assert "past the bound of 2 files" in third.note
    assert not unread.kept
    assert "could not be read" in unread.note
    assert [c["label"] for c in stored[CANDIDATES_KEY]["candidates"]] == ["1", "2", "3", "4", "5"]
    with pytest.raises(ValueError, match="needs its bytes"):
        archive.add(None, label="6", elapsed_s=6, valid=None)
    shutil.rmtree(archive.dir)


# --- whole runs -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def data_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sot-data")
    prepare_synthetic(CID, root, size=120)
    return root


def curve_of(log: EvalLog) -> dict[str, Any]:
    assert log.status == "success", log.error
    assert log.samples
    score = next(iter(log.samples[0].scores.values())) if log.samples[0].scores else None
    assert score is not None
    assert score.metadata is not None
    return dict(score.metadata[CURVE_KEY])


def test_mle_react_run_logs_the_curve_of_its_snapshots(data_root: Path, tmp_path: Path) -> None:
    public = data_root / CID / "prepared" / "public"
    gold = data_root / CID / "prepared" / "private" / "gold_submission.csv"
    sub = tmp_path / "submission" / "submission.csv"
    sub.parent.mkdir(parents=True)
    most = pd.read_csv(gold)  # the answers with a tenth of them flipped: better than the sample, worse than gold
    most.loc[: len(most) // 10, "Transported"] = ~most.loc[: len(most) // 10, "Transported"].astype(bool)
    most.to_csv(tmp_path / "most.csv", index=False)
    steps = [
        Step("bash", {"command": f"cp {public / 'sample_submission.csv'} {sub}"}),
        Step("bash", {"command": f"sleep 2; cp {tmp_path / 'most.csv'} {sub}"}),
        Step("bash", {"command": f"sleep 2; cp {gold} {sub}"}),
        Step("bash", {"command": f"sleep 2; echo broken > {sub}"}),  # last_valid keeps the gold one
        Step("submit", {"answer": "", "confirm": True}),
    ]
    metadata = {"competition_id": CID, "data_dir": str(data_root), "submission_path": str(sub), "time_limit_s": 20}
    task = Task(
        dataset=[Sample(input="Solve the competition.", id=CID, metadata=metadata)],
        solver=mle_react(user=None, jobs_dir=str(tmp_path / "jobs"), text_editor=False, min_submit_share=0.0),
        scorer=mlebench_scorer(submission_path=str(sub)),
        sandbox="local",
        time_limit=20,
    )
    [log] = eval(task, model=scripted_model(steps, ScriptLog()), log_dir=str(tmp_path / "logs"), display="none")
    curve = curve_of(log)
    assert curve["policy"] == "last_valid"
    assert curve["budget_s"] == 20
    rows = curve["candidates"]
    assert [r["label"] for r in rows] == [f"snapshot #{k}" for k in (1, 2, 3, 4)]
    assert [r["agent_check_valid"] for r in rows] == [True, True, True, False]
    assert [r["valid_submission"] for r in rows] == [True, True, True, False]
    assert all(r["graded"] for r in rows)
    assert rows[2]["score"] == 1.0  # the gold file
    assert rows[0]["score"] < rows[1]["score"] < 1.0
    assert [r["elapsed_s"] for r in rows] == sorted(r["elapsed_s"] for r in rows)
    assert rows[3]["elapsed_s"] - rows[0]["elapsed_s"] >= 5.5

    # the curve replays last_valid: the score steps up as later valid snapshots appear and ends at the gold one
    points = curve["checkpoints"]
    assert [p["at"] for p in points][-1] == "100%"
    ended = [p["score"] for p in points if p["score"] is not None]
    assert ended == sorted(ended)
    assert points[-1]["selected"] == "snapshot #3"
    assert points[-1]["score"] == 1.0
    assert points[-1]["best_so_far"] == 1.0
    assert curve["final"]["score"] == 1.0  # the graded submission is the one the policy restored
    for p in points:  # a checkpoint sees only what existed by then
        seen = [r for r in rows if r["elapsed_s"] <= p["at_s"]]
        assert p["selected"] == (max((r for r in seen if r["agent_check_valid"]), key=lambda r: r["elapsed_s"],
                                     default=seen[-1] if seen else None) or {}).get("label")  # fmt: skip
    # the host copies are gone once graded
    assert log.samples
    assert not Path(log.samples[0].store[CANDIDATES_KEY]["dir"]).exists()


def test_aide_run_logs_the_curve_of_its_nodes(data_root: Path, tmp_path: Path) -> None:
    public = data_root / CID / "prepared" / "public"
    dirs: dict[str, Any] = {
        "data_dir": str(public),
        "submission_dir": str(tmp_path / "submission"),
        "code_dir": str(tmp_path / "code"),
        "logs_dir": str(tmp_path / "logs"),
        "user": None,
        "python": sys.executable,
    }
    agent = aide(num_drafts=2, max_steps=6, seed=0, stop_margin_s=5, **dirs)
    metadata = {"time_limit_s": 600, "competition_id": CID, "data_dir": str(data_root)}
    task = Task(
        dataset=[Sample(id=CID, input="Predict Transported; accuracy is the metric.", metadata=metadata)],
        solver=agent,
        scorer=mlebench_scorer(submission_path=str(tmp_path / "submission" / "submission.csv")),
        sandbox="local",
    )
    [log] = eval(
        task,
        model="aide_scripted/coder",
        model_roles={"feedback": "aide_scripted/reviewer"},
        display="none",
        log_dir=str(tmp_path / "logs-eval"),
    )
    curve = curve_of(log)
    assert log.samples
    journal = Journal.model_validate(log.samples[0].store[STORE_KEY])
    with_files = [n for n in journal.nodes if n.has_submission]
    rows = curve["candidates"]
    assert curve["policy"] == "best_own_metric"
    assert [r["label"] for r in rows] == [n.id for n in with_files]
    assert [r["own_metric"] for r in rows] == [n.metric for n in with_files]
    assert [r["sha256"] for r in rows] == [(n.submission_sha256 or "")[:16] for n in with_files]
    # the node AIDE finally picked is what the curve ends on, graded like the final submission
    final_points = [p for p in curve["checkpoints"] if p["at"] == "100%"]
    assert final_points[0]["selected"] == journal.best_id
    assert final_points[0]["score"] == curve["final"]["score"]
    graded = (tmp_path / "submission" / "submission.csv").read_bytes()
    assert hashlib.sha256(graded).hexdigest() == journal.get(journal.best_id or "").submission_sha256
    # the format-failing node was graded invalid, and never selected
    bad = [r for r in rows if r["agent_check_valid"] is False]
    assert bad
    assert all(r["valid_submission"] is False for r in bad)
    assert all(p["selected"] != bad[0]["label"] for p in curve["checkpoints"])
