"""The `inspect-mlebench` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from inspect_mlebench._version import __version__
from inspect_mlebench.config import RegistryError
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GRADING_MODES, check_mode
from inspect_mlebench.sandbox.layout import BRIDGE_PORT, VALIDATOR_PORT


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="inspect-mlebench")
@click.option(
    "--competitions-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A folder of your own competitions (<id>.yaml and their modules), added to the registry for this command; "
    "also $INSPECT_MLEBENCH_COMPETITIONS_DIR.",
)
def cli(competitions_dir: Path | None) -> None:
    """MLE-bench for Inspect AI: competitions, data, grading and images."""
    if competitions_dir is not None:
        from inspect_mlebench.config import add_competitions_dir

        try:
            add_competitions_dir(competitions_dir)
        except RegistryError as err:
            raise click.BadParameter(str(err), param_hint="--competitions-dir") from err


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


GRADING_MODE_OPTION = click.option(
    "--grading-mode",
    type=click.Choice(GRADING_MODES),
    default=DEFAULT_GRADING_MODE,
    show_default=True,
    help="upstream: valid exactly where upstream's grader is, with warnings; strict: those warnings make it invalid.",
)


def _fail(err: Exception) -> click.ClickException:
    return click.ClickException(" ".join(str(err).split()))


@cli.command("grade-sample")
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
        raise _fail(err) from err
    click.echo(json.dumps(report.upstream_dict(), indent=2, allow_nan=False))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)


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
        raise _fail(err) from err
    for report in json.loads(path.read_text(encoding="utf-8"))["competition_reports"]:
        for warning in report.get("warnings") or ():
            click.echo(f"warning: {report['competition_id']}: {warning}", err=True)
    click.echo(str(path))


@cli.command("report")
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
        raise _fail(err) from err
    click.echo(f"wrote {len(written)} file(s) to {out}")


@cli.command("integrity")
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


@cli.command("check")
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
            raise _fail(err) from err
        table = Table(title=competition_id)
        for col in ("check", "result", "detail"):
            table.add_column(col, overflow="fold")
        for result in results:
            table.add_row(result.name, "pass" if result.passed else "FAIL", result.detail)
        Console(width=None if sys.stdout.isatty() else 200).print(table)
        failed += [f"{competition_id}: {r.name}" for r in results if not r.passed]
    if failed:
        raise click.ClickException(f"{len(failed)} check(s) failed: {'; '.join(failed)}")


@cli.command("synthesize")
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
        raise _fail(err) from err
    click.echo(str(out))


@cli.command("prepare")
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
        raise _fail(err) from err
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
        raise _fail(err) from err
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


@cli.command("doctor")
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
        raise _fail(err) from err
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


@cli.command("validator-server")
@click.option("-c", "--competition", "competition_id", required=True, help="The one competition this validator serves.")
@click.option("--data-dir", type=click.Path(path_type=Path), default=None, help="Data dir holding its answers.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Listen address (keep loopback in the sandbox).")
@click.option(
    "--port", default=VALIDATOR_PORT, show_default=True, help=f"Listen port (never {BRIDGE_PORT}, the agent bridge's)."
)
@click.option(
    "--max-bytes", default=1 << 30, show_default=True, help="Largest upload accepted; larger ones get HTTP 413."
)
@click.option(
    "--supervise",
    is_flag=True,
    help="Hold the port and run the server in a child process, restarting it if it dies (the sandbox's mode).",
)
@click.option("--listen-fd", type=int, default=None, hidden=True, help="Serve on this inherited listening socket.")
@GRADING_MODE_OPTION
def validator_server_command(
    competition_id: str,
    data_dir: Path | None,
    host: str,
    port: int,
    max_bytes: int,
    supervise: bool,
    listen_fd: int | None,
    grading_mode: str,
) -> None:
    """Serve POST /validate (valid/invalid + reason, never a score) and GET /health until SIGTERM/SIGINT."""
    from inspect_mlebench.sandbox import validator_server as vs

    try:
        if supervise:
            args = ["-c", competition_id, "--max-bytes", str(max_bytes), "--grading-mode", grading_mode]
            args += ["--data-dir", str(data_dir)] if data_dir is not None else []
            sys.exit(vs.supervise(args, host, port))
        server = vs.create_server(
            competition_id,
            data_dir,
            host=host,
            port=port,
            max_bytes=max_bytes,
            grading_mode=grading_mode,
            listen_fd=listen_fd,
        )
    except vs.ValidatorStartupError as err:
        raise _fail(err) from err
    vs.serve(server)


@cli.command("build-images")
@click.option(
    "--profile",
    type=click.Choice(["slim", "full"]),
    default="slim",
    show_default=True,
    help="Agent image profile: slim (tabular ML stack, CPU) or full (adds torch & co., CUDA).",
)
@click.option(
    "--base-image",
    default=None,
    help="Base image (default debian:bookworm-slim, or $INSPECT_MLEBENCH_BASE_IMAGE); a CUDA runtime "
    "image on GPU hosts.",
)
@click.option(
    "--wheels",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Install Python packages only from this folder of wheels (builds without network).",
)
@click.option(
    "--download-wheels", is_flag=True, help="Fetch the wheels with the host's pip first, then build offline from them."
)
@click.option(
    "--python-version",
    default="3.11",
    show_default=True,
    help="The base image's python3 version, for --download-wheels.",
)
@click.option("--only", type=click.Choice(["agent", "validator"]), default=None, help="Build just one image.")
def build_images_command(
    profile: str,
    base_image: str | None,
    wheels: Path | None,
    download_wheels: bool,
    python_version: str,
    only: str | None,
) -> None:
    """Build the agent and validator images, tagged with this package's version."""
    import os

    from inspect_mlebench.sandbox.images import DEFAULT_BASE_IMAGE, ImageBuildError, build_images

    if wheels is not None and download_wheels:
        raise click.UsageError("choose one of --wheels and --download-wheels")
    base = base_image or os.environ.get("INSPECT_MLEBENCH_BASE_IMAGE") or DEFAULT_BASE_IMAGE
    try:
        results = build_images(profile=profile, base_image=base, wheels=wheels,  # type: ignore[arg-type]
                               download=download_wheels, python_version=python_version,
                               only=only)  # type: ignore[arg-type]  # fmt: skip
    except ImageBuildError as err:
        raise _fail(err) from err
    for r in results:
        click.echo(f"{r.image}: {r.size_bytes / 2**20:.0f} MiB, built in {r.seconds:.0f} s")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
