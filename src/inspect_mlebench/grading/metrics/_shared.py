"""What the metric families share: scikit-learn's metrics imported on first use, and the first column of an
array."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
