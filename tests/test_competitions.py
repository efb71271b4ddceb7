"""Per competition, on synthetic data: synthesize -> prepare -> grade the sample, gold and broken submissions.

Parametrised over every competition whose grader, preparer and synthetic generator are all implemented.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench import competitions, load_split
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic, public_sample_submission
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.grader import is_best_score
from inspect_mlebench.registry import Competition

READY = sorted(cid for cid, comp in competitions().items() if all(comp.status.model_dump().values()))


@pytest.fixture(scope="module", params=READY)
def prepared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Competition, Path]:
    comp = competitions()[request.param]
    data_dir = tmp_path_factory.mktemp(f"data-{comp.id}")
    prepare_synthetic(comp.id, data_dir, seed=0, size=120)
    return comp, data_dir


def _sample(comp: Competition, data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / comp.id / public_sample_submission(comp), dtype=str, keep_default_na=False)


def test_sample_submission_is_valid(prepared: tuple[Competition, Path]) -> None:
    comp, data_dir = prepared
    report = grade(comp.id, data_dir / comp.id / public_sample_submission(comp), data_dir)
    assert report.valid_submission, report.invalid_reason
    assert report.submission_exists


def test_gold_submission_scores_best(prepared: tuple[Competition, Path]) -> None:
    comp, data_dir = prepared
    report = grade(comp.id, data_dir / comp.id / "prepared" / "private" / GOLD_SUBMISSION, data_dir)
    assert report.valid_submission, report.invalid_reason
    assert is_best_score(comp, report.score), report.score


def test_answers_never_in_public(prepared: tuple[Competition, Path]) -> None:
    """No public CSV carries a target column for a test id (the sample submission's dummy values aside)."""
    comp, data_dir = prepared
    id_col, targets = comp.grading.id_column, list(comp.grading.target_columns)
    if id_col is None or not targets:
        pytest.skip("custom grader without declared id/target columns")
    answers = pd.read_csv(data_dir / comp.id / comp.dataset.answers, dtype=str)
    test_ids = set(answers[id_col])
    sample_name = Path(public_sample_submission(comp)).name
    for csv in (data_dir / comp.id / "prepared" / "public").rglob("*.csv"):
        if csv.name == sample_name:
            continue
        frame = pd.read_csv(csv, dtype=str)
        if id_col in frame.columns and set(targets) & set(frame.columns):
            assert not frame[id_col].isin(test_ids).any(), f"{csv.name} has labels for test ids"


def _broken(kind: str, sample: pd.DataFrame, comp: Competition) -> pd.DataFrame | bytes:
    id_col = comp.grading.id_column or sample.columns[0]
    targets = [c for c in sample.columns if c != id_col]
    if kind == "missing_column":
        return sample.drop(columns=targets[-1])
    if kind == "wrong_ids":
        return sample.assign(**{id_col: [f"bogus-{i}" for i in range(len(sample))]})
    if kind == "too_few_rows":
        return sample.iloc[: len(sample) // 2]
    if kind == "nan":
        broken = sample.copy()
        broken.loc[broken.index[:3], targets[0]] = float("nan")
        return broken
    if kind == "random_bytes":
        return os.urandom(4096)
    raise AssertionError(kind)


# Broken kinds that upstream's own grader scores (measured with its grade functions): valid by default, with a
# warning, and invalid only in strict mode.
UPSTREAM_VALID = {
    ("detecting-insults-in-social-commentary", "missing_column"),  # drops Date, which upstream never reads
    ("nomad2018-predict-transparent-conductors", "wrong_ids"),  # scored by position; ids never read
}


@pytest.mark.parametrize("kind", ["missing_column", "wrong_ids", "too_few_rows", "nan", "random_bytes"])
def test_broken_submission_is_invalid(prepared: tuple[Competition, Path], kind: str, tmp_path: Path) -> None:
    comp, data_dir = prepared
    broken = _broken(kind, _sample(comp, data_dir), comp)
    path = tmp_path / "submission.csv"
    if isinstance(broken, bytes):
        path.write_bytes(broken)
    else:
        broken.to_csv(path, index=False)
    if (comp.id, kind) in UPSTREAM_VALID:
        lenient_report = grade(comp.id, path, data_dir)
        assert lenient_report.valid_submission, lenient_report.invalid_reason
        assert lenient_report.warnings
        report = grade(comp.id, path, data_dir, mode="strict")
    else:
        report = grade(comp.id, path, data_dir)
    assert not report.valid_submission, f"{kind} graded valid with score {report.score}"
    assert report.score is None
    assert report.invalid_reason
    assert "\n" not in report.invalid_reason


def test_lite_and_dev_are_complete() -> None:
    targets = load_split("lite") + load_split("dev")
    missing = [cid for cid in targets if cid not in READY]
    assert not missing, f"grader/preparer/synthetic not done for: {', '.join(missing)}"
