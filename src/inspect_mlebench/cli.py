"""The `inspect-mlebench` command line."""

from __future__ import annotations

import json
import sys

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


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
