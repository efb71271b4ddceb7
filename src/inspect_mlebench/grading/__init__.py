"""Grading: submission checks, the metric library, leaderboards and medals, reports."""

from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.grade import CompetitionNotPreparedError, grade, validate
from inspect_mlebench.grading.report import CompetitionReport

__all__ = ["CompetitionNotPreparedError", "CompetitionReport", "InvalidSubmissionError", "grade", "validate"]
