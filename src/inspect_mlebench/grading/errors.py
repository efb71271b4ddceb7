"""The one exception graders raise for a bad submission."""

from __future__ import annotations


class InvalidSubmissionError(ValueError):
    """The submission cannot be scored. The message is one line that says what is wrong, for the agent and the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(" ".join(reason.split()))
