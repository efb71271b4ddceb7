"""Grading: submission checks, the metric library, leaderboards and medals, reports.

Exports resolve lazily: the registry imports `grading.metrics` while it loads (to check metric keys), and that
must not pull in pandas through `grade`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from inspect_mlebench.errors import CompetitionNotPreparedError

if TYPE_CHECKING:
    from inspect_mlebench.grading.errors import InvalidSubmissionError
    from inspect_mlebench.grading.grader import grade, validate
    from inspect_mlebench.grading.leniency import GRADING_MODES, GradingMode, lenient
    from inspect_mlebench.grading.report import CompetitionReport

_EXPORTS = {
    "InvalidSubmissionError": "errors",
    "grade": "grader",
    "validate": "grader",
    "GRADING_MODES": "leniency",
    "GradingMode": "leniency",
    "lenient": "leniency",
    "CompetitionReport": "report",
}

__all__ = [
    "GRADING_MODES",
    "CompetitionNotPreparedError",
    "CompetitionReport",
    "GradingMode",
    "InvalidSubmissionError",
    "grade",
    "lenient",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'inspect_mlebench.grading' has no attribute '{name}'")
    return getattr(importlib.import_module(f"inspect_mlebench.grading.{_EXPORTS[name]}"), name)
