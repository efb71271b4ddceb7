"""The Docker engine, compose v2 and Inspect's docker sandbox work on this machine (marked `docker`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Scorer, Target, accuracy, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox
from inspect_ai.util._sandbox.docker.prereqs import validate_docker_compose, validate_prereqs

from inspect_mlebench.resources import compose_dir

pytestmark = pytest.mark.docker

SMOKE = compose_dir() / "smoke" / "compose.yaml"


def test_inspect_prerequisites(docker_engine: None) -> None:
    # Engine >= 24.0.6 and compose >= 2.21 (Inspect's gate); 2.24 makes read-only nested mounts truly read-only,
    # which the sandbox relies on for /home/data.
    asyncio.run(validate_prereqs())
    asyncio.run(validate_docker_compose("2.24.0", required_for="read-only nested mounts"))


def _compose(project: str, base_image: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "compose", "-p", project, "-f", str(SMOKE), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
        env={**os.environ, "BASE_IMAGE": base_image},
    )


def test_compose_build_up_exec_down(base_image: str) -> None:
    project = f"imb-smoke-{uuid.uuid4().hex[:8]}"
    try:
        up = _compose(project, base_image, "up", "--build", "--detach", "--wait")
        assert up.returncode == 0, up.stderr
        who = _compose(project, base_image, "exec", "-T", "--user", "nonroot", "default", "id", "-un")
        assert who.stdout.strip() == "nonroot", who.stderr
        nets = _compose(project, base_image, "exec", "-T", "default", "ls", "/sys/class/net")
        assert nets.stdout.split() == ["lo"], "network_mode: none must leave only the loopback interface"
    finally:
        down = _compose(project, base_image, "down", "--volumes", "--remove-orphans", "--rmi", "local")
    assert down.returncode == 0, down.stderr
    left = subprocess.run(
        ["docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert left.stdout.strip() == ""


@solver
def _probe() -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        result = await sandbox().exec(["sh", "-c", "id -un; ls /sys/class/net | tr '\\n' ' '"], user="nonroot")
        state.output.completion = result.stdout
        await sandbox().write_file("/home/submission/submission.csv", "id,value\n1,0.5\n")
        state.metadata["submission"] = await sandbox().read_file("/home/submission/submission.csv")
        return state

    return solve


@scorer(metrics=[accuracy()])
def _probe_scorer() -> Scorer:
    async def score(state: TaskState, target: Target) -> Score:
        lines = state.output.completion.split("\n")
        ok = lines[0] == "nonroot" and lines[1].split() == ["lo"] and state.metadata["submission"].startswith("id,")
        return Score(value=1.0 if ok else 0.0, explanation=state.output.completion)

    return score


@pytest.mark.parametrize("provider", ["docker", "mlebench_docker"])
def test_inspect_docker_sandbox_end_to_end(
    base_image: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, provider: str
) -> None:
    import inspect_mlebench._registry  # noqa: F401  (registers the mlebench_docker provider)

    monkeypatch.setenv("BASE_IMAGE", base_image)
    task = Task(
        dataset=[Sample(input="probe")], solver=_probe(), scorer=_probe_scorer(), sandbox=(provider, str(SMOKE))
    )
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    assert log.results is not None
    assert log.results.scores[0].metrics["accuracy"].value == 1.0
