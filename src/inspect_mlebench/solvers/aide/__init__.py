"""AIDE's tree search as a native Inspect agent (`inspect_mlebench/aide`).

Light on import (Inspect and pydantic only): the entry point registers it at every `inspect` start.
"""

from inspect_mlebench.solvers.aide.agent import PRESETS, aide
from inspect_mlebench.solvers.aide.journal import Journal, Node
from inspect_mlebench.solvers.aide.policy import Action, SearchPolicy

__all__ = ["PRESETS", "Action", "Journal", "Node", "SearchPolicy", "aide"]
