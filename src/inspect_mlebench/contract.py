"""The contract every competition must pass, runnable on any registered competition (the package's or a user's):
synthetic data prepares, the sample submission is valid, the gold submission scores the metric's best, no public
file carries the answers, and broken submissions are refused with a one-line reason.

`tests/competitions/test_competitions.py` runs it for every implemented competition; `inspect-mlebench check -c ID`
runs it for one, so a user adding a competition gets the same verdict without the project's test suite.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from inspect_mlebench.config import Competition, get_competition
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic, public_sample_submission
from inspect_mlebench.grading.grader import grade, is_best_score

BROKEN_KINDS = ("missing_column", "wrong_ids", "too_few_rows", "nan", "random_bytes")


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def read_sample(comp: Competition, data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / comp.id / public_sample_submission(comp), dtype=str, keep_default_na=False)


def broken_submission(kind: str, sample: pd.DataFrame, comp: Competition) -> pd.DataFrame | bytes:
    """A copy of the sample submission broken in one way (see BROKEN_KINDS)."""
    id_col = comp.grading.id_column or str(sample.columns[0])
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
    raise ValueError(f"unknown kind of broken submission: {kind}")


def _first_target_all_blank(sample: pd.DataFrame, comp: Competition) -> bool:
    """Whether the column the 'nan' kind blanks is empty in every row of the sample (read as text, no NA parsing),
    as where a blank prediction is a valid answer (e.g. 'no answer' in question answering)."""
    id_col = comp.grading.id_column or str(sample.columns[0])
    targets = [c for c in sample.columns if c != id_col]
    return bool(targets) and bool((sample[targets[0]] == "").all())


def _gold_has_blanks(comp: Competition, data_dir: Path) -> int:
    """How many cells of the column the 'nan' kind blanks are blank in the gold submission: where a perfect
    submission holds blanks (an empty mask in run-length segmentation), a blank is a valid answer, not a broken one."""
    gold_path = data_dir / comp.id / "prepared" / "private" / GOLD_SUBMISSION
    if not gold_path.is_file():
        return 0
    gold = pd.read_csv(gold_path, dtype=str, keep_default_na=False)
    id_col = comp.grading.id_column or str(gold.columns[0])
    targets = [c for c in gold.columns if c != id_col]
    return int((gold[targets[0]] == "").sum()) if targets else 0


def write_submission(content: pd.DataFrame | bytes, path: Path) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        content.to_csv(path, index=False)
    return path


def check_broken(comp: Competition, data_dir: Path, kind: str, work: Path) -> Check:
    """Strict grading refuses it with one line; default (upstream) grading refuses it too, or, where upstream's
    grader lets it through, scores it with a warning that says what is wrong."""
    sample = read_sample(comp, data_dir)
    if kind == "nan" and _first_target_all_blank(sample, comp):
        # blanking cells that are blank already writes the sample itself, which check_sample grades: nothing to test
        return Check(f"broken:{kind}", True, "not applicable: the sample's predictions are blank already")
    if kind == "nan" and (blanks := _gold_has_blanks(comp, data_dir)):
        return Check(f"broken:{kind}", True, f"not applicable: a blank is a valid answer (the gold has {blanks})")
    path = write_submission(broken_submission(kind, sample, comp), work / f"{kind}.csv")
    strict = grade(comp.id, path, data_dir, mode="strict")
    if strict.valid_submission or not strict.invalid_reason or "\n" in strict.invalid_reason:
        return Check(f"broken:{kind}", False, f"strict grading accepted it (score {strict.score})")
    default = grade(comp.id, path, data_dir)
    if default.valid_submission and not default.warnings:
        return Check(f"broken:{kind}", False, f"graded valid ({default.score}) with no warning")
    detail = f"invalid: {strict.invalid_reason}"
    if default.valid_submission:
        detail = f"scored {default.score} as upstream does, warning: {default.warnings[0]}; strict: {detail}"
    return Check(f"broken:{kind}", True, detail)


def check_sample(comp: Competition, data_dir: Path) -> Check:
    report = grade(comp.id, data_dir / comp.id / public_sample_submission(comp), data_dir)
    return Check("sample valid", report.valid_submission, report.invalid_reason or f"score {report.score}")


def check_gold(comp: Competition, data_dir: Path) -> Check:
    report = grade(comp.id, data_dir / comp.id / "prepared" / "private" / GOLD_SUBMISSION, data_dir)
    if comp.grading.gold_below_best is not None and report.valid_submission and report.score is not None:
        # upstream's own gold cannot reach the metric's best (a recorded quirk): it must still beat the sample
        sample = grade(comp.id, data_dir / comp.id / public_sample_submission(comp), data_dir)
        beats = sample.score is None or (
            report.score < sample.score if comp.grading.is_lower_better else report.score > sample.score
        )
        detail = f"score {report.score} (below best as upstream's, known issue {comp.grading.gold_below_best})"
        return Check("gold best", beats, f"{detail}; sample {sample.score}")
    best = report.valid_submission and is_best_score(comp, report.score)
    return Check("gold best", best, report.invalid_reason or f"score {report.score}")


def check_answers_not_public(comp: Competition, data_dir: Path) -> Check:
    """No public CSV pairs a test id with a target column (the sample submission's dummy values aside)."""
    id_col, targets = comp.grading.id_column, list(comp.grading.target_columns)
    if id_col is None or not targets:
        return Check("answers not public", True, "skipped: custom grader without declared id/target columns")
    answers = pd.read_csv(data_dir / comp.id / comp.dataset.answers, dtype=str)
    test_ids = set(answers[id_col])
    sample_name = Path(public_sample_submission(comp)).name
    for csv in sorted((data_dir / comp.id / "prepared" / "public").rglob("*.csv")):
        if csv.name == sample_name:
            continue
        frame = pd.read_csv(csv, dtype=str)
        if id_col in frame.columns and set(targets) & set(frame.columns) and frame[id_col].isin(test_ids).any():
            return Check("answers not public", False, f"{csv.name} has labels for test ids")
    return Check("answers not public", True, "no public file labels a test id")


CheckFn = Callable[[Competition, Path], Check]
CHECKS: tuple[CheckFn, ...] = (check_sample, check_gold, check_answers_not_public)


def run_contract(competition_id: str, *, size: int = 120, seed: int = 0) -> list[Check]:
    """Every check on freshly generated synthetic data, in a temporary data dir."""
    comp = get_competition(competition_id)
    with tempfile.TemporaryDirectory(prefix=f"mlebench-check-{competition_id}-") as tmp:
        data_dir = Path(tmp) / "data"
        try:
            prepare_synthetic(comp.id, data_dir, seed=seed, size=size)
        except Exception as err:  # the verdict for a competition that cannot even be prepared
            return [Check("synthetic data prepares", False, f"{type(err).__name__}: {err}")]
        results = [Check("synthetic data prepares", True, f"seed {seed}, size {size}")]
        results += [check(comp, data_dir) for check in CHECKS]
        work = Path(tmp) / "broken"
        work.mkdir()
        results += [check_broken(comp, data_dir, kind, work) for kind in BROKEN_KINDS]
    return results
