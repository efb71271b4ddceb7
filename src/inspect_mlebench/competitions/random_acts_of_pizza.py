"""random-acts-of-pizza: will a Reddit pizza request succeed (ROC AUC of `requester_received_pizza`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.kit.synth import rng, write_csv

ID = "request_id"
TARGET = "requester_received_pizza"

Request = dict[str, Any]


def _load(path: Path) -> list[Request]:
    with path.open() as fh:
        data: list[Request] = json.load(fh)
    return data


def _dump(requests: list[Request], path: Path) -> None:
    with path.open("w") as fh:
        json.dump(requests, fh, indent=4)


def prepare(raw: Path, public: Path, private: Path) -> None:
    old_train, old_test = _load(raw / "train.json"), _load(raw / "test.json")
    # The new test keeps Kaggle's test share of all requests; random_state=0, no stratification.
    test_ratio = len(old_test) / (len(old_train) + len(old_test))
    test_fields = list(old_test[0].keys())
    new_train, new_test = train_test_split(old_train, test_size=test_ratio, random_state=0)

    _dump(new_train, public / "train.json")
    _dump([{key: request[key] for key in test_fields} for request in new_test], public / "test.json")
    for stem in ("train", "test"):
        shutil.make_archive(str(public / stem), "zip", public, f"{stem}.json")

    answers = pd.DataFrame({ID: [r[ID] for r in new_test], TARGET: [int(r[TARGET]) for r in new_test]})
    answers.to_csv(private / "test.csv", index=False)
    answers.assign(**{TARGET: 0}).to_csv(public / "sampleSubmission.csv", index=False)
    assert len(new_train) + len(new_test) == len(old_train), "split lost requests"


_GOOD = ["job", "kids", "rent", "paycheck", "grateful", "family", "pay it forward", "student", "bills", "hungry"]
_PLAIN = ["pizza", "tonight", "craving", "bored", "movie", "weekend", "party", "friends", "cheese", "game"]
_SUBREDDITS = ["AskReddit", "pics", "funny", "Random_Acts_Of_Pizza", "gaming", "food", "Assistance", "IAmA"]
_DAY = 86400.0


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while value:
        value, rest = divmod(value, 36)
        out = digits[rest] + out
    return out or "0"


def _text(gen: np.random.Generator, success: bool) -> str:
    pool = _GOOD if success and gen.random() < 0.8 else _PLAIN
    words = [str(w) for w in gen.choice(pool, size=int(gen.integers(2, 5)))]
    return f"Hi all, I would love a pizza because of {', '.join(words)}. Thanks for reading!"


def _request(gen: np.random.Generator, serial: int, success: bool) -> Request:
    """One request with every field of Kaggle's train.json (keys in the file's alphabetical order)."""
    age = float(gen.exponential(400 if success else 150))
    comments, posts = int(gen.poisson(80 if success else 30)), int(gen.poisson(15))
    raop_comments, raop_posts = int(gen.poisson(1.0)), int(gen.integers(0, 3))
    votes = int(gen.poisson(900 if success else 300))
    minus = int(votes * gen.uniform(0.5, 0.95))
    subreddits = sorted({str(s) for s in gen.choice(_SUBREDDITS, size=int(gen.integers(0, 6)))})
    stamp = float(1.29e9 + gen.integers(0, 90_000_000))
    text = _text(gen, success)
    later = float(gen.uniform(300, 900))
    upvotes, downvotes = int(gen.poisson(4)), int(gen.poisson(2))
    first_raop = float(gen.uniform(0, 60)) if raop_posts or raop_comments else 0.0
    return {
        "giver_username_if_known": f"giver_{serial % 17}" if success and gen.random() < 0.3 else "N/A",
        "number_of_downvotes_of_request_at_retrieval": downvotes,
        "number_of_upvotes_of_request_at_retrieval": upvotes,
        "post_was_edited": stamp + 3600.0 if gen.random() < 0.08 else False,
        "request_id": "t3_" + _base36(1_000_000 + 40 * serial + int(gen.integers(0, 40))),
        "request_number_of_comments_at_retrieval": int(gen.poisson(3)),
        "request_text": text + (" EDIT: received, thank you!" if success and gen.random() < 0.3 else ""),
        "request_text_edit_aware": text,
        "request_title": f"[Request] {'Rough week' if success else 'Pizza night'}, anywhere USA",
        "requester_account_age_in_days_at_request": age,
        "requester_account_age_in_days_at_retrieval": age + later,
        "requester_days_since_first_post_on_raop_at_request": first_raop,
        "requester_days_since_first_post_on_raop_at_retrieval": first_raop + later,
        "requester_number_of_comments_at_request": comments,
        "requester_number_of_comments_at_retrieval": comments + int(gen.poisson(40)),
        "requester_number_of_comments_in_raop_at_request": raop_comments,
        "requester_number_of_comments_in_raop_at_retrieval": raop_comments + int(gen.poisson(1)),
        "requester_number_of_posts_at_request": posts,
        "requester_number_of_posts_at_retrieval": posts + int(gen.poisson(5)),
        "requester_number_of_posts_on_raop_at_request": raop_posts,
        "requester_number_of_posts_on_raop_at_retrieval": raop_posts + 1,
        "requester_number_of_subreddits_at_request": len(subreddits),
        "requester_received_pizza": success,
        "requester_subreddits_at_request": subreddits,
        "requester_upvotes_minus_downvotes_at_request": minus,
        "requester_upvotes_minus_downvotes_at_retrieval": minus + int(gen.poisson(50)),
        "requester_upvotes_plus_downvotes_at_request": votes,
        "requester_upvotes_plus_downvotes_at_retrieval": votes + int(gen.poisson(80)),
        "requester_user_flair": ("shroom" if gen.random() < 0.7 else "PIF") if success else None,
        "requester_username": f"user_{serial}",
        "unix_timestamp_of_request": stamp + 18000.0,
        "unix_timestamp_of_request_utc": stamp,
    }


# Kaggle's test.json lacks everything known only after the request was posted (and the label).
_TEST_FIELDS = [
    "giver_username_if_known",
    "request_id",
    "request_text_edit_aware",
    "request_title",
    "requester_account_age_in_days_at_request",
    "requester_days_since_first_post_on_raop_at_request",
    "requester_number_of_comments_at_request",
    "requester_number_of_comments_in_raop_at_request",
    "requester_number_of_posts_at_request",
    "requester_number_of_posts_on_raop_at_request",
    "requester_number_of_subreddits_at_request",
    "requester_subreddits_at_request",
    "requester_upvotes_minus_downvotes_at_request",
    "requester_upvotes_plus_downvotes_at_request",
    "requester_username",
    "unix_timestamp_of_request",
    "unix_timestamp_of_request_utc",
]


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "random-acts-of-pizza")
    n_train, n_test = size, max(10, size * 2 // 5)
    success = gen.random(n_train) < 0.25
    # The split depends only on the counts: make sure upstream's test share gets both outcomes.
    _, held_out = train_test_split(np.arange(n_train), test_size=n_test / (n_train + n_test), random_state=0)
    success[held_out[:2]] = [True, False]
    train = [_request(gen, i, bool(s)) for i, s in enumerate(success)]
    test = [
        {key: request[key] for key in _TEST_FIELDS}
        for request in (_request(gen, n_train + i, bool(gen.random() < 0.25)) for i in range(n_test))
    ]
    out.mkdir(parents=True, exist_ok=True)
    _dump(train, out / "train.json")
    _dump(test, out / "test.json")
    write_csv(pd.DataFrame({ID: [r[ID] for r in test], TARGET: 0}), out / "sampleSubmission.csv")
