"""The `mlebench_docker` provider leases distinct GPUs to concurrent samples and returns them at cleanup.

Docker itself is replaced at the provider's parent class boundary (`DockerSandboxEnvironment.sample_init` and
`sample_cleanup`), so this runs without an engine or a GPU; what is checked is the wiring around it.
"""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from inspect_ai.util._sandbox.docker.docker import DockerSandboxEnvironment

from inspect_mlebench.sandbox.compose import gpu_lease_metadata
from inspect_mlebench.sandbox.gpus import GpuLeasePool
from inspect_mlebench.sandbox.provider import GPU_COUNT_KEY, MlebenchDockerSandboxEnvironment

Provider = MlebenchDockerSandboxEnvironment


@pytest.fixture
def fake_docker(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, str]]:
    """Record the metadata each sample's compose project would start with."""
    started: list[dict[str, str]] = []

    async def sample_init(cls: Any, task_name: str, config: Any, metadata: dict[str, str]) -> dict[str, Any]:
        started.append(metadata)
        await anyio.sleep(0)
        return {"default": object(), "validator": object()}

    async def sample_cleanup(cls: Any, task_name: str, config: Any, environments: Any, interrupted: bool) -> None:
        await anyio.sleep(0)

    monkeypatch.setattr(DockerSandboxEnvironment, "sample_init", classmethod(sample_init))
    monkeypatch.setattr(DockerSandboxEnvironment, "sample_cleanup", classmethod(sample_cleanup))
    monkeypatch.setattr(Provider, "_pool", GpuLeasePool([0, 1]))
    monkeypatch.setattr(Provider, "_leases", {})
    return started


def _leased(metadata: dict[str, str]) -> set[str]:
    keys = set(gpu_lease_metadata((0, 0, 0, 0)))
    return {value for key, value in metadata.items() if key in keys}


def test_concurrent_samples_get_distinct_gpus(fake_docker: list[dict[str, str]]) -> None:
    async def main() -> None:
        first = await Provider.sample_init("t", None, {GPU_COUNT_KEY: "1"})
        second = await Provider.sample_init("t", None, {GPU_COUNT_KEY: "1"})
        assert _leased(fake_docker[0]) | _leased(fake_docker[1]) == {"0", "1"}

        third_started = anyio.Event()

        async def third() -> None:
            envs = await Provider.sample_init("t", None, {GPU_COUNT_KEY: "1"})
            third_started.set()
            await Provider.sample_cleanup("t", None, envs, False)

        async with anyio.create_task_group() as tg:
            tg.start_soon(third)
            await anyio.sleep(0.05)
            assert not third_started.is_set(), "a third sample must wait: both GPUs are leased"
            await Provider.sample_cleanup("t", None, first, False)
            with anyio.fail_after(5):
                await third_started.wait()
        assert _leased(fake_docker[2]) == _leased(fake_docker[0])  # it got the GPU the first one returned
        await Provider.sample_cleanup("t", None, second, False)
        assert Provider.gpu_pool().free == 2

    anyio.run(main)


def test_samples_without_gpus_take_no_lease(fake_docker: list[dict[str, str]]) -> None:
    async def main() -> None:
        envs = await Provider.sample_init("t", None, {"other": "x"})
        assert fake_docker[0] == {"other": "x"}
        await Provider.sample_cleanup("t", None, envs, False)
        assert Provider.gpu_pool().free == 2

    anyio.run(main)


def test_failed_start_returns_the_lease(fake_docker: list[dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(cls: Any, task_name: str, config: Any, metadata: dict[str, str]) -> dict[str, Any]:
        raise RuntimeError("compose up failed")

    monkeypatch.setattr(DockerSandboxEnvironment, "sample_init", classmethod(broken))

    async def main() -> None:
        with pytest.raises(RuntimeError, match="compose up failed"):
            await Provider.sample_init("t", None, {GPU_COUNT_KEY: "2"})
        assert Provider.gpu_pool().free == 2

    anyio.run(main)


def test_gpu_indices_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_mlebench.sandbox.provider import GPU_INDICES_ENV, _host_gpu_indices

    monkeypatch.setenv(GPU_INDICES_ENV, "2,3")
    assert _host_gpu_indices() == [2, 3]
    monkeypatch.setenv(GPU_INDICES_ENV, "two")
    with pytest.raises(ValueError, match="comma-separated GPU indices"):
        _host_gpu_indices()
