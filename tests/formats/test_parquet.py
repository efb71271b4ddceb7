from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.formats.parquet import read_parquet, write_parquet

pytest.importorskip("pyarrow")


def test_round_trip_keeps_dtypes_and_drops_the_index(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"id": np.array([3, 1, 2], dtype=np.int64), "x": [0.5, np.nan, 2.0], "name": ["a", None, "c"]},
        index=[10, 11, 12],
    )
    path = tmp_path / "t.parquet"
    write_parquet(frame, path)
    back = read_parquet(path)
    pd.testing.assert_frame_equal(back, frame.reset_index(drop=True))
    pd.testing.assert_frame_equal(read_parquet(path, ["x"]), frame[["x"]].reset_index(drop=True))


def test_index_kept_when_asked(tmp_path: Path) -> None:
    frame = pd.DataFrame({"v": [1, 2]}, index=pd.Index(["r1", "r2"], name="row"))
    write_parquet(frame, tmp_path / "t.parquet", index=True)
    pd.testing.assert_frame_equal(read_parquet(tmp_path / "t.parquet"), frame)
