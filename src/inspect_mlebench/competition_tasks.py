"""One Inspect task per competition (`inspect eval inspect_mlebench/spaceship_titanic`), so an eval set can mix
single competitions with other evals and keep one log per competition.

The tasks are made from the config file names alone (no YAML parsing, no pandas), because this module is imported
at every `inspect` start through `_registry`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from inspect_ai import Task, task
from inspect_ai.agent import Agent
from inspect_ai.solver import Solver

from inspect_mlebench.resources import task_configs_dir
from inspect_mlebench.task import (
    DataSource,
    DescriptionVariant,
    ImageProfile,
    KnownIssuesPolicy,
    PreparePolicy,
    SandboxKind,
    build_task,
)


def task_name(competition_id: str) -> str:
    """`spaceship-titanic` -> `spaceship_titanic`; ids that start with a digit get an `mlebench_` prefix."""
    name = competition_id.replace("-", "_")
    return name if name[0].isalpha() else f"mlebench_{name}"


def _competition_task(competition_id: str) -> Callable[..., Task]:
    def competition_task(
        data: DataSource = "kaggle",
        data_dir: str | None = None,
        prepare: PreparePolicy = "auto",
        time_limit_hours: float = 24.0,
        gpus: int | Literal["auto"] = "auto",
        cpus: float | None = None,
        memory_gb: float | None = None,
        shm_size_gb: float | None = None,
        image_profile: ImageProfile = "full",
        description: DescriptionVariant = "original",
        internet: bool = False,
        known_issues: KnownIssuesPolicy = "include",
        sandbox: SandboxKind = "docker",
        build_images: bool = True,
        agent_image: str | None = None,
        synthetic_size: int = 200,
        k8s_data_pvc: str | None = None,
        k8s_image_registry: str | None = None,
        solver: Solver | Agent | None = None,
    ) -> Task:
        return build_task(
            competitions=[competition_id],
            data=data,
            data_dir=data_dir,
            prepare=prepare,
            time_limit_hours=time_limit_hours,
            gpus=gpus,
            cpus=cpus,
            memory_gb=memory_gb,
            shm_size_gb=shm_size_gb,
            image_profile=image_profile,
            description=description,
            internet=internet,
            known_issues=known_issues,
            sandbox=sandbox,
            build_images=build_images,
            agent_image=agent_image,
            synthetic_size=synthetic_size,
            k8s_data_pvc=k8s_data_pvc,
            k8s_image_registry=k8s_image_registry,
            solver=solver,
        )

    name = task_name(competition_id)
    competition_task.__name__ = competition_task.__qualname__ = name
    competition_task.__doc__ = f"MLE-bench, one competition: {competition_id} (same parameters as `mlebench`)."
    return task(name=name)(competition_task)


COMPETITION_TASKS: dict[str, Callable[..., Task]] = {
    path.stem: _competition_task(path.stem)
    for path in sorted(task_configs_dir().joinpath("competitions").glob("*.yaml"))
}
