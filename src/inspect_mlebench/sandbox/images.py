"""Building the agent and validator images from `compose/`, with or without network access.

Build contexts are assembled in a temporary directory: the shipped `compose/` folder is read-only inside an
installed wheel, and the validator image needs a copy of this package. Images are tagged with the package version,
so an upgrade never silently reuses images built from older pins; the validator's tag also carries a hash of the
package's code and configs, since it grades with them: a checkout that changed a grader or added a competition gets
a new validator instead of a stale one that would grade with the old code.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from inspect_mlebench._version import __version__
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.resources import compose_dir, package_dir, task_configs_dir

Profile = Literal["slim", "full"]
PROFILES: tuple[Profile, ...] = ("slim", "full")
logger = logging.getLogger(__name__)

DEFAULT_BASE_IMAGE = "debian:bookworm-slim"
# The base image's python3, for which host-side wheel downloads are chosen (Debian 12: 3.11).
DEFAULT_PYTHON_VERSION = "3.11"
WHEEL_PLATFORMS = (
    "manylinux_2_36_x86_64",
    "manylinux_2_35_x86_64",
    "manylinux_2_34_x86_64",
    "manylinux_2_28_x86_64",
    "manylinux_2_27_x86_64",
    "manylinux_2_17_x86_64",
    "manylinux2014_x86_64",
)


class ImageBuildError(MLEBenchError, RuntimeError):
    """An image could not be built; the message names the image and the failing step."""


def agent_image(profile: Profile) -> str:
    return f"inspect-mlebench-agent:{__version__}-{profile}"


def validator_image() -> str:
    return f"inspect-mlebench-validator:{__version__}-{package_digest()}"


@functools.cache
def package_digest() -> str:
    """12 hex digits of sha256 over what the validator image copies of this package: its Python source, the
    competition configs and splits, and the validator's Dockerfile and pins."""
    roots = {
        "pkg": (package_dir(), "*.py"),
        "configs": (task_configs_dir(), "*"),
        "validator": (compose_dir() / "validator", "*"),
        "requirements": (compose_dir() / "requirements", "validator.txt"),
    }
    digest = hashlib.sha256()
    for name, (root, pattern) in roots.items():
        for path in sorted(p for p in root.rglob(pattern) if p.is_file() and "__pycache__" not in p.parts):
            digest.update(f"{name}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def requirements_file(name: str) -> Path:
    return compose_dir() / "requirements" / f"{name}.txt"


@dataclass(frozen=True)
class BuildResult:
    image: str
    seconds: float
    size_bytes: int


Runner = Callable[..., "subprocess.CompletedProcess[str]"]


def image_exists(image: str, run: Runner = subprocess.run) -> bool:
    return run(["docker", "image", "inspect", image], capture_output=True, text=True, check=False).returncode == 0


def download_wheels(requirements: Path, dest: Path, *, python_version: str = DEFAULT_PYTHON_VERSION) -> None:
    """Fetch binary wheels for the image's Python with the host's pip (which trusts the host's CA and caches), so
    the build itself needs no network."""
    cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "--implementation", "cp",
           "--python-version", python_version, "--dest", str(dest), "-r", str(requirements)]  # fmt: skip
    for platform in WHEEL_PLATFORMS:
        cmd += ["--platform", platform]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise ImageBuildError(f"downloading wheels for {requirements.name} failed: {last}")


def _copy_package(dest: Path) -> None:
    """This package, with its task_configs and compose folders inside it, as an installed wheel has them."""
    source = package_dir()
    target = dest / "inspect_mlebench"
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name, folder in (("task_configs", task_configs_dir()), ("compose", compose_dir())):
        if not (target / name).exists():
            shutil.copytree(folder, target / name, ignore=shutil.ignore_patterns("__pycache__"))


def _context(kind: Literal["agent", "validator"], wheels: Path | None, root: Path) -> Path:
    ctx = root / kind
    ctx.mkdir()
    shutil.copy(compose_dir() / kind / "Dockerfile", ctx / "Dockerfile")
    shutil.copytree(compose_dir() / "requirements", ctx / "requirements")
    (ctx / "wheels").mkdir()
    if wheels is not None:
        for wheel in wheels.glob("*.whl"):
            shutil.copy(wheel, ctx / "wheels" / wheel.name)
    if kind == "agent":
        shutil.copy(compose_dir() / "validate_submission.sh", ctx / "validate_submission.sh")
    else:
        _copy_package(ctx / "pkg")
    return ctx


def _build(ctx: Path, image: str, build_args: dict[str, str], run: Runner) -> BuildResult:
    import time

    cmd = ["docker", "build", "--tag", image]
    for key, value in build_args.items():
        cmd += ["--build-arg", f"{key}={value}"]
    start = time.monotonic()
    proc = run([*cmd, str(ctx)], capture_output=True, text=True, check=False)
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-6:])
        raise ImageBuildError(f"docker build of {image} failed: {tail}")
    size = run(["docker", "image", "inspect", image, "--format", "{{.Size}}"], capture_output=True, text=True,
               check=False).stdout.strip()  # fmt: skip
    return BuildResult(image, seconds, int(size) if size.isdigit() else 0)


def build_images(
    *,
    profile: Profile = "slim",
    base_image: str = DEFAULT_BASE_IMAGE,
    wheels: Path | None = None,
    download: bool = False,
    python_version: str = DEFAULT_PYTHON_VERSION,
    only: Literal["agent", "validator"] | None = None,
    run: Runner = subprocess.run,
) -> list[BuildResult]:
    """Build the agent image of `profile` and the validator image. `wheels`: a folder of wheels to install from
    (no network in the build); `download`: fill such a folder with the host's pip first."""
    if shutil.which("docker") is None:
        raise ImageBuildError("the docker CLI is not installed; install Docker Engine >= 24 with compose v2")
    results = []
    with tempfile.TemporaryDirectory(prefix="mlebench-images-") as tmp:
        root = Path(tmp)
        if download:
            wheels = root / "wheels"
            wheels.mkdir()
            for name in [profile, "validator"] if only is None else [profile if only == "agent" else "validator"]:
                download_wheels(requirements_file(name), wheels, python_version=python_version)
        if only in (None, "validator"):
            ctx = _context("validator", wheels, root)
            results.append(_build(ctx, validator_image(), {"BASE_IMAGE": base_image}, run))
        if only in (None, "agent"):
            ctx = _context("agent", wheels, root)
            results.append(_build(ctx, agent_image(profile), {"BASE_IMAGE": base_image, "PROFILE": profile}, run))
    return results


def ensure_images(
    *,
    profile: Profile = "slim",
    base_image: str = DEFAULT_BASE_IMAGE,
    wheels: Path | None = None,
    download: bool = False,
    agent: bool = True,
    run: Runner = subprocess.run,
) -> list[BuildResult]:
    """Build whichever of the two images is missing (what a task does before its first sample); [] if both exist.
    `agent=False`: the agent image is the user's own, so only the validator is checked."""
    missing_agent = agent and not image_exists(agent_image(profile), run)
    missing_validator = not image_exists(validator_image(), run)
    if not (missing_agent or missing_validator):
        return []
    only: Literal["agent", "validator"] | None = None
    if missing_agent != missing_validator:
        only = "agent" if missing_agent else "validator"
    logger.warning("building the %s image(s) from %s (once; minutes)", only or "agent and validator", base_image)
    return build_images(profile=profile, base_image=base_image, wheels=wheels, download=download, only=only, run=run)
