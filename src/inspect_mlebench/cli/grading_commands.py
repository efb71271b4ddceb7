"""Commands that grade and report: grade-sample, grade (upstream's JSONL), report, integrity."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from inspect_mlebench.cli.common import GRADING_MODE_OPTION, fail
from inspect_mlebench.config import RegistryError
from inspect_mlebench.grading.leniency import check_mode


@click.command("grade-sample")
@click.argument("submission", type=click.Path(path_type=Path))
@click.argument("competition_id")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Data dir (default: user cache).")
@click.option("--leaderboard", type=click.Path(path_type=Path), default=None, help="Leaderboard CSV to rank against.")
@GRADING_MODE_OPTION
def grade_sample_command(
    submission: Path, competition_id: str, data_dir: Path | None, leaderboard: Path | None, grading_mode: str
) -> None:
    """Grade one submission CSV and print the report as JSON (upstream's keys); warnings also go to stderr."""
    from inspect_mlebench.grading import grade

    try:
        report = grade(competition_id, submission, data_dir, leaderboard=leaderboard, mode=check_mode(grading_mode))
    except (RegistryError, FileNotFoundError, NotImplementedError) as err:
        raise fail(err) from err
    click.echo(json.dumps(report.upstream_dict(), indent=2, allow_nan=False))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


@click.command("grade")
@click.option(
    "--submission",
    "submission_jsonl",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="JSONL with one {competition_id, submission_path} per line (upstream's format).",
)
@click.option("--output-dir", required=True, type=click.Path(path_type=Path))
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@GRADING_MODE_OPTION
def grade_command(submission_jsonl: Path, output_dir: Path, data_dir: Path | None, grading_mode: str) -> None:
    """Grade many submissions and write an upstream-format `<timestamp>_grading_report.json`; warnings go to
    stderr, one line per competition report that has any."""
    from inspect_mlebench.grading.aggregate import grade_jsonl

    if output_dir.exists() and not output_dir.is_dir():
        raise click.BadParameter(f"{output_dir} is a file; pass a directory for the report", param_hint="--output-dir")
    try:
        path = grade_jsonl(submission_jsonl, output_dir, data_dir, mode=check_mode(grading_mode))
    except (RegistryError, FileNotFoundError, ValueError) as err:
        raise fail(err) from err
    for report in json.loads(path.read_text(encoding="utf-8"))["competition_reports"]:
        for warning in report.get("warnings") or ():
            click.echo(f"warning: {report['competition_id']}: {warning}", err=True)
    click.echo(str(path))


@click.command("report")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), default=Path("mlebench-report"), show_default=True)
@click.option(
    "--format",
    "formats",
    default="md,csv,json",
    show_default=True,
    help="Comma-separated: md (report.md), csv (samples.csv, summary.csv), json (report.json); plots: html "
    "(plots.html, interactive), png and svg (static images); plots need pip install 'inspect-mlebench[plots]'.",
)
def report_command(logs: tuple[Path, ...], out: Path, formats: str) -> None:
    """Medal rates per split and model (upstream's aggregation over seeds), per-competition results, upstream's
    grading_report.json per run and seed, and each run's disclosure, from .eval logs or folders of them."""
    from inspect_mlebench.reporting import ReportError, write_report

    try:
        written = write_report(list(logs), out, [f.strip() for f in formats.split(",") if f.strip()])
    except ReportError as err:
        raise fail(err) from err
    click.echo(f"wrote {len(written)} file(s) to {out}")


@click.command("integrity")
@click.argument("logs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--judge-model", default=None, help="Also ask this Inspect model (e.g. openai/gpt-4o) to judge each sample."
)
@click.option("--kernels", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Also compare the saved code with reference solutions in KERNELS/<competition_id>/.")  # fmt: skip
@click.option("--threshold", type=click.FloatRange(0, 1), default=None, help="Similarity (0-1) flagged by --kernels.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Also write the JSON here.")
def integrity_command(
    logs: tuple[Path, ...], judge_model: str | None, kernels: Path | None, threshold: float | None, as_json: bool,
    out: Path | None,
) -> None:  # fmt: skip
    """Integrity checks on .eval logs or folders of them: rule violations cited with their evidence, and the
    validation calls per sample. Exit code 0: no findings; 1: findings; 2: usage error."""
    from rich.console import Console

    from inspect_mlebench.integrity.command import Options, payload, render, run_checks, write_json_atomic
    from inspect_mlebench.integrity.extensions import ExtensionUnavailableError
    from inspect_mlebench.integrity.plagiarism import PlagiarismCheckError
    from inspect_mlebench.reporting import ReportError

    if threshold is not None and kernels is None:
        raise click.UsageError("--threshold applies to --kernels; pass --kernels DIR too")
    if kernels is not None and threshold is None:
        raise click.UsageError("--kernels needs --threshold: the similarity (0-1) that flags a pair, e.g. 0.6")
    options = Options(judge_model=judge_model, kernels=kernels, threshold=threshold)
    try:
        results = run_checks(list(logs), options)
    except (ReportError, ExtensionUnavailableError, PlagiarismCheckError) as err:
        raise click.UsageError(" ".join(str(err).split())) from err
    data = payload(results, options)
    if out is not None:
        write_json_atomic(data, out)
    if as_json:
        click.echo(json.dumps(data, indent=2, default=str))
    else:
        render(results, Console())
    sys.exit(1 if data["findings"] else 0)
