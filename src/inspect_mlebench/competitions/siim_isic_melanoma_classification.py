"""siim-isic-melanoma-classification: skin-lesion images (DICOM, JPEG, TFRecord) -> P(melanoma), scored by ROC AUC.

Upstream defines its test set by TFRecord shard: every image listed in Kaggle's `train00-2071.tfrec` and
`train06-2071.tfrec` becomes a test image. Upstream reads the shards with TensorFlow; here a small self-contained
TFRecord + `tf.train.Example` codec does the same, so TensorFlow is not needed.
"""

from __future__ import annotations

import io
import shutil
import struct
from collections.abc import Hashable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from PIL import Image

from inspect_mlebench.kit.synth import rng, write_csv

ID = "image_name"
TARGET = "target"
TEST_SHARDS = ("train00-2071.tfrec", "train06-2071.tfrec")
TEST_COLUMNS = [ID, "patient_id", "sex", "age_approx", "anatom_site_general_challenge"]
TRAIN_COLUMNS = [*TEST_COLUMNS, "diagnosis", "benign_malignant", TARGET]

# --- TFRecord framing: u64 length, masked CRC32C(length), data, masked CRC32C(data); all little-endian ----------

_CRC32C_TABLE = []
for _byte in range(256):
    _crc = _byte
    for _ in range(8):
        _crc = (_crc >> 1) ^ 0x82F63B78 if _crc & 1 else _crc >> 1
    _CRC32C_TABLE.append(_crc)


def _crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C_TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _masked_crc(data: bytes) -> int:
    crc = _crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def read_tfrecord(path: Path) -> Iterator[bytes]:
    """The records of a TFRecord file. The length checksum is verified; the data checksum is not (pure-Python
    CRC32C over Kaggle's multi-GB shards would take minutes, and the download is checksummed as a whole)."""
    with path.open("rb") as handle:
        while header := handle.read(12):
            if len(header) < 12:
                raise ValueError(f"{path.name}: truncated record header")
            length_bytes, length_crc = header[:8], struct.unpack("<I", header[8:])[0]
            if _masked_crc(length_bytes) != length_crc:
                raise ValueError(f"{path.name}: corrupt record length")
            data = handle.read(struct.unpack("<Q", length_bytes)[0])
            handle.read(4)
            yield data


def write_tfrecord(path: Path, records: list[bytes]) -> None:
    with path.open("wb") as handle:
        for data in records:
            length = struct.pack("<Q", len(data))
            handle.write(length + struct.pack("<I", _masked_crc(length)))
            handle.write(data + struct.pack("<I", _masked_crc(data)))


# --- tf.train.Example protobuf (Example.features=1; Features.feature=1 map<string, Feature>;
#     Feature.bytes_list=1 / int64_list=3; BytesList.value=1, Int64List.value=1 packed) ----------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        bits, value = value & 0x7F, value >> 7
        out.append(bits | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = buf[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def _len_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _fields(buf: bytes) -> Iterator[tuple[int, bytes | int]]:
    """(field number, value) pairs of a message: bytes for length-delimited fields, ints for varints."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(buf, pos)
            yield number, value
        elif wire == 2:
            size, pos = _read_varint(buf, pos)
            yield number, buf[pos : pos + size]
            pos += size
        elif wire in (1, 5):
            pos += 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")


def encode_example(features: dict[str, bytes | int]) -> bytes:
    entries = b""
    for name, value in features.items():
        if isinstance(value, bytes):
            feature = _len_field(1, _len_field(1, value))
        else:
            feature = _len_field(3, _len_field(1, _varint(value)))
        entries += _len_field(1, _len_field(1, name.encode()) + _len_field(2, feature))
    return _len_field(1, entries)


def example_bytes_feature(record: bytes, name: str) -> bytes:
    """The first value of a bytes feature of a serialized Example (the last map entry wins, as in protobuf)."""
    found: bytes | None = None
    for number, features in _fields(record):
        if number != 1 or not isinstance(features, bytes):
            continue
        for entry_number, entry in _fields(features):
            if entry_number != 1 or not isinstance(entry, bytes):
                continue
            parts = dict(_fields(entry))
            feature = parts.get(2)
            if parts.get(1) == name.encode() and isinstance(feature, bytes):
                found = _first_bytes_value(feature)
    if found is None:
        raise KeyError(f"Example has no bytes feature '{name}'")
    return found


def _first_bytes_value(feature: bytes) -> bytes | None:
    for number, bytes_list in _fields(feature):
        if number == 1 and isinstance(bytes_list, bytes):
            for value_number, value in _fields(bytes_list):
                if value_number == 1 and isinstance(value, bytes):
                    return value
    return None


def tfrecord_ids(path: Path, feature: str = ID) -> list[str]:
    return [example_bytes_feature(record, feature).decode("utf-8") for record in read_tfrecord(path)]


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
    test_ids = [name for shard in TEST_SHARDS for name in tfrecord_ids(raw / "tfrecords" / shard)]
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


# --- synthetic data: minimal valid DICOM (Part 10, explicit VR little endian, uncompressed RGB) ------------------

_LONG_VRS = {"OB", "OW", "OF", "SQ", "UT", "UN"}
VL_PHOTOGRAPHIC = "1.2.840.10008.5.1.4.1.1.77.1.4"
EXPLICIT_LE = "1.2.840.10008.1.2.1"
IMPLEMENTATION_UID = "2.25.302125127375271036745925916733563312981"


def _element(tag: tuple[int, int], vr: str, value: bytes | str) -> bytes:
    data = value.encode("ascii") if isinstance(value, str) else value
    if len(data) % 2:
        data += b"\0" if vr in ("UI", "OB") else b" "
    if vr in _LONG_VRS:
        return struct.pack("<HH2sHI", *tag, vr.encode(), 0, len(data)) + data
    return struct.pack("<HH2sH", *tag, vr.encode(), len(data)) + data


def _us(value: int) -> bytes:
    return struct.pack("<H", value)


def _dicom(pixels: np.ndarray, instance_uid: str, patient_id: str, sex: str, age: str) -> bytes:
    meta = b"".join(
        [
            _element((0x0002, 0x0001), "OB", b"\x00\x01"),
            _element((0x0002, 0x0002), "UI", VL_PHOTOGRAPHIC),
            _element((0x0002, 0x0003), "UI", instance_uid),
            _element((0x0002, 0x0010), "UI", EXPLICIT_LE),
            _element((0x0002, 0x0012), "UI", IMPLEMENTATION_UID),
        ]
    )
    rows, cols, _ = pixels.shape
    dataset = [
        _element((0x0008, 0x0016), "UI", VL_PHOTOGRAPHIC),
        _element((0x0008, 0x0018), "UI", instance_uid),
        _element((0x0008, 0x0060), "CS", "XC"),
        _element((0x0010, 0x0010), "PN", ""),
        _element((0x0010, 0x0020), "LO", patient_id),
        _element((0x0010, 0x0040), "CS", sex),
        _element((0x0010, 0x1010), "AS", age),
        _element((0x0020, 0x000D), "UI", instance_uid + ".1"),
        _element((0x0020, 0x000E), "UI", instance_uid + ".2"),
        _element((0x0028, 0x0002), "US", _us(3)),
        _element((0x0028, 0x0004), "CS", "RGB"),
        _element((0x0028, 0x0006), "US", _us(0)),
        _element((0x0028, 0x0010), "US", _us(rows)),
        _element((0x0028, 0x0011), "US", _us(cols)),
        _element((0x0028, 0x0100), "US", _us(8)),
        _element((0x0028, 0x0101), "US", _us(8)),
        _element((0x0028, 0x0102), "US", _us(7)),
        _element((0x0028, 0x0103), "US", _us(0)),
        _element((0x7FE0, 0x0010), "OB", pixels.astype(np.uint8).tobytes()),
    ]
    group_length = _element((0x0002, 0x0000), "UL", struct.pack("<I", len(meta)))
    return b"\0" * 128 + b"DICM" + group_length + meta + b"".join(dataset)


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


def _jpeg(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


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
    jpeg = _jpeg(pixels)
    (out / "jpeg" / split / f"{row[ID]}.jpg").write_bytes(jpeg)
    age = "" if pd.isna(row["age_approx"]) else f"{int(row['age_approx']):03d}Y"
    sex = {"male": "M", "female": "F"}.get(str(row["sex"]), "")
    uid = "2.25." + str(int.from_bytes(gen.bytes(15), "big"))
    (out / split / f"{row[ID]}.dcm").write_bytes(_dicom(pixels, uid, str(row["patient_id"]), sex, age))
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
