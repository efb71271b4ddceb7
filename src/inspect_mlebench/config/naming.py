"""One naming rule for Python names derived from competition ids (module names and Inspect task names)."""

from __future__ import annotations

# Python names cannot start with a digit (3d-object-detection-for-autonomous-vehicles is the first such id).
DIGIT_PREFIX = "mlebench_"


def python_name(competition_id: str) -> str:
    """`-` becomes `_`; an id starting with a digit gets `mlebench_` in front."""
    name = competition_id.replace("-", "_")
    return DIGIT_PREFIX + name if name[:1].isdigit() else name


def module_name(competition_id: str) -> str:
    """Where a competition's own Python lives, if it has any."""
    return f"inspect_mlebench.competitions.{python_name(competition_id)}"


def task_name(competition_id: str) -> str:
    """The per-competition Inspect task (registered as `inspect_mlebench/<task_name>`)."""
    return python_name(competition_id)
