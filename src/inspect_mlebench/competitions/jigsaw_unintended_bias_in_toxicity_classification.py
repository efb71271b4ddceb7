"""jigsaw-unintended-bias-in-toxicity-classification: toxicity scores judged also within nine identity subgroups.

Upstream keeps Kaggle's split: `train.csv` is public as it is, the private answers are Kaggle's
`test_private_expanded.csv` (labels and identity columns), the public test is its `id` and `comment_text`.

Its grader matches the submission's `id`s to the answers' (as pandas parses them, so `7000000.0` matches 7000000),
then, unusually, turns every prediction into 0 or 1 at 0.5 (a missing one is 0) before computing the bias-aware AUC
(`metrics.bias_weighted_auc`); the answers' toxicity and identity columns are cut at 0.5 too. A `toxicity` column is
accepted in place of `prediction` (so the answers file itself grades), but not both.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
TEXT = "comment_text"
PREDICTION = "prediction"
LABEL = "toxicity"
IDENTITIES = [
    "male",
    "female",
    "homosexual_gay_or_lesbian",
    "christian",
    "jewish",
    "muslim",
    "black",
    "white",
    "psychiatric_or_mental_illness",
]


def prepare(raw: Path, public: Path, private: Path) -> None:
    test = read_csv(raw / "test_private_expanded.csv")
    shutil.copyfile(raw / "test_private_expanded.csv", private / "test.csv")
    shutil.copyfile(raw / "train.csv", public / "train.csv")
    test[[ID, TEXT]].to_csv(public / "test.csv", index=False)
    test[[ID]].assign(**{PREDICTION: 0.0}).to_csv(public / "sample_submission.csv", index=False)
    assert test.shape[1] == 45, f"test_private_expanded.csv has {test.shape[1]} columns, expected 45"


def gold(public: Path, private: Path) -> pd.DataFrame:
    answers = read_csv(private / "test.csv")
    return answers[[ID]].assign(**{PREDICTION: answers[LABEL]})


def _at_half(values: pd.Series) -> np.ndarray:
    """1 where the value is at least 0.5, else 0 (missing values too), as upstream cuts predictions and labels."""
    if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return np.asarray(values.to_numpy(dtype=float) >= 0.5, dtype=int)
    try:  # text or mixed columns: compared value by value, as upstream does, so text is refused
        return np.array([1 if v >= 0.5 else 0 for v in values], dtype=int)
    except TypeError as err:
        bad = [v for v in values if isinstance(v, str) and pd.isna(pd.to_numeric(v, errors="coerce"))] or [
            v for v in values if isinstance(v, str)
        ]
        raise InvalidSubmissionError(
            f"column '{values.name}' must be numeric; non-numeric values such as {checks.examples(bad)}"
        ) from err


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID])
    if PREDICTION in submission.columns and LABEL in submission.columns:
        raise InvalidSubmissionError(
            f"submission has both '{PREDICTION}' and '{LABEL}' columns; upstream reads '{LABEL}' in place of "
            f"'{PREDICTION}' and cannot score the two together"
        )
    if PREDICTION not in submission.columns and LABEL not in submission.columns:
        raise InvalidSubmissionError(
            f"submission is missing column '{PREDICTION}'; expected columns '{ID}', '{PREDICTION}'"
        )
    column = PREDICTION if PREDICTION in submission.columns else LABEL
    sub, ans = checks.align_by_id(submission, answers, ID, as_text=False)
    if sub[ID].dtype != ans[ID].dtype:
        lenient(f"ids in column '{ID}' are written as {sub[ID].dtype} values; they match the test set once parsed")
    missing = int(sub[column].isna().sum())
    if missing:
        lenient(f"column '{column}' has {missing} missing value(s), scored as non-toxic (below 0.5) as upstream does")
    predicted = _at_half(sub[column])
    if pd.api.types.is_numeric_dtype(sub[column]):
        values = sub[column].to_numpy(dtype=float)
        if ((values < 0) | (values > 1)).any():
            lenient(f"column '{column}' has values outside [0, 1], cut at 0.5 like the rest as upstream does")
    truth = np.column_stack([_at_half(ans[c]) for c in [LABEL, *IDENTITIES]])
    try:
        return metrics.bias_weighted_auc(truth, predicted)
    except ZeroDivisionError as err:
        raise InvalidSubmissionError(
            f"column '{column}': a subgroup AUC is exactly 0, which upstream's power mean (p=-5) cannot take"
        ) from err


# --- synthetic data ---

_TRAIN_COLUMNS = [
    "id", "target", "comment_text", "severe_toxicity", "obscene", "identity_attack", "insult", "threat", "asian",
    "atheist", "bisexual", "black", "buddhist", "christian", "female", "heterosexual", "hindu",
    "homosexual_gay_or_lesbian", "intellectual_or_learning_disability", "jewish", "latino", "male", "muslim",
    "other_disability", "other_gender", "other_race_or_ethnicity", "other_religion", "other_sexual_orientation",
    "physical_disability", "psychiatric_or_mental_illness", "transgender", "white", "created_date", "publication_id",
    "parent_id", "article_id", "rating", "funny", "wow", "sad", "likes", "disagree", "sexual_explicit",
    "identity_annotator_count", "toxicity_annotator_count",
]  # fmt: skip
_TEST_COLUMNS = [
    "id", "comment_text", "created_date", "publication_id", "parent_id", "article_id", "rating", "funny", "wow",
    "sad", "likes", "disagree", "toxicity", "severe_toxicity", "obscene", "sexual_explicit", "identity_attack",
    "insult", "threat", "male", "female", "transgender", "other_gender", "heterosexual", "homosexual_gay_or_lesbian",
    "bisexual", "other_sexual_orientation", "christian", "jewish", "muslim", "hindu", "buddhist", "atheist",
    "other_religion", "black", "white", "asian", "latino", "other_race_or_ethnicity", "physical_disability",
    "intellectual_or_learning_disability", "psychiatric_or_mental_illness", "other_disability",
    "identity_annotator_count", "toxicity_annotator_count",
]  # fmt: skip
_MENTIONS = {
    "male": "men", "female": "women", "homosexual_gay_or_lesbian": "gay people", "christian": "christians",
    "jewish": "jews", "muslim": "muslims", "black": "black people", "white": "white people",
    "psychiatric_or_mental_illness": "the mentally ill",
}  # fmt: skip
_TOXIC = ["are idiots", "are stupid and pathetic", "are morons", "should shut up", "are garbage"]
_CIVIL = ["deserve respect", "have a point here", "wrote a good article", "are my neighbours", "were at the meeting"]
_OTHERS = ["People", "Politicians", "These commenters", "Voters", "Drivers"]


def _comments(gen: np.random.Generator, n: int, *, cover_groups: bool) -> pd.DataFrame:
    """Labelled comments: toxicity a fraction of raters (>= 0.5 when toxic), identity columns likewise. With
    `cover_groups`, the first rows give every identity two toxic and two civil comments, so every bias AUC of the
    test set has both labels."""
    toxic = gen.random(n) < 0.35
    member = np.full(n, -1)
    has_group = gen.random(n) < 0.6
    member[has_group] = gen.integers(len(IDENTITIES), size=int(has_group.sum()))
    if cover_groups:
        for j in range(len(IDENTITIES)):
            member[4 * j : 4 * j + 4] = j
            toxic[4 * j : 4 * j + 4] = [True, False, True, False]
    raters = gen.integers(4, 11, n)
    # toxic: at least half the raters (so >= 0.5, sometimes exactly); civil: at most one of four or more
    votes = np.where(toxic, np.minimum(np.ceil(raters / 2) + gen.integers(0, 3, n), raters), gen.integers(0, 2, n))
    frame = pd.DataFrame(
        {
            TEXT: [
                f"{_MENTIONS[IDENTITIES[m]].capitalize() if m >= 0 else gen.choice(_OTHERS)} "
                f"{gen.choice(_TOXIC if t else _CIVIL)}{'!' if gen.random() < 0.3 else '.'}"
                for m, t in zip(member, toxic, strict=True)
            ],
            LABEL: votes / raters,
            "toxicity_annotator_count": raters,
        }
    )
    for name in ("severe_toxicity", "obscene", "identity_attack", "insult", "threat", "sexual_explicit"):
        frame[name] = np.round(np.where(toxic, gen.random(n) * 0.5, 0.0), 6)
    annotators = gen.integers(4, 7, n)
    for c in _TEST_COLUMNS[19:43]:
        frame[c] = 0.0
    for j, name in enumerate(IDENTITIES):
        inside = member == j
        frame[name] = np.where(inside, np.maximum(0.5, np.round(gen.integers(3, 7, n) / annotators, 6)), 0.0)
    frame["identity_annotator_count"] = annotators
    frame["created_date"] = [
        f"2017-{gen.integers(1, 13):02d}-{gen.integers(1, 29):02d} {gen.integers(0, 24):02d}:"
        f"{gen.integers(0, 60):02d}:{gen.integers(0, 60):02d}.{gen.integers(0, 999999):06d}+00"
        for _ in range(n)
    ]
    frame["publication_id"] = gen.choice([21, 54, 55, 102], n)
    frame["parent_id"] = np.where(gen.random(n) < 0.5, np.nan, gen.integers(100000, 6000000, n).astype(float))
    frame["article_id"] = gen.integers(2000, 400000, n)
    frame["rating"] = np.where(gen.random(n) < 0.9, "approved", "rejected")
    for c in ("funny", "wow", "sad", "likes", "disagree"):
        frame[c] = gen.poisson(0.5, n)
    return frame


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's download at a tiny size: train.csv (Kaggle's column order, identity columns blank for rows nobody
    annotated), test.csv and sample_submission.csv for the final test, and test_public_expanded.csv /
    test_private_expanded.csv with the labels of the two test stages."""
    gen = rng(seed, "jigsaw-unintended-bias-in-toxicity-classification")
    train = _comments(gen, size, cover_groups=False)
    train.insert(0, ID, 59848 + np.sort(gen.choice(6274162, size, replace=False)))
    train = train.rename(columns={LABEL: "target"})
    unannotated = gen.random(size) < 0.5
    identity_columns = _TEST_COLUMNS[19:43]
    train["identity_annotator_count"] = np.where(unannotated, 0, train["identity_annotator_count"])
    train.loc[unannotated, identity_columns] = np.nan
    n_test = max(4 * len(IDENTITIES) + 24, size)  # enough rows per identity for its three AUCs
    public = _comments(gen, n_test, cover_groups=True)
    public.insert(0, ID, np.arange(7000000, 7000000 + n_test))
    private = _comments(gen, n_test, cover_groups=True)
    private.insert(0, ID, np.arange(7097320, 7097320 + n_test))
    order = gen.permutation(n_test)  # the rows that guarantee both labels per identity, spread out
    private = private.iloc[order].reset_index(drop=True)

    write_csv(train[_TRAIN_COLUMNS], out / "train.csv")
    write_csv(public[_TEST_COLUMNS], out / "test_public_expanded.csv")
    write_csv(private[_TEST_COLUMNS], out / "test_private_expanded.csv")
    write_csv(private[[ID, TEXT]], out / "test.csv")
    write_csv(private[[ID]].assign(**{PREDICTION: 0.0}), out / "sample_submission.csv")
