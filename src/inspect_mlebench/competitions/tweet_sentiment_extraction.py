"""tweet-sentiment-extraction: pick the words of a tweet that carry its labelled sentiment (mean word Jaccard).

Upstream holds out 10% of Kaggle's `train.csv` (declared in the YAML). Its grader matches the submission's `textID`s
to the test set's, then scores each row by the Jaccard similarity of the lowercased word sets of `selected_text`. An
empty prediction reads as missing and is scored as an empty string (similarity 0); a row where the prediction and the
answer are both empty has no defined similarity, and upstream's division by zero makes the file invalid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv

ID = "textID"
TARGET = "selected_text"


def _as_text(column: pd.Series) -> pd.Series:
    """The column as upstream hands it to the metric: missing values as '', everything else as its str()."""
    return column.fillna("").astype(str)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, TARGET])
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the test set has {len(answers)}")
    sub, ans = checks.align_by_id(submission, answers, ID, as_text=False)
    missing = int(sub[TARGET].isna().sum())
    if missing:
        lenient(f"column '{TARGET}' has {missing} empty prediction(s), scored as empty text (Jaccard 0) as upstream")
    predicted, expected = _as_text(sub[TARGET]), _as_text(ans[TARGET])
    both_empty = [
        i for i, (p, e) in enumerate(zip(predicted, expected, strict=True)) if not p.split() and not e.split()
    ]
    if both_empty:
        ids = ans[ID].iloc[both_empty]
        raise InvalidSubmissionError(
            f"column '{TARGET}' is empty where the answer is empty too, so Jaccard is undefined (upstream divides by "
            f"zero): {ID} {checks.examples(ids)}"
        )
    return metrics.word_jaccard(expected.to_numpy(dtype=object), predicted.to_numpy(dtype=object))


# Synthetic data: tweets made of filler words plus a sentiment phrase; the phrase is what positive and negative tweets
# select, while neutral tweets select (nearly) the whole text, as in Kaggle's data.
_POSITIVE = ["so happy", "love it", "great day", "awesome", "thank you so much", "best ever", "so excited"]
_NEGATIVE = ["so sad", "hate this", "awful", "miss you", "really bored", "sucks", "so tired"]
_FILLER = ["just got home", "on my way to work", "watching tv", "at the mall", "it is monday", "going to bed",
           "my phone died", "back from lunch", "waiting for the bus", "reading a book"]  # fmt: skip


def _tweet(gen: np.random.Generator, sentiment: str) -> tuple[str, str]:
    filler = str(gen.choice(_FILLER))
    if sentiment == "neutral":
        text = filler if gen.random() < 0.5 else f"{filler}, {gen.choice(_FILLER)}"
        return (" " + text if gen.random() < 0.2 else text), text
    phrase = str(gen.choice(_POSITIVE if sentiment == "positive" else _NEGATIVE))
    if gen.random() < 0.5:
        phrase = phrase.upper() if gen.random() < 0.3 else phrase + "!"
    text = f"{filler} {phrase}" if gen.random() < 0.6 else f"{phrase} {filler}"
    return text, phrase


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's download: train.csv (textID, text, selected_text, sentiment), test.csv without selected_text, and
    sample_submission.csv (textID, selected_text empty)."""
    gen = rng(seed, "tweet-sentiment-extraction")
    n_test = max(10, size // 4)
    ids = hex_ids(gen, size + n_test, 5)
    sentiments = gen.choice(["neutral", "positive", "negative"], size + n_test, p=[0.4, 0.3, 0.3])
    rows = [_tweet(gen, str(s)) for s in sentiments]
    frame = pd.DataFrame({ID: ids, "text": [t for t, _ in rows], TARGET: [s for _, s in rows], "sentiment": sentiments})
    write_csv(frame.iloc[:size], out / "train.csv")
    test = frame.iloc[size:]
    write_csv(test[[ID, "text", "sentiment"]], out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: ""}), out / "sample_submission.csv")
