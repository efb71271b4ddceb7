"""Upstream parity of tensorflow2-question-answering and h-and-m-personalized-fashion-recommendations at the edges
that matter for each, plus the MAP@k metric on hand-computed data.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
under pandas 2.3.3, rounded to 5 decimals; any exception there means invalid, None here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers CSV or an empty frame), both read as text -> submission

TF2QA = "tensorflow2-question-answering"
PRED = "PredictionString"


def _first(gold: Frame, where: Callable[[str, str], bool]) -> int:
    return next(
        i for i, (row_id, value) in enumerate(zip(gold["example_id"], gold[PRED], strict=True)) if where(row_id, value)
    )


def _set(where: Callable[[str, str], bool], value: Callable[[str], str]) -> Mutation:
    """The first row matching `where(id, prediction)` gets `value(prediction)`."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        row = _first(gold, where)
        out.loc[out.index[row], PRED] = value(str(gold[PRED].iloc[row]))
        return out

    return mutate


def _span(row_id: str, value: str) -> bool:
    return ":" in value


def _padded(value: str) -> str:
    start, end = value.split(":")
    return f" {start} : {end} "


def _swap_suffixes(gold: Frame, answers: Frame) -> Frame:
    swapped = [
        x.replace("_long", "_TMP").replace("_short", "_long").replace("_TMP", "_short") for x in gold["example_id"]
    ]
    return gold.assign(example_id=swapped)


HM = "h-and-m-personalized-fashion-recommendations"


def _scored(gold: Frame, answers: Frame) -> list[int]:
    """Rows of customers who bought in the test period (the only ones upstream scores)."""
    return [i for i, c in enumerate(gold["customer_id"]) if c in set(answers["customer_id"])]


def _hm_set(which: Callable[[Frame, Frame], int], value: str) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[which(gold, answers)], "prediction"] = value
        return out

    return mutate


def _first_scored(gold: Frame, answers: Frame) -> int:
    return _scored(gold, answers)[0]


def _first_unscored(gold: Frame, answers: Frame) -> int:
    return next(i for i in range(len(gold)) if i not in set(_scored(gold, answers)))


def _hm_repeat(first: bool) -> Mutation:
    """The first scored customer listed once more with a wrong prediction, before or after the others."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        extra = gold.iloc[[_first_scored(gold, answers)]].assign(prediction="1 2 3")
        return pd.concat([extra, gold] if first else [gold, extra])

    return mutate


def _ten_digits(gold: Frame, answers: Frame) -> Frame:
    """Kaggle's 10-digit article ids (leading zero), where upstream's answers have none."""
    padded = [" ".join(f"{int(x):010d}" for x in p.split(" ")) for p in gold["prediction"]]
    return gold.assign(prediction=padded)


# (competition, case): mutation, upstream's score (None: invalid there), and whether this project warns in default
# mode and refuses in strict mode (what upstream lets through although it is wrong)
CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    (TF2QA, "gold"): (lambda gold, answers: gold, 1.0, False),
    # all blank, as the sample: valid under pandas 2 (under pandas 3 upstream's in-place fillna raises)
    (TF2QA, "all_blank"): (lambda gold, answers: gold.assign(**{PRED: ""}), 0.25, False),
    (TF2QA, "all_yes"): (lambda gold, answers: gold.assign(**{PRED: "YES"}), 0.0, False),
    (TF2QA, "span_padded"): (_set(_span, _padded), 1.0, False),  # Python's int() strips spaces
    (TF2QA, "span_plus_sign"): (_set(_span, lambda v: "+" + v), 1.0, False),
    (TF2QA, "span_off_by_one"): (_set(_span, lambda v: f"{int(v.split(':')[0]) + 1}:{v.split(':')[1]}"), 0.875, False),
    (TF2QA, "span_float"): (_set(_span, lambda v: v.replace(":", ".0:")), None, False),
    (TF2QA, "span_three_parts"): (_set(_span, lambda v: v + ":1"), None, False),
    (TF2QA, "yes_lowercase"): (_set(lambda i, v: i.endswith("_short"), lambda v: "yes"), None, False),
    (TF2QA, "yes_on_long"): (_set(lambda i, v: i.endswith("_long"), lambda v: "YES"), 0.875, False),
    (TF2QA, "blank_to_span"): (_set(lambda i, v: v == "", lambda v: "0:1"), 0.875, False),
    (TF2QA, "answer_to_text_NA"): (_set(_span, lambda v: "NA"), 0.875, False),  # read as blank: a miss
    (TF2QA, "swapped_suffixes"): (_swap_suffixes, 0.25, False),
    (TF2QA, "missing_row"): (lambda gold, answers: gold.iloc[:-1], None, False),
    (TF2QA, "extra_row"): (lambda gold, answers: pd.concat([gold, gold.iloc[[0]]]), None, False),
    (TF2QA, "duplicated_id"): (
        lambda gold, answers: gold.assign(example_id=[gold["example_id"].iloc[1], *gold["example_id"].iloc[1:]]),
        None,
        False,
    ),
    (TF2QA, "extra_column"): (lambda gold, answers: gold.assign(extra="1"), 1.0, False),
    (HM, "gold"): (lambda gold, answers: gold, 1.0, False),
    (HM, "kaggle_ten_digit_ids"): (_ten_digits, 0.0, False),  # known issue article-id-leading-zero
    (HM, "only_scored_customers"): (lambda gold, answers: gold.iloc[_scored(gold, answers)], 1.0, False),
    (HM, "one_scored_customer_missing"): (
        lambda gold, answers: gold.drop(index=_first_scored(gold, answers)),
        None,
        False,
    ),
    (HM, "unknown_customer_added"): (
        lambda gold, answers: pd.concat([gold, gold.iloc[[0]].assign(customer_id="x")]),
        1.0,
        False,
    ),
    (HM, "extra_column"): (lambda gold, answers: gold.assign(extra="1"), None, False),
    (HM, "noise_in_front"): (
        lambda gold, answers: gold.assign(prediction="1 2 3 " + gold["prediction"]),
        0.27159,
        False,
    ),
    (HM, "double_spaces"): (
        lambda gold, answers: gold.assign(prediction=gold["prediction"].str.replace(" ", "  ")),
        0.96102,
        False,
    ),
    # an empty prediction is the text 'nan' upstream (pandas 2): it matches nothing, and is refused in strict mode
    (HM, "empty_scored"): (_hm_set(_first_scored, ""), 0.94444, True),
    (HM, "empty_unscored"): (_hm_set(_first_unscored, ""), 1.0, True),
    (HM, "all_empty"): (lambda gold, answers: gold.assign(prediction=""), 0.0, True),
    # a repeated customer shifts upstream's pairing after sorting, so the score depends on the rows' order
    (HM, "repeat_wrong_after"): (_hm_repeat(first=False), 0.66667, True),
    (HM, "repeat_wrong_before"): (_hm_repeat(first=True), 0.61111, True),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famE"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_map_at_k_by_hand() -> None:
    from inspect_mlebench.grading.metrics import map_at_k

    # k=2: a at 1 (1/1), b beyond k -> 1 / min(2, 2); a repeated counts once: x, a -> (1/2) / 1
    assert map_at_k([{"a", "b"}, {"a"}], [["a", "x", "b"], ["x", "a", "a"]], k=2) == pytest.approx((0.5 + 0.5) / 2)
    # more relevant items than k: divided by k; nothing relevant: 0
    assert map_at_k([{"a", "b", "c"}, set()], [["a", "b"], ["a"]], k=2) == pytest.approx((1.0 + 0.0) / 2)
