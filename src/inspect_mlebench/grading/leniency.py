"""Grading modes: upstream's validity by default, stricter checks as warnings unless strict mode is asked for.

Published medal rates must be comparable with upstream's, so a file upstream's grader scores is scored here too,
even where it is sloppy (float ids, rows scored by position, keys never checked). Such problems are reported with
`lenient(reason)`: in the default `upstream` mode they become warnings on the report; in `strict` mode they make the
submission invalid with that reason. Graders call `lenient` instead of raising wherever upstream lets a file pass.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal, get_args

from inspect_mlebench.grading.errors import InvalidSubmissionError

GradingMode = Literal["upstream", "strict"]
GRADING_MODES: tuple[str, ...] = get_args(GradingMode)
DEFAULT_GRADING_MODE: GradingMode = "upstream"
GRADING_MODE_KEY = "grading_mode"  # sample metadata: the task's mode, for the host-side validation tools

_mode: ContextVar[GradingMode] = ContextVar("mlebench_grading_mode", default=DEFAULT_GRADING_MODE)
_warnings: ContextVar[list[str] | None] = ContextVar("mlebench_grading_warnings", default=None)


def check_mode(mode: str) -> GradingMode:
    """`mode` as a GradingMode, or a one-line error naming the valid ones."""
    if mode not in GRADING_MODES:
        raise ValueError(f"unknown grading mode '{mode}'; use one of: {', '.join(GRADING_MODES)}")
    return mode  # type: ignore[return-value]


def current_mode() -> GradingMode:
    return _mode.get()


@contextmanager
def grading_context(mode: GradingMode = DEFAULT_GRADING_MODE) -> Iterator[list[str]]:
    """Run graders in `mode`; yields the list that collects the warnings they report."""
    collected: list[str] = []
    mode_token = _mode.set(check_mode(mode))
    warn_token = _warnings.set(collected)
    try:
        yield collected
    finally:
        _warnings.reset(warn_token)
        _mode.reset(mode_token)


def lenient(reason: str) -> None:
    """A problem upstream's grader lets through: a warning in upstream mode, invalid in strict mode."""
    if _mode.get() == "strict":
        raise InvalidSubmissionError(reason)
    collected = _warnings.get()
    line = " ".join(reason.split())
    if collected is not None and line not in collected:
        collected.append(line)
