"""Default limits follow upstream's reference machine, capped by the host."""

from __future__ import annotations

from inspect_mlebench.sandbox.hardware import default_limits, host_memory_gb
from inspect_mlebench.util import host_cpus


def test_reference_host_gets_the_reference() -> None:
    limits = default_limits(cpus=96, memory_gb=1024)
    assert limits.cpus == 36
    assert limits.memory_gb == 440
    assert limits.shm_size_gb == 220


def test_small_host_is_capped() -> None:
    limits = default_limits(cpus=2, memory_gb=24)
    assert limits.cpus == 2
    assert limits.memory_gb == 20.4  # 85 % of the host, leaving room for the validator and Docker
    assert limits.shm_size_gb == 10.2
    assert "2 CPUs" in limits.describe()


def test_this_host() -> None:
    limits = default_limits()
    assert 1 <= limits.cpus <= min(36, host_cpus())
    assert limits.memory_gb <= host_memory_gb()
