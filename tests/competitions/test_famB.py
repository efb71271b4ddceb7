"""Upstream parity of the text-extraction, question-answering and toxicity-bias competitions at their boundaries.

Every expected score or verdict below was measured with upstream's own grade function (openai/mle-bench at 783b15a)
on exactly these files, read as its `grade_csv` reads them (`read_csv`, no dtype), rounded to 5 decimals; any
exception there means invalid. The metric values are also worked out by hand in the comments.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import grading_context
from inspect_mlebench.grading.metrics import word_jaccard


def _frame(text: str) -> pd.DataFrame:
    frame: pd.DataFrame = pd.read_csv(io.StringIO(text))  # as tables.read_csv parses under pandas 3
    return frame


def _score(grader: object, submission: str, answers: str, mode: str = "upstream") -> float | None:
    """Rounded score, or None where the grader refuses the file (as upstream's wrapper turns any exception)."""
    assert callable(grader)
    try:
        with grading_context(mode):  # type: ignore[arg-type]
            return round(float(grader(_frame(submission), _frame(answers))), 5)
    except (InvalidSubmissionError, ValueError, TypeError, ZeroDivisionError):
        return None


# --- metric: word-level Jaccard ---


def test_word_jaccard_by_hand() -> None:
    truth = np.array(["Hello World", "so sad", "a b c d"], dtype=object)
    pred = np.array(["hello there", "SAD", "a b"], dtype=object)
    # {hello, world} vs {hello, there}: 1/3; {so, sad} vs {sad}: 1/2; {a,b,c,d} vs {a,b}: 2/4
    assert word_jaccard(truth, pred) == pytest.approx((1 / 3 + 1 / 2 + 1 / 2) / 3)
    with pytest.raises(ValueError, match="both empty"):
        word_jaccard(np.array(["", "x"], dtype=object), np.array([" ", "x"], dtype=object))
    assert word_jaccard(np.array(["", "x"], dtype=object), np.array([" ", "x"], dtype=object), empty_pair=0.0) == 0.5


# --- tweet-sentiment-extraction ---

TWEETS = (
    "textID,text,selected_text,sentiment\na1,Hello World foo,Hello World,positive\nb2,so sad today,sad,negative\n"
    "c3,just text,just text,neutral\n"
)
TWEETS_EMPTY = "textID,text,selected_text,sentiment\na1,Hello World foo,Hello World,positive\nb2,,,neutral\n"


@pytest.mark.parametrize(
    ("answers", "submission", "expected"),
    [
        (TWEETS, "textID,selected_text\na1,Hello World\nb2,sad\nc3,just text\n", 1.0),
        # rows in any order; (1/2 + 1/2 + 0) / 3, the empty prediction read as NaN and scored as ''
        (TWEETS, "textID,selected_text\nc3,\nb2,SAD today\na1,hello\n", 0.33333),
        # numbers are scored as their text ('1.5'), matching nothing
        (TWEETS, "textID,selected_text\na1,1.5\nb2,2\nc3,3\n", 0.0),
        (TWEETS, "textID,selected_text\na1,x\nb2,x\nc3,x\nd4,x\n", None),  # extra row
        (TWEETS, "textID,selected_text\na1,x\nb2,x\nzz,x\n", None),  # unknown id
        (TWEETS, "textID,selected_text\na1,x\nb2,x\nb2,x\n", None),  # duplicated id
        (TWEETS, "textID,selected_text\na1,x\nb2,x\nc3,x\n".replace("selected_text", "text"), None),
        # upstream divides by zero where prediction and answer are both empty
        (TWEETS_EMPTY, "textID,selected_text\na1,Hello World\nb2,\n", None),
        (TWEETS_EMPTY, "textID,selected_text\na1,Hello\nb2,x\n", 0.25),  # (1/2 + 0) / 2
    ],
)
def test_tweet_sentiment_extraction_as_upstream(answers: str, submission: str, expected: float | None) -> None:
    from inspect_mlebench.competitions.tweet_sentiment_extraction import grade

    assert _score(grade, submission, answers) == expected


def test_tweet_empty_prediction_is_a_warning_then_strictly_invalid() -> None:
    from inspect_mlebench.competitions.tweet_sentiment_extraction import grade

    submission = "textID,selected_text\nc3,\nb2,SAD today\na1,hello\n"
    with grading_context("upstream") as warnings:
        assert round(grade(_frame(submission), _frame(TWEETS)), 5) == 0.33333
    assert warnings
    assert "empty prediction" in warnings[0]
    assert _score(grade, submission, TWEETS, mode="strict") is None


# --- chaii-hindi-and-tamil-question-answering ---

QA = "id,PredictionString\n903deec17,दिल्ली शहर\nd9841668c,1947\n29d154b56,ஒரு நாள்\n"


@pytest.mark.parametrize(
    ("answers", "submission", "expected"),
    [
        (QA, "id,PredictionString\nd9841668c,1947\n903deec17,दिल्ली शहर\n29d154b56,ஒரு நாள்\n", 1.0),
        # 1/2 + 0 (empty prediction) + 2/4, over 3 rows
        (QA, "id,PredictionString\n903deec17,दिल्ली\nd9841668c,\n29d154b56,ஒரு நாள் x y\n", 0.33333),
        # an all-number column is parsed as numbers, which upstream cannot lowercase
        (QA, "id,PredictionString\n903deec17,1947\nd9841668c,1947\n29d154b56,2\n", None),
        (QA, "id,PredictionString\n903deec17,a\nd9841668c,a\n29d154b56,a\nzz,a\n", None),  # extra row
        (QA, "id,PredictionString\n903deec17,a\nd9841668c,a\nzz,a\n", None),  # unknown id
        # one distinct word in all: scikit-learn does not take the one-hot words as multi-label data
        ("id,PredictionString\na,x\nb,x\n", "id,PredictionString\na,x\nb,X\n", None),
        # no words on either side: scikit-learn scores the row 0, so (1/2 + 0) / 2
        ("id,PredictionString\na,x\nb,\n", "id,PredictionString\na,x y\nb,\n", 0.25),
    ],
)
def test_chaii_as_upstream(answers: str, submission: str, expected: float | None) -> None:
    from inspect_mlebench.competitions.chaii_hindi_and_tamil_question_answering import grade

    assert _score(grade, submission, answers) == expected


# --- jigsaw-unintended-bias-in-toxicity-classification ---

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
# ids 100..117: a toxic (0.8) then a civil (0.1) comment per identity (membership 0.75); 118..121: no identity,
# toxicity 0.5, 0.0, 1.0, 0.4 (0.5 counts as toxic)
_ROWS = [
    [100 + 2 * j + k, (0.8, 0.1)[k], *[0.75 if i == j else 0.0 for i in range(9)]] for j in range(9) for k in (0, 1)
]
_ROWS += [[118 + k, tox, *[0.0] * 9] for k, tox in enumerate((0.5, 0.0, 1.0, 0.4))]
BIAS = pd.DataFrame(_ROWS, columns=["id", "toxicity", *IDENTITIES]).to_csv(index=False)
_TRUE = [row[1] for row in _ROWS]


def _bias_submission(preds: Sequence[object], column: str = "prediction", ids: list[str] | None = None) -> str:
    ids = ids or [str(row[0]) for row in _ROWS]
    return f"id,{column}\n" + "".join(f"{i},{p}\n" for i, p in zip(ids, preds, strict=True))


@pytest.mark.parametrize(
    ("submission", "expected"),
    [
        (_bias_submission(_TRUE), 1.0),
        (_bias_submission([0.5] * len(_ROWS)), 0.5),  # every prediction cut to 1: every AUC 0.5
        # male's toxic comment predicted 0.2: overall 115.5/121, subgroup power mean over [0.5, 1 x 8], BPSN over
        # [1, 0.95 x 8], BNSP over [0.5, 1 x 8] (p=-5), weighted 0.25 each
        (_bias_submission([0.2, *_TRUE[1:]]), 0.84838),
        (_bias_submission(["", *_TRUE[1:]]), 0.84838),  # a missing prediction counts as below 0.5
        (_bias_submission(_TRUE, ids=[f"{row[0]}.0" for row in _ROWS]), 1.0),  # float ids match once parsed
        (_bias_submission(_TRUE, column="toxicity"), 1.0),  # the answers' column name is accepted too
        (_bias_submission([1 - t for t in _TRUE]), None),  # AUC 0: 0 ** -5 fails in upstream's power mean
        (_bias_submission(["abc", *_TRUE[1:]]), None),
        ("id,prediction,toxicity\n" + "".join(f"{r[0]},{r[1]},{r[1]}\n" for r in _ROWS), None),
    ],
)
def test_jigsaw_unintended_bias_as_upstream(submission: str, expected: float | None) -> None:
    from inspect_mlebench.competitions.jigsaw_unintended_bias_in_toxicity_classification import grade

    assert _score(grade, submission, BIAS) == expected
