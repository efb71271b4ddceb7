"""spooky-author-identification: which of three authors wrote a sentence (multi-class log loss)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import zip_csv
from inspect_mlebench.kit.raw import read_zipped_csv
from inspect_mlebench.kit.synth import rng

ID = "id"
TARGET = "author"
CLASSES = ["EAP", "HPL", "MWS"]
# The constant probabilities of Kaggle's own sample submission.
SAMPLE_PROBABILITIES = {"EAP": 0.403493538995863, "HPL": 0.287808366106543, "MWS": 0.308698094897594}


def prepare(raw: Path, public: Path, private: Path) -> None:
    original = read_zipped_csv(raw / "train.zip", "train.csv")
    train, test = train_test_split(original, test_size=0.1, random_state=0)

    one_hot = pd.DataFrame({ID: test[ID]})
    for cls in CLASSES:
        one_hot[cls] = (test[TARGET] == cls).astype(int)
    assert (one_hot[CLASSES].sum(axis=1) == 1).all(), "an author outside the three classes"

    train.to_csv(public / "train.csv", index=False)
    test.drop(columns=TARGET).to_csv(public / "test.csv", index=False)
    one_hot.assign(**SAMPLE_PROBABILITIES).to_csv(public / "sample_submission.csv", index=False)
    one_hot.to_csv(private / "test.csv", index=False)


_VOCAB = {
    "EAP": ["raven", "tomb", "melancholy", "chamber", "premature", "heart", "pendulum", "madness", "ebony"],
    "HPL": ["eldritch", "cyclopean", "abyss", "nameless", "antediluvian", "cult", "gibbous", "shunned", "ichor"],
    "MWS": ["wretched", "creature", "misery", "affection", "mountains", "beloved", "despair", "father", "tears"],
}
_COMMON = ["the", "of", "and", "a", "in", "was", "which", "that", "upon", "I", "my", "it", "with", "night", "old"]


def _sentence(gen: np.random.Generator, author: str) -> str:
    words = [str(w) for w in gen.choice(_COMMON, size=int(gen.integers(6, 14)))]
    for word in gen.choice(_VOCAB[author], size=int(gen.integers(1, 4))):
        words.insert(int(gen.integers(0, len(words) + 1)), str(word))
    text = " ".join(words)
    return text[0].upper() + text[1:] + ("." if gen.random() < 0.8 else ";")


def _ids(gen: np.random.Generator, n: int) -> list[str]:
    numbers = gen.choice(np.arange(10_000, 28_000), size=n, replace=False)
    return [f"id{int(k):05d}" for k in numbers]


def _write_zipped(frame: pd.DataFrame, archive: Path, member: str) -> None:
    zip_csv(frame, archive, member, date_time=(2017, 10, 25, 0, 0, 0))  # fixed, so the bytes follow the seed


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "spooky-author-identification")
    n_test = max(10, size // 2)
    ids = _ids(gen, size + n_test)
    authors = gen.choice(CLASSES, size=size, p=[0.4, 0.29, 0.31])
    # The split depends only on the row count: give upstream's held-out tenth every author.
    _, held_out = train_test_split(np.arange(size), test_size=0.1, random_state=0)
    authors[held_out[: len(CLASSES)]] = CLASSES
    train = pd.DataFrame({ID: ids[:size], "text": [_sentence(gen, a) for a in authors], TARGET: authors})
    test_authors = gen.choice(CLASSES, size=n_test)
    test = pd.DataFrame({ID: ids[size:], "text": [_sentence(gen, a) for a in test_authors]})
    out.mkdir(parents=True, exist_ok=True)
    _write_zipped(train, out / "train.zip", "train.csv")
    _write_zipped(test, out / "test.zip", "test.csv")
    _write_zipped(test[[ID]].assign(**SAMPLE_PROBABILITIES), out / "sample_submission.zip", "sample_submission.csv")
