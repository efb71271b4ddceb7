"""One base for the errors this package raises on purpose, so users can catch them all (`except MLEBenchError`).

Each error also keeps the built-in base it always had (ValueError for bad input, RuntimeError for a failed step,
OSError for files), so code that caught those still does. Grading a bad submission never raises: it is graded
invalid with a reason (`InvalidSubmissionError` is caught inside grading).
"""

from __future__ import annotations


class MLEBenchError(Exception):
    """Base of every error inspect-mlebench raises on purpose; its message is one line that says what to do."""


class CompetitionNotPreparedError(MLEBenchError, FileNotFoundError):
    """A competition's prepared data (or its answers) are not on disk: the message names the command that
    prepares it."""
