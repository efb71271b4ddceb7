"""Metrics over text answers: word-level Jaccard and edit distances of characters or label sequences."""

from __future__ import annotations

from typing import Any

import numpy as np

from inspect_mlebench.grading.metrics._shared import first_column

# --- Word-level Jaccard over text answers (tweet-sentiment-extraction, chaii-hindi-and-tamil-question-answering) ---
# Each answer and prediction is lowercased and split on whitespace into a set of words; a row scores
# |common words| / |all words|, and the score is the mean over rows.


def _word_set(text: str) -> set[str]:
    return set(text.lower().split())


def word_jaccard(y_true: np.ndarray, y_pred: np.ndarray, *, empty_pair: float | None = None) -> float:
    """Mean per-row Jaccard similarity of lowercased word sets (texts given as str). A row where both texts have no
    words is undefined: it scores `empty_pair`, or with `empty_pair=None` makes the metric raise ValueError."""
    scores: list[float] = []
    truths, preds = first_column(np.asarray(y_true, dtype=object)), first_column(np.asarray(y_pred, dtype=object))
    for truth, pred in zip(truths, preds, strict=True):
        a, b = _word_set(truth), _word_set(pred)
        union = len(a | b)
        if union:
            scores.append(len(a & b) / union)
        elif empty_pair is None:
            raise ValueError("a prediction and its answer are both empty: Jaccard similarity is undefined")
        else:
            scores.append(empty_pair)
    return float(np.mean(scores))


# --- bms-molecular-translation (mean Levenshtein distance) -------------------------------------------------------
# Character edit distance (insertions, deletions, substitutions, each 1) between each answer and prediction, averaged
# over rows, with the `Levenshtein` package upstream's grader uses.


def levenshtein_mean(y_true: Any, y_pred: Any) -> float:
    """Mean edit distance between the answers' and the predictions' texts (numpy or pandas arrays; values compared
    as `str`); NaN for no rows."""
    from Levenshtein import distance

    pairs = zip(
        first_column(np.asarray(y_true, dtype=object)), first_column(np.asarray(y_pred, dtype=object)), strict=True
    )
    values = [distance(str(a), str(b)) for a, b in pairs]
    return float(np.mean(values)) if values else float("nan")


# --- multi-modal-gesture-recognition (normalized edit distance of gesture sequences) ------------------------------
# Each answer and prediction is a sequence of labels; the edit distance (insertions, deletions, substitutions, each 1)
# counts whole labels, not characters. The distances are summed over rows and divided by the total number of true
# labels: an error rate that can exceed 1. Upstream's grader computes it with the `Levenshtein` package on label lists.


def normalized_levenshtein(y_true: Any, y_pred: Any) -> float:
    """Sum over rows of the label-level edit distance between each true and predicted sequence (sequences of
    hashable labels, e.g. lists of ints), over the total length of the true sequences; NaN when that is 0 and no
    edits are needed, infinite when it is 0 and some are."""
    from Levenshtein import distance

    edits = sum(distance(list(a), list(b)) for a, b in zip(y_true, y_pred, strict=True))
    total = sum(len(a) for a in y_true)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(edits) / np.float64(total))
