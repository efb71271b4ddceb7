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
