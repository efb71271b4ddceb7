"""The one exception graders raise for a bad submission, and the bound on what a reason may echo back."""

from __future__ import annotations

from inspect_mlebench.errors import MLEBenchError

MAX_VALUE_CHARS = 60
MAX_REASON_CHARS = 500


def bounded(reason: str) -> str:
    """`reason` on one line and at most about MAX_REASON_CHARS long: a submitted value can be megabytes (a 5 MB
    id echoed whole into the log, the agent's context and the validator's answer), so long words are shortened
    and the tail is cut, saying how much was left out."""
    words = []
    for word in reason.split():
        if len(word) > MAX_VALUE_CHARS:
            word = f"{word[: MAX_VALUE_CHARS - 20]}...[{len(word) - MAX_VALUE_CHARS + 20} more chars]"
        words.append(word)
    text = " ".join(words)
    if len(text) > MAX_REASON_CHARS:
        text = f"{text[:MAX_REASON_CHARS]}... [+{len(text) - MAX_REASON_CHARS} more chars]"
    return text


class InvalidSubmissionError(MLEBenchError, ValueError):
    """The submission cannot be scored. The message is one line that says what is wrong, for the agent and the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(bounded(reason))
