"""Installing a scaffold's Python packages into the agent container without network access there.

The agent container has no network (unless `internet=true`), so packages are fetched on the host by the host's pip
(which has the index, its CA and its cache), kept in a cache folder per requirement set, copied into the container
and installed there with `pip --no-index`. Wheels are chosen for the image's Python and platform, as for the images.
"""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock
from inspect_ai.util import sandbox
from platformdirs import user_cache_dir

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.sandbox.images import DEFAULT_PYTHON_VERSION, WHEEL_PLATFORMS

logger = logging.getLogger(__name__)

CONTAINER_WHEELS_DIR = "/tmp/mlebench-scaffold-wheels"


class ScaffoldInstallError(MLEBenchError, RuntimeError):
    """A scaffold's packages could not be fetched or installed; the message says which step and why."""


@dataclass(frozen=True)
class PipInstall:
    """One `pip install` of a scaffold: `requirements` with their dependencies, or without (`no_deps`), as for a
    package whose declared dependencies are a whole ML stack the image already has or the scaffold never imports."""

    requirements: tuple[str, ...]
    no_deps: bool = False

    def key(self, python_version: str) -> str:
        text = "\n".join([python_version, str(self.no_deps), *self.requirements, *WHEEL_PLATFORMS])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def wheel_cache_dir() -> Path:
    return Path(user_cache_dir("inspect-mlebench")) / "scaffold-wheels"


def download(install: PipInstall, *, python_version: str = DEFAULT_PYTHON_VERSION) -> list[Path]:
    """The wheels for `install`, downloaded once per requirement set into the cache (concurrent samples share one
    download); binary wheels only, for the image's Python on manylinux x86_64."""
    folder = wheel_cache_dir() / install.key(python_version)
    done = folder / ".complete"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder) + ".lock"):
        if not done.exists():
            folder.mkdir(exist_ok=True)
            cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--implementation",
                   "cp", "--python-version", python_version, "--dest", str(folder)]  # fmt: skip
            for platform in WHEEL_PLATFORMS:
                cmd += ["--platform", platform]
            if install.no_deps:
                cmd.append("--no-deps")
            proc = subprocess.run([*cmd, *install.requirements], capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
                raise ScaffoldInstallError(
                    f"pip download of {' '.join(install.requirements)} failed: {last}; check the requirement "
                    "names and that this host reaches the package index"
                )
            done.write_text("\n".join(install.requirements) + "\n")
    return sorted(folder.glob("*.whl"))


async def install_in_sandbox(
    installs: Sequence[PipInstall],
    *,
    pip: str = "/opt/venv/bin/pip",
    python_version: str = DEFAULT_PYTHON_VERSION,
    timeout_s: int = 900,
) -> None:
    """Copy each install's wheels into the agent container and install them there as root, offline. `pip` is the
    environment's pip: the agent image's venv by default, so the scaffold's generated code sees the ML stack."""
    env = sandbox()
    for index, install in enumerate(installs):
        wheels = download(install, python_version=python_version)
        target = f"{CONTAINER_WHEELS_DIR}/{index}"
        for wheel in wheels:
            await env.write_file(f"{target}/{wheel.name}", wheel.read_bytes())
        cmd = [pip, "install", "--quiet", "--no-index", "--find-links", target]
        if install.no_deps:
            cmd.append("--no-deps")
        result = await env.exec([*cmd, *install.requirements], user="root", timeout=timeout_s)
        cleaned = await env.exec(["rm", "-rf", target], user="root", timeout=120)
        if not cleaned.success:  # only disk space is at stake: say so and go on
            logger.warning("could not remove the wheels in %s: %s", target, cleaned.stderr.strip())
        if not result.success:
            last = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise ScaffoldInstallError(f"installing {' '.join(install.requirements)} in the sandbox failed: {last}")
        logger.info("installed %s in the sandbox from %d wheels", " ".join(install.requirements), len(wheels))
