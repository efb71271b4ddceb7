"""Grading: submission checks, the metric library, leaderboards and medals, reports."""

from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.grade import CompetitionNotPreparedError, grade, validate
from inspect_mlebench.grading.leniency import GRADING_MODES, GradingMode, lenient
from inspect_mlebench.grading.report import CompetitionReport

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
