"""Evidence collection on its own, in Inspect's local sandbox: what is kept, what is left out and why, the caps, and
that re-scoring a log without a sandbox keeps what the run saved."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval, score
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver

from inspect_mlebench.integrity import evidence as ev
from inspect_mlebench.integrity.evidence import EVIDENCE_KEY, Evidence, _paths_run, keep_evidence, load_evidence


@solver
def _collect(code_dir: str, ran: list[str], out: dict[str, Any]) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        out["evidence"] = await ev.collect_evidence([code_dir], ran)
        return state

    return solve


def _collect_in_sandbox(tmp_path: Path, code_dir: Path, ran: list[str]) -> Evidence:
    out: dict[str, Any] = {}
    task = Task(dataset=[Sample(input="x")], solver=_collect(str(code_dir), ran, out), sandbox="local")
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    result = out["evidence"]
    assert isinstance(result, Evidence)
    return result


def test_text_kept_binary_and_data_left_out_caps_applied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ev, "MAX_FILE_BYTES", 100)
    monkeypatch.setattr(ev, "MAX_TOTAL_BYTES", 200)
    one_by_one: list[str] = []  # files read on their own; the small ones come in one batch
    read_head = ev._read_head

    async def spy(path: str) -> bytes:
        one_by_one.append(Path(path).name)
        return await read_head(path)

    monkeypatch.setattr(ev, "_read_head", spy)
    code = tmp_path / "code"
    (code / "pkg" / "__pycache__").mkdir(parents=True)
    (code / "train.py").write_text("print('train')\n")
    (code / "big.py").write_text("a" + "é" * 200)  # 401 bytes; the 100-byte cut halves a two-byte character
    (code / "notes.md").write_text("# notes\n")
    (code / "preds.csv").write_text("id,y\n1,0\n")
    (code / "weights.json").write_bytes(b"{\0\0}")
    (code / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"\0")
    (code / "pkg" / "deep.py").write_text("y = 2\n" * 20)  # 120 bytes: over the total by now
    elsewhere = tmp_path / "elsewhere.py"
    elsewhere.write_text("print('ran')\n")
    evidence = _collect_in_sandbox(tmp_path, code, [str(elsewhere), str(tmp_path / "gone.py")])

    kept = {f.path: f for f in evidence.files}
    assert set(kept) == {str(code / n) for n in ("train.py", "big.py", "notes.md")} | {str(elsewhere)}
    assert kept[str(code / "big.py")].truncated
    assert kept[str(code / "big.py")].text == "a" + "é" * 49 + "\ufffd"
    assert kept[str(elsewhere)].source == "ran"
    reasons = {Path(o.path).name: o.reason for o in evidence.left_out}
    assert reasons["preds.csv"] == "not a code or text file type"
    assert reasons["weights.json"] == "binary content"
    assert reasons["deep.py"].startswith("total cap reached")
    assert reasons["gone.py"].startswith("ran by the agent but gone")
    assert "m.cpython-311.pyc" not in reasons  # __pycache__ is not looked into at all
    assert evidence.errors == []
    assert one_by_one == ["big.py"]


def test_a_missing_code_dir_is_an_error_not_a_crash(tmp_path: Path) -> None:
    evidence = _collect_in_sandbox(tmp_path, tmp_path / "nowhere", [])
    assert evidence.files == []
    assert evidence.errors == [f"{tmp_path / 'nowhere'}: no such directory in the sandbox"]


def test_scripts_run_from_commands() -> None:
    assert _paths_run("cd /opt/work && python train.py --fold 1") == ["/opt/work/train.py"]
    assert _paths_run("python3 -u /srv/a.py; bash /srv/run.sh x") == ["/srv/a.py", "/srv/run.sh"]
    assert _paths_run("python -c 'print(1)'; ls a.py; python rel.py") == []  # no cwd known for rel.py


@solver
def _idle() -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        return state  # no model call: the agent "ran" and left its code

    return solve


@scorer(metrics=[])
def _keep_only() -> Scorer:
    async def run(state: TaskState, target: Target) -> Score:
        saved = await keep_evidence(state)
        return Score(value=0 if saved is None else 1)

    return run


def test_rescoring_without_a_sandbox_keeps_the_saved_evidence(tmp_path: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    (code / "train.py").write_text("print(1)\n")
    task = Task(
        dataset=[Sample(input="x", metadata={"code_dir": str(code)})],
        solver=_idle(),
        scorer=_keep_only(),
        sandbox="local",
    )
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    first = read_eval_log(log.location).samples or []
    saved = load_evidence(first[0].store)
    assert saved is not None
    assert [f.text for f in saved.files] == ["print(1)\n"]
    rescored = score(read_eval_log(log.location), scorers=[_keep_only()], action="overwrite", display="none")
    [sample] = rescored.samples or []
    assert next(iter((sample.scores or {}).values())).value == 0  # no sandbox: nothing collected ...
    assert sample.store[EVIDENCE_KEY] == first[0].store[EVIDENCE_KEY]  # ... and what the run saved is kept
