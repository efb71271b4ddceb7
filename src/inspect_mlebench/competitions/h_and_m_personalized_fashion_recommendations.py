"""h-and-m-personalized-fashion-recommendations: the articles each customer buys next, MAP@12.

Preparation follows upstream: the last 8 days of Kaggle's `transactions_train.csv` (every date on or after the
latest date minus 7 days) become the test period; the earlier transactions stay public, written back from the
parsed table, so `article_id` loses its leading zero there (`0108775015` becomes `108775015`); the answers hold one
row per customer who bought in the test period, with the article ids of those purchases in file order, joined by
spaces, again without the leading zero. Kaggle's sample submission (every customer), `articles.csv`,
`customers.csv` and the `images/` tree are public unchanged (the images hard-linked where possible).

Grading follows upstream's rules in its order: exactly the columns `customer_id` and `prediction`, every customer of
the answers present (others are ignored), then both sides sorted by customer and paired row by row; each prediction
split on single spaces, MAP@12 against the set of bought articles. A customer listed twice shifts that pairing
(scored as upstream does, with a warning); an empty prediction is the text 'nan' there (no article matches).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from inspect_mlebench.formats.images import write_image
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "customer_id"
TARGET = "prediction"
K = 12
TEST_DAYS = 7  # upstream: dates >= latest - 7 days, i.e. the last 8 calendar days
TRAIN_COLUMNS = ["t_dat", "customer_id", "article_id", "price", "sales_channel_id"]


# ---------------------------------------------------------------------------------------------------------------
# preparation


def prepare(raw: Path, public: Path, private: Path) -> None:
    transactions = read_csv(raw / "transactions_train.csv")
    if list(transactions.columns) != TRAIN_COLUMNS:
        raise ValueError(f"transactions_train.csv has columns {list(transactions.columns)}; expected {TRAIN_COLUMNS}")
    dates = pd.to_datetime(transactions["t_dat"])
    in_test = (dates >= dates.max() - pd.Timedelta(days=TEST_DAYS)).to_numpy()
    # (upstream also asserts that no customer_article_date key is in both parts, which the date cut guarantees)
    test = transactions[in_test]
    answers = test.groupby(ID)["article_id"].apply(lambda ids: " ".join(ids.astype(str))).reset_index()
    answers = answers.rename(columns={"article_id": TARGET})
    answers.to_csv(private / "answers.csv", index=False)
    transactions[~in_test].to_csv(public / "transactions_train.csv", index=False)
    for name in ("sample_submission.csv", "articles.csv", "customers.csv"):
        shutil.copyfile(raw / name, public / name)
    images = raw / "images"
    files = sorted(p.relative_to(images).as_posix() for p in images.rglob("*") if p.is_file())
    place_files(images, files, public / "images")


def gold(public: Path, private: Path) -> pd.DataFrame:
    """Every customer of the sample; those who bought in the test period get their bought articles once each, in
    order (at most 12 matter), the others keep the sample's prediction."""
    sample = pd.read_csv(public / "sample_submission.csv", dtype=str)
    answers = pd.read_csv(private / "answers.csv", dtype=str)
    bought = {c: " ".join(dict.fromkeys(p.split(" "))) for c, p in zip(answers[ID], answers[TARGET], strict=True)}
    return sample.assign(**{TARGET: [bought.get(c, p) for c, p in zip(sample[ID], sample[TARGET], strict=True)]})


# ---------------------------------------------------------------------------------------------------------------
# grading


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    if set(submission.columns) != {ID, TARGET}:
        raise InvalidSubmissionError(
            f"submission must have exactly the columns '{ID}' and '{TARGET}'; it has "
            f"{checks.examples([str(c) for c in submission.columns], 5)}"
        )
    if all(
        isinstance(col.dtype, pd.StringDtype)
        for col in (submission[ID], submission[TARGET], answers[ID], answers[TARGET])
    ):
        fast = _grade_arrow(submission, answers)
        if fast is not None:
            return fast
    return _grade_objects(submission, answers)


def _missing_customers(answer_ids: np.ndarray, found: np.ndarray) -> InvalidSubmissionError:
    missing = answer_ids[~found]
    return InvalidSubmissionError(
        f"column '{ID}' lacks {len(missing)} customer(s) of the test period, e.g. "
        f"{checks.examples(sorted(map(str, missing)))}"
    )


def _warn_empty(submission: pd.DataFrame) -> None:
    empty = int(submission[TARGET].isna().sum())
    if empty:
        lenient(f"column '{TARGET}' has {empty} empty prediction(s), read as the text 'nan' as upstream does")


def _grade_arrow(submission: pd.DataFrame, answers: pd.DataFrame) -> float | None:
    """Text columns, each customer once: paired by hashing in Arrow, answers in upstream's (sorted) order, and
    MAP@12 over Arrow arrays; none of the 1.4M rows becomes a Python object. None where a customer is repeated
    (upstream's positional pairing after sorting then decides: `_grade_objects`)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    answer_ids = pa.array(answers[ID])
    where = checks.positions_in(pa.array(submission[ID]), answer_ids)
    found = np.zeros(len(answer_ids), dtype=bool)
    found[where[where >= 0]] = True
    if not found.all():
        raise _missing_customers(answers[ID].to_numpy(dtype=object), found)
    keep = np.flatnonzero(where >= 0)  # the rows of the answers' customers, in file order
    if len(keep) != len(answer_ids):
        return None
    _warn_empty(submission)
    # each row is scored where it stands in the file (reading 80k of 1.4M predictions in file order is twice as fast
    # as in the answers' order); the scores are then put in upstream's order, both files sorted by customer (Arrow's
    # byte order of UTF-8 text is Python's order of str), and averaged in it: the same float
    answer_of_row = where[keep]
    truths = pc.take(pa.array(answers[TARGET]), pa.array(answer_of_row))
    predictions = checks.take_ascending(pa.array(submission[TARGET]), keep)
    scores = metrics.map_at_k_text_rows(truths, predictions, k=K)
    row_of_answer = np.empty(len(answer_ids), dtype=np.int64)
    row_of_answer[answer_of_row] = np.arange(len(keep))
    return float(np.mean(scores[row_of_answer[_sorted_order(answer_ids)]]))


def _sorted_order(ids: Any) -> np.ndarray:
    """The positions of distinct Arrow texts in sorted order; no sort when they are in order already (the answers
    as prepared: upstream writes them grouped by customer)."""
    import pyarrow.compute as pc

    if ids.null_count == 0 and pc.all(pc.less(ids.slice(0, len(ids) - 1), ids.slice(1))).as_py() in (True, None):
        return np.arange(len(ids))
    return np.asarray(pc.sort_indices(ids).to_numpy(), dtype=np.int64)


def _grade_objects(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Any columns, as upstream's pandas 2 holds them: plain Python objects, hashed and sorted as there."""
    ids = submission[ID].to_numpy(dtype=object)
    answer_ids = answers[ID].to_numpy(dtype=object)
    # where each submitted id is among the answers' (unique) ids, by hashing, -1 if not
    where = pd.Index(answer_ids, dtype=object).get_indexer(pd.Index(ids, dtype=object))
    found = np.zeros(len(answer_ids), dtype=bool)
    found[where[where >= 0]] = True
    if not found.all():
        raise _missing_customers(answer_ids, found)
    keep = where >= 0
    predictions = submission[TARGET][keep].to_numpy(dtype=object)
    scored = pd.DataFrame({ID: ids[keep], TARGET: predictions}, dtype=object)
    answers = pd.DataFrame({ID: answer_ids, TARGET: answers[TARGET].to_numpy(dtype=object)}, dtype=object)
    _warn_empty(submission)
    if len(scored) != len(answers):
        repeated = scored[ID][scored[ID].duplicated()].unique()
        lenient(
            f"column '{ID}' repeats customer(s) {checks.examples(repeated)}; scored as upstream does, pairing both "
            "files row by row after sorting by customer, which shifts the pairs"
        )
    # pandas' sort of an object column (numpy's quicksort), as upstream's pandas 2 sorts the ids it read, so a
    # repeated customer's rows end up in the same order as there
    scored = scored.sort_values(ID).reset_index(drop=True)
    answers = answers.sort_values(ID).reset_index(drop=True)
    actual = [set(_as_text(x).split(" ")) for x in answers[TARGET]]
    predicted = [_as_text(x).split(" ") for x in scored[TARGET]]
    return metrics.map_at_k(actual, predicted, k=K)


def _as_text(value: object) -> str:
    """A cell as pandas 2's astype(str) writes it (upstream's environment): a missing value is the text 'nan'."""
    return "nan" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


# ---------------------------------------------------------------------------------------------------------------
# synthetic data

GROUPS = ["Garment Upper body", "Garment Lower body", "Shoes", "Accessories", "Underwear"]
TYPES = ["Vest top", "Trousers", "Sneakers", "Bag", "Bra"]
COLOURS = [("09", "Black"), ("10", "White"), ("73", "Dark Blue"), ("13", "Beige")]


def _articles(gen: np.random.Generator, n: int) -> pd.DataFrame:
    """Kaggle's articles.csv columns; article ids are a 7-digit product code (leading zero) and a 3-digit variant."""
    codes = gen.choice(np.arange(100_000, 960_000), size=(n + 2) // 3, replace=False)
    rows = []
    for i in range(n):
        code = int(codes[i // 3])
        group = i % len(GROUPS)
        colour_code, colour = COLOURS[i % len(COLOURS)]
        rows.append(
            {
                "article_id": f"{code:07d}{i % 3 + 1:03d}",
                "product_code": f"{code:07d}",
                "prod_name": f"Item {code}",
                "product_type_no": 250 + group,
                "product_type_name": TYPES[group],
                "product_group_name": GROUPS[group],
                "graphical_appearance_no": 1010016,
                "graphical_appearance_name": "Solid",
                "colour_group_code": colour_code,
                "colour_group_name": colour,
                "perceived_colour_value_id": 4,
                "perceived_colour_value_name": "Dark",
                "perceived_colour_master_id": 5,
                "perceived_colour_master_name": colour,
                "department_no": 1676 + group,
                "department_name": f"{TYPES[group]} Basic",
                "index_code": "A",
                "index_name": "Ladieswear",
                "index_group_no": 1,
                "index_group_name": "Ladieswear",
                "section_no": 16,
                "section_name": "Womens Everyday Basics",
                "garment_group_no": 1002 + group,
                "garment_group_name": "Jersey Basic",
                "detail_desc": f"{colour} {TYPES[group].lower()} in soft fabric.",
            }
        )
    return pd.DataFrame(rows)


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's download: transactions_train.csv, articles.csv, customers.csv, sample_submission.csv and
    images/<first 3 digits>/<article_id>.jpg (a few articles have no image, as on Kaggle). `size` customers, each
    with a favourite product group they mostly buy from, over 60 days; about half buy again in the last 8 days."""
    gen = rng(seed, "h-and-m-personalized-fashion-recommendations")
    articles = _articles(gen, 30)
    customers = pd.DataFrame(
        {
            "customer_id": hex_ids(gen, size, 32),
            "FN": np.where(gen.random(size) < 0.4, "1.0", ""),
            "Active": np.where(gen.random(size) < 0.35, "1.0", ""),
            "club_member_status": gen.choice(["ACTIVE", "PRE-CREATE"], size, p=[0.9, 0.1]),
            "fashion_news_frequency": gen.choice(["NONE", "Regularly"], size),
            "age": gen.integers(18, 70, size).astype(str),
            "postal_code": hex_ids(gen, size, 32),
        }
    )
    start = pd.Timestamp("2020-07-25")
    group_of = np.arange(len(articles)) % len(GROUPS)
    rows = []
    for customer in customers["customer_id"]:
        favourite = int(gen.integers(len(GROUPS)))
        liked = np.flatnonzero(group_of == favourite)
        buys_late = gen.random() < 0.5
        for _ in range(int(gen.integers(2, 7))):
            day = int(gen.integers(0, 52)) if not buys_late or gen.random() < 0.6 else int(gen.integers(52, 60))
            pool = liked if gen.random() < 0.8 else np.arange(len(articles))
            article = articles["article_id"].iloc[int(gen.choice(pool))]
            price = round(float(gen.integers(5, 120)) / 1180.0, 16)
            date = (start + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
            rows.append((date, customer, article, price, int(gen.integers(1, 3))))
    transactions = pd.DataFrame(rows, columns=TRAIN_COLUMNS).sort_values("t_dat", kind="stable")
    transactions.loc[transactions.index[-1], "t_dat"] = (start + pd.Timedelta(days=59)).strftime("%Y-%m-%d")
    write_csv(transactions, out / "transactions_train.csv")
    write_csv(articles, out / "articles.csv")
    write_csv(customers, out / "customers.csv")
    popular = transactions["article_id"].value_counts().index[:K]
    write_csv(pd.DataFrame({ID: customers["customer_id"], TARGET: " ".join(popular)}), out / "sample_submission.csv")
    for i, article in enumerate(articles["article_id"]):
        if i % 10 == 9:  # Kaggle lacks the image of some articles
            continue
        colour = np.array([40 + 60 * (i % 4), 80 + 30 * group_of[i], 200 - 40 * (i % 3)], dtype=np.uint8)
        pixels = np.broadcast_to(colour, (16, 12, 3)).copy()
        folder = out / "images" / article[:3]
        folder.mkdir(parents=True, exist_ok=True)
        write_image(folder / f"{article}.jpg", pixels)
