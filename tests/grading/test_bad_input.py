"""Hostile and careless input gets a bounded, one-line answer and valid JSON (issue: reliability and isolation).

Each case failed before its fix: a 5 MB id was echoed whole into `invalid_reason`, an `inf` score was printed as
`Infinity` (not JSON), a leaderboard with `inf` flipped the direction, and the CLI answered a file given as the
output directory and a zero size with tracebacks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from inspect_mlebench.cli import cli
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.errors import MAX_REASON_CHARS, InvalidSubmissionError, bounded
from inspect_mlebench.grading.leaderboard import LeaderboardError, load_leaderboard

TAXI = "new-york-city-taxi-fare-prediction"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_synthetic(TAXI, root, seed=0, size=60)
    return root


def _sample(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / TAXI / "prepared" / "public" / "sample_submission.csv", dtype=str)


def test_reason_with_a_huge_value_is_bounded(data_dir: Path, tmp_path: Path) -> None:
    frame = _sample(data_dir)
    frame.loc[0, "key"] = "x" * 5_000_000
    path = tmp_path / "huge.csv"
    frame.to_csv(path, index=False)
    report = grade(TAXI, path, data_dir, mode="strict")
    assert report.invalid_reason is not None
    assert len(report.invalid_reason) < MAX_REASON_CHARS + 100
    assert "more chars]" in report.invalid_reason
    lenient = grade(TAXI, path, data_dir)  # upstream mode: valid, the id problem is a warning, bounded too
    assert all(len(w) < MAX_REASON_CHARS + 100 for w in lenient.warnings)


def test_bounded_keeps_short_reasons_and_counts_what_it_cuts() -> None:
    assert bounded("column 'a'   is\nmissing") == "column 'a' is missing"
    long = bounded("ids " + ", ".join(f"'{i:05d}'" for i in range(1000)))
    assert len(long) < MAX_REASON_CHARS + 40
    assert long.endswith("more chars]")
    assert len(str(InvalidSubmissionError("y" * 10_000))) < 100


def test_infinite_score_stays_valid_and_prints_as_json(data_dir: Path, tmp_path: Path) -> None:
    frame = _sample(data_dir)
    frame["fare_amount"] = "1e308"  # squares overflow: upstream's RMSE is inf, and upstream grades it valid
    path = tmp_path / "inf.csv"
    frame.to_csv(path, index=False)
    report = grade(TAXI, path, data_dir)
    assert report.valid_submission
    assert report.score == float("inf")
    result = CliRunner().invoke(cli, ["grade-sample", str(path), TAXI, "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["score"] == "Infinity"  # strict JSON parsers accept it
    jsonl = tmp_path / "subs.jsonl"
    jsonl.write_text(json.dumps({"competition_id": TAXI, "submission_path": str(path)}) + "\n")
    result = CliRunner().invoke(
        cli, ["grade", "--submission", str(jsonl), "--output-dir", str(tmp_path / "out"), "--data-dir", str(data_dir)]
    )
    assert result.exit_code == 0, result.output
    text = Path(result.stdout.strip().splitlines()[-1]).read_text()
    assert json.loads(text, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))


def test_leaderboard_with_non_finite_scores_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "leaderboard.csv"
    pd.DataFrame({"teamId": range(4), "score": ["inf", "0.5", "0.4", "0.3"]}).to_csv(path, index=False)
    with pytest.raises(LeaderboardError, match=r"non-finite scores \(lines 2\)"):
        load_leaderboard(path)


def test_cli_refuses_a_file_as_output_dir_and_a_zero_size(tmp_path: Path) -> None:
    jsonl = tmp_path / "subs.jsonl"
    jsonl.write_text("")
    not_a_dir = tmp_path / "report.json"
    not_a_dir.write_text("")
    result = CliRunner().invoke(cli, ["grade", "--submission", str(jsonl), "--output-dir", str(not_a_dir)])
    assert result.exit_code == 2
    assert "is a file; pass a directory" in result.output
    assert "Traceback" not in result.output
    for command in (["synthesize", "-c", "spaceship-titanic", "--out", str(tmp_path / "s")], ["check", "-c", "x"]):
        result = CliRunner().invoke(cli, [*command, "--size", "0"])
        assert result.exit_code == 2
        assert "0 is not in the range x>=1" in result.output
