"""Grade a submission file for a competition: checks, metric, leaderboard placement, report.

`grade` never raises for a bad submission: it returns a report with `valid_submission=False`, `score=None` and a
one-line `invalid_reason`. It raises only when the competition itself is unusable (unknown id, not prepared).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.config import Competition, GradingSpec, get_competition
from inspect_mlebench.config.references import resolve
from inspect_mlebench.data.paths import competition_dir, leaderboard_path
from inspect_mlebench.errors import CompetitionNotPreparedError
from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError, bounded
from inspect_mlebench.grading.leaderboard import SYNTHETIC_NOTE, LeaderboardError, load_leaderboard, place, thresholds
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GradingMode, grading_context, lenient
from inspect_mlebench.grading.metrics import get_metric
from inspect_mlebench.grading.report import CompetitionReport
from inspect_mlebench.tables import read_column_as_text, read_csv
from inspect_mlebench.util import first_line

logger = logging.getLogger(__name__)

GraderFn = Callable[[pd.DataFrame, pd.DataFrame], float]

# A competition's first grade in a process imports its metric libraries (scikit-learn, scipy, its own module) on
# the way. Scorers grade in worker threads, and two threads importing scikit-learn at once can meet a partially
# initialised module ("cannot import name 'clone' from partially initialized module 'sklearn.base'"), which would
# make a valid submission invalid. First grades therefore run one at a time; later ones run concurrently.
_FIRST_GRADE_LOCK = threading.RLock()
_graded_once: set[str] = set()


def answers_path(comp: Competition, data_dir: str | Path | None) -> Path:
    return competition_dir(data_dir, comp.id) / comp.dataset.answers


def load_answers(comp: Competition, data_dir: str | Path | None, columns: list[str] | None = None) -> pd.DataFrame:
    """The answers file (CSV or JSONL); `columns` limits what a CSV read parses.

    Parsed answers are kept in memory and as an Arrow (feather) file under `<data>/<id>/.cache/`, keyed by the
    file's path, size, mtime and the columns: the validator and repeated grading parse a large answers file once,
    not per call. Arrow holds data only (a pickle would run code for whoever can write the data dir), and a frame
    that does not come back from it exactly is not cached on disk.
    """
    path = answers_path(comp, data_dir)
    if not path.is_file():
        raise CompetitionNotPreparedError(
            f"answers for '{comp.id}' not found at {path}; prepare it with `inspect-mlebench prepare -c {comp.id}`"
        )
    stat = path.stat()
    # custom graders get the id column as text; the declarative grader gets it parsed as upstream parses it, plus
    # its text in ANSWER_ID_TEXT (what strict mode compares)
    parsed = comp.grading.grader is None
    key = (str(path), stat.st_size, stat.st_mtime_ns, tuple(columns or ()), comp.grading.id_column, parsed)
    # a grader may modify what it gets; under copy-on-write a shallow copy keeps the cached frame safe, and costs
    # nothing where a deep one copies every cell (0.7 s for icecube's 13M answers)
    return _cached_answers(key, competition_dir(data_dir, comp.id) / ".cache").copy(deep=not _copy_on_write())


def _copy_on_write() -> bool:
    """Whether pandas copies a frame's data on first write: always from pandas 3, on option in pandas 2.2."""
    return int(pd.__version__.split(".")[0]) >= 3 or pd.get_option("mode.copy_on_write") is True


# the answers' id column as written in the file, next to the parsed one (declarative grading only)
ANSWER_ID_TEXT = "__id_as_written__"


@functools.lru_cache(maxsize=8)
def _cached_answers(key: tuple[str, int, int, tuple[str, ...], str | None, bool], cache_dir: Path) -> pd.DataFrame:
    path_str, _, _, columns, id_column, parsed = key
    path = Path(path_str)
    cache_file = cache_dir / f"answers-{hashlib.sha256(repr(key).encode()).hexdigest()[:20]}.arrow"
    if cache_file.is_file():
        try:
            return _read_cached(cache_file)
        except (OSError, ValueError) as err:  # damaged or foreign: parse the answers again and rewrite it
            logger.debug("ignoring the answers cache %s: %s", cache_file, err)
    dtype = {id_column: str} if id_column and not parsed else None
    if path.suffix == ".jsonl":
        frame = pd.read_json(path, lines=True, dtype=dtype)
    else:
        frame = read_csv(path, dtype=dtype, usecols=list(columns) or None)
        if parsed and id_column:
            written = read_column_as_text(path, id_column)
            frame = pd.concat([frame, written.rename(ANSWER_ID_TEXT)], axis=1)
    tmp: Path | None = None
    try:
        cache_dir.mkdir(exist_ok=True)
        fd, name = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
        os.close(fd)
        tmp = Path(name)
        frame.to_feather(tmp)
        if _same_frame(_read_cached(tmp), frame):
            tmp.replace(cache_file)
        else:
            logger.debug("not caching parsed answers for %s: they do not round-trip through Arrow", path)
    except (OSError, ValueError, TypeError, ImportError) as err:
        # a read-only data dir (e.g. the validator's mount) or columns Arrow cannot hold: no disk cache, same result
        logger.debug("not caching parsed answers for %s: %s", path, err)
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return frame


def _read_cached(path: Path) -> pd.DataFrame:
    frame = pd.read_feather(path)
    for name in frame.columns:
        if frame[name].dtype == object:  # Arrow gives None for missing text; pandas' CSV reader gives NaN
            frame[name] = frame[name].where(frame[name].notna(), np.nan)
    return frame


def _same_frame(back: pd.DataFrame, frame: pd.DataFrame) -> bool:
    return bool(back.dtypes.equals(frame.dtypes) and back.equals(frame))


def graded_answer_columns(comp: Competition) -> list[str] | None:
    """The answer columns grading reads (None: all of them, for custom graders). Shared with the validator, which
    warms the answers cache with exactly this entry at start-up."""
    spec = comp.grading
    return [spec.id_column, *spec.target_columns] if spec.grader is None and spec.id_column else None


def declarative_score(
    spec: GradingSpec, submission: pd.DataFrame, answers: pd.DataFrame, *, submission_path: Path | None = None
) -> float:
    """Score a submission (parsed as upstream parses it) with the metric library, following the config's id and
    target columns and its declared input checks (`spec.checks`). Valid exactly where upstream's grader is; what
    upstream lets through that a careful grader would not is reported with `lenient`."""
    assert spec.id_column is not None
    assert spec.metric is not None
    metric = get_metric(spec.metric)
    rules = spec.checks
    id_col, targets = spec.id_column, list(spec.target_columns)
    if rules.exact_columns:
        checks.require_exact_columns(submission, [id_col, *targets])
    else:
        checks.require_columns(submission, [id_col, *targets])
    if rules.id_first and submission.columns[0] != id_col:
        raise InvalidSubmissionError(f"column '{id_col}' must come first, followed by the class columns")
    probabilities = rules.probabilities or metric.probabilities
    sums = None
    if probabilities == "sum_to_one":
        checks.numeric_columns(submission, targets)
        # on the frame as read, over the columns in upstream's order: "every column after the id" or the classes
        sums = checks.row_sums(submission, list(submission.columns[1:]) if rules.id_first else targets)
    if rules.rows == "sorted_by_id":
        sub, ans = _paired_after_sorting(submission, answers, id_col)
    else:
        sub, ans = checks.align_by_id(submission, answers, id_col, as_text=False)
        if submission_path is not None:
            _check_ids_as_written(submission_path, submission, answers, id_col)
    if metric.kind == "numeric":
        y_pred = checks.numeric_columns(sub, targets)
        y_true = ans[targets].to_numpy(dtype=float)
        if probabilities:
            checks.check_probabilities(y_pred, targets, sum_to_one=probabilities == "sum_to_one", sums=sums)
    else:  # class labels, compared as parsed (True/true are both booleans, 2 and 2.0 the same number), as upstream
        predicted = sub[targets]
        missing = predicted.isna().sum()
        if rules.missing_label is not None:
            predicted = predicted.fillna(rules.missing_label)
        if rules.labels == "listed":
            y_pred = np.column_stack([np.asarray(predicted[c].tolist()) for c in targets])
            y_true = np.column_stack([np.asarray(ans[c].tolist()) for c in targets])
        else:
            y_pred, y_true = predicted.to_numpy(), ans[targets].to_numpy()
        for j, col in enumerate(targets):
            checks.comparable_labels(y_true[:, j], y_pred[:, j], col)
            if missing[col]:
                lenient(f"column '{col}' has {int(missing[col])} empty label(s), counted as wrong as upstream does")
    if len(targets) == 1:
        y_pred, y_true = y_pred[:, 0], y_true[:, 0]
    return metric.fn(y_true, y_pred, **dict(spec.options))


def _paired_after_sorting(
    submission: pd.DataFrame, answers: pd.DataFrame, id_col: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both sides sorted by the id column and paired row by row, as upstream's grader pairs them when it never
    compares the ids; ids that differ from the test set's are reported with `lenient`."""
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the answers have {len(answers)}")
    # pandas' own sort, as upstream calls it, so rows with equal ids end up in the same order as there
    sub = submission.sort_values(id_col).reset_index(drop=True)
    ans = answers.sort_values(id_col).reset_index(drop=True)
    where = pd.Index(ans[id_col]).get_indexer(pd.Index(sub[id_col]))
    known = where[where >= 0]
    unknown = sub[id_col][where < 0].unique()
    duplicated = len(known) - len(np.unique(known))
    missing = len(ans) - len(np.unique(known))
    if len(unknown) or duplicated or missing:
        parts = [f"{len(unknown)} unknown (e.g. {checks.examples(unknown)})"] if len(unknown) else []
        parts += [f"{duplicated} duplicated"] if duplicated else []
        parts += [f"{missing} test id(s) missing"] if missing else []
        lenient(
            f"rows scored by position after sorting both files by '{id_col}', as upstream does; the ids do not "
            f"match the test set: {', '.join(parts)}"
        )
    return sub, ans


def _check_ids_as_written(path: Path, submission: pd.DataFrame, answers: pd.DataFrame, id_col: str) -> None:
    """Ids that match the test set only once parsed as numbers (`1.0`, ` 12 `, `012` for 12) are reported with
    `lenient`: upstream compares parsed values. Text ids are compared as written already, so only numeric ones are
    read again as text."""
    if ANSWER_ID_TEXT not in answers.columns or not pd.api.types.is_numeric_dtype(submission[id_col]):
        return
    try:
        written = read_column_as_text(path, id_col)
    except (ValueError, pd.errors.ParserError) as err:  # read once already: not expected, and only a warning lost
        logger.debug("could not re-read the ids of %s as text: %s", path, err)
        return
    expected = answers[ANSWER_ID_TEXT]
    if len(written) == len(expected) and written.reset_index(drop=True).equals(expected.reset_index(drop=True)):
        return  # written exactly as the answers, in their order: the usual case, and no hashing of every id
    differ = written[pd.Index(expected).get_indexer(pd.Index(written)) < 0]
    if len(differ):
        lenient(
            f"{len(differ)} id(s) in column '{id_col}' are not written as in the test set, e.g. "
            f"{checks.examples(differ.unique())}; upstream compares them as parsed numbers"
        )


def score_submission(comp: Competition, submission_path: Path, answers: pd.DataFrame) -> float:
    """The raw (unrounded) score; raises InvalidSubmissionError for anything wrong with the submission."""
    spec = comp.grading
    if spec.grader:
        submission = checks.read_submission(
            submission_path,
            text_columns=[spec.id_column] if spec.id_column else (),
            allow_no_rows=spec.checks.header_only == "graded",
        )
        grader: GraderFn = resolve(spec.grader, "grading.grader")
        return float(grader(submission, answers))
    if not spec.implemented:
        raise NotImplementedError(f"no grader configured for '{comp.id}' yet")
    # parsed exactly as upstream parses it (no dtype): its validity and scores follow from the parsed values
    submission = checks.read_submission(submission_path)
    return declarative_score(spec, submission, answers, submission_path=submission_path)


def validate(
    competition_id: str,
    submission_path: Path,
    data_dir: str | Path | None = None,
    *,
    mode: GradingMode = DEFAULT_GRADING_MODE,
) -> tuple[bool, str]:
    """Valid or not, with a reason; never a score, and no warnings: what upstream's validator would answer (in
    strict mode, what strict grading would). What the validator endpoint and tool answer."""
    report = grade(competition_id, submission_path, data_dir, mode=mode)
    if report.valid_submission:
        return True, "Submission is valid."
    return False, f"Submission invalid: {report.invalid_reason}"


def grade(
    competition_id: str,
    submission_path: str | Path,
    data_dir: str | Path | None = None,
    *,
    leaderboard: str | Path | None = None,
    mode: GradingMode = DEFAULT_GRADING_MODE,
) -> CompetitionReport:
    """Grade one submission file. `mode="upstream"` (default) is valid exactly where upstream's grader is, with its
    sloppier acceptances listed in `warnings`; `mode="strict"` makes those invalid."""
    comp = get_competition(competition_id)
    if comp.id in _graded_once:
        return _grade(comp, submission_path, data_dir, leaderboard=leaderboard, mode=mode)
    with _FIRST_GRADE_LOCK:
        report = _grade(comp, submission_path, data_dir, leaderboard=leaderboard, mode=mode)
        _graded_once.add(comp.id)
    return report


def _grade(
    comp: Competition,
    submission_path: str | Path,
    data_dir: str | Path | None,
    *,
    leaderboard: str | Path | None,
    mode: GradingMode,
) -> CompetitionReport:
    path = Path(submission_path)
    answers = load_answers(comp, data_dir, graded_answer_columns(comp))
    exists = path.is_file() and path.suffix.lower() == ".csv"
    score: float | None = None
    reason: str | None = None
    warnings: list[str] = []
    try:
        # numpy's overflow/invalid-value warnings would only reach stderr; the score says what happened (inf, nan)
        with grading_context(mode) as warnings, np.errstate(all="ignore"):
            score = round(score_submission(comp, path, answers), 5)
    except InvalidSubmissionError as err:
        reason = str(err)
    except NotImplementedError:
        raise
    except Exception as err:  # a metric's own complaint about the submission (upstream: any exception = invalid)
        logger.info("grader for %s raised on %s", comp.id, path, exc_info=True)
        detail = first_line(err, empty="")
        reason = bounded(
            f"grader could not score the submission: {type(err).__name__}" + (f": {detail}" if detail else "")
        )

    lb_path = Path(leaderboard) if leaderboard else leaderboard_path(data_dir, comp.id)
    limits = None
    note = None
    try:
        scores = load_leaderboard(lb_path)
        limits = thresholds(scores)
        if scores.attrs["synthetic"]:
            note = SYNTHETIC_NOTE
    except LeaderboardError as err:
        note = f"medals not available: {err}"

    placement = place(score, limits, scores) if limits is not None and score is not None else None
    is_lower = limits.is_lower_better if limits is not None else comp.grading.is_lower_better
    if limits is not None and limits.is_lower_better != comp.grading.is_lower_better:
        logger.warning("%s: leaderboard order disagrees with the configured direction", comp.id)

    def medal(flag: bool | None) -> bool | None:
        if limits is None:
            return None
        return bool(flag) if placement is not None else False

    return CompetitionReport(
        competition_id=comp.id,
        score=score,
        gold_threshold=limits.gold if limits else None,
        silver_threshold=limits.silver if limits else None,
        bronze_threshold=limits.bronze if limits else None,
        median_threshold=limits.median if limits else None,
        any_medal=medal(placement.any_medal if placement else None),
        gold_medal=medal(placement.gold if placement else None),
        silver_medal=medal(placement.silver if placement else None),
        bronze_medal=medal(placement.bronze if placement else None),
        above_median=medal(placement.above_median if placement else None),
        submission_exists=exists,
        valid_submission=score is not None,
        is_lower_better=is_lower,
        created_at=datetime.now(UTC),
        submission_path=str(path),
        percentile=placement.percentile if placement is not None else None,
        invalid_reason=reason,
        leaderboard_note=note,
        grading_mode=mode,
        warnings=tuple(bounded(w) for w in warnings) if score is not None else (),
    )


def is_best_score(comp: Competition, score: float | None) -> bool:
    """Whether `score` equals the metric's best possible value (used to check gold submissions)."""
    if score is None or (isinstance(score, float) and math.isnan(score)):
        return False
    if comp.grading.metric is None:
        return False
    best = get_metric(comp.grading.metric).best
    return bool(np.isclose(score, best, atol=1e-5))
