"""Shared scaffolding of the per-family upstream-parity tests: each case is a mutation of the gold submission with
upstream's score measured on exactly that file (None: upstream refuses it) and whether this project warns."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from inspect_mlebench.config import get_competition
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
from inspect_mlebench.grading import grade

Mutation = Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]  # (gold, answers), both read as text -> submission


def prepare_all(root: Path, competition_ids: Iterable[str], size: int) -> Path:
    for cid in sorted(set(competition_ids)):
        prepare_synthetic(cid, root, seed=0, size=size)
    return root


def read_text(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def write_case(mutation: Mutation, cid: str, case: str, data_dir: Path, out: Path) -> Path:
    """The case's submission file: `mutation` applied to the gold submission (answers given too, as text; empty for
    answers that are not CSV)."""
    answers_file = data_dir / cid / get_competition(cid).dataset.answers
    answers = read_text(answers_file) if answers_file.suffix == ".csv" else pd.DataFrame()
    path = out / f"{cid}-{case}.csv"
    mutation(read_text(data_dir / cid / "prepared" / "private" / GOLD_SUBMISSION), answers).to_csv(path, index=False)
    return path


def same_score(score: float | None, expected: float | None) -> bool:
    """Equal scores, NaN equal to NaN (upstream reports NaN scores as valid)."""
    if score is None or expected is None:
        return score is expected
    return (math.isnan(score) and math.isnan(expected)) or score == expected


def assert_grades_as_upstream(cid: str, path: Path, data_dir: Path, expected: float | None, lenient: bool) -> None:
    """Default mode scores as upstream (with a warning exactly when `lenient`); strict mode refuses the lenient
    cases with one line and agrees with upstream elsewhere."""
    report = grade(cid, path, data_dir)
    assert same_score(report.score, expected), (report.score, report.invalid_reason)
    assert bool(report.warnings) is lenient, report.warnings
    strict = grade(cid, path, data_dir, mode="strict")
    if lenient:
        assert not strict.valid_submission
        assert strict.invalid_reason
        assert "\n" not in strict.invalid_reason
    else:
        assert same_score(strict.score, expected), strict.invalid_reason
    if expected is None:
        assert report.invalid_reason
        assert "\n" not in report.invalid_reason
