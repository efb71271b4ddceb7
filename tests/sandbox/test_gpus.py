"""GPU detection from recorded nvidia-smi and docker output, `gpus="auto"`, and the lease pool that keeps
concurrent samples off each other's GPUs."""

from __future__ import annotations

import json
import logging
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest

from inspect_mlebench.sandbox.gpus import (
    NVIDIA_HOOK,
    NVIDIA_SMI_COMMAND,
    GpuInfo,
    GpuLeasePool,
    detect_gpus,
    docker_has_nvidia_runtime,
    parse_nvidia_smi,
    resolve_gpus,
)

FIXTURES = Path(__file__).parent / "fixtures" / "nvidia_smi"

Run = Callable[..., "subprocess.CompletedProcess[str]"]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def fake_run(
    *, smi: tuple[int, str, str] | BaseException | None = None, docker: tuple[int, str] | BaseException | None = None
) -> tuple[Run, list[list[str]]]:
    """A `subprocess.run` stand-in answering nvidia-smi and `docker info`; None means the program is missing."""
    calls: list[list[str]] = []

    def run(argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        assert kwargs.get("check") is False
        assert kwargs.get("timeout")
        answer: tuple[int, str, str] | BaseException | None
        if argv[0] == "nvidia-smi":
            answer = smi
        else:
            answer = None if docker is None else docker if isinstance(docker, BaseException) else (*docker, "")
        if answer is None:
            raise FileNotFoundError(2, "No such file or directory", argv[0])
        if isinstance(answer, BaseException):
            raise answer
        code, out, err = answer
        return subprocess.CompletedProcess(argv, code, out, err)

    return run, calls


def no_hook(_: str) -> str | None:
    return None


def docker_info(**fields: Any) -> tuple[int, str]:
    info = {"ServerVersion": "27.5.1", "DefaultRuntime": "runc", "Runtimes": {"runc": {"path": "runc"}}} | fields
    return 0, json.dumps(info) + "\n"


NVIDIA_RUNTIMES = {"runc": {"path": "runc"}, "nvidia": {"path": "nvidia-container-runtime"}}


# --- nvidia-smi parsing ---------------------------------------------------------------------------------------


def test_parse_one_a10() -> None:
    assert parse_nvidia_smi(fixture("a10_x1.csv")) == [
        GpuInfo(
            index=0,
            name="NVIDIA A10",
            memory_total_mib=23028,
            memory_used_mib=1,
            utilization_pct=0,
            driver_version="535.183.01",
        )
    ]
    assert parse_nvidia_smi(fixture("a10_x1.csv"))[0].describe() == "GPU 0: NVIDIA A10, 22.5 GB"


def test_parse_eight_h100_with_a_mig_gpu() -> None:
    gpus = parse_nvidia_smi(fixture("h100_x8.csv"))
    assert [g.index for g in gpus] == list(range(8))
    assert {g.name for g in gpus} == {"NVIDIA H100 80GB HBM3"}
    assert {g.memory_total_gb for g in gpus} == {79.6}
    assert gpus[2].memory_used_mib == 71234
    assert gpus[2].utilization_pct == 98
    assert gpus[7].utilization_pct is None  # "[N/A]" in MIG mode
    assert {g.driver_version for g in gpus} == {"550.54.15"}


def test_parse_no_gpus() -> None:
    assert parse_nvidia_smi("") == []
    assert parse_nvidia_smi("\n\n") == []


def test_parse_unreported_fields_and_commas_in_names() -> None:
    (gpu,) = parse_nvidia_smi("3, Tesla K80, Rev. B, [N/A], [Not Supported], [N/A], [N/A]\n")
    assert gpu == GpuInfo(3, "Tesla K80, Rev. B", None, None, None, None)
    assert gpu.memory_total_gb is None
    assert gpu.describe() == "GPU 3: Tesla K80, Rev. B"


@pytest.mark.parametrize("text", ["0, NVIDIA A10, 23028\n", "x, NVIDIA A10, 23028, 1, 0, 535.183.01\n"])
def test_parse_rejects_malformed_lines(text: str) -> None:
    with pytest.raises(ValueError, match="nvidia-smi line 1"):
        parse_nvidia_smi(text)


# --- detect_gpus ----------------------------------------------------------------------------------------------


def test_detect_runs_the_documented_query() -> None:
    run, calls = fake_run(smi=(0, fixture("h100_x8.csv"), ""))
    assert len(detect_gpus(run)) == 8
    assert calls == [list(NVIDIA_SMI_COMMAND)]
    assert calls[0][1] == "--query-gpu=index,name,memory.total,memory.used,utilization.gpu,driver_version"
    assert calls[0][2] == "--format=csv,noheader,nounits"


@pytest.mark.parametrize(
    "smi",
    [
        None,  # no nvidia-smi
        (6, fixture("no_devices.stdout"), ""),
        (9, "", fixture("no_driver.stderr")),
        subprocess.TimeoutExpired(["nvidia-smi"], 30),
        PermissionError(13, "Permission denied"),
    ],
    ids=["missing", "no-devices", "no-driver", "timeout", "not-executable"],
)
def test_detect_without_usable_gpus_is_empty(smi: tuple[int, str, str] | BaseException | None) -> None:
    run, _ = fake_run(smi=smi)
    assert detect_gpus(run) == []


def test_detect_ignores_unexpected_output_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    run, _ = fake_run(smi=(0, fixture("no_devices.stdout"), ""))
    with caplog.at_level(logging.WARNING, logger="inspect_mlebench.sandbox.gpus"):
        assert detect_gpus(run) == []
    assert "unparseable nvidia-smi output" in caplog.text


# --- docker_has_nvidia_runtime ---------------------------------------------------------------------------------


def test_nvidia_runtime_listed() -> None:
    run, calls = fake_run(docker=docker_info(Runtimes=NVIDIA_RUNTIMES))
    assert docker_has_nvidia_runtime(run, no_hook) is True
    assert calls == [["docker", "info", "--format", "{{json .}}"]]


def test_plain_engine_has_no_nvidia_runtime() -> None:
    run, _ = fake_run(docker=docker_info())
    assert docker_has_nvidia_runtime(run, no_hook) is False


def test_cdi_discovered_gpus_count() -> None:
    devices = [{"Source": "cdi", "ID": "nvidia.com/gpu=0"}, {"Source": "cdi", "ID": "nvidia.com/gpu=all"}]
    run, _ = fake_run(docker=docker_info(DiscoveredDevices=devices, CDISpecDirs=["/etc/cdi", "/var/run/cdi"]))
    assert docker_has_nvidia_runtime(run, no_hook) is True
    other = [{"Source": "cdi", "ID": "vendor.com/fpga=0"}]
    run, _ = fake_run(docker=docker_info(DiscoveredDevices=other))
    assert docker_has_nvidia_runtime(run, no_hook) is False


def test_toolkit_hook_without_a_registered_runtime_counts() -> None:
    run, _ = fake_run(docker=docker_info())
    assert docker_has_nvidia_runtime(run, lambda name: f"/usr/bin/{name}" if name == NVIDIA_HOOK else None)


@pytest.mark.parametrize(
    "docker",
    [None, (1, "Cannot connect to the Docker daemon"), (0, "not json"), (0, "[]")],
    ids=["no-cli", "no-daemon", "garbage", "not-an-object"],
)
def test_no_engine_means_no_runtime(docker: tuple[int, str] | None) -> None:
    run, _ = fake_run(docker=docker)
    # Even with the hook installed: no engine, no container.
    assert docker_has_nvidia_runtime(run, lambda _: "/usr/bin/hook") is False


# --- resolve_gpus -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("requested", [0, 1, 8])
def test_explicit_count_is_kept_and_probes_nothing(requested: int) -> None:
    run, calls = fake_run()
    assert resolve_gpus(requested, run=run, which=no_hook) == (requested, None)
    assert calls == []


@pytest.mark.parametrize("requested", [-1, True, 1.5, "two"])
def test_invalid_request(requested: Any) -> None:
    with pytest.raises(ValueError, match="gpus must be"):
        resolve_gpus(requested)


def test_auto_with_gpu_and_runtime_is_one() -> None:
    run, _ = fake_run(smi=(0, fixture("h100_x8.csv"), ""), docker=docker_info(Runtimes=NVIDIA_RUNTIMES))
    assert resolve_gpus("auto", run=run, which=no_hook) == (1, None)


@pytest.mark.parametrize(
    ("smi", "docker", "reason"),
    [
        (None, None, "nvidia-smi found no GPU and Docker has no NVIDIA runtime"),
        ((6, fixture("no_devices.stdout"), ""), docker_info(Runtimes=NVIDIA_RUNTIMES), "nvidia-smi found no GPU;"),
        ((0, fixture("a10_x1.csv"), ""), docker_info(), "1 GPU(s) found but Docker has no NVIDIA runtime"),
    ],
    ids=["neither", "no-gpu", "no-runtime"],
)
def test_auto_without_a_usable_gpu_is_zero_with_a_warning(
    smi: tuple[int, str, str] | None, docker: tuple[int, str] | None, reason: str
) -> None:
    run, _ = fake_run(smi=smi, docker=docker)
    count, warning = resolve_gpus("auto", run=run, which=no_hook)
    assert count == 0
    assert warning is not None
    assert warning.startswith("gpus='auto': ")
    assert reason in warning
    assert "without a GPU" in warning


# --- GpuLeasePool -----------------------------------------------------------------------------------------------


async def wait_until(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    with anyio.fail_after(timeout):
        while not predicate():
            await anyio.sleep(0.001)


def test_three_samples_on_two_gpus_never_share_and_the_third_waits() -> None:
    async def main() -> None:
        pool = GpuLeasePool([0, 1])
        held: dict[str, int] = {}
        overlaps: list[set[int]] = []
        done = {name: anyio.Event() for name in "abc"}

        async def sample(name: str) -> None:
            async with pool.lease(1) as (index,):
                assert index not in held.values(), f"{name} got GPU {index}, already held: {held}"
                held[name] = index
                overlaps.append(set(held.values()))
                await done[name].wait()
                del held[name]

        async with anyio.create_task_group() as tg:
            tg.start_soon(sample, "a")
            tg.start_soon(sample, "b")
            await wait_until(lambda: len(held) == 2)
            assert sorted(held.values()) == [0, 1]
            assert pool.free == 0
            tg.start_soon(sample, "c")
            await anyio.sleep(0.05)
            assert "c" not in held  # blocked: no GPU free
            freed = held["a"]
            done["a"].set()
            await wait_until(lambda: "c" in held)
            assert held["c"] == freed
            assert len(set(held.values())) == 2
            done["b"].set()
            done["c"].set()
        assert pool.free == 2
        assert all(len(s) == len(set(s)) for s in overlaps)

    anyio.run(main)


def test_released_on_error() -> None:
    async def main() -> None:
        pool = GpuLeasePool([4, 7])
        seen: list[tuple[int, ...]] = []

        async def crashing_sample() -> None:
            async with pool.lease(2) as indices:
                seen.append(indices)
                assert pool.free == 0
                raise RuntimeError("agent crashed")

        with pytest.raises(RuntimeError, match="agent crashed"):
            await crashing_sample()
        assert seen == [(4, 7)]
        assert pool.free == 2

    anyio.run(main)


def test_released_on_cancellation_and_cancelled_waiters_leave_the_line() -> None:
    async def main() -> None:
        pool = GpuLeasePool([0])
        holding = anyio.Event()

        async def holder() -> None:
            async with pool.lease(1):
                holding.set()
                await anyio.sleep_forever()

        async with anyio.create_task_group() as tg:
            tg.start_soon(holder)
            await holding.wait()
            with anyio.move_on_after(0.05):
                await pool.acquire(1)  # waits, then is cancelled
            assert pool.free == 0
            tg.cancel_scope.cancel()
        assert pool.free == 1
        # Nobody is left in line: the next request is served at once.
        with anyio.fail_after(1):
            assert await pool.acquire(1) == (0,)

    anyio.run(main)


def test_first_come_first_served() -> None:
    """A two-GPU sample is not overtaken by a one-GPU sample that arrived later."""

    async def main() -> None:
        pool = GpuLeasePool([0, 1])
        order: list[str] = []
        first = await pool.acquire(1)

        async def want(name: str, n: int) -> None:
            leased = await pool.acquire(n)
            order.append(name)
            await pool.release(leased)

        async with anyio.create_task_group() as tg:
            tg.start_soon(want, "two", 2)
            await anyio.sleep(0.02)
            tg.start_soon(want, "one-later", 1)
            await anyio.sleep(0.05)
            assert order == []  # one GPU is free, but "one-later" queues behind "two"
            await pool.release(first)
        assert order == ["two", "one-later"]

    anyio.run(main)


def test_acquire_and_release_for_provider_hooks() -> None:
    async def main() -> None:
        pool = GpuLeasePool([2, 0, 1])
        assert pool.size == 3
        a = await pool.acquire(2)
        b = await pool.acquire(1)
        assert a == (0, 1)
        assert b == (2,)
        assert await pool.acquire(0) == ()
        await pool.release(a)
        with pytest.raises(ValueError, match="released twice"):
            await pool.release(a)
        with pytest.raises(ValueError, match="do not belong"):
            await pool.release((9,))
        await pool.release(b)
        assert pool.free == 3

    anyio.run(main)


def test_impossible_requests_fail_at_once() -> None:
    async def main() -> None:
        pool = GpuLeasePool([0, 1])
        with pytest.raises(ValueError, match="cannot lease 3"):
            await pool.acquire(3)
        with pytest.raises(ValueError, match="cannot lease -1"):
            await pool.acquire(-1)

    anyio.run(main)
    with pytest.raises(ValueError, match="distinct"):
        GpuLeasePool([0, 0])
    with pytest.raises(ValueError, match="non-negative"):
        GpuLeasePool([-1])
