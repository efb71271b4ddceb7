"""inaturalist-2019-fgvc6: species photos with COCO-style JSON metadata, one category per image, top-1 error.

Facts from openai/mle-bench at commit 783b15a. Kaggle's download holds `train2019.json`, `val2019.json` and
`test2019.json` (info, images, annotations, categories, licenses; the n-th annotation belongs to the n-th image),
`kaggle_sample_submission.csv` (id, predicted), `train_val2019.tar.gz` (JPEGs under
`train_val2019/<supercategory>/<category>/<hash>.jpg`) and `test2019.tar.gz`. Upstream holds out 12% of each
category's training images (`train_test_split(random_state=0)` from 5 images on; below 5 the last image; a single
image stays in train), shuffles the test images with Python's `random.Random(0)`, renames them `test2019/<hash>.jpg`,
and packs both sides into plain (uncompressed) tar files named `.tar.gz`, with paths relative to each folder.
"""

from __future__ import annotations

import io
import json
import random
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import ensure_free_space
from inspect_mlebench.kit.synth import rng, write_csv

ID, TARGET = "id", "predicted"
TEST_SIZE = 0.12
SAMPLE_SEED, SAMPLE_HIGH = 42, 1009  # upstream draws one value from random.Random(42) per row: all rows alike
SHUFFLE_SEED = 0

Pair = dict[str, Any]  # {"annotation": ..., "image": ...}


def _split(pairs: list[Pair]) -> tuple[list[Pair], list[Pair]]:
    n = len(pairs)
    if n == 1:
        return pairs, []
    if n < 5:
        held = max(1, int(n * TEST_SIZE))
        return pairs[:-held], pairs[-held:]
    train, test = train_test_split(pairs, test_size=TEST_SIZE, random_state=0)
    return list(train), list(test)


def _dump(data: dict[str, Any], path: Path) -> None:
    with path.open("w") as f:
        json.dump(data, f, indent=4, sort_keys=True)


def prepare(raw: Path, public: Path, private: Path) -> None:
    metadata = json.loads((raw / "train2019.json").read_text(encoding="utf-8"))
    by_category: dict[Any, list[Pair]] = {}
    for annotation, image in zip(metadata["annotations"], metadata["images"], strict=False):
        assert annotation["image_id"] == image["id"], f"annotation/image mismatch at image {image['id']}"
        by_category.setdefault(annotation["category_id"], []).append({"annotation": annotation, "image": image})

    train_pairs: list[Pair] = []
    test_pairs: list[Pair] = []
    for pairs in by_category.values():
        train, test = _split(pairs)
        train_pairs += train
        test_pairs += test
    random.Random(SHUFFLE_SEED).shuffle(test_pairs)

    new_train = {**metadata, "annotations": [p["annotation"] for p in train_pairs]}
    new_train["images"] = [p["image"] for p in train_pairs]
    _dump(new_train, public / "train2019.json")
    (public / "val2019.json").write_bytes((raw / "val2019.json").read_bytes())

    renamed = {p["image"]["file_name"]: "test2019/" + p["image"]["file_name"].split("/")[-1] for p in test_pairs}
    test_images = [{**p["image"], "file_name": renamed[p["image"]["file_name"]]} for p in test_pairs]
    public_test = {k: v for k, v in metadata.items() if k not in ("categories", "annotations", "images")}
    public_test["images"] = test_images
    assert set(public_test) == {"images", "info", "licenses"}, f"unexpected test keys {sorted(public_test)}"
    _dump(public_test, public / "test2019.json")

    answers = pd.DataFrame(
        {ID: [p["image"]["id"] for p in test_pairs], TARGET: [p["annotation"]["category_id"] for p in test_pairs]}
    )
    answers.to_csv(private / "answers.csv", index=False)
    guess = random.Random(SAMPLE_SEED).randint(0, SAMPLE_HIGH)
    answers.assign(**{TARGET: [guess] * len(answers)}).to_csv(public / "kaggle_sample_submission.csv", index=False)

    _pack_images(raw / "train_val2019.tar.gz", {p["image"]["file_name"] for p in train_pairs}, renamed, public)


def _pack_images(source: Path, train_names: set[str], test_names: dict[str, str], public: Path) -> None:
    """Stream Kaggle's tar once (never extracted: the real one is about 80 GB) into upstream's two tars: train
    images under `<supercategory>/<category>/<hash>.jpg`, test images as `<hash>.jpg`, both uncompressed."""
    ensure_free_space(public, source.stat().st_size, "packing the train and test images")
    prefix = "train_val2019/"
    with (
        tarfile.open(source, "r|*") as reader,
        tarfile.open(public / "train_val2019.tar.gz", "w") as train_tar,
        tarfile.open(public / "test2019.tar.gz", "w") as test_tar,
    ):
        for member in reader:
            if not member.isfile():
                continue
            name = member.name.removeprefix("./")
            if name in train_names:
                out, arcname = train_tar, name.removeprefix(prefix)
            elif name in test_names:
                out, arcname = test_tar, test_names[name].removeprefix("test2019/")
            else:
                continue
            data = reader.extractfile(member)
            info = tarfile.TarInfo(arcname)
            info.size, info.mtime, info.mode = member.size, member.mtime, member.mode
            out.addfile(info, data)


# --- grading -----------------------------------------------------------------------------------------------------


def _first_label(value: object, ident: object) -> int:
    """Upstream's reading of a prediction: a Python int as it is, anything else as text whose first
    whitespace-separated token is a whole number (so floats, empty cells and empty text are invalid)."""
    try:
        if isinstance(value, int):
            return int(value)
        return int(value.split()[0])  # type: ignore[attr-defined]
    except (AttributeError, IndexError, ValueError, TypeError) as err:
        raise InvalidSubmissionError(
            f"column '{TARGET}' must hold whole-number category ids (or text starting with one); {value!r} "
            f"(id {ident!r}) is not"
        ) from err


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    checks.warn_unless_integer_ids(sub, ID)
    y_true = np.asarray([int(v) for v in ans[TARGET]])
    # iterating a Series gives Python scalars, as upstream's list comprehension sees them
    y_pred = np.asarray([_first_label(v, i) for v, i in zip(sub[TARGET], sub[ID], strict=True)])
    checks.comparable_labels(y_true, y_pred, TARGET)
    return metrics.top1_error(y_true, y_pred)


# --- synthetic data ----------------------------------------------------------------------------------------------

SIDE = 32
# (category id, supercategory, images in train+val): one category with a single image and one with three, so the
# preparer's small-category rules run.
CATEGORIES = [(12, "Plants"), (97, "Birds"), (400, "Plants"), (533, "Insects"), (701, "Fungi"), (1008, "Reptiles")]


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "inaturalist-2019-fgvc6")
    palette = {c: gen.uniform(20, 235, 3) for c, _ in CATEGORIES}
    counts = [1, 3, *np.maximum(5, np.full(len(CATEGORIES) - 2, (size - 4) // (len(CATEGORIES) - 2)))]
    labels = [c for (c, _), k in zip(CATEGORIES, counts, strict=True) for _ in range(int(k))]
    order = gen.permutation(len(labels))
    labels = [labels[i] for i in order]
    n_val, n_test = max(3, size // 20), max(4, size // 10)
    supers = dict(CATEGORIES)

    def image(i: int, category: int, folder: str) -> dict[str, Any]:
        digest = "".join(f"{int(b):02x}" for b in gen.integers(0, 256, 16))
        name = (
            f"{folder}/{supers[category]}/{category}/{digest}.jpg" if folder != "test2019" else f"test2019/{digest}.jpg"
        )
        return {"license": 0, "file_name": name, "width": SIDE, "height": SIDE, "id": i}

    def picture(category: int) -> bytes:
        pixels = np.full((SIDE, SIDE, 3), 120.0) + gen.normal(0, 15, (SIDE, SIDE, 3))
        pixels[8:24, 8:24] = palette[category] + gen.normal(0, 8, 3)
        return jpeg_bytes(pixels)

    info = {"year": 2019, "version": "1.0", "description": "iNaturalist 2019 (synthetic)", "contributor": "synthetic"}
    licenses = [{"id": 0, "name": "Attribution-NonCommercial License", "url": "http://creativecommons.org/"}]
    categories = [{"id": c, "name": f"species {c}", "kingdom": s, "class": s} for c, s in CATEGORIES]
    train_images = [image(i, c, "train_val2019") for i, c in enumerate(labels)]
    val_labels = [CATEGORIES[int(k)][0] for k in gen.integers(0, len(CATEGORIES), n_val)]
    val_images = [image(len(labels) + i, c, "train_val2019") for i, c in enumerate(val_labels)]
    test_labels = [CATEGORIES[int(k)][0] for k in gen.integers(0, len(CATEGORIES), n_test)]
    test_images = [image(len(labels) + n_val + i, c, "test2019") for i, c in enumerate(test_labels)]

    def annotations(images: list[dict[str, Any]], cats: list[int]) -> list[dict[str, Any]]:
        return [{"id": im["id"], "image_id": im["id"], "category_id": c} for im, c in zip(images, cats, strict=True)]

    for name, images, cats in (("train2019.json", train_images, labels), ("val2019.json", val_images, val_labels)):
        content = {"info": info, "images": images, "annotations": annotations(images, cats)}
        (out / name).write_text(json.dumps({**content, "categories": categories, "licenses": licenses}))
    (out / "test2019.json").write_text(json.dumps({"info": info, "images": test_images, "licenses": licenses}))
    write_csv(pd.DataFrame({ID: [im["id"] for im in test_images], TARGET: 0}), out / "kaggle_sample_submission.csv")

    for archive, images, cats in (
        ("train_val2019.tar.gz", train_images + val_images, labels + val_labels),
        ("test2019.tar.gz", test_images, test_labels),
    ):
        with tarfile.open(out / archive, "w:gz") as tar:
            for im, c in zip(images, cats, strict=True):
                data = picture(c)
                info_entry = tarfile.TarInfo(im["file_name"])
                info_entry.size, info_entry.mtime = len(data), 1556668800
                tar.addfile(info_entry, io.BytesIO(data))
