from __future__ import annotations

from pathlib import Path

import pytest

from inspect_mlebench.formats.bson import bson_bytes, read_bson, write_bson

errors = pytest.importorskip("bson.errors")

PRODUCTS = [
    {"_id": 0, "category_id": 1000010653, "imgs": [{"picture": b"\xff\xd8one"}, {"picture": b"\xff\xd8two"}]},
    {"_id": 1, "category_id": 1000010654, "imgs": [{"picture": b"\xff\xd8three"}]},
]


def test_stream_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "train.bson"
    assert write_bson(path, PRODUCTS) == 2
    assert list(read_bson(path)) == PRODUCTS
    assert path.read_bytes() == bson_bytes(PRODUCTS)


def test_documents_are_length_prefixed_and_keep_key_order(tmp_path: Path) -> None:
    data = bson_bytes(PRODUCTS[:1])
    assert int.from_bytes(data[:4], "little") == len(data)
    assert data.index(b"_id") < data.index(b"category_id") < data.index(b"imgs")
    path = tmp_path / "x.bson"
    path.write_bytes(data[:-3])
    with pytest.raises(errors.InvalidBSON):
        list(read_bson(path))
