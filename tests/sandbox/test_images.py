"""Image build orchestration with `docker` replaced by a recorder (the real builds run in the docker tests)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from inspect_mlebench.sandbox import images
from inspect_mlebench.sandbox.images import agent_image, ensure_images, validator_image


class FakeDocker:
    def __init__(self, present: set[str]) -> None:
        self.present = set(present)
        self.builds: list[tuple[str, dict[str, str], set[str]]] = []

    def __call__(self, cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if cmd[:3] == ["docker", "image", "inspect"]:
            found = cmd[3] in self.present
            return subprocess.CompletedProcess(cmd, 0 if found else 1, stdout="123456789" if found else "", stderr="")
        if cmd[:2] == ["docker", "build"]:
            tag = cmd[cmd.index("--tag") + 1]
            args = dict(a.split("=", 1) for a in cmd[3:-1:2] if "=" in a)
            context = Path(cmd[-1])
            self.builds.append((tag, args, {p.name for p in context.iterdir()}))
            self.present.add(tag)
            return subprocess.CompletedProcess(cmd, 0, stdout="", stderr="")
        raise AssertionError(cmd)


@pytest.fixture(autouse=True)
def _docker_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("inspect_mlebench.sandbox.images.shutil.which", lambda _: "/usr/bin/docker")


def test_ensure_builds_only_what_is_missing() -> None:
    docker = FakeDocker(present={validator_image()})
    results = ensure_images(profile="slim", base_image="local/debian:bookworm-slim", run=docker)
    assert [r.image for r in results] == [agent_image("slim")]
    tag, args, context = docker.builds[0]
    assert tag == agent_image("slim")
    assert args == {"BASE_IMAGE": "local/debian:bookworm-slim", "PROFILE": "slim"}
    assert {"Dockerfile", "requirements", "wheels", "validate_submission.sh"} <= context
    assert ensure_images(profile="slim", run=docker) == []


def test_validator_context_carries_the_package() -> None:
    docker = FakeDocker(present={agent_image("slim")})
    ensure_images(profile="slim", run=docker)
    [(tag, _, context)] = docker.builds
    assert tag == validator_image()
    assert "pkg" in context


def test_build_failure_names_the_image() -> None:
    def failing(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        if cmd[:2] == ["docker", "build"]:
            return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="step 3/7\nE: Unable to locate package\n")
        return subprocess.CompletedProcess(cmd, 1, stdout="", stderr="")

    with pytest.raises(images.ImageBuildError, match=r"docker build of inspect-mlebench-validator:.* failed: .*Unable"):
        ensure_images(run=failing)


def test_validator_tag_follows_the_package_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A validator image grades with the package's code and configs: changing them must change its tag."""
    from inspect_mlebench.resources import task_configs_dir

    configs = tmp_path / "task_configs"
    shutil.copytree(task_configs_dir(), configs)
    monkeypatch.setattr(images, "task_configs_dir", lambda: configs)
    images.package_digest.cache_clear()
    before = images.validator_image()
    (configs / "competitions" / "spaceship-titanic.yaml").write_text(
        (configs / "competitions" / "spaceship-titanic.yaml").read_text() + "# changed\n"
    )
    images.package_digest.cache_clear()
    after = images.validator_image()
    images.package_digest.cache_clear()
    assert before != after
    assert before.rsplit("-", 1)[0] == after.rsplit("-", 1)[0]  # same version, new digest
