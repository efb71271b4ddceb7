"""The Inspect tasks: `mlebench` (any split or list of competitions), `mlebench_lite`, `mlebench_demo`.

Everything slow or fallible that does not belong in the agent's budget happens here, when the task is built and
before any sample starts: data preparation (`prepare="auto"`), image builds, GPU detection, compose files.
A competition whose data cannot be made ready does not stop the others: its sample fails at sandbox start with
the reason and the command that fixes it.
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import platform
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from inspect_ai import Epochs, Task, task
from inspect_ai.agent import Agent
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.log import HeadlineMetric
from inspect_ai.solver import Solver
from inspect_ai.util import SandboxEnvironmentSpec

from inspect_mlebench._version import UPSTREAM_COMMIT, __version__
from inspect_mlebench.config import (
    Competition,
    RegistryError,
    add_competitions_dir,
    competition_origin,
    get_competition,
    load_split,
)
from inspect_mlebench.data.paths import resolve_data_dir, synthetic_data_dir
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GRADING_MODE_KEY, GradingMode, check_mode
from inspect_mlebench.prompt import Setting, instructions
from inspect_mlebench.sandbox.layout import SUBMISSION_PATH
from inspect_mlebench.sandbox.provider import GPU_COUNT_KEY, UNPREPARED_KEY
from inspect_mlebench.scoring.medal_metrics import mlebench_seeds
from inspect_mlebench.scoring.scorer import mlebench_scorer
from inspect_mlebench.solvers.budget import TIME_LIMIT_KEY
from inspect_mlebench.solvers.context import publish_metadata

logger = logging.getLogger(__name__)

DataSource = Literal["kaggle", "synthetic"]
PreparePolicy = Literal["auto", "never"]
ImageProfile = Literal["slim", "full"]
DescriptionVariant = Literal["original", "obfuscated"]
KnownIssuesPolicy = Literal["include", "flag", "exclude"]
SandboxKind = Literal["docker", "k8s"]

DEMO_COMPETITIONS = (
    "tabular-playground-series-may-2022",  # tabular, probabilities (ROC AUC): a real model
    "nomad2018-predict-transparent-conductors",  # tabular regression, two targets (RMSLE): a real model
    "aerial-cactus-identification",  # images: the baseline falls back to the sample submission
)
DEMO_MODEL = "mlebench/baseline"
BASE_IMAGE_ENV = "INSPECT_MLEBENCH_BASE_IMAGE"
DOWNLOAD_WHEELS_ENV = "INSPECT_MLEBENCH_DOWNLOAD_WHEELS"
COMPETITIONS_DIR_KEY = "competitions_dir"


class TaskConfigError(MLEBenchError, ValueError):
    """A task parameter is invalid; the message is one line and says what to pass instead."""


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise TaskConfigError(f"{name}={value!r} is not one of {', '.join(allowed)}")


_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def _flag(name: str, value: Any) -> bool:
    """A boolean parameter, strictly: `-T internet=false` arrives as the string "false", which `bool()` makes True."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise TaskConfigError(f"{name}={value!r} is not a boolean; pass true or false")


def _positive(name: str, value: Any, *, at_most: float | None = None, unit: str = "") -> float:
    """A finite number > 0 (strings from `-T` included), and no more than `at_most` where the host sets a limit."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TaskConfigError(f"{name}={value!r} is not a number; pass a positive number{unit}") from None
    if not (math.isfinite(number) and number > 0):
        raise TaskConfigError(f"{name}={value!r} must be a finite number greater than 0{unit}")
    if at_most is not None and number > at_most:
        raise TaskConfigError(f"{name}={value!r} is more than this host has ({at_most:g}{unit}); pass at most that")
    return number


def _whole(name: str, value: Any) -> int:
    """A whole number >= 1 (an int, or its digits as `-T` passes them)."""
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise TaskConfigError(f"{name}={value!r} is not a whole number; pass one of at least 1")
    if int(value) < 1:
        raise TaskConfigError(f"{name}={value!r} must be at least 1")
    return int(value)


def competition_ids(split: str, competitions: str | list[str] | None) -> list[str]:
    """`competitions` (a list, or a comma-separated string as `-T competitions=a,b` gives) wins over `split`."""
    if competitions:
        names = competitions.split(",") if isinstance(competitions, str) else list(competitions)
        ids = [n.strip() for n in names if n.strip()]
        for cid in ids:
            get_competition(cid)  # RegistryError: unknown id, with the nearest names
        return list(dict.fromkeys(ids))
    return load_split(split)


def _select(comps: list[Competition], policy: KnownIssuesPolicy) -> tuple[list[Competition], list[str]]:
    if policy != "exclude":
        return comps, []
    kept = [c for c in comps if not c.score_affecting_issues]
    return kept, [c.id for c in comps if c.score_affecting_issues]


def _prepare(
    comps: list[Competition], data: DataSource, root: Path, policy: PreparePolicy, size: int
) -> dict[str, str]:
    """Make the data ready where possible; returns, per competition that is still not ready, why and the fix."""
    from inspect_mlebench.data.acquire import PrepareOptions, is_ready, prepare_competitions
    from inspect_mlebench.data.prepare import PreparationError

    synthetic = data == "synthetic"
    flag = " --synthetic" if synthetic else ""
    missing = [c for c in comps if not is_ready(c, root, verify=False)]
    if not missing:
        return {}
    fix = {c.id: f"inspect-mlebench prepare -c {c.id}{flag} --data-dir {root}" for c in missing}
    if policy == "never":
        return {
            cid: f"competition '{cid}' is not prepared in {root} (prepare=never); run `{cmd}`"
            for cid, cmd in fix.items()
        }
    opts = PrepareOptions(data_dir=root, synthetic=synthetic, size=size)
    try:
        outcomes = prepare_competitions([c.id for c in missing], opts)
    except PreparationError as err:
        return {cid: f"competition '{cid}' could not be prepared: {err}; then run `{cmd}`" for cid, cmd in fix.items()}
    problems: dict[str, str] = {}
    for outcome in outcomes:
        if outcome.status == "failed":
            problems[outcome.competition_id] = (
                f"competition '{outcome.competition_id}' could not be prepared: {outcome.detail}; "
                f"fix that and run `{fix[outcome.competition_id]}`"
            )
        elif outcome.status == "incomplete":
            logger.warning("%s: %s", outcome.competition_id, outcome.detail)
    if synthetic:  # medals and percentiles on synthetic data, from a generated leaderboard labelled as such
        from inspect_mlebench.grading.synthetic_leaderboard import ensure_synthetic_leaderboards

        for cid, note in ensure_synthetic_leaderboards([c.id for c in comps], root).items():
            logger.info("%s: %s", cid, note)
    return problems


def _obfuscated_description(comp: Competition) -> Path:
    from inspect_mlebench.data.upstream_files.descriptions import description_cache_path, fetch_description
    from inspect_mlebench.data.upstream_files.fetch import UpstreamFetchError

    try:
        fetch_description(comp, obfuscated=True)
    except UpstreamFetchError as err:
        raise TaskConfigError(
            f"description='obfuscated' needs upstream's obfuscated description of {comp.id}, which is not cached: {err}"
        ) from err
    return description_cache_path(comp, obfuscated=True)


def _images(profile: ImageProfile, agent_image: str | None, build: bool) -> tuple[str, str]:
    """The agent and validator image references; with `build`, missing ones are built first."""
    from inspect_mlebench.sandbox import images

    if build:
        images.ensure_images(
            profile=profile,
            base_image=os.environ.get(BASE_IMAGE_ENV) or images.DEFAULT_BASE_IMAGE,
            download=os.environ.get(DOWNLOAD_WHEELS_ENV) == "1",
            agent=agent_image is None,
        )
    return agent_image or images.agent_image(profile), images.validator_image()


def _gpu_name(count: int) -> str | None:
    if count == 0:
        return None
    from inspect_mlebench.sandbox.gpus import detect_gpus

    found = detect_gpus()
    return found[0].name if found else None


def _sample(
    comp: Competition,
    setting: Setting,
    *,
    data_root: Path,
    sandbox_spec: SandboxEnvironmentSpec,
    unprepared: str | None,
    flag_issues: bool,
    grading_mode: GradingMode,
) -> Sample:
    metadata: dict[str, Any] = {
        "competition_id": comp.id,
        "competition_name": comp.name,
        "complexity": comp.complexity,
        "category": comp.category,
        "metric": comp.grading.title,
        "direction": comp.grading.direction,
        "known_issues": [issue.model_dump() for issue in comp.known_issues],
        "known_issues_flagged": [i.id for i in comp.score_affecting_issues] if flag_issues else [],
        TIME_LIMIT_KEY: setting.time_limit_s,
        "data_dir": str(data_root),
        "submission_path": SUBMISSION_PATH,
        GRADING_MODE_KEY: grading_mode,
        "hardware": {
            "gpus": setting.gpus,
            "gpu_name": setting.gpu_name,
            "cpus": setting.cpus,
            "memory_gb": setting.memory_gb,
            "shm_size_gb": setting.shm_size_gb,
        },
        "internet": setting.internet,
        GPU_COUNT_KEY: setting.gpus,
    }
    if (origin := competition_origin(comp.id)) is not None:
        # a user's own competition: the scorer (also under a later `inspect score`) loads it from here
        metadata[COMPETITIONS_DIR_KEY] = str(origin)
    if unprepared:
        metadata[UNPREPARED_KEY] = unprepared
    return Sample(id=comp.id, input=instructions(comp, setting), metadata=metadata, sandbox=sandbox_spec)


def _sandbox_spec(
    comp: Competition,
    kind: SandboxKind,
    options: Any,
    data_root: Path,
    description_file: Path | None,
    k8s_data_pvc: str | None,
    k8s_image_registry: str | None,
) -> SandboxEnvironmentSpec:
    if kind == "docker":
        from inspect_mlebench.sandbox.compose import write_compose

        path = write_compose(comp, data_root, options, check_data=False, description=description_file)
        return SandboxEnvironmentSpec("mlebench_docker", str(path))
    from inspect_mlebench.sandbox.k8s import write_k8s_values

    if not k8s_data_pvc:
        raise TaskConfigError("sandbox='k8s' needs k8s_data_pvc: the PersistentVolumeClaim holding the data dir")
    if description_file is not None:
        raise TaskConfigError("description='obfuscated' is not supported with sandbox='k8s' yet; use docker")
    values = write_k8s_values(comp, options, data_pvc=k8s_data_pvc, image_registry=k8s_image_registry)
    return SandboxEnvironmentSpec("k8s", str(values))


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
    _choice("data", data, ("kaggle", "synthetic"))
    _choice("prepare", prepare, ("auto", "never"))
    _choice("image_profile", image_profile, ("slim", "full"))
    _choice("description", description, ("original", "obfuscated"))
    _choice("known_issues", known_issues, ("include", "flag", "exclude"))
    _choice("sandbox", sandbox, ("docker", "k8s"))
    try:
        mode = check_mode(grading_mode)
    except ValueError as err:
        raise TaskConfigError(f"grading_mode: {err}") from err
    time_limit_hours = _positive("time_limit_hours", time_limit_hours, unit=" of hours")
    internet = _flag("internet", internet)
    build_images = _flag("build_images", build_images)
    synthetic_size = _whole("synthetic_size", synthetic_size)

    from inspect_mlebench.sandbox.compose import SandboxOptions
    from inspect_mlebench.sandbox.gpus import resolve_gpus
    from inspect_mlebench.sandbox.hardware import default_limits, host_cpus, host_memory_gb

    on_this_host = sandbox == "docker"  # k8s pods run on cluster nodes, whose size this host cannot see
    if cpus is not None:
        cpus = _positive("cpus", cpus, unit=" of CPUs")
    if memory_gb is not None:
        memory_gb = _positive(
            "memory_gb", memory_gb, at_most=round(host_memory_gb(), 1) if on_this_host else None, unit=" GB"
        )
    if shm_size_gb is not None:
        shm_size_gb = _positive("shm_size_gb", shm_size_gb, unit=" GB")

    own_folder = None
    if competitions_dir:
        try:
            own_folder = add_competitions_dir(competitions_dir)
        except RegistryError as err:
            raise TaskConfigError(str(err)) from err
    comps, excluded = _select([get_competition(c) for c in competition_ids(split, competitions)], known_issues)
    if not comps:
        raise TaskConfigError("no competitions left to run (all were excluded by known_issues='exclude')")
    data_root = (synthetic_data_dir(data_dir) if data == "synthetic" else resolve_data_dir(data_dir)).resolve()

    gpu_count, gpu_warning = resolve_gpus(gpus)
    if gpu_warning:
        logger.warning(gpu_warning)
    limits = default_limits()
    cpu_quota = min(float(cpus), float(host_cpus())) if cpus is not None else limits.cpus
    memory = float(memory_gb) if memory_gb is not None else limits.memory_gb
    shm = float(shm_size_gb) if shm_size_gb is not None else (limits.shm_size_gb if memory_gb is None else memory / 2)
    setting = Setting(
        time_limit_s=float(time_limit_hours) * 3600,
        gpus=gpu_count,
        gpu_name=_gpu_name(gpu_count),
        cpus=cpu_quota,
        memory_gb=memory,
        shm_size_gb=shm,
        internet=bool(internet),
    )

    problems = _prepare(comps, data, data_root, prepare, synthetic_size)
    agent_ref, validator_ref = _images(image_profile, agent_image, build_images and sandbox == "docker")
    options = SandboxOptions(
        gpus=gpu_count,
        gpu_ids_from_metadata=gpu_count > 0 and sandbox == "docker",
        cpus=cpu_quota,
        memory_gb=memory,
        shm_size_gb=shm,
        internet=bool(internet),
        agent_image=agent_ref,
        validator_image=validator_ref,
        grading_mode=mode,
    )
    obfuscate = description == "obfuscated" and data == "kaggle"
    samples = [
        _sample(
            comp,
            setting,
            data_root=data_root,
            sandbox_spec=_sandbox_spec(
                comp,
                sandbox,
                options,
                data_root,
                _obfuscated_description(comp) if obfuscate and comp.id not in problems else None,
                k8s_data_pvc,
                k8s_image_registry,
            ),
            unprepared=problems.get(comp.id),
            flag_issues=known_issues == "flag",
            grading_mode=mode,
        )
        for comp in comps
    ]
    disclosure = {
        "inspect_mlebench_version": __version__,
        "upstream_commit": UPSTREAM_COMMIT,
        "split": None if competitions else split,
        "competitions": [c.id for c in comps],
        "excluded_by_known_issues": excluded,
        "data": data,
        "data_dir": str(data_root),
        "time_limit_hours": float(time_limit_hours),
        "hardware": {
            "gpus": gpu_count,
            "gpu_name": setting.gpu_name,
            "gpus_requested": gpus,
            "gpu_note": gpu_warning,
            "cpus": cpu_quota,
            "memory_gb": memory,
            "shm_size_gb": shm,
            "host": platform.node(),
        },
        "internet": bool(internet),
        "image_profile": image_profile,
        "images": {"agent": agent_ref, "validator": validator_ref},
        "description": "synthetic" if data == "synthetic" else description,
        "known_issues_policy": known_issues,
        "known_issues": {c.id: [f"{i.kind}:{i.id}" for i in c.known_issues] for c in comps if c.known_issues},
        "sandbox": sandbox,
        "unprepared": sorted(problems),
        # upstream: valid exactly where upstream's grader is (its leniencies are warnings); strict: those are invalid
        "grading_mode": mode,
        "competitions_dir": str(own_folder) if own_folder else None,
        "own_competitions": [c.id for c in comps if competition_origin(c.id) is not None],
    }
    return Task(
        dataset=MemoryDataset(samples, name=dataset_name or f"mlebench_{'custom' if competitions else split}"),
        setup=publish_metadata(),
        solver=solver if solver is not None else default_solver(),
        scorer=mlebench_scorer(data_dir=str(data_root), grading_mode=mode),
        epochs=Epochs(1, [mlebench_seeds()]),
        time_limit=max(1, round(setting.time_limit_s)),
        # An agent that crashes (or whose model API fails) after hours of work is still graded on what it wrote.
        score_on_error=True,
        metadata={"mlebench": disclosure},
        headline_metric=HeadlineMetric(scorer="mlebench_scorer", metric="any_medal"),
        version=__version__,
        model=model,
    )


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
    medal rules. See the README for every parameter."""
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
    the whole pipeline offline, with no API key and no Kaggle account, in minutes."""
    return build_task(
        competitions=competitions or list(DEMO_COMPETITIONS),
        data="synthetic",
        model=DEMO_MODEL,
        dataset_name="mlebench_demo",
        **{k: v for k, v in locals().items() if k != "competitions"},
    )
