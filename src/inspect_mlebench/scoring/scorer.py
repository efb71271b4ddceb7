"""The Inspect scorer: read the agent's `submission.csv` out of the sandbox and grade it on the host.

Grading never happens inside the agent's container (the answers never go there). A compressed copy of the
submission is kept in the sample's store, so `inspect score` can re-grade a log with no sandbox at all.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
import zlib
from pathlib import Path
from typing import Any

import anyio
from inspect_ai.scorer import Score, Scorer, Target, scorer
from inspect_ai.solver import TaskState
from inspect_ai.util import OutputLimitExceededError, sandbox

from inspect_mlebench.config import RegistryError, add_competitions_dir, get_competition
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GradingMode, check_mode
from inspect_mlebench.integrity.evidence import keep_evidence
from inspect_mlebench.sandbox.layout import SUBMISSION_PATH
from inspect_mlebench.scoring.candidates import CANDIDATES_KEY
from inspect_mlebench.scoring.medal_metrics import (
    SCORE_KEYS,
    any_medal_by_complexity,
    any_medal_seeds,
    mean_by_key,
    stderr_by_key,
)
from inspect_mlebench.scoring.score_over_time import CURVE_KEY, build_curve, discard
from inspect_mlebench.solvers.budget import TIME_LIMIT_KEY

STORE_KEY = "mlebench:submission"  # zlib-compressed, base64: a copy of what was graded


def _encode(content: bytes) -> str:
    return base64.b64encode(zlib.compress(content, 6)).decode("ascii")


def _decode(text: str) -> bytes:
    return zlib.decompress(base64.b64decode(text))


async def _submission(state: TaskState, path: str) -> tuple[bytes | None, str | None]:
    """The submission's bytes (None if the agent wrote none) and, when it could not be read, why."""
    try:
        content = await sandbox().read_file(path, text=False)
    except ProcessLookupError:  # no sandbox: `inspect score` re-grading a log
        stored = state.store.get(STORE_KEY)
        return (_decode(stored) if stored else None), None
    except FileNotFoundError:
        return None, None
    except OutputLimitExceededError as err:
        return None, f"submission could not be read from the sandbox: {err}"
    state.store.set(STORE_KEY, _encode(content))
    return content, None


def _grade(
    competition_id: str, content: bytes | None, data_dir: str | None, path: str, mode: GradingMode
) -> dict[str, Any]:
    from inspect_mlebench.grading import grade

    with tempfile.TemporaryDirectory(prefix="mlebench-score-") as tmp:
        local = Path(tmp) / Path(path).name
        if content is not None:
            local.write_bytes(content)
        report = grade(competition_id, local, data_dir, mode=mode)
    return report.model_copy(update={"submission_path": path}).upstream_dict()


def _explain(report: dict[str, Any]) -> str:
    """One line a reader of the log understands first: the metric and its direction next to the score."""
    if not report["submission_exists"]:
        return f"no submission: {report['invalid_reason']}"
    if not report["valid_submission"]:
        return f"invalid submission: {report['invalid_reason']}"
    medal = next((m for m in ("gold", "silver", "bronze") if report[f"{m}_medal"]), None)
    if report["any_medal"] is None:
        place = "medals not available"
    else:
        place = f"{medal} medal" if medal else ("above median" if report["above_median"] else "below median")
        synthetic = str(report.get("leaderboard_note") or "").startswith("synthetic leaderboard")
        place += f", beats {report['percentile']:.1%} of the {'synthetic ' if synthetic else ''}leaderboard"
    scored = f"{_metric_name(report['competition_id'])} {report['score']} ({_direction(report)} is better; {place})"
    warnings = report.get("warnings") or []
    if not warnings:
        return scored
    more = f" (+{len(warnings) - 1} more)" if len(warnings) > 1 else ""
    count = f"{len(warnings)} warning{'s' if len(warnings) > 1 else ''}"
    return f"{scored}; {count}: {warnings[0]}{more}"


def _metric_name(competition_id: str) -> str:
    try:
        return get_competition(competition_id).grading.title
    except RegistryError:  # a log re-graded where this competition's config is gone
        return "score"


def _direction(report: dict[str, Any]) -> str:
    return "lower" if report.get("is_lower_better") else "higher"


def _as_value(value: Any) -> float | None:
    return None if value is None else float(value)


@scorer(
    metrics=[
        mean_by_key(),
        stderr_by_key(),
        any_medal_by_complexity(),
        any_medal_seeds(),
    ]
)
def mlebench_scorer(
    data_dir: str | None = None, submission_path: str = SUBMISSION_PATH, grading_mode: str = DEFAULT_GRADING_MODE
) -> Scorer:
    """Grade `submission_path` from the sample's sandbox against the competition's private answers on the host.

    `grading_mode="upstream"` (default) is valid exactly where upstream's grader is, listing what upstream lets
    through as warnings in the score's metadata; `"strict"` makes those invalid. Re-grade a log strictly with
    `inspect score LOG --scorer inspect_mlebench/mlebench_scorer -S grading_mode=strict`.

    Args:
      data_dir: Where the prepared data (with the answers) is; default: the data dir each sample recorded.
      submission_path: The graded file inside the sandbox.
      grading_mode: `upstream` or `strict`.
    """
    mode = check_mode(grading_mode)

    async def score(state: TaskState, target: Target) -> Score:
        competition_id = str(state.metadata.get("competition_id") or state.sample_id)
        if own_folder := state.metadata.get("competitions_dir"):  # a user's own competition (see the task)
            add_competitions_dir(own_folder)
        await keep_evidence(state)  # the agent's code into the sample store, for the integrity checks
        content, problem = await _submission(state, submission_path)
        # The task records each sample's data dir, so `inspect score --scorer ...` re-grades with no -S at all.
        root = data_dir or state.metadata.get("data_dir")
        report = await anyio.to_thread.run_sync(_grade, competition_id, content, root, submission_path, mode)
        if problem:  # the file exists but could not be read back: invalid, with the reason
            report.update(submission_exists=True, invalid_reason=problem)
        explanation = _explain(report)
        # the agent's earlier submissions, graded only now that the sample has ended (see score_over_time)
        if record := state.store.get(CANDIDATES_KEY):
            sha = hashlib.sha256(content).hexdigest() if content is not None and not problem else None
            budget = state.metadata.get(TIME_LIMIT_KEY)

            def grader(copy: Path) -> dict[str, Any]:
                return _grade(competition_id, copy.read_bytes(), root, submission_path, mode)

            report[CURVE_KEY] = await anyio.to_thread.run_sync(
                build_curve, record, report, sha, float(budget) if budget else None, grader
            )
            discard(record)
        # known_issues="flag": score-affecting issues (leaks, broken data...) marked where readers of results look
        if flagged := state.metadata.get("known_issues_flagged"):
            report["known_issues_flagged"] = list(flagged)
            explanation = f"[known issue: {', '.join(flagged)}] {explanation}"
        return Score(
            value={key: _as_value(report[key]) for key in SCORE_KEYS},
            answer=None if report["score"] is None else str(report["score"]),
            explanation=explanation,
            metadata=report,
        )

    return score
