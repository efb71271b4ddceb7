"""Parquet tables through pandas with the pyarrow engine.

Named explicitly (not pandas' "auto") so that every install writes and reads parquet the same way; the index is not
written unless asked, matching how the competitions' CSVs are written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def write_parquet(frame: pd.DataFrame, path: Path, *, index: bool = False) -> None:
    frame.to_parquet(path, engine="pyarrow", index=index)


def read_parquet(path: Path, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The table at `path` (a file or a folder of part files), optionally only `columns`."""
    import pandas as pd

    return pd.read_parquet(path, engine="pyarrow", columns=list(columns) if columns is not None else None)
