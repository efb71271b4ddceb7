"""The steps that build a task, each one job: the hardware setting, data preparation, images, and one sample per
competition with its sandbox. `task.build_task` runs them in order; everything slow or fallible happens here, before
any sample starts, so none of it is charged to an agent's budget."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Literal

from inspect_ai.dataset import Sample
from inspect_ai.util import SandboxEnvironmentSpec

from inspect_mlebench.config import Competition, competition_origin
from inspect_mlebench.grading.leniency import GRADING_MODE_KEY, GradingMode
from inspect_mlebench.prompt import Setting, instructions
from inspect_mlebench.sandbox.layout import SUBMISSION_PATH
from inspect_mlebench.sandbox.provider import GPU_COUNT_KEY, UNPREPARED_KEY
from inspect_mlebench.solvers.budget import TIME_LIMIT_KEY
from inspect_mlebench.task_params import (
    CheckedParams,
    DataSource,
    ImageProfile,
    PreparePolicy,
    SandboxKind,
    TaskConfigError,
)

logger = logging.getLogger(__name__)

BASE_IMAGE_ENV = "INSPECT_MLEBENCH_BASE_IMAGE"
DOWNLOAD_WHEELS_ENV = "INSPECT_MLEBENCH_DOWNLOAD_WHEELS"
COMPETITIONS_DIR_KEY = "competitions_dir"


def prepare_data(
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


def obfuscated_description(comp: Competition) -> Path:
    from inspect_mlebench.data.upstream_files.descriptions import description_cache_path, fetch_description
    from inspect_mlebench.data.upstream_files.fetch import UpstreamFetchError

    try:
        fetch_description(comp, obfuscated=True)
    except UpstreamFetchError as err:
        raise TaskConfigError(
            f"description='obfuscated' needs upstream's obfuscated description of {comp.id}, which is not cached: {err}"
        ) from err
    return description_cache_path(comp, obfuscated=True)


def resolve_images(profile: ImageProfile, agent_image: str | None, build: bool) -> tuple[str, str]:
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


def gpu_name(count: int) -> str | None:
    if count == 0:
        return None
    from inspect_mlebench.sandbox.gpus import detect_gpus

    found = detect_gpus()
    return found[0].name if found else None


def make_sample(
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


def sandbox_spec(
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


def resolve_setting(params: CheckedParams, gpus: int | Literal["auto"]) -> tuple[Setting, str | None]:
    """The hardware and time every agent is told about and gets, and a warning when fewer GPUs are available than
    asked: GPUs resolved against the host, CPU and memory limits defaulting to the host's share."""
    from inspect_mlebench.sandbox.gpus import resolve_gpus
    from inspect_mlebench.sandbox.hardware import default_limits
    from inspect_mlebench.util import host_cpus

    gpu_count, gpu_warning = resolve_gpus(gpus)
    if gpu_warning:
        logger.warning(gpu_warning)
    limits = default_limits()
    cpus = min(params.cpus, float(host_cpus())) if params.cpus is not None else limits.cpus
    memory = params.memory_gb if params.memory_gb is not None else limits.memory_gb
    if params.shm_size_gb is not None:
        shm = params.shm_size_gb
    else:
        shm = limits.shm_size_gb if params.memory_gb is None else memory / 2
    setting = Setting(
        time_limit_s=params.time_limit_hours * 3600,
        gpus=gpu_count,
        gpu_name=gpu_name(gpu_count),
        cpus=cpus,
        memory_gb=memory,
        shm_size_gb=shm,
        internet=params.internet,
    )
    return setting, gpu_warning
