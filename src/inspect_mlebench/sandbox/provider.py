"""`mlebench_docker`: Inspect's docker sandbox plus a per-sample GPU lease.

Docker does no GPU scheduling: two concurrent containers asking for one GPU both get GPU 0. This provider hands each
sample distinct GPU indices from a process-wide pool before its compose project starts (filling the
`device_ids` placeholders of a compose file rendered with `gpu_ids_from_metadata=True`) and returns them when the
sample is cleaned up, so samples wait for a free GPU instead of silently sharing one.

The number of GPUs a sample needs comes from its metadata key `mlebench_gpus`. The pool's indices come from
`$INSPECT_MLEBENCH_GPU_INDICES` (e.g. "0,1,2,3") or, when unset, from `nvidia-smi`.
"""

from __future__ import annotations

import os
from typing import ClassVar

from inspect_ai.util import SandboxEnvironment, SandboxEnvironmentConfigType, sandboxenv

# A private module: Inspect exports no base class for docker-backed providers (pinned Inspect range in pyproject).
from inspect_ai.util._sandbox.docker.docker import DockerSandboxEnvironment

from inspect_mlebench.errors import CompetitionNotPreparedError
from inspect_mlebench.sandbox.compose import gpu_lease_metadata
from inspect_mlebench.sandbox.gpus import GpuLeasePool, detect_gpus

GPU_COUNT_KEY = "mlebench_gpus"
GPU_INDICES_ENV = "INSPECT_MLEBENCH_GPU_INDICES"
# Sample metadata set by the task when a competition's data is not ready: the sample fails at sandbox start with
# this message (what is missing and the command that fixes it) instead of a Docker mount error.
UNPREPARED_KEY = "mlebench_unprepared"


def _host_gpu_indices() -> list[int]:
    configured = os.environ.get(GPU_INDICES_ENV)
    if configured is not None:
        try:
            return [int(part) for part in configured.split(",") if part.strip()]
        except ValueError:
            raise ValueError(f"{GPU_INDICES_ENV}={configured!r}: expected comma-separated GPU indices") from None
    return [gpu.index for gpu in detect_gpus()]


def _key(environments: dict[str, SandboxEnvironment]) -> tuple[int, ...]:
    """Identifies a sample's environments between init and cleanup, even if the dict itself is copied."""
    return tuple(sorted(id(env) for env in environments.values()))


@sandboxenv(name="mlebench_docker")
class MlebenchDockerSandboxEnvironment(DockerSandboxEnvironment):
    _pool: ClassVar[GpuLeasePool | None] = None
    _leases: ClassVar[dict[tuple[int, ...], tuple[int, ...]]] = {}

    @classmethod
    def gpu_pool(cls) -> GpuLeasePool:
        if cls._pool is None:
            cls._pool = GpuLeasePool(_host_gpu_indices())
        return cls._pool

    @classmethod
    async def sample_init(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        metadata: dict[str, str],
    ) -> dict[str, SandboxEnvironment]:
        if unprepared := metadata.get(UNPREPARED_KEY):
            raise CompetitionNotPreparedError(unprepared)
        count = int(metadata.get(GPU_COUNT_KEY) or 0)
        if count == 0:
            return await super().sample_init(task_name, config, metadata)
        pool = cls.gpu_pool()
        leased = await pool.acquire(count)  # waits for free GPUs; fails at once if the host has too few
        try:
            environments = await super().sample_init(task_name, config, {**metadata, **gpu_lease_metadata(leased)})
        except BaseException:
            await pool.release(leased)
            raise
        cls._leases[_key(environments)] = leased
        return environments

    @classmethod
    async def sample_cleanup(
        cls,
        task_name: str,
        config: SandboxEnvironmentConfigType | None,
        environments: dict[str, SandboxEnvironment],
        interrupted: bool,
    ) -> None:
        try:
            await super().sample_cleanup(task_name, config, environments, interrupted)
        finally:
            leased = cls._leases.pop(_key(environments), None)
            if leased is not None:
                await cls.gpu_pool().release(leased)
