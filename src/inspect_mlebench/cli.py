"""The `inspect-mlebench` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from inspect_mlebench._version import __version__
from inspect_mlebench.registry import RegistryError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="inspect-mlebench")
def cli() -> None:
    """MLE-bench for Inspect AI: competitions, data, grading and images."""


@cli.command("list")
@click.option(
    "--split",
    "-s",
    default=None,
    help="Only this split (low/lite, medium, high, all/split75, dev, "
    "systemcard, spaceship-titanic) or a .txt file of ids.",
)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead of a table.")
@click.option("--markdown", is_flag=True, help="Print a Markdown table (the README's status table).")
def list_command(split: str | None, as_json: bool, markdown: bool) -> None:
    """List competitions with their metric, known issues and what is implemented for each."""
    from inspect_mlebench.catalog import TABLE_COLUMNS, catalog_rows, markdown_table, table_cells

    if as_json and markdown:
        raise click.UsageError("choose one of --json and --markdown")
    try:
        rows = catalog_rows(split)
    except RegistryError as err:
        raise click.ClickException(str(err)) from err
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if markdown:
        click.echo(markdown_table(rows), nl=False)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} competitions" + (f" in split '{split}'" if split else ""))
    for col in TABLE_COLUMNS:
        table.add_column(col, no_wrap=col != "known issues", overflow="fold")
    for row in rows:
        table.add_row(*table_cells(row))
    # A pipe or CI log has no width of its own; keep ids unbroken there.
    Console(width=None if sys.stdout.isatty() else 200).print(table)


def _fail(err: Exception) -> click.ClickException:
    return click.ClickException(" ".join(str(err).split()))


@cli.command("grade-sample")
@click.argument("submission", type=click.Path(path_type=Path))
@click.argument("competition_id")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Data dir (default: user cache).")
@click.option("--leaderboard", type=click.Path(path_type=Path), default=None, help="Leaderboard CSV to rank against.")
def grade_sample_command(
    submission: Path, competition_id: str, data_dir: Path | None, leaderboard: Path | None
) -> None:
    """Grade one submission CSV and print the report as JSON (upstream's keys)."""
    from inspect_mlebench.grading import grade

    try:
        report = grade(competition_id, submission, data_dir, leaderboard=leaderboard)
    except (RegistryError, FileNotFoundError, NotImplementedError) as err:
        raise _fail(err) from err
    click.echo(json.dumps(report.upstream_dict(), indent=2))


@cli.command("grade")
@click.option(
    "--submission",
    "submission_jsonl",
    required=True,
    type=click.Path(exists=True, path_type=Path),
    help="JSONL with one {competition_id, submission_path} per line (upstream's format).",
)
@click.option("--output-dir", required=True, type=click.Path(path_type=Path))
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
def grade_command(submission_jsonl: Path, output_dir: Path, data_dir: Path | None) -> None:
    """Grade many submissions and write an upstream-format `<timestamp>_grading_report.json`."""
    from inspect_mlebench.grading.aggregate import grade_jsonl

    try:
        path = grade_jsonl(submission_jsonl, output_dir, data_dir)
    except (RegistryError, FileNotFoundError, ValueError) as err:
        raise _fail(err) from err
    click.echo(str(path))


@cli.command("synthesize")
@click.option("-c", "--competition", "competition_id", required=True)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Empty or new directory.")
@click.option("--seed", default=0, show_default=True)
@click.option("--size", default=200, show_default=True, help="Roughly how many training items to generate.")
def synthesize_command(competition_id: str, out: Path, seed: int, size: int) -> None:
    """Write a tiny raw dataset in the competition's real Kaggle layout, with a learnable signal."""
    from inspect_mlebench.data.prepare import PreparationError, synthesize

    try:
        synthesize(competition_id, out, seed=seed, size=size)
    except (RegistryError, PreparationError) as err:
        raise _fail(err) from err
    click.echo(str(out))


@cli.command("prepare")
@click.option("-c", "--competition", "competition_ids", multiple=True, required=True)
@click.option("--raw-dir", type=click.Path(path_type=Path), default=None, help="Extracted Kaggle download.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--synthetic", is_flag=True, help="Synthesize raw data and prepare it (offline; adds a gold submission).")
@click.option("--seed", default=0, show_default=True, help="With --synthetic.")
@click.option("--size", default=200, show_default=True, help="With --synthetic.")
@click.option("--overwrite", is_flag=True, help="Prepare again even if already prepared.")
def prepare_command(
    competition_ids: tuple[str, ...],
    raw_dir: Path | None,
    data_dir: Path | None,
    synthetic: bool,
    seed: int,
    size: int,
    overwrite: bool,
) -> None:
    """Prepare competitions into `<data>/<id>/prepared/{public,private}`."""
    from inspect_mlebench.data.prepare import PreparationError, prepare, prepare_synthetic

    if synthetic == (raw_dir is not None):
        raise click.UsageError("give exactly one of --raw-dir and --synthetic")
    if raw_dir is not None and len(competition_ids) != 1:
        raise click.UsageError("--raw-dir prepares one competition; pass a single -c")
    for cid in competition_ids:
        try:
            if synthetic:
                out = prepare_synthetic(cid, data_dir, seed=seed, size=size)
            else:
                assert raw_dir is not None
                out = prepare(cid, raw_dir, data_dir, overwrite=overwrite)
        except (RegistryError, PreparationError, FileNotFoundError) as err:
            raise _fail(err) from err
        click.echo(f"{cid}: {out}")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
