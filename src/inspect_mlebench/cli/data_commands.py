"""Commands about competitions and their data: list, check, synthesize, prepare, doctor."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from inspect_mlebench.cli.common import fail
from inspect_mlebench.config import RegistryError


@click.command("list")
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
    from inspect_mlebench.status_table import TABLE_COLUMNS, catalog_rows, markdown_table, table_cells

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


@click.command("check")
@click.option("--competition", "-c", "competition_ids", multiple=True, required=True, help="Competition id(s).")
@click.option("--size", default=120, show_default=True, type=click.IntRange(min=1), help="Rows of synthetic data.")
@click.option("--seed", default=0, show_default=True, help="Seed of the synthetic data.")
def check_command(competition_ids: tuple[str, ...], size: int, seed: int) -> None:
    """Run the competition contract on synthetic data: it prepares, the sample submission is valid, the gold
    submission scores best, no public file holds the answers, broken submissions are refused. Exit 1 on a failure."""
    from rich.console import Console
    from rich.table import Table

    from inspect_mlebench.contract import run_contract

    failed = []
    for competition_id in [c for value in competition_ids for c in value.split(",") if c.strip()]:
        try:
            results = run_contract(competition_id.strip(), size=size, seed=seed)
        except RegistryError as err:
            raise fail(err) from err
        table = Table(title=competition_id)
        for col in ("check", "result", "detail"):
            table.add_column(col, overflow="fold")
        for result in results:
            table.add_row(result.name, "pass" if result.passed else "FAIL", result.detail)
        Console(width=None if sys.stdout.isatty() else 200).print(table)
        failed += [f"{competition_id}: {r.name}" for r in results if not r.passed]
    if failed:
        raise click.ClickException(f"{len(failed)} check(s) failed: {'; '.join(failed)}")


@click.command("synthesize")
@click.option("-c", "--competition", "competition_id", required=True)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="Empty or new directory.")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--size", default=200, show_default=True, type=click.IntRange(min=1), help="Roughly how many training items."
)
def synthesize_command(competition_id: str, out: Path, seed: int, size: int) -> None:
    """Write a tiny raw dataset in the competition's real Kaggle layout, with a learnable signal."""
    from inspect_mlebench.data.prepare import PreparationError, synthesize

    try:
        synthesize(competition_id, out, seed=seed, size=size)
    except (RegistryError, PreparationError) as err:
        raise fail(err) from err
    click.echo(str(out))


@click.command("prepare")
@click.argument("more_ids", nargs=-1, metavar="[ID]...")
@click.option(
    "-c",
    "--competition",
    "competition_ids",
    multiple=True,
    help="Competition id; `-c a b c`, `-c a -c b` and `-c a,b` all work.",
)
@click.option("--split", "-s", default=None, help="Every competition of a split (or a .txt file of ids).")
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Data dir (default: $INSPECT_MLEBENCH_DATA_DIR or the user cache dir).",
)
@click.option(
    "--from-zip",
    type=click.Path(path_type=Path),
    default=None,
    help="A Kaggle zip already on disk (one competition); no Kaggle account needed.",
)
@click.option(
    "--raw-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="An already extracted Kaggle download (one competition).",
)
@click.option("--keep-raw", is_flag=True, help="Keep <data>/<id>/raw after preparing (deleted by default).")
@click.option(
    "--skip-verification",
    is_flag=True,
    help="Accept a zip or prepared files whose md5 differs from upstream's (e.g. icecube's drifted zip).",
)
@click.option("--jobs", "-j", default=1, show_default=True, help="Competitions prepared in parallel.")
@click.option(
    "--synthetic",
    is_flag=True,
    help="Generate synthetic raw data and prepare it (offline; adds a gold submission and a synthetic leaderboard).",
)
@click.option("--seed", default=0, show_default=True, help="With --synthetic.")
@click.option(
    "--size",
    default=200,
    show_default=True,
    type=click.IntRange(min=1),
    help="With --synthetic: about how many training items.",
)
@click.option(
    "--leaderboard-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder with <id>.csv or <id>/leaderboard.csv to use instead of downloading leaderboards.",
)
@click.option(
    "--allow-unverified-leaderboard",
    is_flag=True,
    help="Accept a --leaderboard-dir file whose sha256 differs from upstream's (recorded as a warning).",
)
@click.option("--overwrite", is_flag=True, help="Prepare again even if already prepared.")
def prepare_command(
    more_ids: tuple[str, ...],
    competition_ids: tuple[str, ...],
    split: str | None,
    data_dir: Path | None,
    from_zip: Path | None,
    raw_dir: Path | None,
    keep_raw: bool,
    skip_verification: bool,
    jobs: int,
    synthetic: bool,
    seed: int,
    size: int,
    leaderboard_dir: Path | None,
    allow_unverified_leaderboard: bool,
    overwrite: bool,
) -> None:
    """Download (Kaggle), extract, prepare and verify competitions into <data>/<id>/prepared/{public,private}."""
    from inspect_mlebench.config import load_split
    from inspect_mlebench.data.acquire import Outcome, PrepareOptions, prepare_competitions
    from inspect_mlebench.data.prepare import PreparationError

    if sum([from_zip is not None, raw_dir is not None, synthetic]) > 1:
        raise click.UsageError("choose at most one of --from-zip, --raw-dir and --synthetic")
    try:
        named = [part for value in (*competition_ids, *more_ids) for part in value.split(",") if part]
        ids = named + (load_split(split) if split else [])
    except RegistryError as err:
        raise fail(err) from err
    if not ids:
        raise click.UsageError("name competitions with -c ID or --split S")
    opts = PrepareOptions(
        data_dir=data_dir,
        from_zip=from_zip,
        raw_dir=raw_dir,
        keep_raw=keep_raw,
        skip_verification=skip_verification,
        synthetic=synthetic,
        seed=seed,
        size=size,
        overwrite=overwrite,
        leaderboard_dir=leaderboard_dir,
        allow_unverified_leaderboard=allow_unverified_leaderboard,
    )

    def report(outcome: Outcome) -> None:
        click.echo(
            f"{outcome.competition_id}: {outcome.status}" + (f" ({outcome.detail})" if outcome.detail else ""),
            err=outcome.status in ("failed", "incomplete"),
        )

    try:
        outcomes = prepare_competitions(list(dict.fromkeys(ids)), opts, jobs=jobs, on_done=report)
    except (RegistryError, PreparationError) as err:
        raise fail(err) from err
    if synthetic:
        from inspect_mlebench.data.paths import synthetic_data_dir
        from inspect_mlebench.grading.synthetic_leaderboard import ensure_synthetic_leaderboards

        ready = [o.competition_id for o in outcomes if o.status in ("prepared", "skipped")]
        for cid, note in ensure_synthetic_leaderboards(ready, synthetic_data_dir(data_dir)).items():
            click.echo(f"{cid}: {note}")
    failed = [o.competition_id for o in outcomes if o.status in ("failed", "incomplete")]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(outcomes)} competition(s) failed or lack a leaderboard: {', '.join(failed)}"
        )


@click.command("doctor")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--split", "-s", default=None, help="Report on these competitions (default: those in the data dir).")
@click.option("--no-verify", is_flag=True, help="Skip md5 checks of prepared files (faster on huge data).")
@click.option("--json", "as_json", is_flag=True)
def doctor_command(data_dir: Path | None, split: str | None, no_verify: bool, as_json: bool) -> None:
    """Report per competition: prepared / missing / checksum mismatch / leaderboard missing or mismatched."""
    from inspect_mlebench.config import competitions, load_split
    from inspect_mlebench.data.doctor import diagnose
    from inspect_mlebench.data.paths import resolve_data_dir

    root = resolve_data_dir(data_dir)
    registry = competitions()
    try:
        ids = load_split(split) if split else [c for c in registry if (root / c).is_dir()]
    except RegistryError as err:
        raise fail(err) from err
    health = [diagnose(registry[cid], root, verify=not no_verify) for cid in ids]
    problems = [h.competition_id for h in health if h.status != "prepared"]
    if as_json:
        click.echo(json.dumps([{**h.__dict__, "status": h.status} for h in health], indent=2))
        if problems:
            sys.exit(1)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{root}: {len(health)} competition(s)")
    for col in ("id", "status", "prepared", "checksums", "leaderboard", "description"):
        table.add_column(col, no_wrap=col == "id", overflow="fold")
    for h in health:
        sums = (
            "-"
            if not h.prepared or no_verify
            else ("ok" if not h.checksum_mismatches else "; ".join(h.checksum_mismatches))
        )
        table.add_row(
            h.competition_id,
            h.status,
            "yes" if h.prepared else "no",
            sums,
            h.leaderboard,
            "yes" if h.description else "no",
        )
    Console(width=None if sys.stdout.isatty() else 200).print(table)
    if not health:
        raise click.ClickException(f"no competitions found in {root}; prepare some with `inspect-mlebench prepare`")
    if problems:  # scripts and CI can rely on the exit status
        raise click.ClickException(
            f"{len(problems)} of {len(health)} competition(s) not ready: {', '.join(problems[:10])}"
            + (f" (+{len(problems) - 10} more)" if len(problems) > 10 else "")
        )
