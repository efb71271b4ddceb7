"""facebook-recruiting-iii-keyword-extraction: predict the tags of Stack Exchange questions (micro-F1 over tags).

Preparation follows upstream's prepare.py: Kaggle's `Train.csv` (inside `Train.zip`, read with `Id` and `Tags` as
text) is split with scikit-learn's `train_test_split(test_size=0.1, random_state=0)`. The new train keeps every
column; the public test drops `Tags`; the answers are the held-out rows with every column; the sample submission is
the public test (Id, Title, Body) with `Tags` set to "javascript c# python php java". Kaggle's `Test.zip` and its
sample submission are not used. The table is read into memory, as upstream does (the real `Train.csv` is ~7 GB).

Grading follows upstream's grade.py: columns `Id` and `Tags` (others ignored), as many rows as the answers and
exactly their ids (compared as parsed numbers). Each row's tags are split on whitespace; the tag vocabulary is the
answers' tags only, so a predicted tag that no answer has is ignored rather than counted as a false positive (as
there). An empty cell predicts no tags. A `Tags` column that pandas parses as numbers or booleans (every cell a
number) cannot be split into tags, and is refused as upstream's `.str` accessor refuses it. The YAML declares no id
column, so the submission reaches the grader parsed as upstream parses it.
"""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng
from inspect_mlebench.tables import read_csv

ID = "Id"
TARGET = "Tags"
SAMPLE_TAGS = "javascript c# python php java"


def prepare(raw: Path, public: Path, private: Path) -> None:
    """Upstream's 10% hold-out of Kaggle's train (see the module docstring), read straight out of the zip."""
    from sklearn.model_selection import train_test_split  # here, so grading does not import scikit-learn

    with zipfile.ZipFile(raw / "Train.zip") as archive, archive.open("Train.csv") as member:
        original = read_csv(member, dtype={ID: str, TARGET: str})  # type: ignore[arg-type]
    train, test = train_test_split(original, test_size=0.1, random_state=0)
    assert len(train) + len(test) == len(original), "the split lost rows"
    public_test = test.drop(columns=[TARGET])
    sample = public_test.assign(**{TARGET: SAMPLE_TAGS})
    train.to_csv(public / "train.csv", index=False)
    public_test.to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    test.to_csv(private / "test.csv", index=False)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Micro-F1 of the predicted tags against the answers' tags, rows paired by id."""
    checks.require_columns(submission, [ID, TARGET])
    checks.require_row_count(submission, answers)
    sub, ans = checks.align_by_id(submission, answers, ID, as_text=False)
    checks.warn_unless_integer_ids(submission, ID)
    _check_copied_columns(sub, ans)
    predicted = sub[TARGET]
    # a CSV column is text (str or object: every cell a str or missing) unless every cell parses as a number or a
    # boolean; a column with no value at all is read as floats, all missing: no tags anywhere, as upstream
    text = pd.api.types.is_string_dtype(predicted) or pd.api.types.is_object_dtype(predicted)
    if not text and not predicted.isna().all():
        raise InvalidSubmissionError(
            f"column '{TARGET}' must hold space-separated tags; every cell was read as a number or boolean, e.g. "
            f"{checks.examples(predicted.dropna().unique())}"
        )
    return metrics.multilabel_micro_f1(ans[TARGET].array, predicted.array)


def _check_copied_columns(sub: pd.DataFrame, ans: pd.DataFrame) -> None:
    """The sample submission carries the test's Title and Body (upstream copied the public test into it); they are
    not graded. Where a submission keeps them but has lost values the test has, its rows were probably not written
    as intended: scored as upstream (which never reads them) with a warning."""
    for column in (c for c in ans.columns if c in sub.columns and c not in (ID, TARGET)):
        lost = sub[column].isna().to_numpy(dtype=bool) & ans[column].notna().to_numpy(dtype=bool)
        if lost.any():
            lenient(
                f"column '{column}' (copied from the test set, not graded) is empty in {int(lost.sum())} row(s) "
                f"where the test set has a value, e.g. ids {checks.examples(sub.loc[lost, ID])}; upstream ignores it"
            )


# --- synthetic data ---------------------------------------------------------------------------------------------

# tag -> words that give it away in a title or body
_TAGS: dict[str, list[str]] = {
    "python": ["python", "pandas", "django", "pip"],
    "javascript": ["javascript", "jquery", "DOM", "node"],
    "c#": ["C#", ".NET", "LINQ", "WPF"],
    "php": ["PHP", "$_POST", "laravel", "echo"],
    "java": ["Java", "JVM", "Spring", "ArrayList"],
    "sql": ["SQL", "SELECT", "JOIN", "query"],
    "linux": ["Linux", "bash", "ubuntu", "grep"],
    "c++": ["C++", "std::vector", "template", "pointer"],
    "asp.net": ["ASP.NET", "WebForms", "IIS", "Razor"],
    "ruby-on-rails": ["Rails", "ActiveRecord", "gem", "ruby"],
    "html": ["HTML", "<div>", "markup", "tag"],
    "css": ["CSS", "stylesheet", "margin", "flexbox"],
}
_TEMPLATES = ["How do I use {a} with {b}?", "Problem with {a} and {b}", "Why does {a} fail when {b} is set?"]


def _question(gen: np.random.Generator, qid: int) -> tuple[str, str, str, str]:
    names = list(_TAGS)
    tags = [names[int(i)] for i in gen.choice(len(names), size=int(gen.integers(1, 4)), replace=False)]
    words = [str(gen.choice(_TAGS[tag])) for tag in tags for _ in range(2)]
    title = str(gen.choice(_TEMPLATES)).format(a=words[0], b=words[-1])
    code = f'print("{words[-1]}", x, y)' if gen.random() < 0.5 else f"x = '{words[0]}';"
    body = (
        f"<p>I am trying to get {words[0]} working, but {', '.join(words[1:])} gives an error.</p>\n\n"
        f"<pre><code>{code}\n</code></pre>\n\n<p>Any idea what I'm doing wrong?</p>\n"
    )
    return str(qid), title, body, " ".join(tags)


def _write_zipped(frame: pd.DataFrame, out: Path, name: str) -> None:
    """`<name>.zip` holding `<name>.csv`, every field quoted as in Kaggle's files."""
    text = frame.to_csv(index=False, quoting=csv.QUOTE_ALL)
    entry = zipfile.ZipInfo(f"{name}.csv", date_time=(2013, 8, 30, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(out / f"{name}.zip", "w") as archive:
        archive.writestr(entry, text.encode("utf-8"))


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's download: `Train.zip` (Id, Title, Body, Tags; `size` questions), `Test.zip` (Id, Title, Body; ids
    continue after the train's) and `SampleSubmission.csv`. Each tag puts two of its give-away words in the text."""
    gen = rng(seed, "facebook-recruiting-iii-keyword-extraction")
    columns = [ID, "Title", "Body", TARGET]
    train = pd.DataFrame([_question(gen, i + 1) for i in range(size)], columns=columns)
    n_test = max(10, size // 2)
    test = pd.DataFrame([_question(gen, size + 1 + i) for i in range(n_test)], columns=columns)
    out.mkdir(parents=True, exist_ok=True)
    _write_zipped(train, out, "Train")
    _write_zipped(test.drop(columns=[TARGET]), out, "Test")
    test[[ID]].assign(**{TARGET: SAMPLE_TAGS}).to_csv(out / "SampleSubmission.csv", index=False)
