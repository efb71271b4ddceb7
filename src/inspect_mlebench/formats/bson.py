"""Streams of BSON documents, as MongoDB dumps them (cdiscount's `train.bson`: one document per product with
`_id`, `category_id` and `imgs: [{"picture": <JPEG bytes>}]`).

Encoding and decoding use pymongo's `bson` module, the maintained implementation; it is imported inside the
functions so that importing this module stays cheap. A stream is just concatenated documents, each starting with its
own length, so files are written and read one document at a time without loading the whole (58 GB) file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any


def bson_bytes(documents: Iterable[Mapping[str, Any]]) -> bytes:
    """The concatenated BSON encoding of `documents`, in order (key order inside a document is kept)."""
    import bson

    return b"".join(bson.encode(document) for document in documents)


def write_bson(path: Path, documents: Iterable[Mapping[str, Any]]) -> int:
    """Write `documents` as a BSON stream; returns how many were written."""
    import bson

    count = 0
    with path.open("wb") as handle:
        for document in documents:
            handle.write(bson.encode(document))
            count += 1
    return count


def read_bson(path: Path) -> Iterator[dict[str, Any]]:
    """The documents of a BSON stream, one at a time."""
    import bson

    with path.open("rb") as handle:
        yield from bson.decode_file_iter(handle)
