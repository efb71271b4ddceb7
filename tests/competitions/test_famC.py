"""Upstream parity of ventilator-pressure-prediction, champs-scalar-coupling and lmsys-chatbot-arena at the edges
that matter for each, plus their metrics on hand-computed data.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals; any exception there means invalid, None here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.grading.errors import InvalidSubmissionError
from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission

VENT = "ventilator-pressure-prediction"


def _in_answer_order(gold: Frame, answers: Frame) -> Frame:
    return gold.set_index("id").loc[answers["id"]].reset_index()


def _vent_set(phase: str, value: str) -> Mutation:
    """The first row of the given phase (u_out '0' inspiratory, '1' expiratory) set to `value`."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = _in_answer_order(gold, answers)
        row = int(np.flatnonzero(answers["u_out"].to_numpy() == phase)[0])
        out.loc[row, "pressure"] = value
        return out

    return mutate


def _vent_expiratory(value: str) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = _in_answer_order(gold, answers)
        return out.assign(pressure=np.where(answers["u_out"] == "1", value, out["pressure"]))

    return mutate


def _shift(column: str, delta: float) -> Mutation:
    return lambda gold, answers: gold.assign(**{column: (gold[column].astype(float) + delta).map(repr)})


def _ids(edit: Callable[[str], str]) -> Mutation:
    return lambda gold, answers: gold.assign(id=[edit(x) for x in gold["id"]])


def _duplicate_first_id(gold: Frame, answers: Frame) -> Frame:
    return gold.assign(id=[gold["id"].iloc[1], *gold["id"].iloc[1:]])


CHAMPS = "champs-scalar-coupling"
CHAMPS_TARGET = "scalar_coupling_constant"


def _noisy(gold: Frame, answers: Frame) -> Frame:
    """The gold predictions in the answers' order, each off by a fixed pseudo-random amount."""
    out = gold.set_index("id").loc[answers["id"]].reset_index()
    noise = np.random.default_rng(5).normal(0, 2, len(out))
    return out.assign(**{CHAMPS_TARGET: (out[CHAMPS_TARGET].astype(float) + noise).map(repr)})


def _noisy_then(edit: Callable[[Frame, Frame], Frame]) -> Mutation:
    return lambda gold, answers: edit(_noisy(gold, answers), answers)


def _repeat_first_as(value: str) -> Callable[[Frame, Frame], Frame]:
    return lambda sub, answers: pd.concat([sub, sub.iloc[[0]].assign(**{CHAMPS_TARGET: value})])


def _first_type_exact(gold: Frame, answers: Frame) -> Frame:
    noisy = _noisy(gold, answers)
    exact = (answers["type"] == answers["type"].iloc[0]).to_numpy()
    in_order = gold.set_index("id").loc[answers["id"]].reset_index()
    return noisy.assign(**{CHAMPS_TARGET: np.where(exact, in_order[CHAMPS_TARGET], noisy[CHAMPS_TARGET])})


LMSYS = "lmsys-chatbot-arena"
LMSYS_CLASSES = ["winner_model_a", "winner_model_b", "winner_tie"]


def _soft(gold: Frame, answers: Frame) -> Frame:
    """Fixed pseudo-random probabilities (each row a distribution over the three classes)."""
    p = np.random.default_rng(0).dirichlet([2, 2, 2], len(gold))
    return gold.assign(**{c: [repr(float(v)) for v in p[:, j]] for j, c in enumerate(LMSYS_CLASSES)})


def _first_row(*values: str) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = _soft(gold, answers)
        for column, value in zip(LMSYS_CLASSES, values, strict=True):
            out.loc[out.index[0], column] = value
        return out

    return mutate


# (competition, case): mutation, upstream's score (None: invalid there), and whether this project warns in default
# mode and refuses in strict mode (what upstream lets through although it is wrong)
CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    # only inspiratory rows (answers' u_out == 0) are scored: expiratory values are never looked at upstream
    (VENT, "nan_expiratory"): (_vent_set("1", ""), 0.0, True),
    (VENT, "text_expiratory"): (_vent_set("1", "abc"), 0.0, True),
    (VENT, "all_expiratory_1000"): (_vent_expiratory("1000"), 0.0, False),
    (VENT, "nan_inspiratory"): (_vent_set("0", ""), None, False),
    (VENT, "text_inspiratory"): (_vent_set("0", "abc"), None, False),
    (VENT, "inf_inspiratory"): (_vent_set("0", "inf"), None, False),
    (VENT, "plus_one"): (_shift("pressure", 1.0), 1.0, False),
    (VENT, "float_ids"): (_ids(lambda x: f"{x}.0"), 0.0, True),  # sorted ids compared as parsed numbers
    (VENT, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=1), 0.0, False),
    (VENT, "duplicated_id"): (_duplicate_first_id, None, False),
    (VENT, "missing_row"): (lambda gold, answers: gold.iloc[:-1], None, False),
    (CHAMPS, "gold"): (lambda gold, answers: gold, float("-inf"), False),  # log(0): no floor on the MAE
    (CHAMPS, "noisy"): (_noisy, 0.14042, False),
    (CHAMPS, "noisy_first_type_exact"): (_first_type_exact, float("-inf"), False),
    # a repeated id is merged onto the answers once per repeat and scored each time
    (CHAMPS, "noisy_repeat_wrong"): (_noisy_then(_repeat_first_as("1000")), 0.68248, True),
    (CHAMPS, "noisy_float_ids"): (
        _noisy_then(lambda sub, answers: sub.assign(id=[f"{x}.0" for x in sub["id"]])),
        0.14042,
        True,
    ),
    (CHAMPS, "noisy_nan"): (
        _noisy_then(lambda sub, answers: sub.assign(**{CHAMPS_TARGET: ["", *sub[CHAMPS_TARGET][1:]]})),
        None,
        False,
    ),
    (CHAMPS, "duplicated_id"): (_duplicate_first_id, None, False),  # then one test id is missing
    (CHAMPS, "missing_row"): (lambda gold, answers: gold.iloc[:-1], None, False),
    (LMSYS, "soft"): (_soft, 1.30178, False),
    # upstream's own row-sum rule: round(sum, 6) == 1 (rows off by 9e-6 pass numpy's isclose rule elsewhere)
    (LMSYS, "sum_plus_4.999e-7"): (_first_row("0.5000004999", "0.25", "0.25"), 1.19881, False),
    (LMSYS, "sum_plus_5e-7"): (_first_row("0.5000005", "0.25", "0.25"), None, False),
    (LMSYS, "sum_minus_4.999e-7"): (_first_row("0.4999995001", "0.25", "0.25"), 1.19881, False),
    (LMSYS, "sum_minus_5e-7"): (_first_row("0.4999995", "0.25", "0.25"), None, False),
    (LMSYS, "sum_plus_9e-6"): (_first_row("0.500009", "0.25", "0.25"), None, False),
    (LMSYS, "thirds_0.333333"): (_first_row("0.333333", "0.333333", "0.333333"), None, False),
    (LMSYS, "thirds_0.3333333"): (_first_row("0.3333333", "0.3333333", "0.3333333"), 1.30018, False),
    (LMSYS, "above_one"): (_first_row("1.0000001", "0", "0"), None, False),
    (LMSYS, "text_probability"): (_first_row("abc", "0.5", "0.5"), None, False),
    (LMSYS, "one_hot_prediction"): (_first_row("0", "0", "1"), 10.03644, False),  # clipped by sklearn, not refused
    (LMSYS, "float_ids"): (_ids(lambda x: f"{x}.0"), 0.0, True),
    (LMSYS, "duplicated_id"): (_duplicate_first_id, None, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famC"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_ventilator_scores_inspiratory_rows_only() -> None:
    from inspect_mlebench.competitions.ventilator_pressure_prediction import grade as vent_grade

    answers = pd.DataFrame({"id": [1, 2, 3, 4], "u_out": [0, 0, 1, 1], "pressure": [10.0, 20.0, 5.0, 5.0]})
    submission = pd.DataFrame({"id": [4, 3, 2, 1], "pressure": [99.0, 99.0, 23.0, 9.0]})
    assert vent_grade(submission, answers) == pytest.approx((1.0 + 3.0) / 2)
    with pytest.raises(InvalidSubmissionError, match="'id'"):
        vent_grade(submission.assign(id=[4, 4, 2, 1]), answers)


def test_mean_log_mae_by_group_by_hand() -> None:
    from inspect_mlebench.grading.metrics import mean_log_mae_by_group

    y_true, y_pred = np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.0, 2.0, 3.0, 6.0])
    # group a: MAE (1 + 0) / 2 = 0.5; group b: MAE (0 + 2) / 2 = 1.0
    assert mean_log_mae_by_group(y_true, y_pred, groups=np.array(["a", "a", "b", "b"])) == pytest.approx(
        (np.log(0.5) + np.log(1.0)) / 2
    )
    assert mean_log_mae_by_group(y_true, y_pred) == pytest.approx(np.log(0.75))
    assert mean_log_mae_by_group(y_true, y_true, groups=np.array(["a", "a", "b", "b"])) == float("-inf")


def test_lmsys_row_sum_rule_rounds_to_six_decimals() -> None:
    from inspect_mlebench.competitions.lmsys_chatbot_arena import rows_sum_to_one

    rows = pd.DataFrame(
        {"winner_model_a": [0.5, 0.5000004999, 0.500009, 0.3], "winner_model_b": [0.25] * 4, "winner_tie": [0.25] * 4}
    )
    assert rows_sum_to_one(rows).tolist() == [True, True, False, False]
