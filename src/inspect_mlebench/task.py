"""The Inspect tasks: `mlebench` (any split or list of competitions), `mlebench_lite`, `mlebench_demo`.

`build_task` runs the build steps in order (parameters, competitions, setting, data, images, samples; see
`task_params` and `task_steps`) and records the setting in the log's disclosure. A competition whose data cannot be
made ready does not stop the others: its sample fails at sandbox start with the reason and the command that fixes it.
"""

from __future__ import annotations

import inspect
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from inspect_ai import Epochs, Task, task
from inspect_ai.agent import Agent
from inspect_ai.dataset import MemoryDataset
from inspect_ai.log import HeadlineMetric
from inspect_ai.solver import Solver

from inspect_mlebench._version import TASK_VERSION, UPSTREAM_COMMIT, __version__
from inspect_mlebench.config import Competition, competition_origin
from inspect_mlebench.data.paths import resolve_data_dir, synthetic_data_dir
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GradingMode
from inspect_mlebench.prompt import Setting
from inspect_mlebench.scoring.medal_metrics import mlebench_seeds
from inspect_mlebench.scoring.scorer import mlebench_scorer
from inspect_mlebench.solvers.context import publish_metadata
from inspect_mlebench.task_params import (
    CheckedParams,
    DataSource,
    DescriptionVariant,
    ImageProfile,
    KnownIssuesPolicy,
    PreparePolicy,
    SandboxKind,
    TaskConfigError,
    check_params,
    choose_competitions,
    competition_ids,
)
from inspect_mlebench.task_steps import (
    make_sample,
    obfuscated_description,
    prepare_data,
    resolve_images,
    resolve_setting,
    sandbox_spec,
)

__all__ = [
    "DEMO_COMPETITIONS",
    "TaskConfigError",
    "build_task",
    "competition_ids",
    "fixed_task",
    "mlebench",
    "mlebench_demo",
    "mlebench_lite",
]

DEMO_COMPETITIONS = (
    "tabular-playground-series-may-2022",  # tabular, probabilities (ROC AUC): a real model
    "nomad2018-predict-transparent-conductors",  # tabular regression, two targets (RMSLE): a real model
    "aerial-cactus-identification",  # images: the baseline falls back to the sample submission
)
DEMO_MODEL = "mlebench/baseline"


def default_solver() -> Solver | Agent:
    from inspect_mlebench.solvers.mle_react import mle_react

    return mle_react()


def build_task(
    *,
    split: str = "lite",
    competitions: str | list[str] | None = None,
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
    grading_mode: GradingMode = DEFAULT_GRADING_MODE,
    competitions_dir: str | None = None,
    solver: Solver | Agent | None = None,
    model: str | None = None,
    dataset_name: str | None = None,
) -> Task:
    """The task every entry point builds (`mlebench`, `mlebench_lite`, `mlebench_demo`, one per competition).
    `dataset_name` is what the log and `inspect view` call the dataset: the task's own name for the tasks that fix
    their competitions, else `mlebench_<split>` (`mlebench_custom` for a list of competitions)."""
    params = check_params(
        data=data,
        prepare=prepare,
        image_profile=image_profile,
        description=description,
        known_issues=known_issues,
        sandbox=sandbox,
        grading_mode=grading_mode,
        time_limit_hours=time_limit_hours,
        internet=internet,
        build_images=build_images,
        synthetic_size=synthetic_size,
        cpus=cpus,
        memory_gb=memory_gb,
        shm_size_gb=shm_size_gb,
    )
    comps, excluded, own_folder = choose_competitions(split, competitions, known_issues, competitions_dir)
    data_root = (synthetic_data_dir(data_dir) if data == "synthetic" else resolve_data_dir(data_dir)).resolve()
    setting, gpu_warning = resolve_setting(params, gpus)
    problems = prepare_data(comps, data, data_root, prepare, params.synthetic_size)
    agent_ref, validator_ref = resolve_images(image_profile, agent_image, params.build_images and sandbox == "docker")

    from inspect_mlebench.sandbox.compose import SandboxOptions

    options = SandboxOptions(
        gpus=setting.gpus,
        gpu_ids_from_metadata=setting.gpus > 0 and sandbox == "docker",
        cpus=setting.cpus,
        memory_gb=setting.memory_gb,
        shm_size_gb=setting.shm_size_gb,
        internet=setting.internet,
        agent_image=agent_ref,
        validator_image=validator_ref,
        grading_mode=params.grading_mode,
    )
    obfuscate = description == "obfuscated" and data == "kaggle"
    samples = [
        make_sample(
            comp,
            setting,
            data_root=data_root,
            sandbox_spec=sandbox_spec(
                comp,
                sandbox,
                options,
                data_root,
                obfuscated_description(comp) if obfuscate and comp.id not in problems else None,
                k8s_data_pvc,
                k8s_image_registry,
            ),
            unprepared=problems.get(comp.id),
            flag_issues=known_issues == "flag",
            grading_mode=params.grading_mode,
        )
        for comp in comps
    ]
    disclosure = _disclosure(
        comps,
        params,
        setting,
        split=None if competitions else split,
        excluded=excluded,
        data=data,
        data_root=data_root,
        gpus_requested=gpus,
        gpu_warning=gpu_warning,
        image_profile=image_profile,
        images={"agent": agent_ref, "validator": validator_ref},
        description=description,
        known_issues=known_issues,
        sandbox=sandbox,
        unprepared=sorted(problems),
        own_folder=own_folder,
    )
    return Task(
        dataset=MemoryDataset(samples, name=dataset_name or f"mlebench_{'custom' if competitions else split}"),
        setup=publish_metadata(),
        solver=solver if solver is not None else default_solver(),
        scorer=mlebench_scorer(data_dir=str(data_root), grading_mode=params.grading_mode),
        epochs=Epochs(1, [mlebench_seeds()]),
        time_limit=max(1, round(setting.time_limit_s)),
        # An agent that crashes (or whose model API fails) after hours of work is still graded on what it wrote.
        score_on_error=True,
        metadata={"mlebench": disclosure},
        headline_metric=HeadlineMetric(scorer="mlebench_scorer", metric="any_medal"),
        # Changes only when results stop being comparable (see TASK_VERSION), not with every release.
        version=TASK_VERSION,
        model=model,
    )


def _disclosure(
    comps: list[Competition],
    params: CheckedParams,
    setting: Setting,
    *,
    split: str | None,
    excluded: list[str],
    data: str,
    data_root: Path,
    gpus_requested: int | Literal["auto"],
    gpu_warning: str | None,
    image_profile: str,
    images: dict[str, str],
    description: str,
    known_issues: str,
    sandbox: str,
    unprepared: list[str],
    own_folder: Path | None,
) -> dict[str, Any]:
    """What a published result must state about its setting (upstream's leaderboard asks for most of it), kept in
    the log's task metadata."""
    return {
        "inspect_mlebench_version": __version__,
        "task_version": TASK_VERSION,
        "upstream_commit": UPSTREAM_COMMIT,
        "split": split,
        "competitions": [c.id for c in comps],
        "excluded_by_known_issues": excluded,
        "data": data,
        "data_dir": str(data_root),
        "time_limit_hours": params.time_limit_hours,
        "hardware": {
            "gpus": setting.gpus,
            "gpu_name": setting.gpu_name,
            "gpus_requested": gpus_requested,
            "gpu_note": gpu_warning,
            "cpus": setting.cpus,
            "memory_gb": setting.memory_gb,
            "shm_size_gb": setting.shm_size_gb,
            "host": platform.node(),
        },
        "internet": setting.internet,
        "image_profile": image_profile,
        "images": images,
        "description": "synthetic" if data == "synthetic" else description,
        "known_issues_policy": known_issues,
        "known_issues": {c.id: [f"{i.kind}:{i.id}" for i in c.known_issues] for c in comps if c.known_issues},
        "sandbox": sandbox,
        "unprepared": unprepared,
        # upstream: valid exactly where upstream's grader is (its leniencies are warnings); strict: those are invalid
        "grading_mode": params.grading_mode,
        "competitions_dir": str(own_folder) if own_folder else None,
        "own_competitions": [c.id for c in comps if competition_origin(c.id) is not None],
    }


@task
def mlebench(
    split: str = "lite",
    competitions: str | list[str] | None = None,
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
    grading_mode: GradingMode = DEFAULT_GRADING_MODE,
    competitions_dir: str | None = None,
    solver: Solver | Agent | None = None,
) -> Task:
    """MLE-bench: one sample per competition, graded on the host against the private answers with Kaggle's
    medal rules (upstream's implementation of them).

    Args:
      split: `low` (= `lite`), `medium`, `high`, `all` (= `split75`), `dev`, `systemcard`, `spaceship-titanic`, or a
        path to a `.txt` file of competition ids.
      competitions: Competition ids (a list, or `a,b,c` from `-T`); overrides `split`.
      data: `kaggle` (the real data) or `synthetic` (generated, tiny, learnable, with a labelled synthetic
        leaderboard).
      data_dir: Where prepared data lives (default `$INSPECT_MLEBENCH_DATA_DIR` or the user cache dir; synthetic data
        goes to its `synthetic/` subdir).
      prepare: `auto` prepares what is missing while the task is built; `never` fails the unprepared competitions'
        samples at sandbox start with the command that prepares them.
      time_limit_hours: The agent's wall-clock budget (Inspect's sample `time_limit`), stated in its prompt.
      gpus: GPUs per sample: `auto` (1 when one is usable, else 0 with a warning in the log) or a number.
      cpus: CPU quota of the agent's container (default upstream's 36, capped by this host).
      memory_gb: Memory limit of the agent's container (default upstream's 440, capped at 85% of this host's RAM).
      shm_size_gb: Size of `/dev/shm` (default half the memory).
      image_profile: `full` (the deep-learning stack) or `slim` (scikit-learn and boosting).
      description: `original` or `obfuscated` (upstream's rewritten descriptions).
      internet: Give the agent's container internet access.
      known_issues: `include`, `flag` (mark samples of competitions with a score-affecting known issue) or `exclude`.
      sandbox: `docker` (the `mlebench_docker` provider) or `k8s`.
      build_images: Build missing agent/validator images while the task is built.
      agent_image: An agent image to use as is instead of the project's.
      synthetic_size: Roughly how many training items synthetic data has.
      k8s_data_pvc: Kubernetes: the read-only PersistentVolumeClaim holding the data dir.
      k8s_image_registry: Kubernetes: the registry the images were pushed to.
      grading_mode: `upstream` (valid exactly where upstream's grader is; its leniencies are warnings) or `strict`.
      competitions_dir: A folder of your own competitions to add to the registry.
      solver: The agent (default `mle_react`); on the command line use `--solver`.
    """
    return build_task(**locals())


def fixed_task(name: str, doc: str, **fixed: Any) -> Callable[..., Task]:
    """A task registered as `name` that is `mlebench` with `fixed` set (and `split`/`competitions` not offered):
    it takes `mlebench`'s other parameters, declared once there, so they never drift apart."""
    shared = inspect.signature(mlebench)
    hidden = {"split", "competitions", *fixed}

    def fixed_mlebench(**params: Any) -> Task:
        return build_task(**fixed, **params, dataset_name=name)

    fixed_mlebench.__name__ = fixed_mlebench.__qualname__ = name
    fixed_mlebench.__doc__ = doc
    # Inspect reads a task's parameters (for -T and the log's task_args) with inspect.signature, which honours this
    fixed_mlebench.__signature__ = shared.replace(  # type: ignore[attr-defined]
        parameters=[p for p in shared.parameters.values() if p.name not in hidden]
    )
    return task(name=name)(fixed_mlebench)


mlebench_lite = fixed_task(
    "mlebench_lite", "MLE-bench Lite: the 22 low-complexity competitions (upstream's `low` split).", split="lite"
)


@task
def mlebench_demo(
    competitions: str | list[str] | None = None,
    time_limit_hours: float = 0.25,
    image_profile: ImageProfile = "slim",
    data_dir: str | None = None,
    gpus: int | Literal["auto"] = 0,
    cpus: float | None = None,
    memory_gb: float | None = 4.0,
    build_images: bool = True,
    synthetic_size: int = 200,
    solver: Solver | Agent | None = None,
) -> Task:
    """A few Lite competitions on synthetic data, with the scripted `mlebench/baseline` model as default model:
    the whole pipeline offline, with no API key and no Kaggle account, in minutes.

    Args:
      competitions: Competition ids (default: three Lite ones, two tabular and one image competition).
      time_limit_hours: The agent's wall-clock budget.
      image_profile: `slim` (default) or `full`.
      data_dir: Where the synthetic data is generated (default the cache's `synthetic/` subdir).
      gpus: GPUs per sample (default 0).
      cpus: CPU quota of the agent's container.
      memory_gb: Memory limit of the agent's container.
      build_images: Build missing images while the task is built.
      synthetic_size: Roughly how many training items the synthetic data has.
      solver: The agent (default `mle_react`).
    """
    return build_task(
        competitions=competitions or list(DEMO_COMPETITIONS),
        data="synthetic",
        model=DEMO_MODEL,
        dataset_name="mlebench_demo",
        **{k: v for k, v in locals().items() if k != "competitions"},
    )
