"""google-quest-challenge: 30 subjective ratings of a question and its answer (mean column-wise Spearman).

Preparation follows upstream's prepare.py: 10% of Kaggle's `train.csv` held out (random_state 0). The rating
`question_type_spelling` is almost always 0, and a constant answer column has no Spearman correlation, so when the
held-out part has a single value there, its first row trades places with the first training row (in split order)
whose spelling rating is not 0. The answers are `qa_id` plus the 30 ratings; the sample submission rates every row
with the same ramp from 0 to 1 in every column.

Grading follows upstream's grade.py, which pairs rows by position after sorting both files by `qa_id` and never
compares the ids: ids that differ from the test set's are scored as upstream scores them, with a warning. Each
column's correlation is scipy's `spearmanr` on the values as pandas parsed them, so, as there, a text value is
ranked as text and a missing one makes the score NaN (both with a warning). The YAML declares no id column, so the
submission's `qa_id` reaches the grader parsed as upstream parses it (numbers, not text), and sorts as there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "qa_id"
CLASSES = [
    "question_asker_intent_understanding",
    "question_body_critical",
    "question_conversational",
    "question_expect_short_answer",
    "question_fact_seeking",
    "question_has_commonly_accepted_answer",
    "question_interestingness_others",
    "question_interestingness_self",
    "question_multi_intent",
    "question_not_really_a_question",
    "question_opinion_seeking",
    "question_type_choice",
    "question_type_compare",
    "question_type_consequence",
    "question_type_definition",
    "question_type_entity",
    "question_type_instructions",
    "question_type_procedure",
    "question_type_reason_explanation",
    "question_type_spelling",
    "question_well_written",
    "answer_helpful",
    "answer_level_of_information",
    "answer_plausible",
    "answer_relevance",
    "answer_satisfaction",
    "answer_type_instructions",
    "answer_type_procedure",
    "answer_type_reason_explanation",
    "answer_well_written",
]
SPELLING = "question_type_spelling"
FEATURES = [
    ID,
    "question_title",
    "question_body",
    "question_user_name",
    "question_user_page",
    "answer",
    "answer_user_name",
    "answer_user_page",
    "url",
    "category",
    "host",
]


def _split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = train_test_split(table, test_size=0.1, random_state=0)
    return train, test


def _trade_rows(train: pd.DataFrame, test: pd.DataFrame, train_label: int) -> None:
    """Exchange the values of the test part's first row and the training row labelled `train_label`, in place
    (each row keeps its place in its file)."""
    leaving_test = test.iloc[0].copy()
    test.iloc[0] = train.loc[train_label].copy()
    train.loc[train_label] = leaving_test


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, test = _split(table)
    if test[SPELLING].nunique() == 1:
        donors = train.index[(train[SPELLING] != 0).to_numpy()]
        if not len(donors):
            raise ValueError(f"no training row has a non-zero {SPELLING} to give the test set")
        _trade_rows(train, test, int(donors[0]))
    answers = test[[ID, *CLASSES]]
    constant = [c for c in CLASSES if answers[c].nunique() <= 1]
    if constant:
        raise ValueError(f"the held-out ratings are constant in {checks.examples(constant)}: no correlation")
    sample = answers.copy()
    sample[CLASSES] = np.tile(np.linspace(0, 1, len(sample))[:, None], (1, len(CLASSES)))

    answers.to_csv(private / "test.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    test.drop(columns=CLASSES).to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, *CLASSES])
    if len(submission.columns) != len(CLASSES) + 1:
        extra = [c for c in submission.columns if c not in {ID, *CLASSES}]
        raise InvalidSubmissionError(
            f"unexpected column(s) {checks.examples(extra)}: the submission must hold '{ID}' and the 30 rating "
            "columns only"
        )
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the answers have {len(answers)}")
    try:  # pandas' own sort, as upstream calls it, so rows with equal ids pair up as there
        sub = submission.sort_values(ID)
    except TypeError as err:
        raise InvalidSubmissionError(f"column '{ID}' mixes values that cannot be sorted together: {err}") from err
    ans = answers.sort_values(ID)
    _warn_about_ids(sub[ID], ans[ID])
    scores = []
    for col in CLASSES:
        predicted = sub[col]
        if not (pd.api.types.is_numeric_dtype(predicted) or pd.api.types.is_bool_dtype(predicted)):
            text = predicted[pd.to_numeric(predicted, errors="coerce").isna() & predicted.notna()]
            lenient(
                f"column '{col}' holds text such as {checks.examples(text.unique())}; upstream ranks the column's "
                "values as text"
            )
        elif predicted.isna().any():
            lenient(f"column '{col}' has {int(predicted.isna().sum())} missing value(s); upstream's score is NaN")
        try:
            scores.append(metrics.spearman(ans[col].to_numpy(), predicted.to_numpy()))
        except (TypeError, ValueError) as err:
            raise InvalidSubmissionError(f"column '{col}' cannot be ranked: {err}") from err
    return float(np.mean(scores))


def _warn_about_ids(submitted: pd.Series, expected: pd.Series) -> None:
    if pd.Index(submitted).equals(pd.Index(expected)):
        return
    known = pd.Index(expected)
    where = known.get_indexer(pd.Index(submitted.drop_duplicates()))
    unknown = submitted.drop_duplicates()[where < 0]
    parts = [f"{len(unknown)} unknown (e.g. {checks.examples(unknown.unique())})"] if len(unknown) else []
    duplicated = int(submitted.duplicated().sum())
    parts += [f"{duplicated} duplicated"] if duplicated else []
    lenient(
        f"rows scored by position after sorting both files by '{ID}', as upstream does; the ids do not match the "
        f"test set: {', '.join(parts) or 'they differ'}"
    )


# Synthetic data: each question has a kind (how-to, why, which, what-is, opinion) that sets most ratings and shows
# in its title, category and host, so a model on those learns the ratings. Ratings take Kaggle's rater-mean values.
_LEVELS = np.array([0.0, 0.333333333333333, 0.5, 0.666666666666667, 0.777777777777778, 0.888888888888889, 1.0])
_KINDS = {
    "howto": ("How do I {} the {}?", "TECHNOLOGY", "superuser.com"),
    "why": ("Why does the {} {} fail?", "STACKOVERFLOW", "stackoverflow.com"),
    "which": ("Which {} is better for {}?", "LIFE_ARTS", "photo.stackexchange.com"),
    "define": ("What is a {} in {}?", "SCIENCE", "physics.stackexchange.com"),
    "opinion": ("Is it rude to {} a {}?", "CULTURE", "english.stackexchange.com"),
}
_NOUNS = ["lens", "kernel", "router", "verb", "camera", "compiler", "theorem", "battery", "script", "sentence"]
_VERBS = ["configure", "mount", "reset", "translate", "compile", "measure", "replace", "format"]
_NAMES = ["Anna", "Ben", "Chen", "Dmitri", "Eva", "Farid", "Greta", "Hiro", "Ines", "Jon", "Kofi", "Lena"]
# for each kind, the ratings it raises (others stay middling); the rest of the 30 drift with noise
_HIGH = {
    "howto": {"question_type_instructions", "question_type_procedure", "answer_type_instructions"},
    "why": {"question_type_reason_explanation", "answer_type_reason_explanation", "question_fact_seeking"},
    "which": {"question_type_choice", "question_type_compare", "question_opinion_seeking"},
    "define": {"question_type_definition", "question_type_entity", "question_fact_seeking"},
    "opinion": {"question_opinion_seeking", "question_conversational", "question_interestingness_self"},
}


def _ratings(gen: np.random.Generator, kind: str) -> list[float]:
    out = []
    for col in CLASSES:
        if col == SPELLING:  # Kaggle: almost always 0
            out.append(float(gen.choice(_LEVELS[1:3])) if gen.random() < 0.04 else 0.0)
            continue
        centre = 5.5 if col in _HIGH[kind] else 1.5 if col.startswith("question_type") else 3.5
        level = int(np.clip(np.rint(gen.normal(centre, 1.0)), 0, len(_LEVELS) - 1))
        out.append(float(_LEVELS[level]))
    return out


def _row(gen: np.random.Generator, qa_id: int, kind: str) -> dict[str, object]:
    template, category, host = _KINDS[kind]
    noun, verb = str(gen.choice(_NOUNS)), str(gen.choice(_VERBS))
    title = template.format(verb, noun) if "{} the" in template or "to {}" in template else template.format(noun, verb)
    asker, answerer = (str(n) for n in gen.choice(_NAMES, 2, replace=False))
    question_no = int(gen.integers(10_000, 999_999))
    return {
        ID: qa_id,
        "question_title": title,
        "question_body": f"I tried to {verb} my {noun} but nothing changed.\n\nAny ideas? Thanks, {asker}",
        "question_user_name": asker,
        "question_user_page": f"https://{host}/users/{int(gen.integers(1, 99_999))}",
        "answer": f"You need to {verb} the {noun} first, then check the settings.\n\nSee the manual for details.",
        "answer_user_name": answerer,
        "answer_user_page": f"https://{host}/users/{int(gen.integers(1, 99_999))}",
        "url": f"http://{host}/questions/{question_no}/{title.lower().rstrip('?').replace(' ', '-')}",
        "category": category,
        "host": host,
    }


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "google-quest-challenge")
    n = max(size, 30)  # upstream's checks need a few held-out rows with varied ratings
    n_test = max(5, n // 12)
    ids = np.sort(gen.choice(np.arange(10 * (n + n_test)), size=n + n_test, replace=False))
    train_ids = gen.permutation(ids)[:n]
    test_ids = np.setdiff1d(ids, train_ids)
    kinds = [str(k) for k in gen.choice(list(_KINDS), n)]
    rows = [_row(gen, int(i), k) for i, k in zip(np.sort(train_ids), kinds, strict=True)]
    train = pd.DataFrame(rows)
    ratings = np.array([_ratings(gen, k) for k in kinds])
    # upstream's split depends on the row count only; its held-out rows after the first (which may be traded for a
    # spelling donor) get two distinct values in every rating, and one training row keeps a non-zero spelling
    held = _split(pd.DataFrame({"row": np.arange(n)}))[1]["row"].to_numpy()
    spelling = CLASSES.index(SPELLING)
    for j in range(len(CLASSES)):
        if j != spelling and len(set(ratings[held[1:], j])) < 2:
            ratings[held[1], j], ratings[held[2], j] = _LEVELS[2], _LEVELS[5]
    kept = np.setdiff1d(np.arange(n), held)
    if not (ratings[kept, spelling] != 0).any():
        ratings[kept[0], spelling] = _LEVELS[1]
    train[CLASSES] = ratings
    test = pd.DataFrame([_row(gen, int(i), str(gen.choice(list(_KINDS)))) for i in test_ids])
    write_csv(train, out / "train.csv")
    write_csv(test, out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], **dict.fromkeys(CLASSES, 0.00308)}), out / "sample_submission.csv")
