"""us-patent-phrase-to-phrase-matching: similarity of two patent phrases in a CPC context (Pearson correlation).

Preparation is the declarative hold-out (10% of Kaggle's `train.csv`, random_state 0; see the YAML). Grading follows
upstream's grade.py: the same number of rows as the answers, columns `id` and `score`, exactly the test ids (rows
paired by id), then scipy's `pearsonr` on the scores as pandas parsed them, in the order of the sorted ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv

ID = "id"
TARGET = "score"


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the answers have {len(answers)}")
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.align_by_id(submission, answers, ID)
    # upstream sorts both files by id and pairs rows by position: the same pairs, and the metric sees them in this
    # order (a float sum's last digits depend on it)
    order = np.argsort(ans[ID].to_numpy(dtype=str), kind="stable")
    predicted = sub[TARGET].iloc[order]
    numeric = pd.api.types.is_numeric_dtype(predicted) or pd.api.types.is_bool_dtype(predicted)
    if not numeric:  # text among the numbers: scipy cannot correlate it
        bad = predicted[pd.to_numeric(predicted, errors="coerce").isna()]
        shown = bad if len(bad) else predicted
        raise InvalidSubmissionError(
            f"column '{TARGET}' must be numeric; values such as {checks.examples(shown.unique())} "
            f"(ids {checks.examples(sub[ID].iloc[order][shown.index])})"
        )
    y_pred = predicted.to_numpy()
    y_true = ans[TARGET].iloc[order].to_numpy()
    if y_pred.dtype.kind == "f" and not np.isfinite(y_pred).all():
        lenient(
            f"column '{TARGET}' has {int((~np.isfinite(y_pred)).sum())} missing or infinite value(s); upstream "
            "scores the file anyway, and the correlation is NaN"
        )
    return metrics.pearson(y_true, y_pred)


# Synthetic phrases: the more words a target shares with its anchor, the higher the score (Kaggle's levels).
_CONTEXTS = ["A47", "A61", "B60", "B65", "C07", "C08", "F16", "G01", "G06", "H01", "H04"]
_WORDS = [
    "acid",
    "absorption",
    "adjustable",
    "valve",
    "bracket",
    "conductive",
    "coating",
    "polymer",
    "signal",
    "transmission",
    "wheel",
    "assembly",
    "sensor",
    "housing",
    "layer",
    "electrode",
    "fluid",
    "pump",
    "optical",
    "fiber",
]
_LEVELS = np.array([0.0, 0.25, 0.5, 0.75, 1.0])


def _anchors(gen: np.random.Generator, n: int) -> list[str]:
    return [" ".join(gen.choice(_WORDS, size=2, replace=False)) for _ in range(n)]


def _target(gen: np.random.Generator, anchor: str, level: float) -> str:
    words = anchor.split()
    others = [w for w in _WORDS if w not in words]
    if level == 1.0:
        return f"{words[0]} {words[1]}s"
    if level == 0.75:
        return f"{words[1]} of {words[0]}"
    if level == 0.5:
        return f"{gen.choice(others)} {words[1]}"
    if level == 0.25:
        return f"{words[0][:4]}ing {gen.choice(others)}"
    return " ".join(gen.choice(others, size=2, replace=False))


def _rows(gen: np.random.Generator, ids: list[str], anchors: list[str], levels: np.ndarray) -> pd.DataFrame:
    chosen = [anchors[i] for i in gen.integers(0, len(anchors), len(ids))]
    return pd.DataFrame(
        {
            ID: ids,
            "anchor": chosen,
            "target": [_target(gen, a, float(v)) for a, v in zip(chosen, levels, strict=True)],
            "context": gen.choice(_CONTEXTS, len(ids)),
            TARGET: levels,
        }
    )


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "us-patent-phrase-to-phrase-matching")
    anchors = _anchors(gen, max(3, min(40, size // 6)))
    levels = gen.choice(_LEVELS, size=size, p=[0.2, 0.3, 0.3, 0.15, 0.05])
    # upstream's split depends on the row count only: its test rows always hold two different scores
    held = train_test_split(np.arange(size), test_size=0.1, random_state=0)[1]
    levels[held[:2]] = [0.25, 0.75][: len(held[:2])]
    n_test = max(4, size // 10)
    ids = hex_ids(gen, size + n_test, 8)
    train = _rows(gen, ids[:size], anchors, levels)
    test = _rows(gen, ids[size:], anchors, gen.choice(_LEVELS, size=n_test)).drop(columns=[TARGET])
    write_csv(train, out / "train.csv")
    write_csv(test, out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 0}), out / "sample_submission.csv")
