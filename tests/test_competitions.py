"""Per competition, on synthetic data: the contract of `inspect_mlebench.contract` (synthesize -> prepare -> the
sample valid, the gold best, no answers in public files, broken submissions refused).

Parametrised over every implemented competition.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from inspect_mlebench import contract, load_split
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.registry import Competition, competitions

READY = sorted(cid for cid, comp in competitions().items() if comp.implemented)


@pytest.fixture(scope="module", params=READY)
def prepared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Competition, Path]:
    comp = competitions()[request.param]
    data_dir = tmp_path_factory.mktemp(f"data-{comp.id}")
    prepare_synthetic(comp.id, data_dir, seed=0, size=120)
    return comp, data_dir


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda fn: fn.__name__)
def test_contract(prepared: tuple[Competition, Path], check: contract.CheckFn) -> None:
    result = check(*prepared)
    assert result.passed, f"{result.name}: {result.detail}"


@pytest.mark.parametrize("kind", contract.BROKEN_KINDS)
def test_broken_submission_is_refused(prepared: tuple[Competition, Path], kind: str, tmp_path: Path) -> None:
    result = contract.check_broken(*prepared, kind, tmp_path)
    assert result.passed, result.detail


def test_lite_and_dev_are_complete() -> None:
    targets = load_split("lite") + load_split("dev")
    missing = [cid for cid in targets if cid not in READY]
    assert not missing, f"grader/preparer/synthetic not done for: {', '.join(missing)}"


def test_contract_runs_whole_and_reports_a_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    results = contract.run_contract("spaceship-titanic", size=60)
    assert [r.name for r in results][:3] == ["synthetic data prepares", "sample valid", "gold best"]
    assert len(results) == 4 + len(contract.BROKEN_KINDS)
    assert all(r.passed for r in results), [r for r in results if not r.passed]
    # a grader that scores anything (here: always the sample submission) fails the broken-submission check
    comp = competitions()["spaceship-titanic"]
    data_dir = tmp_path / "data"
    prepare_synthetic(comp.id, data_dir, size=60)
    sample = data_dir / comp.id / "prepared" / "public" / "sample_submission.csv"
    from inspect_mlebench.grading.grader import grade as real_grade

    monkeypatch.setattr(contract, "grade", lambda cid, path, root, **kw: real_grade(cid, sample, root, **kw))
    result = contract.check_broken(comp, data_dir, "wrong_ids", tmp_path)
    assert not result.passed
    assert "strict grading accepted it" in result.detail
