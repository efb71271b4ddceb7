"""Item 10 for the custom graders (jigsaw, nomad2018, mlsp-2013-birds, detecting-insults): validity and score as
upstream's own grade functions give them, at the boundary (a CSV on disk through `grade`).

Every expected value below was measured by running upstream's grade function (openai/mle-bench at 783b15a, the
module its config.yaml names) on the very files these tests write, read as upstream reads them
(`pd.read_csv(..., float_precision="round_trip")`), with scikit-learn 1.9 / pandas 3.x: None means upstream's grader
raised (invalid). Where upstream scores what a careful grader would refuse, the default mode scores it too and adds
a warning; strict mode makes it invalid. The answers are written by hand here, a few rows each, so the values do not
hang on the synthetic generators.
"""

from __future__ import annotations

import asyncio
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from inspect_mlebench.cli import cli
from inspect_mlebench.grading import grade, validate
from inspect_mlebench.sandbox.validator_server import ValidatorStartupError, create_server
from inspect_mlebench.solvers.aide.validation import validate_node_submission
from inspect_mlebench.solvers.host_check import validate_csv_bytes
from sample_runner import run_in_sample

JIGSAW = "jigsaw-toxic-comment-classification-challenge"
NOMAD = "nomad2018-predict-transparent-conductors"
MLSP = "mlsp-2013-birds"
INSULTS = "detecting-insults-in-social-commentary"
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
NOMAD_TARGETS = ["formation_energy_ev_natom", "bandgap_energy_ev"]

# --- the answers, by hand -------------------------------------------------------------------------------------------

_JIGSAW_IDS = ["0a1f", "1b2e", "2c3d", "3d4c", "4e5b", "5f6a", "6a7f", "7b8e"]
# rows 6 and 7 are unscored (-1 everywhere); every class has a 0 and a 1 among the scored rows
_JIGSAW_LABELS = [
    [1, 0, 1, 0, 1, 0],
    [0, 1, 0, 1, 0, 1],
    [1, 1, 0, 0, 1, 1],
    [0, 0, 1, 1, 0, 0],
    [1, 0, 0, 1, 1, 0],
    [0, 1, 1, 0, 0, 1],
    [-1] * 6,
    [-1] * 6,
]
_JIGSAW_PRED = [
    [0.9, 0.2, 0.7, 0.1, 0.8, 0.3],
    [0.2, 0.8, 0.3, 0.9, 0.1, 0.7],
    [0.25, 0.6, 0.4, 0.2, 0.6, 0.8],
    [0.3, 0.65, 0.6, 0.7, 0.4, 0.2],
    [0.6, 0.4, 0.2, 0.5, 0.9, 0.1],
    [0.1, 0.5, 0.8, 0.3, 0.2, 0.6],
    [0.5, 0.5, 0.5, 0.5, 0.5, 0.5],
    [0.4, 0.4, 0.4, 0.4, 0.4, 0.4],
]
_NOMAD_TRUE = [[0.10, 1.5], [0.20, 2.5], [0.05, 3.0], [0.30, 1.0], [0.15, 4.0]]
_NOMAD_PRED = [[0.12, 1.4], [0.18, 2.7], [0.06, 2.9], [0.25, 1.2], [0.16, 3.8]]
_MLSP_IDS = [700, 701, 702, 800, 801, 802]
_MLSP_TRUE = [0, 1, 0, 1, 0, 1]
_MLSP_PRED = [0.2, 0.7, 0.4, 0.6, 0.5, 0.45]
_COMMENTS = ['"you are a fool #1"', '"nice game #2"', '"what a clown #3"', '"the weather #4"', '"idiot #5"']
_INSULT_TRUE = [1, 0, 1, 0, 1]
_INSULT_PRED = [0.8, 0.3, 0.6, 0.4, 0.2]


def _write_answers(root: Path) -> None:
    """The private answers of the four competitions under `root`, in the layout `grade` reads."""

    def put(cid: str, name: str, frame: pd.DataFrame) -> None:
        path = root / cid / "prepared" / "private" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False)

    put(JIGSAW, "test.csv", pd.DataFrame(_JIGSAW_LABELS, columns=CLASSES).assign(id=_JIGSAW_IDS)[["id", *CLASSES]])
    nomad = pd.DataFrame(_NOMAD_TRUE, columns=NOMAD_TARGETS)
    nomad.insert(0, "spacegroup", [12, 33, 167, 194, 206])
    nomad.insert(0, "id", range(1, 6))
    put(NOMAD, "test.csv", nomad)
    put(MLSP, "answers.csv", pd.DataFrame({"Id": _MLSP_IDS, "Probability": _MLSP_TRUE}))
    put(INSULTS, "test.csv", pd.DataFrame({"Insult": _INSULT_TRUE, "Date": "", "Comment": _COMMENTS, "Usage": "x"}))


# --- the submissions: gold-ish predictions, then one mutation each --------------------------------------------------


def _jigsaw() -> pd.DataFrame:
    frame = pd.DataFrame(_JIGSAW_PRED, columns=CLASSES).astype(object)
    frame.insert(0, "id", _JIGSAW_IDS)
    return frame


def _nomad() -> pd.DataFrame:
    frame = pd.DataFrame(_NOMAD_PRED, columns=NOMAD_TARGETS).astype(object)
    frame.insert(0, "id", [str(i) for i in range(1, 6)])
    return frame


def _mlsp() -> pd.DataFrame:
    return pd.DataFrame({"Id": [str(i) for i in _MLSP_IDS], "Probability": _MLSP_PRED}).astype(object)


def _insults() -> pd.DataFrame:
    return pd.DataFrame({"Insult": _INSULT_PRED, "Date": "", "Comment": _COMMENTS}).astype(object)


def _set(frame: pd.DataFrame, row: int, column: str, value: Any) -> pd.DataFrame:
    frame.loc[row, column] = value
    return frame


Case = tuple[str, Callable[[], pd.DataFrame]]

CASES: dict[str, Case] = {
    # jigsaw: rows 6 and 7 are the ones upstream's metric ignores
    "jigsaw/gold": (JIGSAW, _jigsaw),
    "jigsaw/nan_in_ignored_row": (JIGSAW, lambda: _set(_jigsaw(), 6, "toxic", float("nan"))),
    "jigsaw/inf_in_ignored_row": (JIGSAW, lambda: _set(_jigsaw(), 6, "threat", "inf")),
    "jigsaw/text_in_ignored_row": (JIGSAW, lambda: _set(_jigsaw(), 7, "insult", "high")),
    "jigsaw/duplicated_id_in_ignored_rows": (JIGSAW, lambda: _set(_jigsaw(), 7, "id", _JIGSAW_IDS[6])),
    "jigsaw/duplicated_id_in_scored_rows": (JIGSAW, lambda: _set(_jigsaw(), 5, "id", _JIGSAW_IDS[0])),
    "jigsaw/ignored_row_given_a_scored_id": (JIGSAW, lambda: _set(_jigsaw(), 7, "id", _JIGSAW_IDS[0])),
    "jigsaw/shuffled_rows": (JIGSAW, lambda: _jigsaw().iloc[[3, 7, 0, 5, 1, 6, 2, 4]]),
    "jigsaw/reordered_label_columns": (JIGSAW, lambda: _jigsaw()[["id", *reversed(CLASSES)]]),
    "jigsaw/nan_in_scored_row": (JIGSAW, lambda: _set(_jigsaw(), 0, "toxic", float("nan"))),
    "jigsaw/text_in_scored_row": (JIGSAW, lambda: _set(_jigsaw(), 0, "toxic", "high")),
    "jigsaw/unknown_id_in_ignored_row": (JIGSAW, lambda: _set(_jigsaw(), 6, "id", "ffff")),
    "jigsaw/padded_id": (JIGSAW, lambda: _set(_jigsaw(), 0, "id", f" {_JIGSAW_IDS[0]} ")),
    "jigsaw/extra_column": (JIGSAW, lambda: _jigsaw().assign(extra=0.5)),
    "jigsaw/missing_ignored_rows": (JIGSAW, lambda: _jigsaw().iloc[:6]),
    # nomad2018: upstream never reads the ids and pairs rows by position
    "nomad/gold": (NOMAD, _nomad),
    "nomad/float_ids": (NOMAD, lambda: _nomad().assign(id=[f"{i}.0" for i in range(1, 6)])),
    "nomad/padded_ids": (NOMAD, lambda: _nomad().assign(id=[f" {i} " for i in range(1, 6)])),
    "nomad/shuffled_rows": (NOMAD, lambda: _nomad().iloc[[2, 0, 4, 1, 3]]),
    "nomad/unknown_ids": (NOMAD, lambda: _nomad().assign(id=[str(i) for i in range(101, 106)])),
    "nomad/duplicated_ids": (NOMAD, lambda: _set(_nomad(), 4, "id", "4")),
    "nomad/missing_id_column": (NOMAD, lambda: _nomad().drop(columns="id")),
    "nomad/renamed_id_column": (NOMAD, lambda: _nomad().rename(columns={"id": "ID"})),
    "nomad/negative_prediction": (NOMAD, lambda: _set(_nomad(), 0, "formation_energy_ev_natom", -0.5)),
    "nomad/prediction_at_minus_one": (NOMAD, lambda: _set(_nomad(), 0, "bandgap_energy_ev", -1.0)),
    "nomad/nan": (NOMAD, lambda: _set(_nomad(), 2, "bandgap_energy_ev", float("nan"))),
    "nomad/missing_row": (NOMAD, lambda: _nomad().iloc[:4]),
    "nomad/extra_row": (NOMAD, lambda: pd.concat([_nomad(), _nomad().iloc[[0]]])),
    "nomad/missing_target": (NOMAD, lambda: _nomad().drop(columns="bandgap_energy_ev")),
    # mlsp-2013-birds: ids matched after upstream parses them as numbers
    "mlsp/gold": (MLSP, _mlsp),
    "mlsp/float_ids": (MLSP, lambda: _mlsp().assign(Id=[f"{i}.0" for i in _MLSP_IDS])),
    "mlsp/padded_ids": (MLSP, lambda: _mlsp().assign(Id=[f" {i} " for i in _MLSP_IDS])),
    "mlsp/shuffled_rows": (MLSP, lambda: _mlsp().iloc[[5, 2, 0, 4, 1, 3]]),
    "mlsp/duplicated_id": (MLSP, lambda: _set(_mlsp(), 1, "Id", "700")),
    "mlsp/unknown_id": (MLSP, lambda: _set(_mlsp(), 1, "Id", "999")),
    "mlsp/fractional_id": (MLSP, lambda: _set(_mlsp(), 1, "Id", "701.5")),
    "mlsp/hard_labels": (MLSP, lambda: _mlsp().assign(Probability=[str(v) for v in _MLSP_TRUE])),
    "mlsp/labels_as_words": (MLSP, lambda: _mlsp().assign(Probability=["yes" if v else "no" for v in _MLSP_TRUE])),
    "mlsp/probability_above_one": (MLSP, lambda: _set(_mlsp(), 0, "Probability", 1.5)),
    "mlsp/nan": (MLSP, lambda: _set(_mlsp(), 0, "Probability", float("nan"))),
    # detecting-insults: the comment text is the id; upstream reads only Comment and Insult
    "insults/gold": (INSULTS, _insults),
    "insults/no_date_column": (INSULTS, lambda: _insults().drop(columns="Date")),
    "insults/shuffled_rows": (INSULTS, lambda: _insults().iloc[[4, 2, 0, 3, 1]]),
    "insults/padded_comment": (INSULTS, lambda: _set(_insults(), 0, "Comment", f" {_COMMENTS[0]} ")),
    "insults/duplicated_comment": (INSULTS, lambda: _set(_insults(), 1, "Comment", _COMMENTS[0])),
    "insults/labels_as_words": (INSULTS, lambda: _insults().assign(Insult=["yes"] * 5)),
    "insults/missing_row": (INSULTS, lambda: _insults().iloc[:4]),
}

# Upstream's verdicts on these files: the rounded score, or None where its grader raised.
UPSTREAM: dict[str, float | None] = {
    "jigsaw/gold": 0.94444,
    "jigsaw/nan_in_ignored_row": 0.94444,
    "jigsaw/inf_in_ignored_row": 0.94444,
    "jigsaw/text_in_ignored_row": 0.94444,
    "jigsaw/duplicated_id_in_ignored_rows": 0.94444,
    "jigsaw/duplicated_id_in_scored_rows": 0.46296,
    "jigsaw/ignored_row_given_a_scored_id": None,
    "jigsaw/shuffled_rows": 0.94444,
    "jigsaw/reordered_label_columns": 0.18519,
    "jigsaw/nan_in_scored_row": None,
    "jigsaw/text_in_scored_row": None,
    "jigsaw/unknown_id_in_ignored_row": None,
    "jigsaw/padded_id": None,
    "jigsaw/extra_column": None,
    "jigsaw/missing_ignored_rows": None,
    "nomad/gold": 0.03916,
    "nomad/float_ids": 0.03916,
    "nomad/padded_ids": 0.03916,
    "nomad/shuffled_rows": 0.30725,
    "nomad/unknown_ids": 0.03916,
    "nomad/duplicated_ids": 0.03916,
    "nomad/missing_id_column": 0.03916,
    "nomad/renamed_id_column": 0.03916,
    "nomad/negative_prediction": 0.205,
    "nomad/prediction_at_minus_one": None,
    "nomad/nan": None,
    "nomad/missing_row": None,
    "nomad/extra_row": None,
    "nomad/missing_target": None,
    "mlsp/gold": 0.88889,
    "mlsp/float_ids": 0.88889,
    "mlsp/padded_ids": 0.88889,
    "mlsp/shuffled_rows": 0.88889,
    "mlsp/duplicated_id": None,
    "mlsp/unknown_id": None,
    "mlsp/fractional_id": None,
    "mlsp/hard_labels": 1.0,
    "mlsp/labels_as_words": None,
    "mlsp/probability_above_one": None,
    "mlsp/nan": None,
    "insults/gold": 0.66667,
    "insults/no_date_column": 0.66667,
    "insults/shuffled_rows": 0.66667,
    "insults/padded_comment": None,
    "insults/duplicated_comment": None,
    "insults/labels_as_words": None,
    "insults/missing_row": None,
}

# The cases upstream scores only by looking away: default mode warns (this text), strict mode rejects.
LENIENT: dict[str, str] = {
    "jigsaw/nan_in_ignored_row": "values in rows the metric ignores (ids '6a7f')",
    "jigsaw/inf_in_ignored_row": "values in rows the metric ignores (ids '6a7f')",
    "jigsaw/text_in_ignored_row": "values in rows the metric ignores (ids '7b8e')",
    "jigsaw/duplicated_id_in_ignored_rows": "column 'id' has 1 duplicated id(s) ('6a7f')",
    "jigsaw/duplicated_id_in_scored_rows": "rows are paired in sorted-id order, as upstream does",
    "jigsaw/reordered_label_columns": "label columns are scored by position, as upstream does",
    "nomad/shuffled_rows": "scored by position, as upstream does; ids do not match test.csv's order",
    "nomad/unknown_ids": "scored by position, as upstream does; ids do not match test.csv's order",
    "nomad/duplicated_ids": "row 4 has id 4, expected 5",
    "nomad/missing_id_column": "no 'id' column; rows are scored by position, as upstream does",
    "nomad/renamed_id_column": "no 'id' column; rows are scored by position, as upstream does",
    "nomad/negative_prediction": "'formation_energy_ev_natom' have negative predictions",
    "insults/no_date_column": "no 'Date' column (the sample submission has one); upstream does not read it",
}


def write_cases(root: Path) -> dict[str, Path]:
    """Answers plus one submission file per case; used by the tests and by the comparison against upstream."""
    _write_answers(root)
    paths = {}
    for name, (_, build) in CASES.items():
        path = root / "submissions" / f"{name.replace('/', '__')}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        build().to_csv(path, index=False)
        paths[name] = path
    return paths


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    root = tmp_path_factory.mktemp("validity")
    return root, write_cases(root)


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_mode_grades_as_upstream(cases: tuple[Path, dict[str, Path]], name: str) -> None:
    root, paths = cases
    cid = CASES[name][0]
    report = grade(cid, paths[name], root)
    expected = UPSTREAM[name]
    if expected is None:
        assert not report.valid_submission, f"upstream rejects {name}; we scored {report.score}"
        assert report.invalid_reason
        assert "\n" not in report.invalid_reason
    else:
        assert report.valid_submission, f"upstream scores {name} {expected}; we said: {report.invalid_reason}"
        assert report.score is not None
        assert math.isclose(report.score, expected, abs_tol=1e-9), report.score
    if name in LENIENT:
        assert any(LENIENT[name] in w for w in report.warnings), report.warnings
    else:
        assert report.warnings == ()


@pytest.mark.parametrize("name", sorted(LENIENT))
def test_strict_mode_rejects_what_upstream_lets_through(cases: tuple[Path, dict[str, Path]], name: str) -> None:
    root, paths = cases
    report = grade(CASES[name][0], paths[name], root, mode="strict")
    assert not report.valid_submission
    assert report.grading_mode == "strict"
    assert report.invalid_reason is not None
    assert LENIENT[name] in report.invalid_reason
    # what the agent's validator answers in each mode: a verdict and a reason, never the warning as a hint
    assert validate(CASES[name][0], paths[name], root) == (True, "Submission is valid.")
    valid, reason = validate(CASES[name][0], paths[name], root, mode="strict")
    assert not valid
    assert LENIENT[name] in reason


@pytest.mark.parametrize("name", sorted(n for n in CASES if n not in LENIENT))
def test_strict_mode_agrees_where_upstream_is_not_lenient(cases: tuple[Path, dict[str, Path]], name: str) -> None:
    root, paths = cases
    default, strict = grade(CASES[name][0], paths[name], root), grade(CASES[name][0], paths[name], root, mode="strict")
    assert (default.score, default.valid_submission) == (strict.score, strict.valid_submission)


# --- where the mode travels: validator, agent tools, CLI ------------------------------------------------------------


def test_validator_server_judges_in_the_tasks_mode_and_never_hints(cases: tuple[Path, dict[str, Path]]) -> None:
    root, paths = cases
    shuffled = paths["nomad/shuffled_rows"]
    for mode, expected in (("upstream", (True, "Submission is valid.")), ("strict", (False, None))):
        srv = create_server(NOMAD, root, port=0, log_stream=io.StringIO(), grading_mode=mode)
        try:
            valid, reason = srv.check(shuffled)
        finally:
            srv.server_close()
        assert valid is expected[0]
        if expected[1] is not None:
            assert reason == expected[1]  # no warning appended: upstream's validator would say just this
        else:
            assert reason.startswith("Submission invalid: scored by position")
    with pytest.raises(ValidatorStartupError, match="unknown grading mode 'lax'"):
        create_server(NOMAD, root, port=0, grading_mode="lax")


def test_agent_tools_validate_in_the_samples_mode(cases: tuple[Path, dict[str, Path]]) -> None:
    root, paths = cases
    data = paths["insults/no_date_column"].read_bytes()
    base = {"competition_id": INSULTS, "data_dir": str(root)}
    assert asyncio.run(validate_csv_bytes(data, base)) == (True, "Submission is valid.")
    valid, reason = asyncio.run(validate_csv_bytes(data, base | {"grading_mode": "strict"}))
    assert valid is False
    assert "no 'Date' column" in reason


def test_cli_grading_mode(cases: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    root, paths = cases
    runner = CliRunner()
    sub = str(paths["nomad/negative_prediction"])
    default = runner.invoke(cli, ["grade-sample", sub, NOMAD, "--data-dir", str(root)])
    assert default.exit_code == 0, default.output
    report = json.loads(default.stdout)
    assert report["score"] == UPSTREAM["nomad/negative_prediction"]
    assert report["grading_mode"] == "upstream"
    assert "warning: column(s) 'formation_energy_ev_natom' have negative predictions" in default.stderr
    strict = runner.invoke(cli, ["grade-sample", sub, NOMAD, "--data-dir", str(root), "--grading-mode", "strict"])
    assert json.loads(strict.stdout)["valid_submission"] is False
    bad = runner.invoke(cli, ["grade-sample", sub, NOMAD, "--data-dir", str(root), "--grading-mode", "lax"])
    assert bad.exit_code != 0
    assert "lax" in bad.output

    jsonl = tmp_path / "subs.jsonl"
    jsonl.write_text(json.dumps({"competition_id": NOMAD, "submission_path": sub}) + "\n")
    for mode, valid in (("upstream", 1), ("strict", 0)):
        out = runner.invoke(
            cli,
            [
                "grade",
                "--submission",
                str(jsonl),
                "--output-dir",
                str(tmp_path / mode),
                "--data-dir",
                str(root),
                "--grading-mode",
                mode,
            ],
        )
        assert out.exit_code == 0, out.output
        aggregate = json.loads(Path(out.stdout.strip()).read_text())
        assert aggregate["total_valid_submissions"] == valid
        assert ("warning: nomad2018-predict-transparent-conductors: column(s)" in out.stderr) is (mode == "upstream")


def test_aide_node_check_validates_in_the_samples_mode(cases: tuple[Path, dict[str, Path]], tmp_path: Path) -> None:
    root, paths = cases
    shuffled = str(paths["nomad/shuffled_rows"])
    base = {"competition_id": NOMAD, "data_dir": str(root)}

    async def body(out: dict[str, Any]) -> None:
        out["upstream"] = await validate_node_submission(shuffled, base)
        out["strict"] = await validate_node_submission(shuffled, base | {"grading_mode": "strict"})

    out = run_in_sample(body, tmp_path)
    assert out["upstream"] == (True, "Submission is valid.")
    assert out["strict"][0] is False
    assert "scored by position" in out["strict"][1]
