"""Upstream parity of rsna-2022-cervical-spine-fracture-detection and cdiscount-image-classification-challenge at
the edges that matter for each, plus the RSNA weighted log loss on hand-computed data.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals; any exception there means invalid, None here), under pandas 2 and 3 alike.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission

RSNA = "rsna-2022-cervical-spine-fracture-detection"


def _fractured(value: Callable[[pd.Series], Any]) -> Mutation:
    """The gold's `fractured` column replaced by `value(labels as ints)`."""
    return lambda gold, answers: gold.assign(fractured=value(gold["fractured"].astype(int)))


def _first_cells(value: str, rows: int = 3) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[:rows], "fractured"] = value
        return out

    return mutate


def _swap_c1_c2(gold: Frame, answers: Frame) -> Frame:
    """Every study's C1 and C2 ids exchanged: valid ids, each prediction scored against the other vertebra."""
    ids = gold["row_id"].str.replace(r"_C1$", "_X", regex=True).str.replace(r"_C2$", "_C1", regex=True)
    return gold.assign(row_id=ids.str.replace(r"_X$", "_C2", regex=True))


CDISCOUNT = "cdiscount-image-classification-challenge"


def _category(value: str, rows: int | None = None) -> Mutation:
    """`category_id` set to `value` on the first `rows` rows (all rows when None)."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[: len(out) if rows is None else rows], "category_id"] = value
        return out

    return mutate


CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    # perfect, and perfect as booleans (True/False parse as bools, which upstream scores as 1/0)
    (RSNA, "gold"): (lambda gold, answers: gold, 0.0, False),
    (RSNA, "gold_as_bools"): (_fractured(lambda y: np.where(y == 1, "True", "False")), 0.0, False),
    # all wrong at 0/1: every cell clipped to 1e-15 (or 1 - 1e-15, not exactly representable), about -ln(1e-15)
    (RSNA, "all_wrong"): (_fractured(lambda y: 1 - y), 34.53921, False),
    (RSNA, "all_zero"): (_fractured(lambda y: 0), 15.86377, False),
    (RSNA, "all_half"): (_fractured(lambda y: 0.5), 0.69315, False),
    (RSNA, "soft_wrong"): (_fractured(lambda y: np.where(y == 1, 0.1, 0.9)), 2.30259, False),
    (RSNA, "swapped_c1_c2"): (lambda gold, answers: _swap_c1_c2(gold, answers).assign(fractured=0.3), 0.74584, False),
    (RSNA, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=1), 0.0, False),
    (RSNA, "extra_column"): (lambda gold, answers: gold.assign(note="x"), 0.0, False),
    (RSNA, "zero_and_one_edges"): (_first_cells("-0.0"), 0.61053, False),
    # refused: out of [0, 1], empty, text, and ids other than exactly the test set's
    (RSNA, "above_one"): (_first_cells("1.0000001"), None, False),
    (RSNA, "negative"): (_first_cells("-0.1"), None, False),
    (RSNA, "empty_cells"): (_first_cells(""), None, False),
    (RSNA, "infinite"): (_first_cells("inf"), None, False),
    (RSNA, "text"): (_first_cells("abc"), None, False),
    (RSNA, "missing_row"): (lambda gold, answers: gold.iloc[1:], None, False),
    (RSNA, "repeated_row"): (lambda gold, answers: pd.concat([gold.iloc[1:], gold.iloc[2:3]]), None, False),
    (RSNA, "padded_ids"): (lambda gold, answers: gold.assign(row_id=gold["row_id"] + " "), None, False),
    (RSNA, "no_fractured"): (lambda gold, answers: gold[["row_id"]], None, False),
    # cdiscount: accuracy with upstream's shared accuracy helper; ids compared as parsed numbers (a warning here
    # when they are not written as in the test set), labels as parsed by pandas and compared by scikit-learn
    (CDISCOUNT, "gold"): (lambda gold, answers: gold, 1.0, False),
    (CDISCOUNT, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=3), 1.0, False),
    (CDISCOUNT, "sample_category"): (_category("1000010653"), 0.25, False),
    (CDISCOUNT, "one_wrong"): (_category("42", 1), 0.75, False),
    (CDISCOUNT, "float_labels"): (
        lambda gold, answers: gold.assign(category_id=gold["category_id"] + ".0"),
        1.0,
        False,
    ),
    (CDISCOUNT, "float_ids"): (lambda gold, answers: gold.assign(_id=gold["_id"] + ".0"), 1.0, True),
    (CDISCOUNT, "bool_labels"): (_category("True"), 0.0, False),
    (CDISCOUNT, "one_text_label"): (_category("abc", 1), None, False),
    (CDISCOUNT, "one_empty_label"): (_category("", 1), None, False),
    (CDISCOUNT, "one_fractional_label"): (_category("1000010653.5", 1), None, False),
    (CDISCOUNT, "missing_row"): (lambda gold, answers: gold.iloc[1:], None, False),
    (CDISCOUNT, "repeated_row"): (
        lambda gold, answers: pd.concat([gold.iloc[1:], gold.iloc[:1], gold.iloc[:1]]),
        None,
        False,
    ),
    (CDISCOUNT, "unknown_id"): (lambda gold, answers: gold.assign(_id=["999999", *gold["_id"][1:]]), None, False),
    (CDISCOUNT, "no_category"): (lambda gold, answers: gold[["_id"]], None, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famT"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_rsna_weighted_log_loss_by_hand() -> None:
    from inspect_mlebench.competitions.rsna_2022_cervical_spine_fracture_detection import grade as rsna_grade

    # one study, fractured overall and at C1; every prediction 0.5 except overall 0.8 and C2 0.25
    types = ["patient_overall", *[f"C{k}" for k in range(1, 8)]]
    truth = [1, 1, 0, 0, 0, 0, 0, 0]
    answers = pd.DataFrame({"row_id": [f"1.2.3_{t}" for t in types], "fractured": truth})
    predicted = [0.8, 0.5, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5]
    submission = pd.DataFrame({"row_id": answers["row_id"][::-1], "fractured": predicted[::-1]})
    # weights: overall positive 14, C1 positive 2, C2..C7 negative 1 each; total 22
    loss = 14 * -math.log(0.8) + 2 * -math.log(0.5) + -math.log(0.75) + 5 * -math.log(0.5)
    assert rsna_grade(submission, answers) == pytest.approx(loss / 22, rel=1e-12)
