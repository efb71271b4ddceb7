"""A built wheel, installed non-editable into a fresh venv, finds its shipped task_configs/ and compose/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_in_fresh_venv(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)], check=True, capture_output=True
    )
    wheel = next(dist.glob("inspect_mlebench-*.whl"))

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)

    # Run from an empty directory so nothing can be found through the checkout.
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    cli = env_dir / "bin" / "inspect-mlebench"
    listed = subprocess.run(
        [str(cli), "list", "--json"], cwd=workdir, env=clean_env, capture_output=True, text=True, check=True
    )
    rows = json.loads(listed.stdout)
    assert len(rows) == 82

    where = subprocess.run(
        [
            str(python),
            "-c",
            "from inspect_mlebench.resources import task_configs_dir, compose_dir; "
            "print(task_configs_dir()); print(compose_dir())",
        ],
        cwd=workdir,
        env=clean_env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    site = str(env_dir)
    assert all(path.startswith(site) for path in where), where
    assert (Path(where[1]) / "smoke" / "compose.yaml").is_file()
