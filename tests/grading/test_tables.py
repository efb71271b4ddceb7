"""`read_column_as_text` gives what pandas gives with `dtype=str, keep_default_na=False`, on the files where the
two readers could differ (pyarrow reads, pandas decides the rest)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.tables import read_column_as_text

CASES = {
    "plain": b"id,x\n1,2\n02,3\n 3 ,4\n",
    "bom": "\ufeffid,x\n1,2\n".encode(),
    "quoted newline": b'id,x\n"a\nb",2\nc,3\n',
    "empty cells": b"id,x\n,2\n3,\n",
    "short row": b"id,x\n1\n2,3\n",
    "long row": b"id,x\n1,2,3\n2,3\n",
    "duplicate header": b"id,id,x\n1,2,3\n",
    "crlf": b"id,x\r\n1,2\r\n",
    "blank lines": b"id,x\n\n1,2\n\n",
    "NA words": b"id,x\nNaN,1\nnull,2\nNA,3\n",
    "quotes": b'id,x\n"1,5",2\n"q""q",3\n',
    "header only": b"id,x\n",
    "trailing comma": b"id,x,\n1,2,\n",
}


@pytest.mark.parametrize("content", CASES.values(), ids=CASES.keys())
def test_same_as_pandas(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    expected = pd.read_csv(path, usecols=["id"], dtype=str, keep_default_na=False)["id"]
    got = read_column_as_text(path, "id")
    assert got.tolist() == expected.tolist()
    assert got.dtype == expected.dtype


def test_errors_are_pandas_errors(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"idx,x\n1,2\n")
    with pytest.raises(ValueError, match="id"):
        read_column_as_text(path, "id")
    path.write_bytes("id,x\n\xe9,1\n".encode("latin-1"))
    with pytest.raises(UnicodeDecodeError):
        read_column_as_text(path, "id")


def test_is_in_answers_as_isin_does() -> None:
    from inspect_mlebench.grading.checks import is_in

    text = pd.Series(["a", "b", None, "c"], dtype="str")
    allowed = pd.Series(["b", None], dtype="str")
    assert is_in(text, allowed).tolist() == text.isin(allowed).tolist() == [False, True, True, False]
    numbers = pd.Series([1.0, 2.0, float("nan")])
    assert is_in(numbers, [2.0, float("nan")]).tolist() == [False, True, True]
    assert is_in(pd.Index(["x", "y"], dtype=object), ["y"]).tolist() == [False, True]
