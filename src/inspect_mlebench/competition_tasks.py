"""One Inspect task per competition (`inspect eval inspect_mlebench/spaceship_titanic`), so an eval set can mix
single competitions with other evals and keep one log per competition.

The tasks are made from the config file names alone (no YAML parsing, no pandas), because this module is imported
at every `inspect` start through `_registry`. Each takes `mlebench`'s parameters except `split`/`competitions`.
"""

from __future__ import annotations

from collections.abc import Callable

from inspect_ai import Task

from inspect_mlebench.config.naming import task_name
from inspect_mlebench.resources import task_configs_dir
from inspect_mlebench.task import fixed_task

COMPETITION_TASKS: dict[str, Callable[..., Task]] = {
    path.stem: fixed_task(
        task_name(path.stem),
        f"MLE-bench, one competition: {path.stem} (same parameters as `mlebench`).",
        competitions=[path.stem],
    )
    for path in sorted(task_configs_dir().joinpath("competitions").glob("*.yaml"))
}
