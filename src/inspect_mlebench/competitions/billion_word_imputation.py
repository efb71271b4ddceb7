"""billion-word-imputation: one word was taken out of each test sentence; put it back (mean character-level
Levenshtein distance to the full sentence, lower is better).

Preparation follows upstream's prepare.py. Kaggle's `train_v2.txt.zip` holds one sentence per line (words and
punctuation separated by spaces). Lines are read in order with one `numpy.random.RandomState(0)`: each line draws a
uniform number, and a line whose draw is <= 0.01 and that has more than two words becomes a test sentence; for those
the same generator then picks the word to take out (never the first or the last). Every other line goes to the new
train unchanged. Test sentences are stripped, their double quotes doubled, and written as `id,"sentence"` rows
numbered from 0: the full sentence to `private/test.csv`, the shortened one to `test_v2.txt` (zipped into
`public/test_v2.txt.zip`, as the train into `public/train_v2.txt.zip`). Upstream keeps its sample submission (the
shortened test sentences) in private/; the same file is also written to `public/sample_submission.csv`, because the
agent's sample always comes from public data. Upstream stops after the 30,301,028 lines of the real file.

Grading follows upstream's grade.py: columns `id` and `sentence`, as many rows as the answers and exactly their ids
(ids compared as parsed numbers); every predicted sentence must be text (an empty cell is refused, as upstream's
Levenshtein call refuses it). The YAML declares no id column, so the submission reaches the grader parsed as upstream
parses it.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.synth import rng

ID = "id"
TARGET = "sentence"
HEADER = '"id","sentence"\n'
# upstream reads no further than the real file's line count
REAL_LINES = 30_301_028
TEST_SHARE = 0.01
# fixed zip entry time, so the same content gives the same archive
ZIP_TIME = (2014, 5, 1, 0, 0, 0)


def _zip_and_remove(path: Path) -> None:
    """`<path>.zip` holding `path` under its own name (deflated, as upstream), then `path` removed."""
    entry = zipfile.ZipInfo(path.name, date_time=ZIP_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    with (
        zipfile.ZipFile(path.with_name(path.name + ".zip"), "w") as archive,
        archive.open(entry, "w") as member,
        path.open("rb") as source,
    ):
        shutil.copyfileobj(source, member, 1 << 20)
    path.unlink()


def _without_one_word(sentence: str, draw: np.random.RandomState) -> str:
    words = sentence.split()
    gap = draw.randint(1, len(words) - 1)
    return " ".join(words[:gap] + words[gap + 1 :])


def prepare(raw: Path, public: Path, private: Path) -> None:
    """Upstream's line-by-line split (see the module docstring), streamed from the zip: the real train is ~4 GB."""
    draw = np.random.RandomState(0)
    test_rows = 0
    with (
        zipfile.ZipFile(raw / "train_v2.txt.zip") as archive,
        archive.open("train_v2.txt") as member,
        io.TextIOWrapper(member, encoding="utf-8") as lines,  # universal newlines, as upstream's text-mode read
        (public / "train_v2.txt").open("w", encoding="utf-8", newline="") as train,
        (public / "test_v2.txt").open("w", encoding="utf-8", newline="") as test,
        (private / "test.csv").open("w", encoding="utf-8", newline="") as answers,
    ):
        test.write(HEADER)
        answers.write(HEADER)
        for number, line in enumerate(lines, start=1):
            if draw.uniform() <= TEST_SHARE and len(line.split()) > 2:
                sentence = line.strip().replace('"', '""')
                answers.write(f'{test_rows},"{sentence}"\n')
                test.write(f'{test_rows},"{_without_one_word(sentence, draw)}"\n')
                test_rows += 1
            else:
                train.write(line)
            if number >= REAL_LINES:
                break
    shutil.copyfile(public / "test_v2.txt", private / "sample_submission.csv")
    shutil.copyfile(public / "test_v2.txt", public / "sample_submission.csv")
    _zip_and_remove(public / "train_v2.txt")
    _zip_and_remove(public / "test_v2.txt")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean Levenshtein distance between each predicted sentence and the full one, rows paired by id."""
    checks.require_columns(submission, [ID, TARGET])
    checks.require_row_count(submission, answers)
    sub, ans = checks.align_by_id(submission, answers, ID, as_text=False)
    checks.warn_unless_integer_ids(submission, ID)
    predicted = sub[TARGET]
    # a CSV column is read as text (str or object: every cell a str or missing) or, when every cell parses as one,
    # as numbers or booleans: then no cell is a sentence
    if pd.api.types.is_string_dtype(predicted) or pd.api.types.is_object_dtype(predicted):
        not_text = predicted.isna().to_numpy(dtype=bool)
    else:
        not_text = np.ones(len(predicted), dtype=bool)
    if not_text.any():
        raise InvalidSubmissionError(
            f"column '{TARGET}' must hold a sentence in every row; {int(not_text.sum())} row(s) are empty or not "
            f"text, e.g. ids {checks.examples(sub.loc[not_text, ID])}"
        )
    return metrics.levenshtein_mean(ans[TARGET].array, predicted.array)


# --- synthetic data ---------------------------------------------------------------------------------------------

_SUBJECTS = ["The committee", "A spokesman", "The company", "Our team", "The mayor", "Local police", "The report"]
_VERBS = ["said", "announced", "confirmed", "denied", "expected", "reported", "warned"]
_OBJECTS = ["a new plan", "the results", "higher prices", "more jobs", "the deal", "a long delay", "the election"]
_TAILS = ["on Monday", "last week", "in London", "this year", "after the vote", "by 2015", "at the meeting"]


def _sentence(gen: np.random.Generator) -> str:
    """A tokenised news-like sentence; the verb always follows the subject, so a model can learn where words go."""
    words = [str(gen.choice(_SUBJECTS)), str(gen.choice(_VERBS)), str(gen.choice(_OBJECTS))]
    if gen.random() < 0.6:
        words.append(str(gen.choice(_TAILS)))
    if gen.random() < 0.15:
        words = ['"', *words, '"']  # quotes are separate tokens in the corpus
    if gen.random() < 0.2:
        words.insert(1, ",")
    return " ".join(words) + " " + ("." if gen.random() < 0.9 else "?")


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's two archives: `train_v2.txt.zip` (one sentence per line, a few of two words only) and
    `test_v2.txt.zip` (`"id","sentence"` with a word taken out). The split keeps 1% of the lines for the test, so
    the train has 25 lines per unit of `size` (3,000 at size 120: ~30 test sentences)."""
    gen = rng(seed, "billion-word-imputation")
    lines = [
        _sentence(gen) if gen.random() > 0.03 else str(gen.choice(["Thank you .", "Why ?"])) for _ in range(25 * size)
    ]
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_v2.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    _zip_and_remove(out / "train_v2.txt")
    test_lines = [HEADER]
    for number in range(max(10, size // 4)):
        words = _sentence(gen).replace('"', '""').split()
        gap = int(gen.integers(1, len(words) - 1))
        test_lines.append(f'{number},"{" ".join(words[:gap] + words[gap + 1 :])}"\n')
    (out / "test_v2.txt").write_text("".join(test_lines), encoding="utf-8")
    _zip_and_remove(out / "test_v2.txt")
