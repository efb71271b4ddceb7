"""Shared fixtures: the Docker gate used by every `docker`-marked test."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# CI sets this after .ci/docker-setup.sh brought an engine up: from then on a missing engine is a failure, not a skip.
REQUIRE_DOCKER = os.environ.get("INSPECT_MLEBENCH_REQUIRE_DOCKER") == "1"


def docker_unavailable_reason() -> str | None:
    """Why Docker tests cannot run here, or None when an engine answers."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    try:
        proc = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "`docker info` timed out"
    if proc.returncode != 0:
        detail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return f"no Docker engine reachable ({detail}); start one with `sudo bash .ci/docker-setup.sh`"
    return None


@pytest.fixture(scope="session")
def docker_engine() -> None:
    reason = docker_unavailable_reason()
    if reason is None:
        return
    if REQUIRE_DOCKER:
        pytest.fail(f"INSPECT_MLEBENCH_REQUIRE_DOCKER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def base_image(docker_engine: None) -> str:
    """The Debian image sandbox builds start from: the locally imported one on offline machines, else Docker Hub's."""
    image = os.environ.get("INSPECT_MLEBENCH_BASE_IMAGE", "local/debian:bookworm-slim")
    found = subprocess.run(["docker", "image", "inspect", image], capture_output=True, check=False).returncode == 0
    if found:
        return image
    if "INSPECT_MLEBENCH_BASE_IMAGE" in os.environ:
        pytest.fail(f"INSPECT_MLEBENCH_BASE_IMAGE={image} is not in the local image store")
    return "debian:bookworm-slim"


@pytest.fixture(scope="session")
def sandbox_images(base_image: str) -> tuple[str, str]:
    """The slim agent image and the validator image of this checkout, built once per test session (offline: the
    host's pip fetches the wheels into the build context)."""
    from inspect_mlebench.sandbox.images import agent_image, build_images, validator_image

    build_images(profile="slim", base_image=base_image, download=True)
    return agent_image("slim"), validator_image()


@pytest.fixture
def synthetic_task(sandbox_images: tuple[str, str], tmp_path: Path) -> Callable[..., Any]:
    """Builds `mlebench` for Docker tests: synthetic spaceship-titanic, the session's slim images (no build in the
    task), small resources; keyword arguments override any of it."""
    from inspect_mlebench.task import mlebench

    def make(**overrides: Any) -> Any:
        params: dict[str, Any] = {
            "competitions": ["spaceship-titanic"],
            "data": "synthetic",
            "data_dir": str(tmp_path / "data"),
            "image_profile": "slim",
            "gpus": 0,
            "cpus": 1,
            "memory_gb": 2,
            "build_images": False,
        }
        return mlebench(**(params | overrides))

    return make
