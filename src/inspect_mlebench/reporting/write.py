"""Writing the report: Markdown, CSV and JSON tables, upstream's per-seed grading reports, and the plots."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from inspect_mlebench.reporting.rows import REPORT_FORMATS, TABLE_FORMATS, ReportError, SampleRow, collect
from inspect_mlebench.reporting.summary import SplitSummary, summarize


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


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
