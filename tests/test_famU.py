"""Upstream parity of nfl-player-contact-detection and multi-modal-gesture-recognition at the edges that matter for
them, plus the gesture metric by hand.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a under pandas 2, read as its `grade_csv`
reads them, rounded to 5 decimals; any exception there means invalid, None here).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from inspect_mlebench.data.prepare import synthesize
from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
NFL = "nfl-player-contact-detection"
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission


def _contact(values: Callable[[Frame], Any]) -> Mutation:
    return lambda gold, answers: gold.assign(contact=values(gold))


def _first_contact(value: str) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[0], "contact"] = value
        return out

    return mutate


CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    # upstream: both columns, the answers' contact_ids as a set, the same length; sklearn's MCC on the parsed labels
    (NFL, "gold"): (lambda gold, answers: gold, 1.0, False),
    (NFL, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=1), 1.0, False),
    (NFL, "all_zero"): (_contact(lambda g: "0"), 0.0, False),  # sklearn's 0 for a constant prediction
    (NFL, "inverted"): (_contact(lambda g: ["1" if v == "0" else "0" for v in g["contact"]]), -1.0, False),
    (NFL, "floats"): (_contact(lambda g: g["contact"] + ".0"), 1.0, False),
    (NFL, "booleans"): (_contact(lambda g: ["True" if v == "1" else "False" for v in g["contact"]]), 1.0, False),
    # -1 is a third label next to the answers' 0 and 1 in sklearn's confusion matrix
    (NFL, "minus_one_for_zero"): (_contact(lambda g: ["-1" if v == "0" else "1" for v in g["contact"]]), 0.5, True),
    (NFL, "probability"): (_first_contact("0.5"), None, False),
    (NFL, "empty_label"): (_first_contact(""), None, False),
    (NFL, "infinite_label"): (_first_contact("inf"), None, False),
    (NFL, "text_labels"): (_contact(lambda g: ["yes" if v == "1" else "no" for v in g["contact"]]), None, False),
    (NFL, "missing_row"): (lambda gold, answers: gold.iloc[1:], None, False),
    (NFL, "repeated_row"): (lambda gold, answers: pd.concat([gold, gold.iloc[:1]]), None, False),
    (NFL, "padded_ids"): (lambda gold, answers: gold.assign(contact_id=" " + gold["contact_id"]), None, False),
    (NFL, "renamed_target"): (lambda gold, answers: gold.rename(columns={"contact": "Contact"}), None, False),
    (NFL, "extra_column"): (lambda gold, answers: gold.assign(extra="x"), 1.0, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famU"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def _digest(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.md5(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("cid", [NFL])
def test_synthetic_raw_data_is_reproducible(cid: str, tmp_path: Path) -> None:
    first, second = synthesize(cid, tmp_path / "a", seed=3, size=20), synthesize(cid, tmp_path / "b", seed=3, size=20)
    assert _digest(first) == _digest(second)
