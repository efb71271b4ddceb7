"""grade() and the CLI around it, on spaceship-titanic's synthetic data: reports, leaderboards, upstream formats."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from inspect_mlebench.cli import cli
from inspect_mlebench.data.prepare import PreparationError, prepare, prepare_synthetic
from inspect_mlebench.grading import CompetitionNotPreparedError, grade, validate
from inspect_mlebench.kit.holdout import HoldoutError

CID = "spaceship-titanic"
UPSTREAM_KEYS = [
    "competition_id", "score", "gold_threshold", "silver_threshold", "bronze_threshold", "median_threshold",
    "any_medal", "gold_medal", "silver_medal", "bronze_medal", "above_median", "submission_exists",
    "valid_submission", "is_lower_better", "created_at", "submission_path",
]  # fmt: skip


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_synthetic(CID, root, seed=1, size=150)
    return root


@pytest.fixture
def leaderboard(tmp_path: Path) -> Path:
    path = tmp_path / "leaderboard.csv"
    scores = [round(0.99 - i * 0.004, 5) for i in range(120)]  # 120 teams, best first
    pd.DataFrame({"teamId": range(120), "score": scores}).to_csv(path, index=False)
    return path


def _gold(data_dir: Path) -> Path:
    return data_dir / CID / "prepared" / "private" / "gold_submission.csv"


def test_report_has_upstream_keys_then_ours(data_dir: Path, leaderboard: Path) -> None:
    report = grade(CID, _gold(data_dir), data_dir, leaderboard=leaderboard)
    keys = list(report.upstream_dict())
    assert keys[: len(UPSTREAM_KEYS)] == UPSTREAM_KEYS
    assert keys[len(UPSTREAM_KEYS) :] == [
        "percentile",
        "invalid_reason",
        "leaderboard_note",
        "grading_mode",
        "warnings",
    ]


def test_gold_wins_gold_against_a_leaderboard(data_dir: Path, leaderboard: Path) -> None:
    report = grade(CID, _gold(data_dir), data_dir, leaderboard=leaderboard)
    assert report.score == 1.0
    assert report.gold_medal
    assert report.any_medal
    assert report.above_median
    assert report.percentile == 1.0
    assert report.gold_threshold == 0.954  # row 10 of 120 teams
    assert report.leaderboard_note is None


def test_without_leaderboard_medals_are_unavailable_not_false(data_dir: Path) -> None:
    report = grade(CID, _gold(data_dir), data_dir)
    assert report.valid_submission
    assert report.any_medal is None
    assert report.gold_threshold is None
    assert report.leaderboard_note is not None
    assert "medals not available" in report.leaderboard_note


def test_invalid_submission_has_no_medals_but_thresholds(data_dir: Path, leaderboard: Path, tmp_path: Path) -> None:
    bad = tmp_path / "submission.csv"
    bad.write_text("PassengerId,Transported\nnot-an-id,True\n")
    report = grade(CID, bad, data_dir, leaderboard=leaderboard)
    assert not report.valid_submission
    assert report.score is None
    assert report.any_medal is False
    assert report.gold_threshold is not None
    assert report.invalid_reason is not None
    assert "not-an-id" in report.invalid_reason


def test_missing_submission_is_invalid_not_an_error(data_dir: Path) -> None:
    report = grade(CID, data_dir / "nope.csv", data_dir)
    assert not report.submission_exists
    assert not report.valid_submission
    assert report.invalid_reason is not None
    assert "no submission file" in report.invalid_reason


def test_validate_never_reveals_a_score(data_dir: Path, tmp_path: Path) -> None:
    ok, message = validate(CID, _gold(data_dir), data_dir)
    assert ok
    assert message == "Submission is valid."
    wrong = tmp_path / "submission.csv"
    wrong.write_text("PassengerId\n0001_01\n")
    ok, message = validate(CID, wrong, data_dir)
    assert not ok
    assert "Transported" in message


def test_unprepared_competition_raises_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(CompetitionNotPreparedError, match=f"inspect-mlebench prepare -c {CID}"):
        grade(CID, tmp_path / "s.csv", tmp_path)


def test_cli_grade_sample_prints_report(data_dir: Path, leaderboard: Path) -> None:
    result = CliRunner().invoke(
        cli, ["grade-sample", str(_gold(data_dir)), CID, "--data-dir", str(data_dir), "--leaderboard", str(leaderboard)]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["score"] == 1.0
    assert report["gold_medal"] is True


def test_cli_grade_sample_unknown_competition() -> None:
    result = CliRunner().invoke(cli, ["grade-sample", "x.csv", "no-such-comp"])
    assert result.exit_code != 0
    assert "unknown competition 'no-such-comp'" in result.output


def test_cli_grade_jsonl_writes_upstream_aggregate(data_dir: Path, tmp_path: Path) -> None:
    sample = data_dir / CID / "prepared" / "public" / "sample_submission.csv"
    jsonl = tmp_path / "subs.jsonl"
    jsonl.write_text(
        "# comment\n"
        + json.dumps({"competition_id": CID, "submission_path": str(_gold(data_dir))})
        + "\n"
        + "// another comment\n"
        + json.dumps({"competition_id": CID, "submission_path": str(sample)})
        + "\n"
        + json.dumps({"competition_id": CID, "submission_path": str(tmp_path / "missing.csv")})
        + "\n"
    )
    out = tmp_path / "reports"
    result = CliRunner().invoke(cli, ["grade", "--submission", str(jsonl), "--output-dir", str(out),
                                      "--data-dir", str(data_dir)])  # fmt: skip
    assert result.exit_code == 0, result.output
    [path] = out.glob("*_grading_report.json")
    agg = json.loads(path.read_text())
    assert agg["total_runs"] == 3
    assert agg["total_runs_with_submissions"] == 2
    assert agg["total_valid_submissions"] == 2
    assert agg["total_medals"] == 0  # no leaderboard in this data dir
    assert len(agg["competition_reports"]) == 3


def test_cli_grade_jsonl_bad_line(tmp_path: Path) -> None:
    jsonl = tmp_path / "subs.jsonl"
    jsonl.write_text('{"competition_id": "spaceship-titanic"}\n')
    result = CliRunner().invoke(cli, ["grade", "--submission", str(jsonl), "--output-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "subs.jsonl:1" in result.output


def test_failed_prepare_leaves_no_ready_looking_dir(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "train.csv").write_text("PassengerId,Other\n" + "".join(f"{i:04d}_01,{i}\n" for i in range(20)))
    # a clear one-line error naming the raw dir and what is missing, before anything is written
    with pytest.raises(
        PreparationError, match=r"not laid out as Kaggle's download \(HoldoutError: train\.csv lacks"
    ) as err:
        prepare(CID, raw, tmp_path / "data")
    assert isinstance(err.value.__cause__, HoldoutError)
    assert "\n" not in str(err.value)
    comp_dir = tmp_path / "data" / CID
    assert not (comp_dir / "prepared").exists()
    assert not [p for p in comp_dir.iterdir() if p.name.startswith(".prepared-")]


def test_a_raw_dir_missing_a_file_names_it(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    with pytest.raises(PreparationError, match=r"lacks train\.json, which Kaggle's download has; pass the"):
        prepare("random-acts-of-pizza", raw, tmp_path / "data")


def test_prepare_requires_raw_dir(tmp_path: Path) -> None:
    with pytest.raises(PreparationError, match="does not exist"):
        prepare(CID, tmp_path / "missing", tmp_path / "data")


def test_cli_prepare_synthetic(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["prepare", "-c", CID, "--synthetic", "--data-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / CID / "prepared" / "private" / "gold_submission.csv").is_file()
    both = CliRunner().invoke(cli, ["prepare", "-c", CID, "--synthetic", "--raw-dir", str(tmp_path)])
    assert both.exit_code == 2
    assert "at most one of --from-zip, --raw-dir and --synthetic" in both.output


def test_parsed_answers_are_cached_and_invalidated(tmp_path: Path) -> None:
    prepare_synthetic(CID, tmp_path, seed=2, size=60)
    gold = _gold(tmp_path)
    assert grade(CID, gold, tmp_path).score == 1.0
    assert list((tmp_path / CID / ".cache").glob("answers-*.arrow"))
    answers = tmp_path / CID / "prepared" / "private" / "test.csv"
    frame = pd.read_csv(answers)
    frame["Transported"] = ~frame["Transported"]
    frame.to_csv(answers, index=False)  # new size/mtime: the cached parse must not be used
    assert grade(CID, gold, tmp_path).score == 0.0


def test_answers_cache_is_data_only_and_exact(tmp_path: Path) -> None:
    """The disk cache is Arrow, not a pickle (loading a pickle runs code); a damaged cache file is parsed again,
    and text with missing values comes back exactly as pandas' CSV reader gave it (NaN, not None)."""
    from inspect_mlebench.grading import grader

    (tmp_path / "a.csv").write_text("id,x,n\na,1.5,1\nb,,2\n,3.0,3\n")
    frame = pd.read_csv(tmp_path / "a.csv")
    frame.to_feather(tmp_path / "c.arrow")
    back = grader._read_cached(tmp_path / "c.arrow")
    assert grader._same_frame(back, frame)
    assert back["id"].isna().tolist() == [False, False, True]

    prepare_synthetic(CID, tmp_path / "d", seed=2, size=60)
    gold = _gold(tmp_path / "d")
    assert grade(CID, gold, tmp_path / "d").score == 1.0
    (cached,) = (tmp_path / "d" / CID / ".cache").glob("answers-*.arrow")
    assert not cached.read_bytes().startswith(b"\x80")  # pickle's protocol marker
    cached.write_bytes(b"not arrow")
    grader._cached_answers.cache_clear()
    assert grade(CID, gold, tmp_path / "d").score == 1.0
    assert cached.read_bytes().startswith(b"ARROW1")


def test_first_grades_run_one_at_a_time_later_ones_concurrently(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A competition's first grade imports its metric libraries; two threads importing scikit-learn at once can
    see a partially initialised module and grade a valid file invalid. First grades are serialised, later ones not."""
    import threading
    import time

    from inspect_mlebench.grading import grader

    real = grader.score_submission
    inside = 0
    most = 0
    count = threading.Lock()

    def watched(*args: object, **kwargs: object) -> float:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        time.sleep(0.2)
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            with count:
                inside -= 1

    def run_four() -> list[bool]:
        results: list[bool] = []
        threads = [
            threading.Thread(target=lambda: results.append(grade(CID, _gold(data_dir), data_dir).valid_submission))
            for _ in range(4)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    monkeypatch.setattr(grader, "score_submission", watched)
    monkeypatch.setattr(grader, "_graded_once", set())
    assert run_four() == [True] * 4
    assert most == 1  # the first grades never overlapped
    most = 0
    assert run_four() == [True] * 4
    assert most > 1  # once graded, the competition's grades run side by side


def test_a_grader_that_modifies_its_answers_leaves_the_cached_ones_alone(data_dir: Path) -> None:
    """load_answers hands out a shallow copy under copy-on-write: every kind of write lands on the grader's copy."""
    from inspect_mlebench.config import get_competition
    from inspect_mlebench.grading import grader

    comp = get_competition(CID)
    original = grader.load_answers(comp, data_dir)
    snapshot = original.copy(deep=True)
    column = original.columns[-1]
    original[column] = 0
    original.loc[original.index[0], original.columns[0]] = "changed"
    original.sort_values(original.columns[0], ascending=False, inplace=True)
    original.drop(columns=[column], inplace=True)
    pd.testing.assert_frame_equal(grader.load_answers(comp, data_dir), snapshot)
