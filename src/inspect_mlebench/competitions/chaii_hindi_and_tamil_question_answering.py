"""chaii-hindi-and-tamil-question-answering: extractive question answering in Hindi and Tamil (mean word Jaccard).

Upstream holds out 10% of Kaggle's `train.csv`; the answers are the held-out rows' `answer_text`, renamed to the
submission's `PredictionString`. Its grader matches the submission's `id`s to the test set's and scores each row by the
Jaccard similarity of the lowercased word sets (through scikit-learn's `jaccard_score(average="samples")`, which
scores a row with no words on either side as 0). An empty prediction reads as missing and is scored as ''.
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

ID = "id"
TARGET = "PredictionString"
LABELS = ["answer_text", "answer_start"]


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, test = train_test_split(table, test_size=0.1, random_state=0)
    answers = test[[ID, "answer_text"]].set_axis([ID, TARGET], axis=1)

    train.to_csv(public / "train.csv", index=False)
    test.drop(columns=LABELS).to_csv(public / "test.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    answers.assign(**{TARGET: "dummy text"}).to_csv(public / "sample_submission.csv", index=False)
    assert set(train[ID]).isdisjoint(test[ID]), "train and test share ids"


def _texts(column: pd.Series, what: str) -> list[str]:
    """The column's values with missing ones as ''; anything that is not text is refused, as upstream's
    `.lower()` on it fails."""
    values: list[str] = column.fillna("").tolist()
    odd = [v for v in values if not isinstance(v, str)]
    if odd:
        raise InvalidSubmissionError(f"{what}: column '{TARGET}' must hold text; found {checks.examples(odd)}")
    return values


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the test set has {len(answers)}")
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.align_by_id(submission, answers, ID, as_text=False)
    missing = int(sub[TARGET].isna().sum())
    if missing:
        lenient(f"column '{TARGET}' has {missing} empty prediction(s), scored as empty text (Jaccard 0) as upstream")
    predicted, expected = _texts(sub[TARGET], "submission"), _texts(ans[TARGET], "answers")
    # upstream one-hot encodes the words of all rows and scikit-learn takes that as multi-label data only with at
    # least two distinct words overall; anything less is refused there
    vocabulary: set[str] = set()
    for text in (*predicted, *expected):
        vocabulary.update(text.lower().split())
        if len(vocabulary) > 1:
            break
    else:
        raise InvalidSubmissionError(
            f"column '{TARGET}': predictions and answers hold fewer than two distinct words in all, which upstream's "
            "scikit-learn scoring refuses"
        )
    return metrics.word_jaccard(np.array(expected, dtype=object), np.array(predicted, dtype=object), empty_pair=0.0)


# Synthetic data: one-fact passages in Hindi or Tamil; the question names the subject and the answer is the fact.
_FACTS = {
    "hindi": (
        "{s} की राजधानी {a} है। यह एक सुंदर जगह है।",
        "{s} की राजधानी क्या है?",
        ["दिल्ली", "मुंबई", "पटना", "जयपुर", "भोपाल", "लखनऊ"],
        ["भारत", "महाराष्ट्र", "बिहार", "राजस्थान", "मध्य प्रदेश", "उत्तर प्रदेश"],
    ),
    "tamil": (
        "{s} பிறந்த ஆண்டு {a} ஆகும். அவர் ஒரு புகழ்பெற்ற எழுத்தாளர்.",
        "{s} எந்த ஆண்டு பிறந்தார்?",
        ["1882", "1901", "1947", "1920", "1965", "1899"],
        ["பாரதியார்", "கல்கி", "ஜெயகாந்தன்", "சுஜாதா", "புதுமைப்பித்தன்", "அகிலன்"],
    ),
}


def _ids(gen: np.random.Generator, n: int) -> list[str]:
    """Distinct 9-digit hex ids, like Kaggle's."""
    ids: dict[str, None] = {}
    while len(ids) < n:
        ids[gen.bytes(5).hex()[:9]] = None
    return list(ids)


def _example(gen: np.random.Generator, language: str) -> tuple[str, str, str, int]:
    context, question, answers, subjects = _FACTS[language]
    k = int(gen.integers(len(subjects)))
    text = context.format(s=subjects[k], a=answers[k])
    if gen.random() < 0.5:  # some padding before the fact, so answer_start varies
        text = f"{subjects[(k + 1) % len(subjects)]} {text}"
    return text, question.format(s=subjects[k]), answers[k], text.index(answers[k])


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's download: train.csv (id, context, question, answer_text, answer_start, language), test.csv without
    the answer columns, and sample_submission.csv (id, PredictionString)."""
    gen = rng(seed, "chaii-hindi-and-tamil-question-answering")
    n_test = max(5, size // 20)
    languages = gen.choice(["hindi", "tamil"], size + n_test, p=[0.65, 0.35])
    rows = [_example(gen, str(lang)) for lang in languages]
    frame = pd.DataFrame(
        {
            ID: _ids(gen, size + n_test),
            "context": [r[0] for r in rows],
            "question": [r[1] for r in rows],
            "answer_text": [r[2] for r in rows],
            "answer_start": [r[3] for r in rows],
            "language": languages,
        }
    )
    write_csv(frame.iloc[:size], out / "train.csv")
    test = frame.iloc[size:]
    write_csv(test[[ID, "context", "question", "language"]], out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: ""}), out / "sample_submission.csv")
