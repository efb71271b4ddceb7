"""cdiscount-image-classification-challenge: classify Cdiscount products (one to four photos each) into 5,270
categories, scored by accuracy.

Kaggle's data is a MongoDB dump: `train.bson` holds one BSON document per product (`_id`, `imgs: [{"picture": <JPEG
bytes>}]`, `category_id`), about 58 GB for 7,069,896 products. Upstream holds out 10% of the training products
(`train_test_split` over the (`_id`, `category_id`) table, random_state 0) as the test set: the public `train.bson`
keeps the other documents in file order, the public `test.bson` the held-out ones without `category_id`, and
`train_example.bson` the first 100 documents of the new `train.bson`. Every written document is decoded and encoded
again by pymongo's `bson`, as upstream writes them. `category_names.csv` is copied; the answers (`_id`,
`category_id`, sorted by `_id`) and a sample submission predicting category 1000010653 are CSV files.

The raw file is streamed, one document at a time, twice (once for the ids, once to write), never held in memory.
The prepared `train.bson` and `test.bson` are new files together about as large as the raw `train.bson` (~58 GB on
the real data), so that much free space is checked for before writing. Kaggle's own `test.bson` is not used.

Grading is declarative (upstream's shared accuracy helper: same row count, both columns, the test set's ids).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.bson import bson_bytes, read_bson, write_bson
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.kit.media import ensure_free_space
from inspect_mlebench.kit.synth import rng, write_csv

ID = "_id"
TARGET = "category_id"
SAMPLE_CATEGORY = 1000010653  # upstream's sample submission predicts this category for every product
EXAMPLE_ROWS = 100  # train_example.bson: the first documents of train.bson


def _ids_and_categories(path: Path) -> pd.DataFrame:
    records = [{ID: doc[ID], TARGET: doc[TARGET]} for doc in read_bson(path)]
    return pd.DataFrame(records, columns=[ID, TARGET])


def prepare(raw: Path, public: Path, private: Path) -> None:
    source = raw / "train.bson"
    table = _ids_and_categories(source)
    train, answers = train_test_split(table, test_size=0.1, random_state=0)
    answers = answers.sort_values(by=ID)
    answers.to_csv(private / "answers.csv", index=False)
    pd.DataFrame({ID: answers[ID], TARGET: SAMPLE_CATEGORY}).to_csv(public / "sample_submission.csv", index=False)

    ensure_free_space(public, source.stat().st_size, "writing the prepared train.bson and test.bson")
    train_ids, test_ids = set(train[ID].tolist()), set(answers[ID].tolist())
    written = 0
    with (
        (public / "train.bson").open("wb") as train_out,
        (public / "test.bson").open("wb") as test_out,
        (public / "train_example.bson").open("wb") as example_out,
    ):
        for doc in read_bson(source):
            if doc[ID] in train_ids:
                data = bson_bytes([doc])
                train_out.write(data)
                if written < EXAMPLE_ROWS:
                    example_out.write(data)
                written += 1
            elif doc[ID] in test_ids:
                del doc[TARGET]
                test_out.write(bson_bytes([doc]))
    if written != len(train):
        raise ValueError(f"train.bson: wrote {written} documents, expected {len(train)}")
    shutil.copyfile(raw / "category_names.csv", public / "category_names.csv")


# Synthetic data: products of a handful of real-looking categories (upstream's sample category among them), each
# with one to four small JPEG photos whose colour depends on the category. `_id`s rise with gaps, Kaggle's train and
# test products interleaved; Kaggle's sample submission, train_example.bson and category_names.csv complete it.
CATEGORIES = [1000010653, 1000010667, 1000004079, 1000018290, 1000005744]
NAMES = [
    ("TELEPHONIE - GPS", "ACCESSOIRE TELEPHONE", "COQUE TELEPHONE - BUMPER TELEPHONE"),
    ("TELEPHONIE - GPS", "ACCESSOIRE TELEPHONE", "FILM PROTECTION ECRAN"),
    ("INFORMATIQUE", "CONNECTIQUE - ALIMENTATION", "CABLE INFORMATIQUE"),
    ("LIBRAIRIE", "AUTRES LIVRES", "LIVRE ENFANT"),
    ("AUTO - MOTO", "PIECES", "PIECE MOTEUR"),
]
COLOURS = np.array([[200, 40, 40], [40, 160, 40], [40, 40, 200], [200, 200, 40], [120, 40, 160]], dtype=float)
SIDE = 24


def _photo(gen: np.random.Generator, category: int) -> bytes:
    pixels = COLOURS[category] + gen.normal(0, 25, (SIDE, SIDE, 3))
    return jpeg_bytes(np.clip(pixels, 0, 255).astype(np.uint8))


def _product(gen: np.random.Generator, product_id: int, category: int, labelled: bool) -> dict[str, object]:
    doc: dict[str, object] = {
        ID: product_id,
        "imgs": [{"picture": _photo(gen, category)} for _ in range(int(gen.integers(1, 5)))],
    }
    if labelled:
        doc[TARGET] = CATEGORIES[category]
    return doc


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training products (at least 20) and about a fifth as many Kaggle test products."""
    gen = rng(seed, "cdiscount-image-classification-challenge")
    n_train = max(20, size)
    n_test = max(3, n_train // 5)
    ids = np.sort(gen.choice(np.arange(n_train * 3), n_train + n_test, replace=False))
    is_test = np.zeros(len(ids), dtype=bool)
    is_test[gen.choice(len(ids), n_test, replace=False)] = True
    categories = gen.choice(len(CATEGORIES), len(ids), p=[0.3, 0.25, 0.2, 0.15, 0.1])
    out.mkdir(parents=True, exist_ok=True)
    rows = list(zip(ids.tolist(), categories.tolist(), is_test.tolist(), strict=True))
    train_docs = [_product(gen, i, c, True) for i, c, t in rows if not t]
    test_docs = [_product(gen, i, c, False) for i, c, t in rows if t]
    write_bson(out / "train.bson", train_docs)
    write_bson(out / "train_example.bson", train_docs[:EXAMPLE_ROWS])
    write_bson(out / "test.bson", test_docs)
    names = pd.DataFrame(NAMES, columns=["category_level1", "category_level2", "category_level3"])
    names.insert(0, TARGET, CATEGORIES)
    write_csv(names, out / "category_names.csv")
    write_csv(pd.DataFrame({ID: [d[ID] for d in test_docs], TARGET: SAMPLE_CATEGORY}), out / "sample_submission.csv")
