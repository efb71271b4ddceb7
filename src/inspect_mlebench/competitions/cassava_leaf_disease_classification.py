"""cassava-leaf-disease-classification: cassava-leaf photos in five classes, also packed in TFRecord shards
(accuracy, graded declaratively).

Upstream splits Kaggle's train by shard: 10% of the sorted `train_tfrecords/*.tfrec` files (random_state=0) become
the test shards, and the test rows are the images named in them (feature `image_name`). The shards are renamed
`ld_train<i>-<count>.tfrec` / `ld_test<i>-<count>.tfrec` in split order, keeping each shard's record count, and the
photos go to `train_images/` and `test_images/`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.formats.tfrecord import encode_example, tfrecord_ids, write_tfrecord
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "image_id"
TARGET = "label"
TEST_SIZE = 0.1
SAMPLE_LABEL = 4
DISEASES = {
    "0": "Cassava Bacterial Blight (CBB)",
    "1": "Cassava Brown Streak Disease (CBSD)",
    "2": "Cassava Green Mottle (CGM)",
    "3": "Cassava Mosaic Disease (CMD)",
    "4": "Healthy",
}
LABEL_MAP = "label_num_to_disease_map.json"


def _place_shards(shards: list[Path], dest: Path, prefix: str) -> None:
    """Link (or copy) each shard into `dest` as `<prefix><i>-<record count>.tfrec`, numbered in the given order."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest) as staging_name:
        staging = Path(staging_name)
        for i, shard in enumerate(shards):
            place_files(shard.parent, [shard.name], staging)
            count = shard.stem.split("-")[1]
            (staging / shard.name).rename(dest / f"{prefix}{i:02d}-{count}.tfrec")


def prepare(raw: Path, public: Path, private: Path) -> None:
    shards = sorted(p for p in (raw / "train_tfrecords").iterdir() if p.is_file() and p.suffix == ".tfrec")
    train_shards, test_shards = train_test_split(shards, test_size=TEST_SIZE, random_state=0)
    test_ids = {image_id for shard in test_shards for image_id in tfrecord_ids(shard, "image_name")}

    original = read_csv(raw / "train.csv")
    in_test = original[ID].isin(test_ids)
    train, test = original[~in_test], original[in_test]
    assert set(train[ID]).isdisjoint(test[ID]), "train and test images overlap"

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.assign(**{TARGET: SAMPLE_LABEL}).to_csv(public / "sample_submission.csv", index=False)
    _place_shards(train_shards, public / "train_tfrecords", "ld_train")
    _place_shards(test_shards, public / "test_tfrecords", "ld_test")
    place_files(raw / "train_images", train[ID], public / "train_images")
    place_files(raw / "train_images", test[ID], public / "test_images")
    shutil.copyfile(raw / LABEL_MAP, public / LABEL_MAP)


# --- synthetic data ------------------------------------------------------------------------------------------------

# Leaf colour and the marks each condition leaves (label -> (leaf RGB, mark RGB or None)).
_LOOKS = {
    0: ((70, 130, 50), (110, 80, 40)),  # bacterial blight: brown angular spots
    1: ((80, 140, 55), (200, 190, 80)),  # brown streak: yellow streaks
    2: ((120, 170, 80), None),  # green mottle: pale leaf
    3: ((150, 170, 60), (230, 230, 120)),  # mosaic: yellow patches
    4: ((50, 120, 45), None),  # healthy
}


def _photo(gen: np.random.Generator, label: int) -> bytes:
    leaf, mark = _LOOKS[label]
    pixels = gen.normal(leaf, 12, (40, 40, 3))
    if mark is not None:
        for _ in range(4):
            y, x = gen.integers(0, 34, size=2)
            pixels[y : y + 6, x : x + 6] = gen.normal(mark, 10, (6, 6, 3))
    return jpeg_bytes(pixels)


def _write_shards(folder: Path, prefix: str, ids: list[str], labels: np.ndarray, photos: list[bytes], n: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for k, part in enumerate(np.array_split(np.arange(len(ids)), n)):
        records = (encode_example({"image": photos[i], "image_name": ids[i], "target": int(labels[i])}) for i in part)
        write_tfrecord(folder / f"{prefix}{k:02d}-{len(part)}.tfrec", records)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "cassava-leaf-disease-classification")
    n_test = 2
    ids: list[str] = []
    while len(ids) < size + n_test:  # Kaggle's names: a number of up to ten digits
        name = f"{int(gen.integers(10_000_000, 4_300_000_000))}.jpg"
        if name not in ids:
            ids.append(name)
    # Kaggle's train is mostly mosaic disease (label 3)
    labels = gen.choice(5, size + n_test, p=[0.05, 0.1, 0.11, 0.61, 0.13])
    photos = [_photo(gen, int(y)) for y in labels]
    train_ids, test_ids = ids[:size], ids[size:]

    write_csv(pd.DataFrame({ID: train_ids, TARGET: labels[:size]}), out / "train.csv")
    write_csv(pd.DataFrame({ID: test_ids, TARGET: SAMPLE_LABEL}), out / "sample_submission.csv")
    (out / LABEL_MAP).write_text(json.dumps(DISEASES))
    write_files(out / "train_images", train_ids, photos[:size])
    write_files(out / "test_images", test_ids, photos[size:])
    # Kaggle packs its 21397 training photos into 16 shards; at least 10 here, so that a 10% split holds one out
    _write_shards(out / "train_tfrecords", "ld_train", train_ids, labels[:size], photos[:size], max(10, size // 12))
    _write_shards(out / "test_tfrecords", "ld_test", test_ids, labels[size:], photos[size:], 1)
