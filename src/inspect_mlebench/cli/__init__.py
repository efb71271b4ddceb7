"""The `inspect-mlebench` command line: the group and its options here, the commands by subject in
`data_commands`, `grading_commands` and `sandbox_commands`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from inspect_mlebench._version import __version__
from inspect_mlebench.cli.data_commands import (
    check_command,
    doctor_command,
    list_command,
    prepare_command,
    synthesize_command,
)
from inspect_mlebench.cli.grading_commands import grade_command, grade_sample_command, integrity_command, report_command
from inspect_mlebench.cli.sandbox_commands import build_images_command, validator_server_command
from inspect_mlebench.config import RegistryError

__all__ = ["cli", "main"]


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


for _command in (
    list_command,
    check_command,
    synthesize_command,
    prepare_command,
    doctor_command,
    grade_sample_command,
    grade_command,
    report_command,
    integrity_command,
    validator_server_command,
    build_images_command,
):
    cli.add_command(_command)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
