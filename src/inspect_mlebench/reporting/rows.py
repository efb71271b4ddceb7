"""Reading `.eval` logs into report rows: one row per sample and epoch, from the score's grading report, the
sample's integrity checks and its score-over-time curve, plus each run's disclosure and upstream-format reports."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.integrity.checks import SampleIntegrity, check_sample
from inspect_mlebench.integrity.feedback import CHANNELS, STATEMENT

TABLE_FORMATS = ("md", "csv", "json")


REPORT_FORMATS = (*TABLE_FORMATS, "html", "png", "svg")  # the last three: plots (the `plots` extra)


RATE_KEYS = (
    "any_medal",
    "gold_medal",
    "silver_medal",
    "bronze_medal",
    "above_median",
    "valid_submission",
    "submission_exists",
)


class ReportError(MLEBenchError, ValueError):
    """No usable log among the inputs, or an output that cannot be written."""


@dataclass(frozen=True)
class SampleRow:
    """One competition in one epoch (seed) of one run."""

    log: str
    run_id: str
    task: str
    model: str
    split: str
    epoch: int
    competition_id: str
    complexity: str | None
    score: float | None
    is_lower_better: bool | None
    medal: str  # gold / silver / bronze / none / n/a (no leaderboard)
    integrity: str  # the integrity rules this sample broke (inspect_mlebench.integrity), comma-separated
    validation_calls: int  # the agent's own validation calls (tool and in-sandbox validator)
    any_medal: bool
    gold_medal: bool
    silver_medal: bool
    bronze_medal: bool
    above_median: bool
    percentile: float | None
    valid_submission: bool
    submission_exists: bool
    synthetic_leaderboard: bool
    known_issues: str
    working_hours: float | None
    time_limit_hours: float | None
    budget_used: float | None
    tokens: int
    cost_usd: float | None
    gpu_hours: float | None
    error: str | None


def _as_bool(value: Any) -> bool:
    return bool(value) if value is not None else False


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # "Infinity"/"NaN" as JSON writes them
    except (TypeError, ValueError):
        return None
    return number


@dataclass
class Collected:
    """Everything the report needs, read from each log once."""

    rows: list[SampleRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    grading_reports: dict[str, dict[str, Any]] = field(default_factory=dict)
    disclosures: list[dict[str, Any]] = field(default_factory=list)
    curves: list[dict[str, Any]] = field(default_factory=list)  # score over time, one per sample that has one


def log_files(paths: Iterable[Path]) -> list[Path]:
    """The `.eval`/`.json` logs named, or found in the folders named."""
    from inspect_ai.log import list_eval_logs

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += [Path(info.name.removeprefix("file://")) for info in list_eval_logs(str(path))]
        elif path.is_file():
            files.append(path)
        else:
            raise ReportError(f"{path} is neither a log file nor a folder of logs")
    if not files:
        raise ReportError("no .eval logs found in the given paths")
    return sorted(set(files))


def collect(paths: Iterable[Path]) -> Collected:
    """Rows, upstream-format grading reports (one per run and seed) and disclosures; partial or crashed runs are
    kept and noted, logs of other tasks are skipped with a note."""
    from inspect_ai.log import read_eval_log

    found = Collected()
    for file in log_files(paths):
        log = read_eval_log(str(file))
        meta = (log.eval.metadata or {}).get("mlebench")
        if meta is None:
            found.notes.append(f"{file.name}: not an MLE-bench log (no mlebench disclosure); skipped")
            continue
        if log.status != "success":
            found.notes.append(f"{file.name}: run status '{log.status}'; its finished samples are reported")
        expected = len(meta.get("competitions") or [])
        present = {s.id for s in log.samples or []}
        if expected and len(present) < expected:
            found.notes.append(f"{file.name}: {expected - len(present)} of {expected} competitions have no sample")
        checked = {(s.id, s.epoch): check_sample(s, file.name) for s in log.samples or []}
        found.rows += _rows_of(file, log, meta, checked)
        found.grading_reports |= _grading_reports(log)
        found.disclosures.append(_disclosure(file, log, meta, checked))
        found.curves += _curves_of(log)
    if not found.rows:
        raise ReportError("no graded MLE-bench samples in the given logs")
    return found


def _rows_of(
    file: Path, log: Any, disclosure: dict[str, Any], checked: dict[tuple[Any, int], SampleIntegrity]
) -> list[SampleRow]:
    limit = _number(disclosure.get("time_limit_hours"))
    gpus = (disclosure.get("hardware") or {}).get("gpus") or 0
    split = disclosure.get("split") or "custom"
    rows = []
    for sample in log.samples or []:
        score = next(iter((sample.scores or {}).values()), None)
        report: dict[str, Any] = dict(score.metadata or {}) if score is not None else {}
        working = sample.working_time / 3600 if sample.working_time is not None else None
        usage = list((sample.model_usage or {}).values())
        costs = [u.total_cost for u in usage if u.total_cost is not None]
        medal = next((m for m in ("gold", "silver", "bronze") if report.get(f"{m}_medal")), None)
        has_board = report.get("any_medal") is not None
        rows.append(
            SampleRow(
                log=file.name,
                run_id=log.eval.run_id,
                task=log.eval.task,
                model=log.eval.model,
                split=split,
                epoch=sample.epoch,
                competition_id=str(report.get("competition_id") or sample.id),
                complexity=(sample.metadata or {}).get("complexity"),
                score=_number(report.get("score")),
                is_lower_better=report.get("is_lower_better"),
                medal=medal or ("none" if has_board else "n/a"),
                integrity=", ".join(checked[(sample.id, sample.epoch)].rule_names),
                validation_calls=checked[(sample.id, sample.epoch)].validation.agent_calls,
                any_medal=_as_bool(report.get("any_medal")),
                gold_medal=_as_bool(report.get("gold_medal")),
                silver_medal=_as_bool(report.get("silver_medal")),
                bronze_medal=_as_bool(report.get("bronze_medal")),
                above_median=_as_bool(report.get("above_median")),
                percentile=_number(report.get("percentile")),
                valid_submission=_as_bool(report.get("valid_submission")),
                submission_exists=_as_bool(report.get("submission_exists")),
                synthetic_leaderboard=str(report.get("leaderboard_note") or "").startswith("synthetic leaderboard"),
                known_issues=", ".join(report.get("known_issues_flagged") or []),
                working_hours=working,
                time_limit_hours=limit,
                budget_used=working / limit if working is not None and limit else None,
                tokens=sum(u.total_tokens for u in usage),
                cost_usd=sum(costs) if costs else None,
                gpu_hours=gpus * working if working is not None else None,
                error=sample.error.message.splitlines()[0] if sample.error is not None else None,
            )
        )
    return rows


def _curves_of(log: Any) -> list[dict[str, Any]]:
    """Each sample's score-over-time curve (score metadata, see score_over_time), labelled with its run."""
    from inspect_mlebench.scoring.score_over_time import CURVE_KEY

    curves = []
    for sample in log.samples or []:
        score = next(iter((sample.scores or {}).values()), None)
        metadata: dict[str, Any] = (score.metadata if score is not None else None) or {}
        if curve := metadata.get(CURVE_KEY):
            competition = str(metadata.get("competition_id") or sample.id)
            label = {"model": log.eval.model, "run_id": log.eval.run_id, "epoch": sample.epoch}
            curves.append(label | {"competition_id": competition} | curve)
    return curves


def _grading_reports(log: Any) -> dict[str, dict[str, Any]]:
    """Upstream's `grading_report.json` for each seed (epoch) of a run, from the scores' metadata."""
    from inspect_mlebench.grading.aggregate import aggregate
    from inspect_mlebench.grading.report import CompetitionReport

    by_epoch: dict[int, list[CompetitionReport]] = defaultdict(list)
    for sample in log.samples or []:
        score = next(iter((sample.scores or {}).values()), None)
        if score is None or not score.metadata:
            continue
        fields = {k: v for k, v in score.metadata.items() if k in CompetitionReport.model_fields}
        by_epoch[sample.epoch].append(CompetitionReport.model_validate(fields))
    return {
        # a registry name (inspect_mlebench/mlebench_demo) holds a slash: the file is named after the task alone
        f"{log.eval.task.rsplit('/', 1)[-1]}_{log.eval.run_id}_seed{epoch}_grading_report.json": aggregate(reports)
        for epoch, reports in sorted(by_epoch.items())
    }


def _disclosure(
    file: Path, log: Any, meta: dict[str, Any], checked: dict[tuple[Any, int], SampleIntegrity]
) -> dict[str, Any]:
    """What upstream's leaderboard asks of a submission, from the task's disclosure metadata."""
    calls = [r.validation.agent_calls for r in checked.values()]
    return {
        "log": file.name,
        "run_id": log.eval.run_id,
        "model": log.eval.model,
        "scaffold": [step.solver for step in log.plan.steps] if log.plan else None,
        "epochs (seeds)": log.eval.config.epochs,
        "harness": f"inspect-mlebench {meta.get('inspect_mlebench_version')}",
        "upstream commit": meta.get("upstream_commit"),
        "split": meta.get("split") or "custom",
        "data": meta.get("data"),
        "time limit (hours)": meta.get("time_limit_hours"),
        "hardware": meta.get("hardware"),
        "internet": meta.get("internet"),
        "grading mode": meta.get("grading_mode"),
        "competitions with known issues": meta.get("known_issues") or {},
        # the scaffold is named above because a custom solver could add channels
        "test-derived signal to the agent": STATEMENT,
        "feedback channels": CHANNELS,
        "validation calls per sample": {"total": sum(calls), "max": max(calls, default=0)},
        "integrity findings": {
            f"{r.sample_id} (epoch {r.epoch})": r.rule_names for r in checked.values() if r.findings
        },
    }
