"""jigsaw-toxic-comment-classification-challenge: six toxicity labels per comment (mean column-wise ROC AUC).

Kaggle published the test labels (`test_labels.csv`), so upstream keeps Kaggle's train/test as they are. Test rows that
Kaggle never scored carry -1 in every label column and are left out of the metric.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from inspect_mlebench.formats.archives import zip_csv
from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.raw import read_zipped_csv
from inspect_mlebench.kit.synth import hex_ids, rng

ID = "id"
TEXT = "comment_text"
CLASSES = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


def prepare(raw: Path, public: Path, private: Path) -> None:
    train, test, answers, sample = (
        read_zipped_csv(raw / f"{name}.csv.zip", f"{name}.csv")
        for name in ("train", "test", "test_labels", "sample_submission")
    )
    sample[CLASSES] = 0.5

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)

    assert sorted(answers[ID]) == sorted(test[ID]) == sorted(sample[ID]), "test, labels and sample ids differ"
    assert set(train[ID]).isdisjoint(test[ID]), "train and test share ids"


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Macro ROC AUC over the scored rows (labels not -1), paired as upstream pairs them.

    Upstream sorts both files by id and drops the answers' unscored rows from both by id, then pairs what is left by
    position; the submission's non-id columns are scored in their file order. So a duplicated id, or a NaN or text in
    a row the metric ignores, is scored there: here too, with a warning (invalid in strict mode).
    """
    checks.require_columns(submission, [ID, *CLASSES])
    scored = [c for c in submission.columns if c != ID]
    if len(scored) != len(CLASSES):
        extra = [c for c in scored if c not in CLASSES]
        raise InvalidSubmissionError(f"unexpected column(s) {checks.examples(extra)}; expected only {ID}, {CLASSES}")
    if scored != CLASSES:
        lenient(f"label columns are scored by position, as upstream does; their order {scored} differs from {CLASSES}")
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the test set has {len(answers)}")
    if checks.same_ids_in_order(submission[ID], answers[ID]):
        # each test id once and in the answers' order (the sample's): sorting both files by id would pair the same
        # rows, and ROC AUC does not depend on the order of the rows
        sub = submission.set_index(ID)
        sub_keep = (answers[CLASSES].sum(axis=1) >= 0).to_numpy(dtype=bool)
        y_true = answers.loc[sub_keep, CLASSES].to_numpy(dtype=int)
    else:
        sub, sub_keep, y_true = _paired_by_sorted_id(submission, answers)
    _lenient_ignored_rows(sub.loc[~sub_keep, scored])
    y_score = checks.numeric_columns(sub.loc[sub_keep, scored], scored)
    return float(roc_auc_score(y_true, y_score, average="macro"))


def _paired_by_sorted_id(
    submission: pd.DataFrame, answers: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Upstream's pairing: both files sorted by id, the answers' unscored rows dropped from both by id. The
    submission indexed by id, which of its rows are scored, and the scored answers' labels."""
    sub = submission.set_index(ID).sort_index()
    ans = answers.set_index(ID).sort_index()
    keep = ans[CLASSES].sum(axis=1) >= 0
    known = checks.is_in(sub.index, keep.index)
    if not known.all():
        unknown = sub.index[~known].unique()
        raise InvalidSubmissionError(f"column '{ID}' has ids not in the test set, e.g. {checks.examples(unknown)}")
    dupes = sub.index[sub.index.duplicated()].unique()
    sub_keep = keep.reindex(sub.index).to_numpy(dtype=bool)
    if int(sub_keep.sum()) != int(keep.sum()):
        raise InvalidSubmissionError(
            f"column '{ID}' has duplicated ids ({checks.examples(dupes)}), so the rows the metric scores no longer "
            "match the test set's"
        )
    if len(dupes):
        lenient(
            f"column '{ID}' has {len(dupes)} duplicated id(s) ({checks.examples(dupes)}) and misses as many; rows "
            "are paired in sorted-id order, as upstream does"
        )
    return sub, sub_keep, ans.loc[keep.to_numpy(), CLASSES].to_numpy(dtype=int)


def _lenient_ignored_rows(ignored: pd.DataFrame) -> None:
    """Upstream never reads the rows it does not score, so a NaN, infinity or text there is only a warning."""
    values = ignored.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values)
    if bad.any():
        columns = ignored.columns[bad.any(axis=0)]
        rows = ignored.index[bad.any(axis=1)]
        lenient(
            f"column(s) {checks.examples(columns)} have missing, infinite or non-numeric values in rows the metric "
            f"ignores (ids {checks.examples(rows)}); upstream does not read them"
        )


_CUES = {
    "toxic": ["awful", "garbage", "shut up"],
    "severe_toxic": ["ABSOLUTE SCUM", "vile filth"],
    "obscene": ["f***ing", "s***"],
    "threat": ["I will find you", "you will regret"],
    "insult": ["idiot", "moron", "loser"],
    "identity_hate": ["those people", "your kind"],
}
_NEUTRAL = ["Thanks for the edit", "I added a citation", "See the talk page", "The source says otherwise", "Good point"]


def _labels(gen: np.random.Generator, n: int) -> np.ndarray:
    """Nested like Kaggle's: the finer labels mostly co-occur with `toxic`."""
    toxic = gen.random(n) < 0.3
    labels = np.zeros((n, len(CLASSES)), dtype=int)
    labels[:, 0] = toxic
    for j, rate in enumerate([0.2, 0.5, 0.1, 0.5, 0.15], start=1):
        labels[:, j] = toxic & (gen.random(n) < rate)
    # Every label once positive and once negative, so each column's AUC is defined.
    for j in range(len(CLASSES)):
        labels[j, 0] = labels[j, j] = 1
    labels[len(CLASSES)] = 0
    return labels


def _text(gen: np.random.Generator, row: np.ndarray) -> str:
    parts = [str(gen.choice(_NEUTRAL))]
    for j in np.flatnonzero(row):
        parts.append(str(gen.choice(_CUES[CLASSES[j]])))
    gen.shuffle(parts)
    return ("\n" if gen.random() < 0.2 else " ").join(parts) + "."


def _write_zipped(frame: pd.DataFrame, out: Path, name: str) -> None:
    zip_csv(frame, out / f"{name}.csv.zip", date_time=(2018, 3, 20, 0, 0, 0))  # fixed, so the bytes follow the seed


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "jigsaw-toxic-comment-classification-challenge")
    n_test = max(20, size)
    ids = hex_ids(gen, size + n_test, 8)
    train_labels, test_labels = _labels(gen, size), _labels(gen, n_test)
    train = pd.DataFrame({ID: ids[:size], TEXT: [_text(gen, row) for row in train_labels]})
    train[CLASSES] = train_labels
    test = pd.DataFrame({ID: ids[size:], TEXT: [_text(gen, row) for row in test_labels]})
    # Kaggle marks the unscored part of its test (here ~40%, never the rows that guarantee both classes) with -1.
    unscored = gen.random(n_test) < 0.4
    unscored[: len(CLASSES) + 1] = False
    answers = test[[ID]].copy()
    answers[CLASSES] = np.where(unscored[:, None], -1, test_labels)

    out.mkdir(parents=True, exist_ok=True)
    _write_zipped(train, out, "train")
    _write_zipped(test, out, "test")
    _write_zipped(answers, out, "test_labels")
    _write_zipped(test[[ID]].assign(**dict.fromkeys(CLASSES, 0.5)), out, "sample_submission")
