"""detecting-insults-in-social-commentary: is a comment an insult (ROC AUC); the comment text is the id.

Kaggle published the test labels (`test_with_solutions.csv`), so upstream copies train and labelled test as they are
instead of splitting; the public test and the sample submission are rebuilt from the labelled test.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "Comment"
TARGET = "Insult"
DATE = "Date"
SUBMISSION_COLUMNS = [TARGET, DATE, ID]


def prepare(raw: Path, public: Path, private: Path) -> None:
    shutil.copy(raw / "train.csv", public / "train.csv")
    shutil.copy(raw / "test_with_solutions.csv", private / "test.csv")

    # The test currently on Kaggle is the later verification set; upstream scores the original test instead.
    labelled = read_csv(private / "test.csv")
    gold = labelled[SUBMISSION_COLUMNS]
    gold.to_csv(private / "gold_submission.csv", index=False)
    gold.drop(columns=TARGET).to_csv(public / "test.csv", index=False)
    gold.assign(**{TARGET: 0}).to_csv(public / "sample_submission_null.csv", index=False)

    train_comments = set(read_csv(public / "train.csv")[ID])
    assert train_comments.isdisjoint(labelled[ID]), "a test comment also appears in train"


def gold(public: Path, private: Path) -> pd.DataFrame:
    """Upstream's gold submission: the labelled test in the sample submission's columns (duplicate comments kept)."""
    return read_csv(private / "test.csv")[SUBMISSION_COLUMNS]


def _paired_order(submission: pd.DataFrame, answers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row orders that pair equal comments: both files sorted by comment as upstream sorts them, so a comment that
    occurs k times pairs its occurrences exactly as upstream's grader pairs them. Kaggle's test repeats some comments,
    so the ids are compared as multisets, with a reason that names a few culprits."""
    checks.no_missing(submission, [ID])
    sub_order = _sorted_positions(submission)
    ans_order = _sorted_positions(answers)
    sub_ids, ans_ids = submission[ID].astype(str), answers[ID].astype(str)
    if len(submission) == len(answers) and (sub_ids.to_numpy()[sub_order] == ans_ids.to_numpy()[ans_order]).all():
        return sub_order, ans_order
    sub_counts, ans_counts = sub_ids.value_counts(), ans_ids.value_counts()
    missing = sorted(set(ans_counts.index) - set(sub_counts.index))
    extra = sorted(set(sub_counts.index) - set(ans_counts.index))
    parts = [f"{len(missing)} expected comment(s) missing, e.g. {checks.examples(missing)}"] if missing else []
    if extra:
        parts.append(f"{len(extra)} unknown comment(s), e.g. {checks.examples(extra)}")
    if not parts:
        aligned = sub_counts.reindex(ans_counts.index)
        repeated = aligned.index[aligned.to_numpy() != ans_counts.to_numpy()]
        parts.append(f"some comments occur a different number of times, e.g. {checks.examples(repeated)}")
    head = (
        f"submission has {len(submission)} rows but the test set has {len(answers)}"
        if len(submission) != len(answers)
        else f"comments in column '{ID}' do not match the test set"
    )
    raise InvalidSubmissionError(f"{head}: {'; '.join(parts)}")


def _sorted_positions(frame: pd.DataFrame) -> np.ndarray:
    """Row positions in the order pandas' default sort by comment puts them (upstream's order, ties included)."""
    order: np.ndarray = frame.reset_index(drop=True).sort_values(ID).index.to_numpy()
    return order


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [TARGET, ID])
    if DATE not in submission.columns:
        # upstream reads only Comment and Insult
        lenient(f"no '{DATE}' column (the sample submission has one); upstream does not read it")
    sub_order, ans_order = _paired_order(submission, answers)
    scores = checks.numeric_columns(submission, [TARGET])
    checks.check_probabilities(scores, [TARGET], sum_to_one=False)
    truth = answers[TARGET].to_numpy(dtype=int)
    return float(roc_auc_score(truth[ans_order], scores[sub_order, 0]))


_INSULTS = ["idiot", "moron", "loser", "stupid", "pathetic", "clown", "dumb", "ignorant", "worthless", "fool"]
_NEUTRAL = ["article", "season", "team", "price", "weather", "game", "policy", "market", "music", "election"]
_FILLER = ["the", "this", "really", "about", "think", "just", "what", "well", "again", "people", "here", "more"]


def _comment(gen: np.random.Generator, insult: bool, serial: int) -> str:
    words = list(gen.choice(_FILLER, size=int(gen.integers(4, 9))))
    hits = gen.choice(_INSULTS if insult else _NEUTRAL, size=int(gen.integers(1, 3)))
    for word in hits:
        words.insert(int(gen.integers(0, len(words) + 1)), str(word))
    lead = "you are a" if insult else "I read the"
    # Kaggle stores the unicode-escaped text wrapped in literal double quotes; the serial keeps comments unique.
    return '"' + f"{lead} {' '.join(words)}\\xa0#{serial}" + '"'


def _comments(gen: np.random.Generator, n: int, first_serial: int, *, usage: bool) -> pd.DataFrame:
    labels = (gen.random(n) < 0.3).astype(int)
    labels[:2] = [1, 0]  # both classes in every split, so ROC AUC is defined
    stamps = [
        ""
        if gen.random() < 0.2
        else f"2012{gen.integers(1, 10):02d}{gen.integers(1, 29):02d}"
        f"{gen.integers(0, 24):02d}{gen.integers(0, 60):02d}{gen.integers(0, 60):02d}Z"
        for _ in range(n)
    ]
    frame = pd.DataFrame(
        {
            TARGET: labels,
            DATE: stamps,
            ID: [_comment(gen, bool(y), first_serial + i) for i, y in enumerate(labels)],
        }
    )
    if usage:
        frame["Usage"] = np.where(gen.random(n) < 0.5, "PublicTest", "PrivateTest")
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "detecting-insults-in-social-commentary")
    n_test = max(10, size * 2 // 3)
    train = _comments(gen, size, 0, usage=False)
    labelled_test = _comments(gen, n_test, size, usage=True)
    verification = _comments(gen, n_test, size + n_test, usage=False)
    write_csv(train, out / "train.csv")
    write_csv(labelled_test, out / "test_with_solutions.csv")
    # What Kaggle serves as test.csv today is the (unused) verification stage; same two columns.
    write_csv(verification[[DATE, ID]], out / "test.csv")
    write_csv(verification.assign(**{TARGET: 0})[SUBMISSION_COLUMNS], out / "sample_submission_null.csv")
