"""Item 10 for text-normalization-challenge-english-language and -russian-language: validity and score as upstream's
own grade function gives them, at the boundary (a CSV on disk through `grade`).

Every expected value below was measured by running upstream's grade function (openai/mle-bench at 783b15a, the
module its config.yaml names) on the very files these tests write, read as upstream reads them
(`pd.read_csv(..., float_precision="round_trip")`), with scikit-learn 1.9 and pandas 2.3: None means upstream's
grader raised (invalid). Under pandas 3 the same grader raises on every file in which any `after` cell, in the
submission or in the answers, is read as missing (`astype(str)` keeps it missing and the accuracy's label sort
fails); pandas 2, which upstream's grader was written and published with, scores such a cell as the text 'nan', and
that is what is reproduced here. Where upstream scores what a careful grader would refuse (many blank predictions),
the default mode scores it too and adds a warning; strict mode makes it invalid. The answers are written by hand
here, so the values do not hang on the synthetic generators.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.grading import grade

ENGLISH = "text-normalization-challenge-english-language"
RUSSIAN = "text-normalization-challenge-russian-language"

# --- the answers, by hand: 200 tokens, so the old blank threshold (1%) sits at 2 ------------------------------------

N = 200
IDS = [f"{sentence}_{token}" for sentence in range(20) for token in range(10)]
_WORDS = ["the", "city", "two thousand", "b b c", ".", "of", "новый", "река", ",", "twenty one"]
AFTER = [_WORDS[i % len(_WORDS)] for i in range(N)]
AFTER[13] = "NA"  # read as missing by pandas, in the answers as in any submission
AFTER[27] = "null"  # likewise
AFTER[41] = "2"  # a digit, kept as text because the rest of the column is text
ANSWER_MISSING = (13, 27)
DIGIT = 41
CYRILLIC = 6  # 'новый': 'й' decomposes under NFD


def _write_answers(root: Path) -> None:
    answers = pd.DataFrame({"id": IDS, "after": AFTER})
    for cid in (ENGLISH, RUSSIAN):
        path = root / cid / "prepared" / "private" / "answers.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        answers.to_csv(path, index=False, quoting=csv.QUOTE_NONNUMERIC)  # the preparer's layout


# --- the submissions: the gold predictions, then one mutation each --------------------------------------------------


def _gold() -> pd.DataFrame:
    return pd.DataFrame({"id": IDS, "after": AFTER})


def _after(rows: list[int] | range, value: str) -> Callable[[], pd.DataFrame]:
    def make() -> pd.DataFrame:
        frame = _gold()
        frame.loc[list(rows), "after"] = value
        return frame

    return make


def _ids(change: Callable[[str], str], rows: list[int] | None = None) -> Callable[[], pd.DataFrame]:
    def make() -> pd.DataFrame:
        frame = _gold()
        where = rows if rows is not None else list(range(N))
        frame.loc[where, "id"] = [change(str(x)) for x in frame.loc[where, "id"]]
        return frame

    return make


def _column(change: Callable[[str], str]) -> Callable[[], pd.DataFrame]:
    return lambda: _gold().assign(after=[change(str(x)) for x in _gold()["after"]])


# file text for the cases that are not a frame
RAW: dict[str, str] = {"empty_file": "", "header_only": "id,after\n"}

CASES: dict[str, Callable[[], pd.DataFrame]] = {
    "gold": _gold,
    "shuffled_rows": lambda: _gold().sample(frac=1, random_state=3),
    "extra_column": lambda: _gold().assign(extra="x"),
    # blanks where the answer is not missing: 2 of 200 is the old limit (1%), 3 went past it
    "blank_2": _after([0, 1], ""),
    "blank_3": _after([0, 1, 2], ""),
    "blank_half": _after(range(0, N, 2), ""),
    "blank_all": _after(range(N), ""),
    "blank_at_missing_answers": _after(list(ANSWER_MISSING), ""),
    # texts pandas reads as missing, exactly like a blank
    "NA_3": _after([0, 1, 2], "NA"),
    "None_3": _after([0, 1, 2], "None"),
    "null_3": _after([0, 1, 2], "null"),
    "nan_3": _after([0, 1, 2], "nan"),
    "NA_2": _after([0, 1], "NA"),
    "NA_all": _after(range(N), "NA"),
    "n_a_at_missing_answers": _after(list(ANSWER_MISSING), "n a"),
    # numbers: one digit in a text column stays text; a whole numeric column is parsed and cast back
    "digit_in_text_column": _after([0], "2"),
    "all_int": _after(range(N), "2"),
    "all_float": _after(range(N), "2.0"),
    # text compared exactly
    "trailing_space": _column(lambda x: x + " "),
    "upper_case": _column(str.upper),
    "nfd": _column(lambda x: unicodedata.normalize("NFD", x)),
    # ids
    "float_looking_ids": _ids(lambda x: x + ".0"),
    "padded_id": _ids(lambda x: f" {x} ", [0]),
    "dash_ids": _ids(lambda x: x.replace("_", "-")),
    "unknown_id": _ids(lambda _: "99_0", [0]),
    "duplicated_id": _ids(lambda _: IDS[0], [1]),
    "missing_row": lambda: _gold().iloc[1:],
    "extra_row": lambda: pd.concat([_gold(), _gold().iloc[[0]].assign(id="99_0")]),
    "missing_after_column": lambda: _gold().drop(columns="after"),
    "renamed_id_column": lambda: _gold().rename(columns={"id": "ID"}),
}

# Upstream's verdicts (pandas 2.3.3, see the module docstring): the rounded score, or None where its grader raised.
UPSTREAM: dict[str, float | None] = {
    "gold": 1.0,
    "shuffled_rows": 1.0,
    "extra_column": 1.0,
    "blank_2": 0.99,
    "blank_3": 0.985,
    "blank_half": 0.5,
    "blank_all": 0.01,
    "blank_at_missing_answers": 1.0,
    "NA_3": 0.985,
    "None_3": 0.985,
    "null_3": 0.985,
    "nan_3": 0.985,
    "NA_2": 0.99,
    "NA_all": 0.01,
    "n_a_at_missing_answers": 0.99,
    "digit_in_text_column": 0.995,
    "all_int": 0.005,
    "all_float": 0.0,
    "trailing_space": 0.0,
    "upper_case": 0.215,
    "nfd": 0.9,
    "float_looking_ids": None,
    "padded_id": None,
    "dash_ids": None,
    "unknown_id": None,
    "duplicated_id": None,
    "missing_row": None,
    "extra_row": None,
    "missing_after_column": None,
    "renamed_id_column": None,
    "empty_file": None,
    "header_only": None,
}

# scored by upstream, refused in strict mode: more than 1% of the tokens blank where the answer is not
LENIENT = {"blank_3", "blank_half", "blank_all", "NA_3", "None_3", "null_3", "nan_3", "NA_all"}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("textnorm")
    _write_answers(root)
    return root


def _submission(tmp_path: Path, case: str) -> Path:
    path = tmp_path / f"{case}.csv"
    if case in RAW:
        path.write_text(RAW[case])
    else:
        CASES[case]().to_csv(path, index=False)
    return path


def test_every_case_has_an_upstream_verdict() -> None:
    assert set(UPSTREAM) == set(CASES) | set(RAW)
    assert set(UPSTREAM[case] is not None for case in LENIENT) == {True}


@pytest.mark.parametrize("cid", [ENGLISH, RUSSIAN])
@pytest.mark.parametrize("case", sorted(UPSTREAM))
def test_upstream_mode_matches_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    report = grade(cid, _submission(tmp_path, case), data_dir)
    expected = UPSTREAM[case]
    assert report.valid_submission == (expected is not None), report.invalid_reason
    assert report.score == expected
    if case in LENIENT:
        assert any("upstream scores them as the text 'nan'" in w for w in report.warnings), report.warnings
    elif expected is not None:
        assert report.warnings == ()


@pytest.mark.parametrize("case", sorted(UPSTREAM))
def test_strict_mode_refuses_the_lenient_cases(case: str, data_dir: Path, tmp_path: Path) -> None:
    report = grade(ENGLISH, _submission(tmp_path, case), data_dir, mode="strict")
    if case in LENIENT:
        assert not report.valid_submission
        assert report.invalid_reason is not None
        assert "more than 1%" in report.invalid_reason
        assert "'0_0'" in report.invalid_reason  # names example ids
    else:
        assert report.score == UPSTREAM[case], report.invalid_reason
