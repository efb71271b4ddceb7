"""movie-review-sentiment-analysis-kernels-only: 5-level sentiment of Rotten Tomatoes phrases (accuracy)."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import zip_csv
from inspect_mlebench.kit.synth import rng, write_csv

ID = "PhraseId"
TARGET = "Sentiment"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# Word -> sentiment contribution; neutral filler words carry none.
POSITIVE = ["brilliant", "moving", "charming", "witty", "gorgeous", "delightful"]
NEGATIVE = ["dull", "tedious", "clumsy", "bland", "awful", "pointless"]
NEUTRAL = ["the", "film", "story", "a", "of", "director", "cast", "its"]


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream extracts train.tsv.zip into raw/; a scratch directory reads the same file without writing there.
    with tempfile.TemporaryDirectory(prefix="movie-review-") as tmp:
        with zipfile.ZipFile(raw / "train.tsv.zip") as archive:
            archive.extractall(tmp)
        # Upstream reads with plain pandas (not its round-trip helper); the file has no floats anyway.
        original = pd.read_csv(Path(tmp) / "train.tsv", sep="\t")
    # Upstream: 30% held out (Kaggle's own test share), random_state=0, no stratification.
    train, answers = train_test_split(original, test_size=0.3, random_state=0)
    test = answers.drop(columns=TARGET)

    assert train[ID].is_unique, "duplicated phrase ids in train"
    assert test[ID].is_unique, "duplicated phrase ids in test"
    assert not set(train[ID]) & set(test[ID]), "train and test share phrase ids"
    assert len(train) + len(test) == len(original)

    answers.to_csv(private / "answers.csv", index=False)
    answers[[ID, TARGET]].assign(**{TARGET: 2}).to_csv(public / "sampleSubmission.csv", index=False)
    _zip_tsv(train, public / "train.tsv.zip", "train.tsv")
    _zip_tsv(test, public / "test.tsv.zip", "test.tsv")


def _zip_tsv(frame: pd.DataFrame, path: Path, member: str) -> None:
    """A zip holding one TSV (fixed timestamp, so synthetic data is byte-identical per seed)."""
    zip_csv(frame, path, member, date_time=ZIP_TIME, sep="\t")


def _sentiment(words: list[str]) -> int:
    score = sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)
    return int(np.clip(2 + score, 0, 4))


def _phrases(gen: np.random.Generator, n: int, first_phrase: int, first_sentence: int) -> pd.DataFrame:
    """Sentences followed by their sub-phrases (as the Stanford parser's output is laid out), n rows in all."""
    rows: list[tuple[int, int, str, int]] = []
    sentence = first_sentence
    while len(rows) < n:
        words = list(gen.choice(NEUTRAL, gen.integers(4, 9)))
        for _ in range(gen.integers(1, 4)):
            words.insert(int(gen.integers(0, len(words) + 1)), str(gen.choice(POSITIVE + NEGATIVE)))
        spans = [(0, len(words))] + [(s, s + gen.integers(1, 4)) for s in gen.integers(0, len(words), 4)]
        seen: set[str] = set()
        for start, stop in spans:
            text = " ".join(words[start:stop])
            if text not in seen and len(rows) < n:
                seen.add(text)
                rows.append((first_phrase + len(rows), sentence, text, _sentiment(words[start:stop])))
        sentence += 1
    return pd.DataFrame(rows, columns=[ID, "SentenceId", "Phrase", TARGET])


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "movie-review-sentiment-analysis-kernels-only")
    out.mkdir(parents=True, exist_ok=True)
    train = _phrases(gen, size, first_phrase=1, first_sentence=1)
    test = _phrases(gen, max(10, size // 2), first_phrase=size + 1, first_sentence=int(train["SentenceId"].max()) + 1)
    _zip_tsv(train, out / "train.tsv.zip", "train.tsv")
    _zip_tsv(test.drop(columns=TARGET), out / "test.tsv.zip", "test.tsv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 2}), out / "sampleSubmission.csv")
