from __future__ import annotations

import struct
from pathlib import Path

import pytest

from inspect_mlebench.formats.tfrecord import (
    FeatureValue,
    crc32c,
    decode_example,
    encode_example,
    masked_crc32c,
    read_tfrecord,
    tfrecord_feature,
    tfrecord_ids,
    write_tfrecord,
)


def test_crc32c_matches_the_standard_check_values() -> None:
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C catalogue's check value
    assert crc32c(b"") == 0
    assert crc32c(bytes(32)) == 0x8A9136AA  # RFC 3720 (iSCSI) test vector: 32 zero bytes
    assert crc32c(bytes([0xFF] * 32)) == 0x62A8AB43  # RFC 3720: 32 bytes of 0xFF


def test_masked_crc_of_an_empty_length_header() -> None:
    # TensorFlow's framing of a zero-length record: the masked CRC of eight zero bytes.
    assert masked_crc32c(struct.pack("<Q", 0)) == (
        ((crc32c(bytes(8)) >> 15 | crc32c(bytes(8)) << 17) + 0xA282EAD8) & 0xFFFFFFFF
    )


def test_records_round_trip(tmp_path: Path) -> None:
    records = [b"", b"a", bytes(range(256)) * 10]
    path = tmp_path / "x.tfrec"
    write_tfrecord(path, records)
    assert path.stat().st_size == sum(16 + len(r) for r in records)
    assert list(read_tfrecord(path, verify_data=True)) == records


def test_corrupt_data_is_detected_when_verifying(tmp_path: Path) -> None:
    path = tmp_path / "x.tfrec"
    write_tfrecord(path, [b"hello world"])
    data = bytearray(path.read_bytes())
    data[12] ^= 0x01  # first byte of the record's data
    path.write_bytes(bytes(data))
    assert list(read_tfrecord(path)) == [b"iello world"]  # unverified by default (speed on multi-GB shards)
    with pytest.raises(ValueError, match="corrupt record data"):
        list(read_tfrecord(path, verify_data=True))


def test_corrupt_length_and_truncation_are_always_detected(tmp_path: Path) -> None:
    path = tmp_path / "x.tfrec"
    write_tfrecord(path, [b"hello world"])
    good = path.read_bytes()
    path.write_bytes(bytes([good[0] ^ 0x01]) + good[1:])
    with pytest.raises(ValueError, match="corrupt record length"):
        list(read_tfrecord(path))
    path.write_bytes(good[:-2])
    with pytest.raises(ValueError, match="truncated record"):
        list(read_tfrecord(path))


def test_example_round_trip_with_every_feature_kind() -> None:
    features: dict[str, FeatureValue] = {
        "image": b"\xff\xd8jpeg",
        "image_name": "ISIC_0000001",
        "target": 1,
        "negative": -3,
        "big": 2**40,
        "ints": [1, 2, 300],
        "score": 0.5,
        "floats": [1.5, -2.25],
        "names": [b"a", b"b"],
        "empty": [],
    }
    decoded = decode_example(encode_example(features))
    assert decoded == {
        "image": [b"\xff\xd8jpeg"],
        "image_name": [b"ISIC_0000001"],
        "target": [1],
        "negative": [-3],
        "big": [2**40],
        "ints": [1, 2, 300],
        "score": [0.5],
        "floats": [1.5, -2.25],
        "names": [b"a", b"b"],
        "empty": [],
    }


def test_example_encoding_is_tensorflows_wire_format() -> None:
    # Hand-assembled: Example{features{feature{key:"a" value{int64_list{value:[1]}}}}} as TensorFlow serializes it.
    feature = b"\x1a\x03\x0a\x01\x01"  # int64_list (3) { value (1), packed: [1] }
    entry = b"\x0a\x01a" + b"\x12" + bytes([len(feature)]) + feature
    features = b"\x0a" + bytes([len(entry)]) + entry
    assert encode_example({"a": 1}) == b"\x0a" + bytes([len(features)]) + features


def test_unpacked_int64_values_decode_too() -> None:
    feature = b"\x1a\x04\x08\x05\x08\x07"  # int64_list { value: 5 value: 7 } unpacked (wire type 0)
    entry = b"\x0a\x01n" + b"\x12" + bytes([len(feature)]) + feature
    record = b"\x0a" + bytes([len(entry) + 2]) + b"\x0a" + bytes([len(entry)]) + entry
    assert decode_example(record) == {"n": [5, 7]}


def test_mixed_feature_values_are_rejected() -> None:
    with pytest.raises(TypeError):
        encode_example({"x": [b"a", 1]})  # type: ignore[dict-item]


def test_ids_listed_from_a_shard(tmp_path: Path) -> None:
    path = tmp_path / "train00-2071.tfrec"
    names = ["ISIC_0000001", "ISIC_0000002", "ISIC_0000003"]
    write_tfrecord(path, [encode_example({"image": b"x", "image_name": n.encode(), "target": 0}) for n in names])
    assert tfrecord_ids(path, "image_name") == names
    assert tfrecord_feature(path, "target") == [[0], [0], [0]]
    with pytest.raises(KeyError, match="no feature 'missing'"):
        tfrecord_ids(path, "missing")
    with pytest.raises(KeyError, match="no bytes feature 'target'"):
        tfrecord_ids(path, "target")
