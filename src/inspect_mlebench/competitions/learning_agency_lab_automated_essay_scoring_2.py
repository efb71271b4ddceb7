"""learning-agency-lab-automated-essay-scoring-2: essays scored 1-6 (quadratic weighted kappa).

Kaggle's hidden test set is not available, so upstream holds out 10% of Kaggle's `train.csv` (sklearn's
`train_test_split`, random_state 0). The answers keep every column (`essay_id, full_text, score`) and are named
`answers.csv`; the public sample submission gets scores drawn with numpy's legacy `RandomState(42)` from 1..6.
Grading is declarative (see the YAML): rows paired by `essay_id`, the scores passed unrounded to sklearn's
`cohen_kappa_score`, which refuses fractional, missing or non-numeric scores as upstream's call does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "essay_id"
TEXT = "full_text"
TARGET = "score"
TEST_FRACTION = 0.1
SPLIT_SEED = 0
SAMPLE_SEED = 42


def _split(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    train, test = train_test_split(table, test_size=TEST_FRACTION, random_state=SPLIT_SEED)
    return train, test


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, test = _split(table)
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError(f"train.csv repeats {ID} values across the split")
    sample = test[[ID]].copy()
    # scores 1..6 from numpy's legacy generator seeded 42, one per test essay in split order (upstream's sample)
    sample[TARGET] = np.random.RandomState(SAMPLE_SEED).randint(1, 7, size=len(sample))

    test.to_csv(private / "answers.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    test.drop(columns=[TARGET]).to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)


# Synthetic essays: better essays are longer, with longer words and more linking phrases, so a model on length and
# vocabulary learns the score.
_PLAIN = ["cars", "school", "people", "good", "bad", "think", "because", "really", "thing", "go", "get", "like"]
_RICH = [
    "consequently",
    "furthermore",
    "environmental",
    "perspective",
    "significant",
    "nevertheless",
    "demonstrates",
    "technological",
    "responsibility",
    "participation",
]
_TOPICS = ["driverless cars", "the Facial Action Coding System", "exploring Venus", "summer projects", "phone use"]
_LINKS = ["In addition,", "However,", "For example,", "On the other hand,", "In conclusion,"]


def _essay(gen: np.random.Generator, score: int) -> str:
    topic = str(gen.choice(_TOPICS))
    paragraphs = []
    for p in range(1 + score // 2 + int(gen.integers(0, 2))):
        sentences = []
        for _ in range(2 + score + int(gen.integers(0, 3))):
            n_words = int(gen.integers(5, 9 + 2 * score))
            rich_share = min(0.9, 0.08 * score + gen.normal(0, 0.05))
            words = [str(gen.choice(_RICH if gen.random() < rich_share else _PLAIN)) for _ in range(n_words)]
            lead = str(gen.choice(_LINKS)) + " " if score >= 3 and gen.random() < 0.3 else ""
            sentences.append(lead + " ".join(words) + ".")
        if p == 0:
            sentences.insert(0, f'My essay is about {topic}, and "why it matters".')
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def _essay_ids(gen: np.random.Generator, n: int) -> list[str]:
    """`n` distinct ids of 7 hex digits, as Kaggle's essay ids are written."""
    return list(dict.fromkeys(f"{v:07x}" for v in gen.choice(16**7, size=n, replace=False)))


def _held_out(n: int) -> np.ndarray:
    """Positions of the rows upstream's split puts into the test set (it depends on the row count only)."""
    return np.asarray(_split(pd.DataFrame({"row": np.arange(n)}))[1]["row"])


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "learning-agency-lab-automated-essay-scoring-2")
    # Kaggle's score mix: mostly 2-4, few 1s and 6s
    scores = gen.choice(np.arange(1, 7), size=size, p=[0.07, 0.27, 0.36, 0.22, 0.06, 0.02])
    held = _held_out(size)
    scores[held[: min(3, len(held))]] = [2, 3, 4][: min(3, len(held))]  # several classes in the test part
    ids = _essay_ids(gen, size + 3)
    train = pd.DataFrame({ID: ids[:size], TEXT: [_essay(gen, int(s)) for s in scores], TARGET: scores})
    test = pd.DataFrame({ID: ids[size:], TEXT: [_essay(gen, int(s)) for s in gen.integers(1, 7, 3)]})
    write_csv(train, out / "train.csv")
    write_csv(test, out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 3}), out / "sample_submission.csv")
