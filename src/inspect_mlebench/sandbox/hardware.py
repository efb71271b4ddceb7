"""Default per-sample resources: upstream's reference machine, capped by what this host has.

Upstream's paper gave each agent 36 vCPUs, 440 GB of RAM and one 24 GB A10 for 24 hours. Results are only comparable
when the hardware is stated, so the defaults aim at that reference and the task records what was actually given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from inspect_mlebench.util import host_cpus

REFERENCE_CPUS = 36
REFERENCE_MEMORY_GB = 440.0
REFERENCE_GPUS = 1
# Share of host memory the agent may take by default: the validator, Docker and the eval process need the rest.
MEMORY_SHARE = 0.85


@dataclass(frozen=True)
class Limits:
    cpus: float
    memory_gb: float
    shm_size_gb: float

    def describe(self) -> str:
        return f"{self.cpus:g} CPUs, {self.memory_gb:.0f} GiB RAM, {self.shm_size_gb:.0f} GiB /dev/shm"


def host_memory_gb() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def default_limits(cpus: int | None = None, memory_gb: float | None = None) -> Limits:
    """Upstream's reference, capped by this host (or by the `cpus`/`memory_gb` given for another host)."""
    cpu = min(REFERENCE_CPUS, cpus if cpus is not None else host_cpus())
    memory = min(REFERENCE_MEMORY_GB, MEMORY_SHARE * (memory_gb if memory_gb is not None else host_memory_gb()))
    memory = max(1.0, round(memory, 1))
    # /dev/shm holds DataLoader batches: half of the memory limit, as is common for PyTorch containers
    return Limits(cpus=float(cpu), memory_gb=memory, shm_size_gb=max(1.0, round(memory / 2, 1)))
