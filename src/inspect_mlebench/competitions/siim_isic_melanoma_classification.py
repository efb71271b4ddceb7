"""siim-isic-melanoma-classification: skin-lesion images (DICOM, JPEG, TFRecord) -> P(melanoma), scored by ROC AUC.

Upstream defines its test set by TFRecord shard: every image listed in Kaggle's `train00-2071.tfrec` and
`train06-2071.tfrec` becomes a test image. Upstream reads the shards with TensorFlow; here a small self-contained
TFRecord + `tf.train.Example` codec (`inspect_mlebench.formats.tfrecord`) does the same, so TensorFlow is not needed.
"""

from __future__ import annotations

import shutil
from collections.abc import Hashable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from inspect_mlebench.formats.dicom import dicom_bytes
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.formats.tfrecord import encode_example, tfrecord_ids, write_tfrecord
from inspect_mlebench.kit.synth import rng, write_csv

ID = "image_name"
TARGET = "target"
TEST_SHARDS = ("train00-2071.tfrec", "train06-2071.tfrec")
TEST_COLUMNS = [ID, "patient_id", "sex", "age_approx", "anatom_site_general_challenge"]
TRAIN_COLUMNS = [*TEST_COLUMNS, "diagnosis", "benign_malignant", TARGET]

# --- preparation and grading ------------------------------------------------------------------------------------


def _copy_media(raw: Path, public: Path, names: pd.Series, split: str) -> None:
    """DICOMs to public/<split>/, JPEGs to public/jpeg/<split>/; all come from Kaggle's train images."""
    (public / split).mkdir(parents=True, exist_ok=True)
    (public / "jpeg" / split).mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(raw / "train" / f"{name}.dcm", public / split / f"{name}.dcm")
        shutil.copy(raw / "jpeg" / "train" / f"{name}.jpg", public / "jpeg" / split / f"{name}.jpg")


def _copy_shards(raw: Path, public: Path) -> None:
    """Kaggle's train shards, renumbered per split in name order and keeping their record counts: testNN-*/trainNN-*.
    Kaggle's own test shards are not carried over (their images have no labels)."""
    dest = public / "tfrecords"
    dest.mkdir(parents=True, exist_ok=True)
    counters = {"test": 0, "train": 0}
    for shard in sorted((raw / "tfrecords").glob("train*.tfrec")):
        split = "test" if shard.name in TEST_SHARDS else "train"
        records = shard.stem.split("-")[1]
        shutil.copy(shard, dest / f"{split}{counters[split]:02d}-{records}.tfrec")
        counters[split] += 1


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream reads train.csv with plain pandas and takes the images of two whole shards (~10%) as the test set.
    original = pd.read_csv(raw / "train.csv")
    test_ids = [name for shard in TEST_SHARDS for name in tfrecord_ids(raw / "tfrecords" / shard, ID)]
    in_test = original[ID].isin(test_ids)
    train, test = original[~in_test], original[in_test]

    train.to_csv(public / "train.csv", index=False)
    test[TEST_COLUMNS].to_csv(public / "test.csv", index=False)
    test[[ID, TARGET]].assign(**{TARGET: 0}).to_csv(public / "sample_submission.csv", index=False)
    test[[ID, TARGET]].to_csv(private / "test.csv", index=False)

    _copy_media(raw, public, train[ID], "train")
    _copy_media(raw, public, test[ID], "test")
    _copy_shards(raw, public)

    assert not set(train[ID]) & set(test[ID]), "train/test overlap"
    assert len(list(public.glob("test/*.dcm"))) == len(list(public.glob("jpeg/test/*.jpg"))) == len(test)
    assert train.columns.tolist() == TRAIN_COLUMNS, train.columns.tolist()


# --- synthetic data: metadata, lesion images, shards --------------------------------------------------------------

IMAGE_SIDE = 32
N_SHARDS = 16
# Records per shard in Kaggle's download (all shards but the last, the last): 33,126 train and 10,982 test images.
KAGGLE_SHARD_COUNTS = {"train": (2071, 2061), "test": (687, 677)}
SITES = ["torso", "lower extremity", "upper extremity", "head/neck", "palms/soles", "oral/genital"]
BENIGN = ["unknown", "unknown", "unknown", "nevus", "seborrheic keratosis", "lentigo NOS", "lichenoid keratosis"]
DIAGNOSES = ["unknown", "nevus", "melanoma", "seborrheic keratosis", "lentigo NOS", "lichenoid keratosis"]


def _metadata(gen: np.random.Generator, names: list[str]) -> pd.DataFrame:
    n = len(names)
    patients = [f"IP_{p:07d}" for p in gen.choice(9_999_999, size=max(2, n // 3), replace=False)]
    patient_sex = {p: gen.choice(["male", "female"]) for p in patients}
    patient = gen.choice(patients, n)
    sex = [patient_sex[p] if gen.random() > 0.02 else np.nan for p in patient]
    age = np.where(gen.random(n) < 0.02, np.nan, 5.0 * gen.integers(4, 18, n))
    site = [s if gen.random() > 0.05 else np.nan for s in gen.choice(SITES, n)]
    return pd.DataFrame({ID: names, "patient_id": patient, "sex": sex, "age_approx": age, TEST_COLUMNS[-1]: site})


def _lesion(gen: np.random.Generator, malignant: bool) -> np.ndarray:
    """A skin-toned square with a lesion: melanomas are larger, darker and more irregular."""
    yy, xx = np.mgrid[:IMAGE_SIDE, :IMAGE_SIDE] - (IMAGE_SIDE - 1) / 2
    radius = gen.uniform(8, 12) if malignant else gen.uniform(4, 8)
    angle = np.arctan2(yy, xx)
    edge = radius * (1 + (0.25 if malignant else 0.05) * np.sin(gen.integers(3, 7) * angle + gen.uniform(0, 6)))
    inside = np.hypot(yy, xx) < edge
    skin = np.array([220.0, 170.0, 150.0]) + gen.normal(0, 10, 3)
    lesion = np.array([70.0, 40.0, 30.0] if malignant else [150.0, 100.0, 80.0]) + gen.normal(0, 15, 3)
    image = np.where(inside[..., None], lesion, skin) + gen.normal(0, 6, (IMAGE_SIDE, IMAGE_SIDE, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def _code(value: object, vocabulary: list[str]) -> int:
    """Integer codes as in Kaggle's shards (-1 where unknown)."""
    return vocabulary.index(value) if isinstance(value, str) and value in vocabulary else -1


def _example(row: Mapping[Hashable, Any], jpeg: bytes, patient_code: int) -> bytes:
    age = row["age_approx"]
    features: dict[str, bytes | int] = {
        "image": jpeg,
        ID: str(row[ID]).encode(),
        "patient_id": patient_code,
        "sex": _code(row["sex"], ["male", "female"]),
        "age_approx": -1 if pd.isna(age) else int(age),
        "anatom_site_general_challenge": _code(row[TEST_COLUMNS[-1]], SITES),
    }
    if TARGET in row:
        features |= {"diagnosis": _code(row["diagnosis"], DIAGNOSES), TARGET: int(row[TARGET])}
    return encode_example(features | {"width": IMAGE_SIDE, "height": IMAGE_SIDE})


def _write_image(gen: np.random.Generator, out: Path, split: str, row: Mapping[Hashable, Any]) -> bytes:
    """The image as JPEG (jpeg/<split>/) and DICOM (<split>/); returns the JPEG bytes for the shards."""
    pixels = _lesion(gen, bool(row.get(TARGET, 0)))
    jpeg = jpeg_bytes(pixels)
    (out / "jpeg" / split / f"{row[ID]}.jpg").write_bytes(jpeg)
    age = "" if pd.isna(row["age_approx"]) else f"{int(row['age_approx']):03d}Y"
    sex = {"male": "M", "female": "F"}.get(str(row["sex"]), "")
    uid = "2.25." + str(int.from_bytes(gen.bytes(15), "big"))
    dicom = dicom_bytes(
        pixels, sop_instance_uid=uid, patient_id=str(row["patient_id"]), patient_sex=sex, patient_age=age
    )
    (out / split / f"{row[ID]}.dcm").write_bytes(dicom)
    return jpeg


def _shard_names(split: str, n_shards: int) -> list[str]:
    """Kaggle's shard file names. Upstream picks its test shards by these exact names, so they are kept even though
    the record count in a synthetic shard's name is Kaggle's, not the (tiny) number of records inside."""
    full, last = KAGGLE_SHARD_COUNTS[split]
    return [f"{split}{k:02d}-{full if k < N_SHARDS - 1 else last}.tfrec" for k in range(n_shards)]


def _write_split(
    gen: np.random.Generator, out: Path, frame: pd.DataFrame, split: str, shards: list[np.ndarray]
) -> None:
    patients = sorted(set(frame["patient_id"]))
    examples = [
        _example(row, _write_image(gen, out, split, row), patients.index(row["patient_id"]))
        for row in frame.to_dict("records")
    ]
    for name, members in zip(_shard_names(split, len(shards)), shards, strict=True):
        write_tfrecord(out / "tfrecords" / name, [examples[i] for i in members])


def _labels(gen: np.random.Generator, frame: pd.DataFrame, shards: list[np.ndarray]) -> pd.DataFrame:
    """Targets with both classes inside the two shards that become the test set."""
    target = (gen.random(len(frame)) < 0.15).astype(int)
    for shard in (0, 6):
        target[shards[shard][0]], target[shards[shard][1]] = 1, 0
    diagnosis = np.where(target == 1, "melanoma", gen.choice(BENIGN, len(frame)))
    return frame.assign(
        diagnosis=diagnosis, benign_malignant=np.where(target == 1, "malignant", "benign"), **{TARGET: target}
    )


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "siim-isic-melanoma-classification")
    n_train, n_test = max(size, 2 * N_SHARDS), max(4, size // 4)
    numbers = np.sort(gen.choice(9_999_999, size=n_train + n_test, replace=False))
    order = gen.permutation(n_train + n_test)
    names = [f"ISIC_{numbers[i]:07d}" for i in order]
    train_shards = np.array_split(gen.permutation(n_train), N_SHARDS)
    test_shards = np.array_split(gen.permutation(n_test), min(N_SHARDS, n_test))
    train = _labels(gen, _metadata(gen, sorted(names[:n_train])), train_shards)
    test = _metadata(gen, sorted(names[n_train:]))

    for folder in ("train", "test", "jpeg/train", "jpeg/test", "tfrecords"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    _write_split(gen, out, train, "train", train_shards)
    _write_split(gen, out, test, "test", test_shards)
    write_csv(train[TRAIN_COLUMNS], out / "train.csv")
    write_csv(test[TEST_COLUMNS], out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 0}), out / "sample_submission.csv")
