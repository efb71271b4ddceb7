"""inspect-mlebench: MLE-bench as an Inspect AI plugin.

Inspect imports this package at every start (through `_registry`), so grading and data preparation, which need
pandas and scikit-learn, are re-exported lazily: they load on first use, not on import. The registry's
`competitions()` is not re-exported here: `inspect_mlebench.competitions` is the package of competition modules.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from inspect_mlebench._version import __version__
from inspect_mlebench.config import (
    SPLIT_ALIASES,
    Competition,
    GradingSpec,
    KnownIssue,
    RegistryError,
    get_competition,
    load_split,
    split_names,
)
from inspect_mlebench.errors import CompetitionNotPreparedError, MLEBenchError

if TYPE_CHECKING:
    from inspect_mlebench.data.prepare import PreparationError, prepare, prepare_synthetic, synthesize
    from inspect_mlebench.grading.errors import InvalidSubmissionError
    from inspect_mlebench.grading.grader import grade, validate
    from inspect_mlebench.grading.report import CompetitionReport
    from inspect_mlebench.scoring.scorer import mlebench_scorer
    from inspect_mlebench.solvers.aide import aide
    from inspect_mlebench.solvers.mle_react import mle_react
    from inspect_mlebench.task import build_task, mlebench, mlebench_demo, mlebench_lite

_LAZY = {
    "CompetitionReport": "inspect_mlebench.grading",
    "InvalidSubmissionError": "inspect_mlebench.grading",
    "grade": "inspect_mlebench.grading",
    "validate": "inspect_mlebench.grading",
    "PreparationError": "inspect_mlebench.data.prepare",
    "prepare": "inspect_mlebench.data.prepare",
    "prepare_synthetic": "inspect_mlebench.data.prepare",
    "synthesize": "inspect_mlebench.data.prepare",
    "mlebench": "inspect_mlebench.task",
    "mlebench_lite": "inspect_mlebench.task",
    "mlebench_demo": "inspect_mlebench.task",
    "build_task": "inspect_mlebench.task",
    "mlebench_scorer": "inspect_mlebench.scoring.scorer",
    "mle_react": "inspect_mlebench.solvers.mle_react",
    "aide": "inspect_mlebench.solvers.aide",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'inspect_mlebench' has no attribute '{name}'")


__all__ = [
    "SPLIT_ALIASES",
    "Competition",
    "CompetitionNotPreparedError",
    "CompetitionReport",
    "GradingSpec",
    "InvalidSubmissionError",
    "KnownIssue",
    "MLEBenchError",
    "PreparationError",
    "RegistryError",
    "__version__",
    "aide",
    "build_task",
    "get_competition",
    "grade",
    "load_split",
    "mle_react",
    "mlebench",
    "mlebench_demo",
    "mlebench_lite",
    "mlebench_scorer",
    "prepare",
    "prepare_synthetic",
    "split_names",
    "synthesize",
    "validate",
]
