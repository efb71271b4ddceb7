"""GPUs on the Docker host: what is there, whether containers can get it, and who holds which one.

Docker does no GPU scheduling: two containers that each reserve `count: 1` both get GPU 0. So concurrent samples
lease distinct indices from a `GpuLeasePool` and name them with `device_ids` in their compose file. Detection runs
`nvidia-smi` and `docker info` through an injectable `run`, so every branch is tested without a GPU.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Literal

import anyio

logger = logging.getLogger(__name__)

NVIDIA_SMI_QUERY = "index,name,memory.total,memory.used,utilization.gpu,driver_version"
NVIDIA_SMI_COMMAND = ("nvidia-smi", f"--query-gpu={NVIDIA_SMI_QUERY}", "--format=csv,noheader,nounits")
# The hook Docker's `--gpus` / device reservations call when no CDI spec is used; present with nvidia-container-toolkit.
NVIDIA_HOOK = "nvidia-container-runtime-hook"
# nvidia-smi prints these for fields a board or driver does not report.
_MISSING = {"", "n/a", "[n/a]", "[not supported]", "not supported", "[unknown error]", "[insufficient permissions]"}

Runner = Callable[..., "subprocess.CompletedProcess[str]"]
GpuRequest = int | Literal["auto"]


@dataclass(frozen=True)
class GpuInfo:
    """One GPU as nvidia-smi reports it; fields the driver does not report are None."""

    index: int
    name: str
    memory_total_mib: int | None
    memory_used_mib: int | None
    utilization_pct: int | None
    driver_version: str | None

    @property
    def memory_total_gb(self) -> float | None:
        """Total memory in GiB, the unit people state GPU sizes in (an A10 is "24 GB")."""
        return None if self.memory_total_mib is None else round(self.memory_total_mib / 1024, 1)

    def describe(self) -> str:
        memory = f", {self.memory_total_gb:g} GB" if self.memory_total_gb is not None else ""
        return f"GPU {self.index}: {self.name}{memory}"


def _optional_int(text: str) -> int | None:
    if text.strip().lower() in _MISSING:
        return None
    return int(float(text))


def _optional_str(text: str) -> str | None:
    return None if text.strip().lower() in _MISSING else text.strip()


def parse_nvidia_smi(csv_text: str) -> list[GpuInfo]:
    """Parse `nvidia-smi --query-gpu=<NVIDIA_SMI_QUERY> --format=csv,noheader,nounits` output, one GPU per line."""
    gpus = []
    for lineno, line in enumerate(csv_text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split(",")]
        if len(parts) < 6:
            raise ValueError(f"nvidia-smi line {lineno}: expected 6 comma-separated fields, got {len(parts)}: {line!r}")
        # A board name could contain a comma; the other five fields never do.
        index, name, (mem_total, mem_used, util, driver) = parts[0], ", ".join(parts[1:-4]), parts[-4:]
        try:
            gpus.append(
                GpuInfo(
                    index=int(index),
                    name=name,
                    memory_total_mib=_optional_int(mem_total),
                    memory_used_mib=_optional_int(mem_used),
                    utilization_pct=_optional_int(util),
                    driver_version=_optional_str(driver),
                )
            )
        except ValueError as err:
            raise ValueError(f"nvidia-smi line {lineno}: {err}: {line!r}") from None
    return gpus


def detect_gpus(run: Runner = subprocess.run) -> list[GpuInfo]:
    """The host's NVIDIA GPUs; [] when nvidia-smi is missing, fails (no driver) or prints something unexpected."""
    try:
        proc = run(list(NVIDIA_SMI_COMMAND), capture_output=True, text=True, timeout=30, check=False)
    except (FileNotFoundError, PermissionError, subprocess.TimeoutExpired) as err:
        logger.debug("nvidia-smi not usable: %s", err)
        return []
    if proc.returncode != 0:
        logger.debug("nvidia-smi exited with %s: %s", proc.returncode, (proc.stderr or "").strip())
        return []
    try:
        return parse_nvidia_smi(proc.stdout or "")
    except ValueError as err:
        logger.warning("ignoring unparseable nvidia-smi output: %s", err)
        return []


def _docker_info(run: Runner) -> dict[str, Any] | None:
    try:
        proc = run(
            ["docker", "info", "--format", "{{json .}}"], capture_output=True, text=True, timeout=30, check=False
        )
    except (FileNotFoundError, PermissionError, subprocess.TimeoutExpired) as err:
        logger.debug("docker info not usable: %s", err)
        return None
    if proc.returncode != 0:
        return None
    try:
        info = json.loads(proc.stdout or "")
    except json.JSONDecodeError:
        return None
    return info if isinstance(info, dict) else None


def _has_nvidia_cdi_device(devices: Any) -> bool:
    if not isinstance(devices, list):
        return False
    return any(
        isinstance(dev, dict) and str(dev.get("ID", "")).startswith("nvidia.com/gpu") and dev.get("Source") == "cdi"
        for dev in devices
    )


def docker_has_nvidia_runtime(run: Runner = subprocess.run, which: Callable[[str], str | None] = shutil.which) -> bool:
    """Whether the Docker engine can hand NVIDIA GPUs to containers.

    True when `docker info` lists an `nvidia` runtime, or (Docker 28+) CDI-discovered `nvidia.com/gpu` devices, or
    when nvidia-container-toolkit's hook, which `deploy.resources.reservations.devices` uses, is installed.
    False when no engine answers: then no container can start anyway.
    """
    info = _docker_info(run)
    if info is None:
        return False
    runtimes = info.get("Runtimes")
    if isinstance(runtimes, dict) and "nvidia" in runtimes:
        return True
    if _has_nvidia_cdi_device(info.get("DiscoveredDevices")):
        return True
    return which(NVIDIA_HOOK) is not None


def resolve_gpus(
    requested: GpuRequest,
    *,
    run: Runner = subprocess.run,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[int, str | None]:
    """Turn a `gpus` option into a count, with a warning to record when "auto" found no usable GPU.

    An explicit count is returned unchanged and probes nothing: the user asked for it, and Docker's own error
    (`could not select device driver "nvidia"`) is clearer than a guess made here.
    """
    if requested != "auto":
        if isinstance(requested, bool) or not isinstance(requested, int) or requested < 0:
            raise ValueError(f"gpus must be a non-negative integer or 'auto', got {requested!r}")
        return requested, None
    gpus = detect_gpus(run)
    has_runtime = docker_has_nvidia_runtime(run, which)
    if gpus and has_runtime:
        return 1, None
    if not gpus and not has_runtime:
        why = "nvidia-smi found no GPU and Docker has no NVIDIA runtime"
    elif not gpus:
        why = "nvidia-smi found no GPU"
    else:
        why = f"{len(gpus)} GPU(s) found but Docker has no NVIDIA runtime (install nvidia-container-toolkit)"
    return 0, f"gpus='auto': {why}; running without a GPU (the reference setup has 1 GPU, so scores may be lower)"


class GpuLeasePool:
    """Hands out distinct GPU indices to concurrent samples, first come first served, blocking while none are free.

    `lease(n)` is for code that holds the GPUs within one block; `acquire`/`release` are for a sandbox provider
    whose `sample_init` and `sample_cleanup` are separate calls. Waiters are served in arrival order, so a sample
    asking for two GPUs is not starved by a stream of one-GPU samples.
    """

    def __init__(self, indices: Iterable[int]) -> None:
        self._indices: tuple[int, ...] = tuple(indices)
        if len(set(self._indices)) != len(self._indices):
            raise ValueError(f"GPU indices must be distinct, got {list(self._indices)}")
        if any(i < 0 for i in self._indices):
            raise ValueError(f"GPU indices must be non-negative, got {list(self._indices)}")
        self._free: set[int] = set(self._indices)
        self._queue: deque[object] = deque()
        self._condition = anyio.Condition()

    @property
    def size(self) -> int:
        return len(self._indices)

    @property
    def free(self) -> int:
        return len(self._free)

    async def acquire(self, n: int) -> tuple[int, ...]:
        """Wait until `n` indices are free and this caller is first in line; return the lowest free ones."""
        if n < 0 or n > self.size:
            raise ValueError(f"cannot lease {n} GPU(s) from a pool of {self.size} ({list(self._indices)})")
        if n == 0:
            return ()
        ticket = object()
        async with self._condition:
            self._queue.append(ticket)
            try:
                while self._queue[0] is not ticket or len(self._free) < n:
                    await self._condition.wait()
            except BaseException:
                # Cancelled while waiting: leave the line and let the next waiter re-check.
                self._queue.remove(ticket)
                self._condition.notify_all()
                raise
            self._queue.popleft()
            leased = tuple(sorted(self._free)[:n])
            self._free.difference_update(leased)
            # The next in line may be satisfiable with what is left.
            self._condition.notify_all()
            return leased

    async def release(self, leased: Sequence[int]) -> None:
        """Return leased indices; shielded so a cancelled sample still gives its GPUs back."""
        if not leased:
            return
        unknown = [i for i in leased if i not in self._indices]
        if unknown:
            raise ValueError(f"GPU indices {unknown} do not belong to this pool ({list(self._indices)})")
        with anyio.CancelScope(shield=True):
            async with self._condition:
                already_free = [i for i in leased if i in self._free]
                if already_free:
                    raise ValueError(f"GPU indices {already_free} were released twice")
                self._free.update(leased)
                self._condition.notify_all()

    @asynccontextmanager
    async def lease(self, n: int = 1) -> AsyncIterator[tuple[int, ...]]:
        """Hold `n` distinct GPU indices for the block; they are released on exit, error or cancellation."""
        leased = await self.acquire(n)
        try:
            yield leased
        finally:
            await self.release(leased)
