"""CSV reading shared by preparers and graders, so every part parses numbers the same way as upstream.

Upstream reads with `float_precision="round_trip"` (floats exactly as written). pandas 3 does that by default and
deprecates the argument, so pass it only to older pandas.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

_NEEDS_ROUND_TRIP = int(pd.__version__.split(".")[0]) < 3


def read_csv(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    if _NEEDS_ROUND_TRIP:
        kwargs.setdefault("float_precision", "round_trip")
    frame: pd.DataFrame = pd.read_csv(path, **kwargs)
    return frame


def read_column_as_text(path: str | Path, column: str) -> pd.Series:
    """One column exactly as written (no NA parsing, "" for empty cells), as pandas reads it with `dtype=str,
    keep_default_na=False`, through pyarrow's multi-threaded reader (about 4x faster on large files). Any file
    pyarrow's reader does not take as pandas would (ragged rows, other encodings) is read by pandas instead."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        table = pa_csv.read_csv(
            path,
            parse_options=pa_csv.ParseOptions(newlines_in_values=True),
            convert_options=pa_csv.ConvertOptions(
                include_columns=[column],
                column_types={column: pa.string()},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
        if table.num_columns == 1 and table.column_names == [column]:
            # no nulls (strings_can_be_null=False), so astype(str) gives pandas' own text dtype for dtype=str
            return pd.Series(table.column(0).to_pandas(), name=column).astype(str)
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError):
        pass  # pandas decides, and raises what it raises
    frame = read_csv(path, usecols=[column], dtype=str, keep_default_na=False)
    return frame[column]
