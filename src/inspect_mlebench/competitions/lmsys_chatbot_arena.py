"""lmsys-chatbot-arena: which of two chatbot responses people preferred (or a tie), multiclass log loss.

Preparation is the declarative hold-out (see the YAML). Upstream's grader has its own rules, reproduced here in
its order: the four columns present, as many rows as the test set, every probability in [0, 1] (NaN and text
fail), every row's three probabilities summing to 1 once the sum is rounded to 6 decimals (not numpy's isclose,
which other competitions use), the same ids once both files are sorted by id, then scikit-learn's log loss of the
probabilities as written (no softmax, no renormalisation).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.synth import rng, write_csv

ID = "id"
CLASSES = ["winner_model_a", "winner_model_b", "winner_tie"]
SUM_DECIMALS = 6  # upstream: a row is valid when round(sum, 6) == 1


def rows_sum_to_one(frame: pd.DataFrame) -> np.ndarray:
    """Upstream's row-sum rule for this competition: pandas' row sum, rounded to 6 decimals, equals 1."""
    return np.asarray(frame[CLASSES].sum(axis=1).round(SUM_DECIMALS).eq(1).to_numpy())


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, *CLASSES])
    checks.require_row_count(submission, answers)
    values = submission[CLASSES]
    try:
        inside = ((values >= 0) & (values <= 1)).to_numpy()
    except TypeError as err:  # text in a probability column cannot be compared with numbers
        raise InvalidSubmissionError(f"columns {checks.examples(CLASSES)} must hold numbers between 0 and 1") from err
    if not inside.all():
        row, col = np.argwhere(~inside)[0]
        raise InvalidSubmissionError(
            f"probabilities must be numbers in [0, 1]; column '{CLASSES[col]}' has "
            f"{checks.examples([values.iloc[row, col]])} (id {checks.examples([submission[ID].iloc[row]])})"
        )
    ok = rows_sum_to_one(submission)
    if not ok.all():
        bad = np.flatnonzero(~ok)
        raise InvalidSubmissionError(
            f"each row's {', '.join(CLASSES)} must sum to 1 (to 6 decimals, as upstream checks); {len(bad)} row(s) "
            f"do not, e.g. id(s) {checks.examples(submission[ID].iloc[bad])}"
        )
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    checks.warn_unless_integer_ids(submission, ID)
    return metrics.multiclass_log_loss(ans[CLASSES].to_numpy(), sub[CLASSES].to_numpy())


MODELS = [
    "gpt-4-1106-preview",
    "gpt-4-0613",
    "gpt-3.5-turbo-0613",
    "claude-2.1",
    "claude-instant-1",
    "llama-2-70b-chat",
    "mixtral-8x7b-instruct-v0.1",
    "vicuna-13b",
    "gemini-pro",
    "mistral-medium",
]
TOPICS = ["recursion", "photosynthesis", "the French revolution", "prime numbers", "sourdough bread", "black holes"]
WORDS = [
    "the",
    "a",
    "of",
    "to",
    "and",
    "is",
    "in",
    "that",
    "it",
    "for",
    "as",
    "with",
    "this",
    "on",
    "are",
    "be",
    "by",
    "can",
    "which",
    "more",
    "also",
]


def _reply(gen: np.random.Generator, topic: str, words: int) -> str:
    body = " ".join(gen.choice(WORDS, words))
    return f"Here is an explanation of {topic}: {body}."


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` battles for train and a Kaggle test set of a quarter as many. The longer, more detailed response
    tends to win, and responses of similar length tie, the strongest simple signal in the real data."""
    gen = rng(seed, "lmsys-chatbot-arena")
    n_test = max(10, size // 4)
    n = size + n_test
    ids = np.sort(gen.choice(2**32 - 1, n, replace=False))
    rows = []
    for k in range(n):
        topic = str(gen.choice(TOPICS))
        turns = 1 + int(gen.random() < 0.15)
        prompts = [f"Explain {topic} to me." if t == 0 else "Can you say more?" for t in range(turns)]
        len_a, len_b = (int(x) for x in gen.integers(5, 120, 2))
        replies_a: list[str | None] = [_reply(gen, topic, len_a) for _ in range(turns)]
        replies_b: list[str | None] = [_reply(gen, topic, len_b) for _ in range(turns)]
        if gen.random() < 0.03:  # Kaggle's data has the odd empty answer, written as null
            replies_b[-1] = None
        model_a, model_b = (str(m) for m in gen.choice(MODELS, 2, replace=False))
        edge = (len_a - len_b) / 25 + gen.normal(0, 0.6)
        winner = 2 if abs(edge) < 0.5 else (0 if edge > 0 else 1)
        rows.append(
            {
                ID: int(ids[k]),
                "model_a": model_a,
                "model_b": model_b,
                "prompt": json.dumps(prompts),
                "response_a": json.dumps(replies_a),
                "response_b": json.dumps(replies_b),
                **{c: int(j == winner) for j, c in enumerate(CLASSES)},
            }
        )
    frame = pd.DataFrame(rows)
    test_rows = np.zeros(n, dtype=bool)
    test_rows[gen.choice(n, n_test, replace=False)] = True
    write_csv(frame[~test_rows], out / "train.csv")
    write_csv(frame.loc[test_rows, [ID, "prompt", "response_a", "response_b"]], out / "test.csv")
    write_csv(
        pd.DataFrame({ID: frame.loc[test_rows, ID], **dict.fromkeys(CLASSES, 0.333333)}), out / "sample_submission.csv"
    )
