"""Default grading is valid exactly where upstream's grader is, with the same score; strict mode rejects what
upstream only lets through (declaratively graded competitions).

Every expected verdict and score below is a measured fact: these exact files (same synthetic data, same mutations)
were graded with upstream's own grade functions (openai/mle-bench at 783b15a), read as upstream's `grade_csv` reads
them, rounded to 5 decimals; an exception there means invalid. Covers the cases of the validity issue that concern
these competitions (float or padded ids, unknown/missing/duplicated taxi keys, class labels written as text or as
1e308, missing labels upstream counts as wrong) and the row-sum tolerance boundary of every competition that checks
row sums.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.config import get_competition
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
from inspect_mlebench.grading import grade

SIZE = 40
Frame = pd.DataFrame


def _ids(edit: Callable[[str], str]) -> Callable[[Frame, str, list[str]], Frame]:
    def mutate(gold: Frame, id_col: str, targets: list[str]) -> Frame:
        return gold.assign(**{id_col: [edit(x) for x in gold[id_col]]})

    return mutate


def _cell(row: int, column: int, value: str) -> Callable[[Frame, str, list[str]], Frame]:
    def mutate(gold: Frame, id_col: str, targets: list[str]) -> Frame:
        out = gold.copy()
        out.loc[out.index[row], targets[column]] = value
        return out

    return mutate


def _shift_row_sum(delta: float) -> Callable[[Frame, str, list[str]], Frame]:
    """Row 0's probabilities moved off 1 by `delta`: added to its smallest cell (delta > 0) or taken from its largest
    (delta < 0), so every value stays in [0, 1] and only the row sum is wrong."""

    def mutate(gold: Frame, id_col: str, targets: list[str]) -> Frame:
        out = gold.copy()
        row = out.loc[out.index[0], targets].astype(float)
        col = row.idxmin() if delta > 0 else row.idxmax()
        out.loc[out.index[0], col] = repr(float(row[col]) + delta)
        return out

    return mutate


def _keys(edit: Callable[[Frame, str], Frame]) -> Callable[[Frame, str, list[str]], Frame]:
    return lambda gold, id_col, targets: edit(gold, id_col)


def _replace_key(gold: Frame, id_col: str) -> Frame:
    return gold.assign(**{id_col: ["not-a-test-key", *gold[id_col].iloc[1:]]})


def _duplicate_key(gold: Frame, id_col: str) -> Frame:
    return gold.assign(**{id_col: [gold[id_col].iloc[0], *gold[id_col].iloc[:-1]]})


MUTATIONS: dict[str, Callable[[Frame, str, list[str]], Frame]] = {
    "float_ids": _ids(lambda x: f"{x}.0"),
    "padded_ids": _ids(lambda x: f" {x} "),
    "shuffled": lambda gold, id_col, targets: gold.sample(frac=1, random_state=1),
    "unknown_key": _keys(_replace_key),
    "duplicated_key": _keys(_duplicate_key),
    "missing_key": lambda gold, id_col, targets: gold.iloc[:-1],
    "label_as_text": _cell(0, 0, "two"),
    "label_1e308": _cell(0, 0, "1e308"),
    "label_float": _cell(0, 0, "2.0"),
    "missing_label": _cell(0, 0, ""),
    "sum_plus_1.1e-5": _shift_row_sum(1.1e-5),
    "sum_plus_1.1000001e-5": _shift_row_sum(1.1000001e-5),
    "sum_plus_1.2e-5": _shift_row_sum(1.2e-5),
    "sum_minus_1.1e-5": _shift_row_sum(-1.1e-5),
    "sum_minus_1.11e-5": _shift_row_sum(-1.11e-5),
}

# (competition, mutation of the gold submission): upstream's score (None: invalid upstream), and whether this
# project reports it as a warning in default mode and rejects it in strict mode.
EXPECTED: dict[tuple[str, str], tuple[float | None, bool]] = {
    ("dogs-vs-cats-redux-kernels-edition", "float_ids"): (0.0, True),  # upstream compares parsed ids: 1.0 == 1
    ("dogs-vs-cats-redux-kernels-edition", "padded_ids"): (0.0, True),  # pandas parses ' 12 ' as the number 12
    ("dogs-vs-cats-redux-kernels-edition", "shuffled"): (0.0, False),
    ("leaf-classification", "float_ids"): (0.0, True),
    ("leaf-classification", "padded_ids"): (0.0, True),
    ("leaf-classification", "sum_plus_1.1e-5"): (0.0, False),  # exactly at the edge: |sum - 1| <= 1e-6 + 1e-5
    ("leaf-classification", "sum_plus_1.1000001e-5"): (None, False),
    ("leaf-classification", "sum_plus_1.2e-5"): (None, False),
    ("leaf-classification", "sum_minus_1.1e-5"): (0.0, False),
    ("leaf-classification", "sum_minus_1.11e-5"): (None, False),  # just past the edge
    # keys never compared: scored by position after sorting both by key
    ("new-york-city-taxi-fare-prediction", "unknown_key"): (0.3182, True),
    ("new-york-city-taxi-fare-prediction", "duplicated_key"): (1.32214, True),  # likewise
    ("new-york-city-taxi-fare-prediction", "missing_key"): (None, False),  # sklearn: inconsistent numbers of samples
    ("new-york-city-taxi-fare-prediction", "padded_ids"): (0.0, True),
    ("new-york-city-taxi-fare-prediction", "shuffled"): (0.0, False),
    # sklearn: mix of label input types (string and number)
    ("tabular-playground-series-dec-2021", "label_as_text"): (None, False),
    # sklearn: mix of multiclass and continuous targets
    ("tabular-playground-series-dec-2021", "label_1e308"): (None, False),
    ("tabular-playground-series-dec-2021", "label_float"): (0.75, False),  # 2.0 is the class 2
    ("tabular-playground-series-dec-2021", "float_ids"): (1.0, True),
    ("spaceship-titanic", "label_as_text"): (None, False),  # text among booleans
    ("spaceship-titanic", "missing_label"): (None, False),  # NaN among booleans
    ("ml2021spring-hw2", "label_1e308"): (None, False),
    ("ml2021spring-hw2", "padded_ids"): (1.0, True),
    ("spooky-author-identification", "sum_plus_1.1e-5"): (0.0, False),
    ("spooky-author-identification", "sum_plus_1.1000001e-5"): (None, False),
    ("spooky-author-identification", "sum_plus_1.2e-5"): (None, False),
    ("spooky-author-identification", "sum_minus_1.1e-5"): (0.0, False),
    ("spooky-author-identification", "sum_minus_1.11e-5"): (None, False),
    ("dog-breed-identification", "sum_plus_1.1e-5"): (0.0, False),
    ("dog-breed-identification", "sum_plus_1.1000001e-5"): (None, False),
    ("dog-breed-identification", "sum_plus_1.2e-5"): (None, False),
    ("dog-breed-identification", "sum_minus_1.1e-5"): (0.0, False),
    ("dog-breed-identification", "sum_minus_1.11e-5"): (None, False),
    ("paddy-disease-classification", "missing_label"): (0.9, True),  # filled with '' and counted wrong
    ("plant-seedlings-classification", "missing_label"): (0.83333, True),  # read as the text 'nan' and counted wrong
}


def _write(cid: str, data_dir: Path, case: str, out: Path) -> Path:
    spec = get_competition(cid).grading
    assert spec.id_column is not None
    gold = pd.read_csv(data_dir / cid / "prepared" / "private" / GOLD_SUBMISSION, dtype=str, keep_default_na=False)
    path = out / f"{cid}-{case}.csv"
    MUTATIONS[case](gold, spec.id_column, list(spec.target_columns)).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("upstream-validity")
    for cid in sorted({cid for cid, _ in EXPECTED}):
        prepare_synthetic(cid, root, seed=0, size=SIZE)
    return root


@pytest.mark.parametrize(("cid", "case"), sorted(EXPECTED))
def test_default_mode_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    expected, lenient = EXPECTED[cid, case]
    path = _write(cid, data_dir, case, tmp_path)
    report = grade(cid, path, data_dir)
    assert report.score == expected, report.invalid_reason
    assert report.valid_submission is (expected is not None)
    assert bool(report.warnings) is lenient, report.warnings
    strict = grade(cid, path, data_dir, mode="strict")
    if lenient:
        assert not strict.valid_submission
        assert strict.invalid_reason
        assert "\n" not in strict.invalid_reason
    else:
        assert strict.score == expected, strict.invalid_reason
