"""herbarium-2020-fgvc7, herbarium-2021-fgvc8 and herbarium-2022-fgvc9: herbarium sheets (JPEG) to species ids,
macro-F1. One module for the three years; `year` picks the download's layout.

Kaggle's download is COCO-style: a `metadata.json` (2020, 2021: `train/metadata.json`, under `nybg2020/` in 2020)
or `train_metadata.json` (2022) whose `images` and `annotations` lists pair up one to one, plus nested image folders.

Preparation (upstream's rules): the training images are grouped by category (in order of first appearance) and each
category is split 80/20 by scikit-learn (random_state=0). In 2020 and 2021 a category of one image stays in train and
one of two to four images gives its last image to test; 2022 splits every category with scikit-learn. The test
images from all categories are shuffled together (`random.Random(0)`) and renumbered 0, 1, ... with new file names
that do not reveal the category; 2022 also renumbers the train images within their category. The metadata files are
written with four-space indents and sorted keys; the public test metadata keeps only `images` (and, in 2020 and
2021, `info` and `licenses`). Images are hard-linked where the filesystem allows, else copied after a space check.
2020's metadata is read as latin-1, as upstream does (the file is UTF-8; accented names come out as mojibake).

Grading (upstream's checks, in its order): the test set's row count, columns Id and Predicted (others ignored), the
same ids once both sides are sorted by Id; every prediction is converted with Python's `int` (so 3.7 counts as 3;
text, empty cells and infinities are invalid), then sklearn's macro-F1 over the labels of answers and predictions.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import ensure_free_space
from inspect_mlebench.kit.synth import rng, write_csv

ID = "Id"
PREDICTED = "Predicted"
TEST_SHARE = 0.2
SIDE = 24

# Per year: where the training metadata and images live in Kaggle's download, the encoding upstream reads the
# metadata with, the dataset-wide list the public test metadata drops, and the sample submission's guess.
ROOTS = {2020: "nybg2020/", 2021: "", 2022: ""}
ENCODINGS = {2020: "latin-1", 2021: "utf-8", 2022: "utf-8"}
SIDE_LISTS = {2020: "regions", 2021: "institutions"}
GUESSES = {2020: 0, 2021: 0, 2022: 42}
COMPETITIONS = {2020: "herbarium-2020-fgvc7", 2021: "herbarium-2021-fgvc8", 2022: "herbarium-2022-fgvc9"}

Record = dict[str, Any]
Pair = tuple[Record, Record]  # (annotation, image)


def _dump(value: object, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        json.dump(value, handle, indent=4, sort_keys=True)


def _place(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Hard-link each source to its (renamed) destination where the filesystem allows, else copy after checking
    that the copies fit."""
    moves = list(pairs)
    if not moves:
        return
    first_dest = moves[0][1]
    first_dest.parent.mkdir(parents=True, exist_ok=True)
    linking = moves[0][0].stat().st_dev == first_dest.parent.stat().st_dev
    if not linking:
        ensure_free_space(
            first_dest.parent, sum(src.stat().st_size for src, _ in moves), f"copying {len(moves)} images"
        )
    for src, dest in moves:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if linking:
            try:
                os.link(src, dest)
                continue
            except OSError:  # e.g. a filesystem without hard links: copy this one instead
                pass
        shutil.copyfile(src, dest)


def _split(pairs: list[Pair], year: int) -> tuple[list[Pair], list[Pair]]:
    n = len(pairs)
    if year != 2022 and n == 1:
        return pairs, []
    if year != 2022 and n < 5:
        cut = max(1, int(n * TEST_SHARE))
        return pairs[:-cut], pairs[-cut:]
    train, test = train_test_split(pairs, test_size=TEST_SHARE, random_state=0)
    if year == 2022 and not (train and test):
        raise ValueError("every category needs images on both sides of the split")
    return list(train), list(test)


def prepare(raw: Path, public: Path, private: Path, *, year: int) -> None:
    root = ROOTS[year]
    image_key = "image_id" if year == 2022 else "id"
    metadata_path = raw / ("train_metadata.json" if year == 2022 else f"{root}train/metadata.json")
    with metadata_path.open(encoding=ENCODINGS[year]) as handle:
        metadata = json.load(handle)

    by_category: dict[int, list[Pair]] = {}
    pairs_in_order = zip(metadata["annotations"], metadata["images"], strict=False)  # upstream pairs up to the shorter
    for annotation, image in pairs_in_order:
        if annotation["image_id"] != image[image_key]:
            raise ValueError(f"annotation and image disagree: {annotation['image_id']} vs {image[image_key]}")
        by_category.setdefault(annotation["category_id"], []).append((annotation, image))
    train_parts: dict[int, list[Pair]] = {}
    test_pool: list[Pair] = []
    for category, pairs in by_category.items():
        train_parts[category], test_part = _split(pairs, year)
        test_pool.extend(test_part)

    train_dir = public / ("train_images" if year == 2022 else f"{root}train")
    train_source = raw / ("train_images" if year == 2022 else f"{root}train")
    folder_prefix = "" if year == 2022 else "images/"
    train_annotations: list[Record] = []
    train_images: list[Record] = []
    train_moves: list[tuple[Path, Path]] = []
    for category, pairs in train_parts.items():
        subdir = f"{category // 100:03d}/{category % 100:02d}"
        (train_dir / folder_prefix / subdir).mkdir(parents=True, exist_ok=True)  # upstream makes it even if unused
        for index, (annotation, image) in enumerate(pairs):
            annotation, image = dict(annotation), dict(image)
            old_name = image["file_name"]
            if year == 2022:
                new_id = f"{category:05d}__{index + 1:03d}"
                annotation["image_id"] = image["image_id"] = new_id
                image["file_name"] = f"{subdir}/{new_id}.jpg"
            train_annotations.append(annotation)
            train_images.append(image)
            train_moves.append((train_source / old_name, train_dir / image["file_name"]))
    _place(train_moves)
    train_metadata = public / "train_metadata.json" if year == 2022 else train_dir / "metadata.json"
    _dump({**metadata, "annotations": train_annotations, "images": train_images}, train_metadata)

    random.Random(0).shuffle(test_pool)
    test_dir = public / ("test_images" if year == 2022 else f"{root}test")
    test_images: list[Record] = []
    labels: list[int] = []
    test_moves: list[tuple[Path, Path]] = []
    for index, (annotation, image) in enumerate(test_pool):
        new_name = (
            f"{index // 1000:03d}/test-{index:06d}.jpg" if year == 2022 else f"images/{index // 1000:03d}/{index}.jpg"
        )
        test_images.append({**image, image_key: str(index), "file_name": new_name})
        labels.append(annotation["category_id"])
        test_moves.append((train_source / image["file_name"], test_dir / new_name))
    _place(test_moves)
    if year == 2022:
        _dump(test_images, public / "test_metadata.json")
    else:
        kept = {
            key: value for key, value in metadata.items() if key not in ("categories", SIDE_LISTS[year], "annotations")
        }
        if set(kept) != {"images", "info", "licenses"}:
            raise ValueError(f"unexpected metadata keys for the public test file: {sorted(kept)}")
        _dump({**kept, "images": test_images}, test_dir / "metadata.json")

    ids = [str(index) for index in range(len(test_pool))]
    pd.DataFrame({ID: ids, PREDICTED: labels}).to_csv(private / "answers.csv", index=False)
    pd.DataFrame({ID: ids, PREDICTED: GUESSES[year]}).to_csv(public / "sample_submission.csv", index=False)


def _as_int(values: pd.Series, ids: pd.Series, column: str) -> np.ndarray:
    """Python's `int` of every cell, as upstream converts them (a float is cut toward zero), as the array numpy makes
    of upstream's list (int64, or objects for numbers beyond 64 bits)."""
    if pd.api.types.is_integer_dtype(values):
        return values.to_numpy(dtype=np.int64)
    out: list[int] = []
    for position, value in enumerate(values.tolist()):
        try:
            out.append(int(value))
        except (TypeError, ValueError, OverflowError) as err:
            raise InvalidSubmissionError(
                f"column '{column}' must hold whole category ids; {value!r} for id "
                f"{checks.examples([ids.iloc[position]])} is not one"
            ) from err
    if pd.api.types.is_float_dtype(values):
        fractional = values.to_numpy() != np.asarray(out, dtype=float)
        if fractional.any():
            lenient(
                f"column '{column}' has {int(fractional.sum())} fractional id(s), e.g. for "
                f"{checks.examples(ids[fractional])}; cut to whole numbers (3.7 -> 3), as upstream does"
            )
    return np.asarray(out)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, PREDICTED])
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    checks.warn_unless_integer_ids(sub, ID)
    y_true = _as_int(ans[PREDICTED], ans[ID], PREDICTED)
    y_pred = _as_int(sub[PREDICTED], sub[ID], PREDICTED)
    try:
        return metrics.macro_f1(y_true, y_pred)
    except (
        TypeError,
        ValueError,
        OverflowError,
    ) as err:  # e.g. ids beyond 64 bits, which sklearn cannot compare with the answers
        raise InvalidSubmissionError(
            f"column '{PREDICTED}' holds values that cannot be compared with category ids: {err}"
        ) from err


# ---- synthetic data: Kaggle's layout per year, sheets whose ink colour and stripe position follow the species ----

GENERA = ["Abies", "Betula", "Carex", "Dryas", "Erica", "Ficus", "Galium", "Hieracium", "Iris", "Juncus"]


def _sheet(gen: np.random.Generator, category: int) -> bytes:
    pixels = gen.normal(225, 8, (SIDE, SIDE, 3))
    ink = np.array([(category * 53) % 200, (category * 97) % 200, (category * 31) % 200], dtype=float)
    column = 2 + (category * 7) % (SIDE - 6)
    pixels[:, column : column + 4] = ink + gen.normal(0, 6, (SIDE, 4, 3))
    return jpeg_bytes(np.clip(pixels, 0, 255).astype(np.uint8))


def _counts(gen: np.random.Generator, size: int, year: int) -> list[int]:
    """Images per category, summing to about `size`: mostly large categories, and (2020, 2021) one category of a
    single image and one of three, which upstream's split treats specially."""
    n_categories = max(3, size // 20)
    counts = [int(c) for c in gen.integers(12, 28, n_categories)]
    if year != 2022:
        counts += [1, 3]
    else:
        counts += [2]
    return counts


def synthesize(out: Path, seed: int, size: int, *, year: int) -> None:
    gen = rng(seed, COMPETITIONS[year])
    counts = _counts(gen, size, year)
    categories = sorted(int(c) for c in gen.choice(np.arange(50, 16000), len(counts), replace=False))
    labels = [category for category, count in zip(categories, counts, strict=True) for _ in range(count)]
    order = gen.permutation(len(labels))  # Kaggle's files are not grouped by category
    labels = [labels[i] for i in order]
    licenses = [
        {"id": 0, "name": "Public Domain Dedication", "url": "http://creativecommons.org/publicdomain/zero/1.0/"}
    ]
    info = {
        "contributor": "Synthetic herbarium",
        "date_created": "2020-02-20",
        "description": "synthetic sheets",
        "url": "https://example.org",
        "version": "1.0",
        "year": year,
    }
    n_test = max(5, size // 10)
    if year == 2022:
        _synthesize_2022(out, gen, labels, categories, licenses, n_test)
        return
    root = out / ROOTS[year]
    side_key = "region_id" if year == 2020 else "institution_id"
    images: list[Record] = []
    annotations: list[Record] = []
    first_id = int(gen.integers(100000, 900000))
    for offset, category in enumerate(labels):
        image_id = first_id + offset
        name = f"images/{category // 100:03d}/{category % 100:02d}/{image_id}.jpg"
        images.append({"file_name": name, "height": SIDE, "id": image_id, "license": 0, "width": SIDE})
        annotations.append({"category_id": category, "id": image_id, "image_id": image_id, side_key: offset % 3})
        (root / "train" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "train" / name).write_bytes(_sheet(gen, category))
    names = [
        {
            "family": "Asteraceae",
            "genus": GENERA[i % len(GENERA)],
            "id": c,
            "name": f"{GENERA[i % len(GENERA)]} \u00d7 sp{i} Müll.Arg.",
        }
        | ({"order": "Asterales"} if year == 2021 else {})
        for i, c in enumerate(categories)
    ]
    sides = [{"id": i, "name": f"Herbário {i}"} for i in range(3)]
    train = {
        "annotations": annotations,
        "categories": names,
        "images": images,
        "info": info,
        "licenses": licenses,
        SIDE_LISTS[year]: sides,
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "train/metadata.json").write_text(json.dumps(train, ensure_ascii=False), encoding="utf-8")
    test_images = []
    for index in range(n_test):
        name = f"images/{index // 1000:03d}/{index}.jpg"
        test_images.append({"file_name": name, "height": SIDE, "id": index, "license": 0, "width": SIDE})
        (root / "test" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "test" / name).write_bytes(_sheet(gen, int(gen.choice(categories))))
    test = {"images": test_images, "info": info, "licenses": licenses}
    (root / "test/metadata.json").write_text(json.dumps(test, ensure_ascii=False), encoding="utf-8")
    write_csv(pd.DataFrame({ID: range(n_test), PREDICTED: 0}), out / "sample_submission.csv")


def _synthesize_2022(
    out: Path, gen: np.random.Generator, labels: list[int], categories: list[int], licenses: list[Record], n_test: int
) -> None:
    genus_of = {c: i % len(GENERA) for i, c in enumerate(categories)}
    images: list[Record] = []
    annotations: list[Record] = []
    seen: dict[int, int] = {}
    for category in labels:
        seen[category] = seen.get(category, 0) + 1
        image_id = f"{category:05d}__{seen[category]:03d}"
        name = f"{category // 100:03d}/{category % 100:02d}/{image_id}.jpg"
        images.append({"file_name": name, "image_id": image_id, "license": 0})
        annotations.append(
            {
                "category_id": category,
                "genus_id": genus_of[category],
                "image_id": image_id,
                "institution_id": int(gen.integers(0, 3)),
            }
        )
        (out / "train_images" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "train_images" / name).write_bytes(_sheet(gen, category))
    train = {
        "annotations": annotations,
        "categories": [
            {
                "authors": "(L.) Müll.Arg.",
                "category_id": c,
                "family": "Asteraceae",
                "genus": GENERA[genus_of[c]],
                "scientificName": f"{GENERA[genus_of[c]]} sp{i} (L.) Müll.Arg.",
                "species": f"sp{i}",
            }
            for i, c in enumerate(categories)
        ],
        "distances": [
            {"distance": float(abs(a - b)) / 10, "genus_id_x": a, "genus_id_y": b}
            for a in range(3)
            for b in range(3)
            if a != b
        ],
        "genera": [{"genus": g, "genus_id": i} for i, g in enumerate(GENERA)],
        "images": images,
        "institutions": [{"collectionCode": f"H{i}", "institution_id": i} for i in range(3)],
        "licenses": licenses,
    }
    (out / "train_metadata.json").write_text(json.dumps(train, ensure_ascii=False), encoding="utf-8")
    test = []
    for index in range(n_test):
        name = f"{index // 1000:03d}/test-{index:06d}.jpg"
        test.append({"file_name": name, "image_id": str(index), "license": 0})
        (out / "test_images" / name).parent.mkdir(parents=True, exist_ok=True)
        (out / "test_images" / name).write_bytes(_sheet(gen, int(gen.choice(categories))))
    (out / "test_metadata.json").write_text(json.dumps(test, ensure_ascii=False), encoding="utf-8")
    write_csv(pd.DataFrame({ID: range(n_test), PREDICTED: 42}), out / "sample_submission.csv")
