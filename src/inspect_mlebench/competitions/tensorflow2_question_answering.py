"""tensorflow2-question-answering: long and short answer spans in Wikipedia pages (Natural Questions), micro F1.

Preparation follows upstream: Kaggle's `simplified-nq-train.jsonl` is read in chunks of 1,000 records and each
chunk is split on its own (10% test, random_state=0); the train parts stay public, the test parts lose their
annotations in the public `simplified-nq-test.jsonl` and are kept whole in the private `test.jsonl` (JSON Lines,
as pandas writes them). The gold submission takes each test record's first annotation; the sample is the same rows
with blank predictions.

Grading follows upstream's rules in its order: two rows per test record (`<id>_long`, `<id>_short`), the
`example_id` and `PredictionString` columns, exactly the expected ids, no id twice, then every prediction blank,
`YES`, `NO` or `start:end` (whole numbers). Each row becomes one binary pair - predicted: the row has an answer;
true: the answer is one of the first annotation's valid ones, or, for a blank, the record has any valid answer -
scored with micro F1, which on these labels is the share of rows where the two agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.synth import rng, write_csv

ID = "example_id"
TARGET = "PredictionString"
RAW_TRAIN = "simplified-nq-train.jsonl"
RAW_TEST = "simplified-nq-test.jsonl"
CHUNK_ROWS = 1_000  # upstream splits each chunk of this many records separately
TEST_SHARE = 0.1
PUBLIC_TEST_FIELDS = ["example_id", "question_text", "document_text", "long_answer_candidates"]


# ---------------------------------------------------------------------------------------------------------------
# preparation


def _first_annotation_answers(example_id: str, annotation: dict[str, Any]) -> list[dict[str, str]]:
    """The gold rows of one record: its short answer (yes/no, else the first short span, else blank), then its long
    answer (the span, else blank)."""
    if annotation["yes_no_answer"] != "NONE":
        short = str(annotation["yes_no_answer"])
    elif annotation["short_answers"]:
        first = annotation["short_answers"][0]
        short = f"{first['start_token']}:{first['end_token']}"
    else:
        short = ""
    span = annotation["long_answer"]
    long = f"{span['start_token']}:{span['end_token']}" if span["start_token"] != -1 else ""
    return [{ID: f"{example_id}_short", TARGET: short}, {ID: f"{example_id}_long", TARGET: long}]


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    gold_rows: list[dict[str, str]] = []
    outputs = {
        "train": public / RAW_TRAIN,
        "test_public": public / RAW_TEST,
        "test_private": private / "test.jsonl",
    }
    handles = {key: path.open("a") for key, path in outputs.items()}
    try:
        for chunk in pd.read_json(raw / RAW_TRAIN, orient="records", lines=True, chunksize=CHUNK_ROWS):
            chunk[ID] = chunk[ID].astype(str)
            train, test = train_test_split(chunk, test_size=TEST_SHARE, random_state=0)
            handles["train"].write(train.to_json(orient="records", lines=True))
            handles["test_private"].write(test.to_json(orient="records", lines=True))
            handles["test_public"].write(test[PUBLIC_TEST_FIELDS].to_json(orient="records", lines=True))
            for example_id, annotations in zip(test[ID], test["annotations"], strict=True):
                if len(annotations) != 1:
                    raise ValueError(f"record {example_id} has {len(annotations)} annotations; expected one")
                gold_rows += _first_annotation_answers(example_id, annotations[0])
    finally:
        for handle in handles.values():
            handle.close()
    gold = pd.DataFrame(gold_rows, columns=[ID, TARGET])
    gold.to_csv(private / "gold_submission.csv", index=False)
    gold.assign(**{TARGET: ""}).to_csv(public / "sample_submission.csv", index=False)


def gold(public: Path, private: Path) -> pd.DataFrame:
    """The preparer's own gold submission (the answers are JSON Lines, not a submission)."""
    return pd.read_csv(private / "gold_submission.csv", dtype=str)


# ---------------------------------------------------------------------------------------------------------------
# grading


def _valid_answers(row_id: str, annotations: dict[str, dict[str, Any]]) -> list[Any]:
    """What counts as right for one submission row, as upstream builds it (the record id is the text before the
    first '_long' / '_short'; an unknown record fails as upstream's lookup does)."""
    if row_id.endswith("_long"):
        annotation = annotations[row_id.split("_long")[0]]
        span = annotation["long_answer"]
        return [(int(span["start_token"]), int(span["end_token"]))] if span["start_token"] != -1 else []
    if row_id.endswith("_short"):
        annotation = annotations[row_id.split("_short")[0]]
        valid: list[Any] = [(int(s["start_token"]), int(s["end_token"])) for s in annotation["short_answers"]]
        if annotation["yes_no_answer"] != "NONE":
            valid.append(annotation["yes_no_answer"])
        return valid
    raise InvalidSubmissionError(f"column '{ID}': id {checks.examples([row_id])} ends in neither '_long' nor '_short'")


def _parse(prediction: str, row_id: str) -> tuple[int, int] | str:
    parts = prediction.split(":")
    if ":" in prediction and len(parts) == 2:
        try:
            return int(parts[0]), int(parts[1])
        except ValueError as err:
            raise InvalidSubmissionError(
                f"column '{TARGET}': {checks.examples([prediction])} (id {row_id}) is not 'start:end' in whole numbers"
            ) from err
    if prediction in ("YES", "NO", ""):
        return prediction
    raise InvalidSubmissionError(
        f"column '{TARGET}': {checks.examples([prediction])} (id {row_id}) is none of blank, YES, NO, 'start:end'"
    )


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    if len(submission) != 2 * len(answers):
        raise InvalidSubmissionError(
            f"submission has {len(submission)} rows; expected {2 * len(answers)} (a '_long' and a '_short' row for "
            f"each of the {len(answers)} test records)"
        )
    submission = submission.astype(object).fillna("").astype(str)  # blanks (read as NaN): "no answer", as upstream
    checks.require_columns(submission, [ID, TARGET])
    record_ids = [str(x) for x in answers[ID]]
    expected = {f"{r}{suffix}" for r in record_ids for suffix in ("_long", "_short")}
    given = submission[ID]
    if set(given) != expected:
        unknown = sorted(set(given) - expected)
        missing = sorted(expected - set(given))
        detail = f"unknown id(s) {checks.examples(unknown)}" if unknown else f"missing id(s) {checks.examples(missing)}"
        raise InvalidSubmissionError(f"column '{ID}' must hold '<id>_long' and '<id>_short' per test record; {detail}")
    if given.duplicated().any():
        repeated = given[given.duplicated()].unique()
        raise InvalidSubmissionError(f"column '{ID}' repeats id(s) {checks.examples(repeated)}")
    annotations = {r: a[0] for r, a in zip(record_ids, answers["annotations"], strict=True)}
    y_true: list[int] = []
    y_pred: list[int] = []
    for row_id, text in zip(given.tolist(), submission[TARGET].tolist(), strict=True):
        prediction = _parse(text.strip(), row_id)
        valid = _valid_answers(row_id, annotations)
        y_pred.append(1 if prediction else 0)
        y_true.append(int(prediction in valid) if prediction else int(bool(valid)))
    return metrics.micro_f1(np.asarray(y_true), np.asarray(y_pred))


# ---------------------------------------------------------------------------------------------------------------
# synthetic data

SUBJECTS = ["river", "castle", "comet", "violin", "glacier", "senate", "bridge", "harbor", "temple", "forest"]
FILLER = ["the", "of", "a", "is", "in", "was", "known", "for", "its", "and", "many", "old", "people", "city"]
NAMES = ["Alder", "Brook", "Cedar", "Dune", "Ember", "Frost", "Grove", "Heath", "Iris", "Jade", "Koa", "Lark"]


def _record(gen: np.random.Generator, example_id: int, kind: str) -> dict[str, Any]:
    """One Natural Questions record: a page of three paragraphs; the answer paragraph names the subject, and the
    short answer is the name right after 'called'."""
    subject = str(gen.choice(SUBJECTS))
    name = str(gen.choice(NAMES))
    tokens = ["<H1>", subject.title(), "</H1>"]
    candidates = []
    answer_paragraph = int(gen.integers(0, 3))
    short = None
    for p in range(3):
        start = len(tokens)
        words = [str(w) for w in gen.choice(FILLER, size=int(gen.integers(6, 12)))]
        if p == answer_paragraph and kind in ("short", "yes_no", "long"):
            words[2:2] = ["the", subject, "called", name]
            short = (start + 1 + 2 + 3, start + 1 + 2 + 4)
        tokens += ["<P>", *words, "</P>"]
        candidates.append({"start_token": start, "top_level": True, "end_token": len(tokens)})
    long = candidates[answer_paragraph] if kind != "none" else None
    annotation = {
        "yes_no_answer": str(gen.choice(["YES", "NO"])) if kind == "yes_no" else "NONE",
        "long_answer": {
            "start_token": long["start_token"] if long else -1,
            "candidate_index": answer_paragraph if long else -1,
            "end_token": long["end_token"] if long else -1,
        },
        "short_answers": [{"start_token": short[0], "end_token": short[1]}] if kind == "short" and short else [],
        "annotation_id": int(gen.integers(10**17, 9 * 10**18)),
    }
    question = f"is the {subject} called {name}" if kind == "yes_no" else f"what is the {subject} called"
    return {
        "document_text": " ".join(tokens),
        "long_answer_candidates": candidates,
        "question_text": question,
        "annotations": [annotation],
        "document_url": f"https://en.wikipedia.org//w/index.php?title={subject.title()}_{name}&amp;oldid={example_id}",
        "example_id": example_id,
    }


def _write_jsonl(records: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for record in records:
            handle.write(json.dumps(record) + "\n")


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's download: simplified-nq-train.jsonl (annotated), simplified-nq-test.jsonl and sample_submission.csv
    (signed 64-bit example ids, as Kaggle has them). A record's kind: short span, yes/no, long only, or no answer."""
    gen = rng(seed, "tensorflow2-question-answering")
    kinds = ["short", "yes_no", "long", "none"]
    n_test = max(4, size // 10)
    ids = [int(x) for x in gen.integers(-(2**63), 2**63 - 1, size + n_test, dtype=np.int64)]
    # every kind appears in each chunk's test part often enough: cycle through them, then shuffle
    train = [_record(gen, ids[i], kinds[i % 4]) for i in range(size)]
    order = gen.permutation(size)
    _write_jsonl([train[i] for i in order], out / RAW_TRAIN)
    test = [_record(gen, ids[size + i], kinds[i % 4]) for i in range(n_test)]
    _write_jsonl([{k: r[k] for k in PUBLIC_TEST_FIELDS} for r in test], out / RAW_TEST)
    sample = pd.DataFrame({ID: [f"{r['example_id']}{s}" for r in test for s in ("_long", "_short")], TARGET: ""})
    write_csv(sample, out / "sample_submission.csv")
