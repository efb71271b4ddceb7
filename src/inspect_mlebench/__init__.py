"""inspect-mlebench: MLE-bench as an Inspect AI plugin."""

from inspect_mlebench._version import __version__
from inspect_mlebench.registry import (
    SPLIT_ALIASES,
    Competition,
    GradingSpec,
    KnownIssue,
    RegistryError,
    competitions,
    get_competition,
    load_split,
    split_names,
)

__all__ = [
    "SPLIT_ALIASES",
    "Competition",
    "GradingSpec",
    "KnownIssue",
    "RegistryError",
    "__version__",
    "competitions",
    "get_competition",
    "load_split",
    "split_names",
]
