"""What the command modules share: the error type for one-line failures and the --grading-mode option."""

from __future__ import annotations

import click

from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GRADING_MODES

GRADING_MODE_OPTION = click.option(
    "--grading-mode",
    type=click.Choice(GRADING_MODES),
    default=DEFAULT_GRADING_MODE,
    show_default=True,
    help="upstream: valid exactly where upstream's grader is, with warnings; strict: those warnings make it invalid.",
)


def fail(err: Exception) -> click.ClickException:
    """A click error with the message on one line (library messages can span several)."""
    return click.ClickException(" ".join(str(err).split()))
