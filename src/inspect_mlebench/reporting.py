"""`inspect-mlebench report`: the numbers people publish, from one or many `.eval` logs.

A log's samples are read epoch by epoch (an epoch is one of upstream's seeds). Per sample the score's metadata holds
the grading report, so every figure here comes from the log alone. Per model and split the medal rates are
aggregated exactly as upstream's `aggregate_grading_reports.py` does: seed k is the k-th run of every competition,
only complete seeds count (how many were dropped is stated), a missing medal counts as none, the percentage per
seed is averaged over seeds with its standard error (ddof=1; 0 with one seed) and a 95% interval of 1.96 SEM.
Each seed is also written as upstream's `grading_report.json`, so upstream's own tools give the same numbers.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.integrity.checks import SampleIntegrity, check_sample
from inspect_mlebench.integrity.feedback import CHANNELS, STATEMENT
from inspect_mlebench.scoring.medal_metrics import seed_rates, sem

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


@dataclass(frozen=True)
class Rate:
    mean: float
    standard_error: float
    ci_lower: float
    ci_upper: float


@dataclass(frozen=True)
class SplitSummary:
    """Per model and split: upstream's aggregate over complete seeds, overall and by complexity."""

    model: str
    split: str
    competitions: int
    seeds: int
    incomplete_seeds_dropped: int
    runs: list[str]
    rates: dict[str, Rate]
    by_complexity: dict[str, Rate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _rate(values: Sequence[float]) -> Rate:
    mean = statistics.fmean(values)
    error = sem(values) if len(values) > 1 else 0.0  # upstream reports 0, not NaN, for a single seed
    return Rate(mean=mean, standard_error=error, ci_lower=mean - 1.96 * error, ci_upper=mean + 1.96 * error)


def _seed_percentages(runs_per_competition: Iterable[Sequence[SampleRow]], key: str) -> list[float]:
    """Per seed, the percentage of competitions where `key` holds (the metrics' own per-seed aggregation)."""
    return seed_rates([[float(getattr(row, key)) for row in runs] for runs in runs_per_competition])


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


def summarize(rows: Sequence[SampleRow]) -> list[SplitSummary]:
    """Upstream's aggregation per (model, split): complete seeds only, percentages per seed, mean and SEM."""
    groups: dict[tuple[str, str], list[SampleRow]] = defaultdict(list)
    for row in rows:
        groups[(row.model, row.split)].append(row)
    summaries = []
    for (model, split), group in sorted(groups.items()):
        by_comp: dict[str, list[SampleRow]] = defaultdict(list)
        for row in sorted(group, key=lambda r: (r.log, r.epoch)):  # run order, as upstream reads its reports
            by_comp[row.competition_id].append(row)
        counts = [len(v) for v in by_comp.values()]
        seeds = min(counts)
        notes = []
        if max(counts) > seeds:
            short = sorted(c for c, v in by_comp.items() if len(v) == seeds)
            notes.append(
                f"{max(counts) - seeds} incomplete seed(s) dropped: only {seeds} run(s) of {', '.join(short[:5])}"
                + (" ..." if len(short) > 5 else "")
            )
        if any(r.synthetic_leaderboard for r in group):
            notes.append("synthetic leaderboards: medal rates exercise the pipeline, not comparable with Kaggle's")
        complete = [runs[:seeds] for runs in by_comp.values()]
        rates = {key: _rate(_seed_percentages(complete, key)) for key in RATE_KEYS}
        by_complexity = {
            level: _rate(_seed_percentages([runs for runs in complete if runs[0].complexity == level], "any_medal"))
            for level in sorted({r.complexity for r in group if r.complexity})
        }
        summaries.append(
            SplitSummary(
                model=model,
                split=split,
                competitions=len(by_comp),
                seeds=seeds,
                incomplete_seeds_dropped=max(counts) - seeds,
                runs=sorted({r.run_id for r in group}),
                rates=rates,
                by_complexity=by_complexity,
                notes=notes,
            )
        )
    return summaries


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


def _curve_markdown(curves: Sequence[dict[str, Any]]) -> list[str]:
    """Per sample: how the run would have ended at a quarter, half, three quarters and all of the budget."""
    if not curves:
        return []
    at = ("25%", "50%", "75%", "100%")
    lines = ["", "## Score over time", "", "Graded after the run; the rule each agent selects by is named per row; "
             "`best` is the best test score among all its submissions (an oracle, not what the agent could pick).",
             "", "| model | competition_id | epoch | versions | " + " | ".join(at) + " | best | rule |",
             "|" + "---|" * (len(at) + 6)]  # fmt: skip
    for c in sorted(curves, key=lambda c: (c["model"], c["competition_id"], c["epoch"])):
        points = {p["at"].split(" ")[0]: p for p in c.get("checkpoints") or []}
        cells = [_fmt(points[a]["score"]) if a in points else "-" for a in at]
        best = _fmt(points["100%"]["best_so_far"]) if "100%" in points else "-"
        lines.append(f"| {c['model']} | {c['competition_id']} | {c['epoch']} | {len(c.get('candidates') or [])} | "
                     + " | ".join(cells) + f" | {best} | {c['policy']} |")  # fmt: skip
    return lines


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


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _markdown(
    summaries: Sequence[SplitSummary],
    rows: Sequence[SampleRow],
    notes: Sequence[str],
    curves: Sequence[dict[str, Any]] = (),
) -> str:
    lines = ["# MLE-bench results", "", "## Per split and model (upstream's aggregation over complete seeds)", ""]
    lines += ["| model | split | competitions | seeds | any medal % | gold % | above median % | valid % |"]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for s in summaries:
        cells = [f"{s.rates[k].mean:.1f} ± {s.rates[k].standard_error:.1f}" for k in
                 ("any_medal", "gold_medal", "above_median", "valid_submission")]  # fmt: skip
        lines.append(f"| {s.model} | {s.split} | {s.competitions} | {s.seeds} | " + " | ".join(cells) + " |")
    for s in summaries:
        for level, rate in s.by_complexity.items():
            lines.append(f"- {s.model} / {s.split}, {level}: any medal {rate.mean:.1f} ± {rate.standard_error:.1f} %")
        lines += [f"- {s.model} / {s.split}: {note}" for note in s.notes]
    lines += ["", "## Per competition", ""]
    columns = ["model", "competition_id", "epoch", "score", "medal", "integrity", "validation_calls", "above_median",
               "percentile", "valid_submission", "budget_used", "tokens", "cost_usd", "gpu_hours", "known_issues",
               "error"]  # fmt: skip
    lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in sorted(rows, key=lambda r: (r.model, r.competition_id, r.epoch)):
        values = asdict(row)
        score = _fmt(row.score) + (" (lower better)" if row.is_lower_better else "")
        cells = [score if c == "score" else _fmt(values[c]) for c in columns]
        lines.append("| " + " | ".join(cells).replace("\n", " ") + " |")
    if notes:
        lines += ["", "## Partial or crashed runs", ""] + [f"- {n}" for n in notes]
    lines += _curve_markdown(curves)
    return "\n".join(lines) + "\n"


def write_report(paths: Sequence[Path], out: Path, formats: Sequence[str] = REPORT_FORMATS) -> list[Path]:
    """Read the logs and write the report into `out`; returns the files written."""
    unknown = [f for f in formats if f not in REPORT_FORMATS]
    if unknown:
        raise ReportError(f"unknown report format(s) {', '.join(unknown)}; use {', '.join(REPORT_FORMATS)}")
    if out.exists() and not out.is_dir():
        raise ReportError(f"{out} is a file; pass a directory for the report")
    plots = [f for f in formats if f not in TABLE_FORMATS]
    if plots:
        from inspect_mlebench.plots.write import PlotsError, check_plot_libraries

        try:
            check_plot_libraries(plots)
        except PlotsError as err:
            raise ReportError(str(err)) from err
    found = collect(paths)
    rows, notes, blocks = found.rows, found.notes, found.disclosures
    summaries = summarize(rows)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    seeds_dir = out / "grading_reports"
    seeds_dir.mkdir(exist_ok=True)
    for name, content in found.grading_reports.items():
        (seeds_dir / name).write_text(json.dumps(content, indent=2, allow_nan=False) + "\n")
        written.append(seeds_dir / name)
    if "json" in formats:
        payload = {"summary": [asdict(s) for s in summaries], "samples": [asdict(r) for r in rows],
                   "disclosure": blocks, "notes": list(notes), "score_over_time": found.curves}  # fmt: skip
        (out / "report.json").write_text(json.dumps(payload, indent=2, default=str, allow_nan=False) + "\n")
        written.append(out / "report.json")
    if "csv" in formats:
        with (out / "samples.csv").open("w", newline="") as fh:
            by_name = csv.DictWriter(fh, fieldnames=list(asdict(rows[0])))
            by_name.writeheader()
            by_name.writerows(asdict(r) for r in rows)
        with (out / "summary.csv").open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["model", "split", "competitions", "seeds", "metric", "mean", "standard_error",
                             "ci_lower", "ci_upper"])  # fmt: skip
            for s in summaries:
                for key, rate in s.rates.items():
                    writer.writerow([s.model, s.split, s.competitions, s.seeds, f"{key}_pct", rate.mean,
                                     rate.standard_error, rate.ci_lower, rate.ci_upper])  # fmt: skip
        written += [out / "samples.csv", out / "summary.csv"]
    if "md" in formats:
        text = _markdown(summaries, rows, notes, found.curves) + "\n## Disclosure\n\n"
        text += "\n".join("```json\n" + json.dumps(b, indent=2, default=str) + "\n```" for b in blocks) + "\n"
        (out / "report.md").write_text(text)
        written.append(out / "report.md")
    if plots:
        from inspect_mlebench.plots import plot_frames, write_plots

        synthetic = any(r.synthetic_leaderboard for r in rows)
        written += write_plots(plot_frames(summaries, rows, found.curves), out, plots, synthetic)
    return written
