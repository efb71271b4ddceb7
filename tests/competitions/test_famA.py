"""Upstream parity at the boundary for essay scoring 2, patent phrase matching and Google QUEST.

Each expected verdict and score is measured: the same file (same synthetic data, seed 0, size 120; same mutation of
the gold or sample submission) was graded with upstream's own grade function (openai/mle-bench at 783b15a, read as
upstream's `grade_csv` reads it, rounded to 5 decimals; any exception there means invalid). `lenient` says whether
this project scores it with a warning by default and refuses it in strict mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
from inspect_mlebench.grading import grade

SIZE = 120
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, sample) -> submission

ESSAY = "learning-agency-lab-automated-essay-scoring-2"
PATENT = "us-patent-phrase-to-phrase-matching"
QUEST = "google-quest-challenge"
NAN = float("nan")


def _first_target(value: str, rows: tuple[int, ...] = (0,)) -> Mutation:
    def mutate(gold: Frame, sample: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[list(rows)], out.columns[1]] = value
        return out

    return mutate


def _ids(edit: Callable[[str], str]) -> Mutation:
    return lambda gold, sample: gold.assign(**{gold.columns[0]: [edit(x) for x in gold.iloc[:, 0]]})


def _swap_two_ids(gold: Frame, sample: Frame) -> Frame:
    ids = list(gold.iloc[:, 0])
    return gold.assign(**{gold.columns[0]: [ids[1], ids[0], *ids[2:]]})


def _duplicate_id(gold: Frame, sample: Frame) -> Frame:
    ids = list(gold.iloc[:, 0])
    return gold.assign(**{gold.columns[0]: [ids[1], *ids[1:]]})


def _unknown_id(gold: Frame, sample: Frame) -> Frame:
    return gold.assign(**{gold.columns[0]: ["zzunknown", *gold.iloc[1:, 0]]})


MUTATIONS: dict[str, Mutation] = {
    "gold": lambda gold, sample: gold,
    "sample": lambda gold, sample: sample,
    "shuffled": lambda gold, sample: gold.sample(frac=1, random_state=3),
    "swap_two_ids": _swap_two_ids,
    "duplicate_id": _duplicate_id,
    "unknown_id": _unknown_id,
    "float_ids": _ids(lambda x: f"{x}.0"),
    "missing_row": lambda gold, sample: gold.iloc[:-1],
    "value_3.0": _first_target("3.0"),
    "value_padded": _first_target(" 3 "),
    "value_2.5": _first_target("2.5"),
    "value_1e308": _first_target("1e308"),
    "value_-1": _first_target("-1"),
    "value_text": _first_target("abc"),
    "value_missing": _first_target(""),
    "value_inf": _first_target("inf"),
    "constant": lambda gold, sample: gold.assign(**dict.fromkeys(gold.columns[1:], "1")),
    "extra_column": lambda gold, sample: gold.assign(extra="1"),
    "text_column": lambda gold, sample: gold.assign(**{gold.columns[1]: "x" + gold.iloc[:, 1]}),
}

# (competition, case): upstream's score (None: invalid upstream), and whether it is scored only with a warning.
EXPECTED: dict[tuple[str, str], tuple[float | None, bool]] = {
    (ESSAY, "gold"): (1.0, False),
    (ESSAY, "sample"): (-0.04878, False),  # RandomState(42) scores 1..6
    (ESSAY, "shuffled"): (1.0, False),
    (ESSAY, "swap_two_ids"): (0.9625, False),  # valid ids, two predictions exchanged
    (ESSAY, "duplicate_id"): (None, False),
    (ESSAY, "unknown_id"): (None, False),
    (ESSAY, "float_ids"): (None, False),  # text ids: '887bd91.0' is another id
    (ESSAY, "missing_row"): (None, False),
    (ESSAY, "value_3.0"): (0.98065, False),  # 3.0 is the class 3
    (ESSAY, "value_padded"): (0.98065, False),  # pandas parses ' 3 ' as 3
    (ESSAY, "value_2.5"): (None, False),  # sklearn: mix of continuous and multiclass targets
    (ESSAY, "value_1e308"): (None, False),  # likewise
    (ESSAY, "value_-1"): (0.93617, False),  # an unknown class is still a class
    (ESSAY, "value_text"): (None, False),
    (ESSAY, "value_missing"): (None, False),  # sklearn: input contains NaN
    (ESSAY, "value_inf"): (None, False),
    (ESSAY, "constant"): (0.0, False),
    (ESSAY, "extra_column"): (1.0, False),  # upstream never looks at other columns
    (ESSAY, "text_column"): (None, False),
    (PATENT, "gold"): (1.0, False),
    (PATENT, "sample"): (NAN, False),  # every score 0: scipy's correlation of a constant is NaN, a valid score
    (PATENT, "shuffled"): (1.0, False),
    (PATENT, "swap_two_ids"): (0.78855, False),
    (PATENT, "duplicate_id"): (None, False),
    (PATENT, "unknown_id"): (None, False),
    (PATENT, "float_ids"): (None, False),
    (PATENT, "missing_row"): (None, False),
    (PATENT, "value_3.0"): (0.19394, False),
    (PATENT, "value_padded"): (0.19394, False),
    (PATENT, "value_2.5"): (0.28009, False),
    (PATENT, "value_1e308"): (-0.22013, False),
    (PATENT, "value_-1"): (0.75659, False),
    (PATENT, "value_text"): (None, False),  # scipy cannot correlate text
    (PATENT, "value_missing"): (NAN, True),  # scipy propagates NaN: upstream scores NaN
    (PATENT, "value_inf"): (NAN, True),
    (PATENT, "constant"): (NAN, False),
    (PATENT, "extra_column"): (1.0, False),
    (PATENT, "text_column"): (None, False),
    (QUEST, "gold"): (1.0, False),
    (QUEST, "sample"): (-0.05445, False),  # the same 0..1 ramp in every column
    (QUEST, "shuffled"): (1.0, False),
    (QUEST, "swap_two_ids"): (0.76406, False),
    # ids never compared: rows paired by position after sorting both files by qa_id
    (QUEST, "duplicate_id"): (0.092, True),
    (QUEST, "unknown_id"): (0.0191, True),  # a text id: the column sorts as text
    (QUEST, "float_ids"): (1.0, False),  # parsed as the same numbers
    (QUEST, "missing_row"): (None, False),
    (QUEST, "extra_column"): (None, False),  # exactly qa_id and the 30 ratings
    (QUEST, "value_3.0"): (0.99762, False),  # out of [0, 1] is fine: only ranks count
    (QUEST, "value_padded"): (0.99762, False),
    (QUEST, "value_inf"): (0.99762, False),  # ranked as the largest value
    (QUEST, "value_-1"): (0.99309, False),
    (QUEST, "value_text"): (0.99762, True),  # scipy ranks the parsed column as text
    (QUEST, "text_column"): (1.0, True),  # likewise: 'x0.5' < 'x0.7' keeps the order
    (QUEST, "value_missing"): (NAN, True),  # NaN propagates to the mean
    (QUEST, "constant"): (NAN, False),  # a constant column has no correlation
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("famA")
    for cid in sorted({cid for cid, _ in EXPECTED}):
        prepare_synthetic(cid, root, seed=0, size=SIZE)
    return root


def _write(cid: str, data_dir: Path, case: str, out: Path) -> Path:
    prepared = data_dir / cid / "prepared"
    gold = pd.read_csv(prepared / "private" / GOLD_SUBMISSION, dtype=str, keep_default_na=False)
    sample = pd.read_csv(prepared / "public" / "sample_submission.csv", dtype=str, keep_default_na=False)
    path = out / f"{case}.csv"
    MUTATIONS[case](gold, sample).to_csv(path, index=False)
    return path


def test_quest_trades_a_spelling_row_into_a_constant_test_set(data_dir: Path) -> None:
    """Seed 0, size 120 holds out only zeros for question_type_spelling (checked against upstream's split), so the
    first held-out row is traded for the first training row with a non-zero rating, as upstream's prepare.py does."""
    prepared = data_dir / QUEST / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    spelling = answers["question_type_spelling"]
    assert spelling.iloc[0] != 0
    assert (spelling.iloc[1:] == 0).all()
    train = pd.read_csv(prepared / "public" / "train.csv")
    assert not set(train["qa_id"]) & set(answers["qa_id"])
    public_test = pd.read_csv(prepared / "public" / "test.csv")
    assert len(public_test.columns) == 11  # no rating column
    assert not {"question_type_spelling", "answer_well_written"} & set(public_test.columns)
    assert list(answers.columns) == list(pd.read_csv(prepared / "public" / "sample_submission.csv").columns)


@pytest.mark.parametrize(("cid", "case"), sorted(EXPECTED))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    expected, lenient = EXPECTED[cid, case]
    path = _write(cid, data_dir, case, tmp_path)
    report = grade(cid, path, data_dir)
    if expected is not None and math.isnan(expected):  # upstream's score is NaN, and the file valid
        assert report.score is not None
        assert math.isnan(report.score)
    else:
        assert report.score == expected, report.invalid_reason
    assert report.valid_submission is (expected is not None)
    assert bool(report.warnings) is lenient, report.warnings
    if report.invalid_reason:
        assert "\n" not in report.invalid_reason
    strict = grade(cid, path, data_dir, mode="strict")
    assert strict.valid_submission is (expected is not None and not lenient)
