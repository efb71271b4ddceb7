"""What the metric families share: scikit-learn's metrics imported on first use, the first column of an array, and
whether Arrow text is all ASCII."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from types import ModuleType


def sklearn_metrics() -> ModuleType:
    """scikit-learn's metrics, imported on first use: the config schema imports the metric library to check metric
    keys, and must stay light."""
    from sklearn import metrics

    module: ModuleType = metrics
    return module


def first_column(values: np.ndarray) -> np.ndarray:
    return values.reshape(len(values), -1)[:, 0] if values.ndim > 1 else values


def all_ascii(texts: Any) -> bool:
    """Whether every text of an Arrow string (chunked) array is ASCII, missing values aside: the condition under which
    a byte is a character, so text can be split or measured in bytes and give what `str` gives."""
    import pyarrow.compute as pc

    return pc.all(pc.string_is_ascii(texts)).as_py() in (True, None)  # None: no text at all
