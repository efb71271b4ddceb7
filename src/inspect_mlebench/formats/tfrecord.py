"""TFRecord files and `tf.train.Example` messages, without TensorFlow.

Kaggle ships several image competitions as TFRecord shards, and upstream's preparers read ids out of them with
TensorFlow. TensorFlow is a multi-GB dependency for what is a simple framing plus a three-level protobuf, so both are
implemented here.

A record is framed as: u64 length, u32 masked CRC32C of the length bytes, the data, u32 masked CRC32C of the data
(all little-endian). An Example is `Example.features (1) -> Features.feature (1): map<string, Feature>`, where a
Feature holds one of `bytes_list (1)`, `float_list (2)` or `int64_list (3)`, each with a repeated `value (1)`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from numbers import Integral, Real
from pathlib import Path

FeatureValue = bytes | str | int | float | Sequence[bytes] | Sequence[str] | Sequence[int] | Sequence[float]
"""What `encode_example` accepts per feature: a scalar or a list. `str` is stored as UTF-8 bytes, `bool` as int."""

DecodedFeature = list[bytes] | list[int] | list[float]

# --- CRC32C (Castagnoli), table-driven ----------------------------------------------------------------------------


def _crc32c_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C of `data` (the checksum TFRecord uses; not zlib's CRC-32)."""
    crc = 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data: bytes) -> int:
    """The CRC as TFRecord stores it: rotated and offset, so CRCs of data that embeds CRCs stay well distributed."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


# --- record framing -----------------------------------------------------------------------------------------------


def write_tfrecord(path: Path, records: Iterable[bytes]) -> None:
    """Write `records` as an uncompressed TFRecord file."""
    with path.open("wb") as handle:
        for data in records:
            length = struct.pack("<Q", len(data))
            handle.write(length + struct.pack("<I", masked_crc32c(length)))
            handle.write(data + struct.pack("<I", masked_crc32c(data)))


def read_tfrecord(path: Path, *, verify_data: bool = False) -> Iterator[bytes]:
    """The records of an uncompressed TFRecord file.

    The length checksum is always verified, and truncation is always an error. The data checksum is verified only
    with `verify_data`: pure-Python CRC32C runs at a few MB/s, so checking Kaggle's multi-GB shards would take
    minutes, and those downloads are checksummed as a whole anyway.
    """
    with path.open("rb") as handle:
        while header := handle.read(12):
            if len(header) < 12:
                raise ValueError(f"{path.name}: truncated record header")
            length_bytes, (length_crc,) = header[:8], struct.unpack("<I", header[8:])
            if masked_crc32c(length_bytes) != length_crc:
                raise ValueError(f"{path.name}: corrupt record length")
            (length,) = struct.unpack("<Q", length_bytes)
            data = handle.read(length)
            footer = handle.read(4)
            if len(data) < length or len(footer) < 4:
                raise ValueError(f"{path.name}: truncated record")
            if verify_data and masked_crc32c(data) != struct.unpack("<I", footer)[0]:
                raise ValueError(f"{path.name}: corrupt record data")
            yield data


# --- protobuf wire format (just what Example needs) ----------------------------------------------------------------


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # negative int64 values are 10-byte two's complement varints
    out = bytearray()
    while True:
        bits, value = value & 0x7F, value >> 7
        out.append(bits | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise ValueError("truncated protobuf varint")
        byte = buf[pos]
        result |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return result, pos
        shift += 7


def _signed64(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _len_field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _fields(buf: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, value) of a message: bytes for length-delimited and fixed-width fields, ints for
    varints."""
    pos = 0
    while pos < len(buf):
        key, pos = _read_varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _read_varint(buf, pos)
            yield number, wire, value
            continue
        if wire == 2:
            size, pos = _read_varint(buf, pos)
        elif wire in (1, 5):
            size = 8 if wire == 1 else 4
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
        if pos + size > len(buf):
            raise ValueError("truncated protobuf field")
        yield number, wire, buf[pos : pos + size]
        pos += size


# --- Example ------------------------------------------------------------------------------------------------------


def _feature(value: FeatureValue) -> bytes:
    values: Sequence[object] = [value] if isinstance(value, bytes | str | int | float | Real) else value
    if not values:
        return b""  # a Feature with no kind set; it decodes to []
    if all(isinstance(v, bytes | str) for v in values):
        items = [v.encode() if isinstance(v, str) else v for v in values if isinstance(v, bytes | str)]
        return _len_field(1, b"".join(_len_field(1, item) for item in items))
    if all(isinstance(v, Integral) for v in values):
        packed = b"".join(_varint(int(v)) for v in values if isinstance(v, Integral))
        return _len_field(3, _len_field(1, packed))
    if all(isinstance(v, Real) for v in values):
        floats = [float(v) for v in values if isinstance(v, Real)]
        return _len_field(2, _len_field(1, struct.pack(f"<{len(floats)}f", *floats)))
    raise TypeError(f"a feature's values must be all bytes/str, all integers or all numbers: {values!r:.80}")


def encode_example(features: Mapping[str, FeatureValue]) -> bytes:
    """A serialized `tf.train.Example`; lists are packed, as TensorFlow writes them."""
    entries = b"".join(
        _len_field(1, _len_field(1, name.encode()) + _len_field(2, _feature(value))) for name, value in features.items()
    )
    return _len_field(1, entries)


def _decode_feature(feature: bytes) -> DecodedFeature:
    values: DecodedFeature = []
    for kind, _, payload in _fields(feature):
        if not isinstance(payload, bytes):
            continue
        if kind == 1:
            values = [v for number, _, v in _fields(payload) if number == 1 and isinstance(v, bytes)]
        elif kind == 2:
            floats: list[float] = []
            for number, wire, v in _fields(payload):
                if number == 1 and isinstance(v, bytes):  # packed (wire 2) or a single fixed32 (wire 5)
                    floats.extend(struct.unpack(f"<{len(v) // 4}f", v) if wire in (2, 5) else ())
            values = floats
        elif kind == 3:
            ints: list[int] = []
            for number, _, v in _fields(payload):
                if number != 1:
                    continue
                if isinstance(v, int):  # unpacked
                    ints.append(_signed64(v))
                else:  # packed
                    pos = 0
                    while pos < len(v):
                        raw, pos = _read_varint(v, pos)
                        ints.append(_signed64(raw))
            values = ints
    return values


def decode_example(record: bytes) -> dict[str, DecodedFeature]:
    """The features of a serialized `tf.train.Example`, each as a list (the last map entry wins, as in protobuf)."""
    decoded: dict[str, DecodedFeature] = {}
    for number, _, features in _fields(record):
        if number != 1 or not isinstance(features, bytes):
            continue
        for entry_number, _, entry in _fields(features):
            if entry_number != 1 or not isinstance(entry, bytes):
                continue
            name, feature = b"", b""
            for part, _, value in _fields(entry):
                if part == 1 and isinstance(value, bytes):
                    name = value
                elif part == 2 and isinstance(value, bytes):
                    feature = value
            decoded[name.decode("utf-8")] = _decode_feature(feature)
    return decoded


def tfrecord_feature(path: Path, name: str) -> list[DecodedFeature]:
    """Feature `name` of every Example in a TFRecord file, in record order; KeyError if a record lacks it."""
    result = []
    for index, record in enumerate(read_tfrecord(path)):
        features = decode_example(record)
        if name not in features:
            raise KeyError(f"{path.name}: record {index} has no feature '{name}'")
        result.append(features[name])
    return result


def tfrecord_ids(path: Path, name: str) -> list[str]:
    """The first value of bytes feature `name` (e.g. `image_name`) of every Example, as text: how preparers list the
    images of a shard."""
    ids = []
    for index, values in enumerate(tfrecord_feature(path, name)):
        if not values or not isinstance(values[0], bytes):
            raise KeyError(f"{path.name}: record {index} has no bytes feature '{name}'")
        ids.append(values[0].decode("utf-8"))
    return ids
