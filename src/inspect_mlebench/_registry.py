"""Inspect's entry point for this package (`[project.entry-points.inspect_ai]`).

Inspect imports this module at every `inspect` start, for every eval, so it must import only the decorated
objects it registers and nothing heavy (no pandas, scikit-learn or docker at import time).
"""

from inspect_mlebench.baseline.model import BaselineModelAPI
from inspect_mlebench.competition_tasks import COMPETITION_TASKS
from inspect_mlebench.integrity.judge import integrity_judge
from inspect_mlebench.integrity.plagiarism import integrity_plagiarism
from inspect_mlebench.sandbox.provider import MlebenchDockerSandboxEnvironment
from inspect_mlebench.scoring.medal_metrics import mlebench_seeds
from inspect_mlebench.scoring.scorer import mlebench_scorer
from inspect_mlebench.solvers.aide import aide
from inspect_mlebench.solvers.mle_react import mle_react
from inspect_mlebench.task import mlebench, mlebench_demo, mlebench_lite

__all__ = [
    "COMPETITION_TASKS",
    "BaselineModelAPI",
    "MlebenchDockerSandboxEnvironment",
    "aide",
    "integrity_judge",
    "integrity_plagiarism",
    "mle_react",
    "mlebench",
    "mlebench_demo",
    "mlebench_lite",
    "mlebench_scorer",
    "mlebench_seeds",
]

# Tasks, agents, the scorer and the scripted model are registered here as they land.
