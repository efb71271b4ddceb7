"""A competition defined outside the package (a YAML and a module in a user's folder) runs through the same
registry, preparation, grading, task and sandbox configuration as the packaged ones."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner
from inspect_ai import Task, eval
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from inspect_mlebench.cli import cli
from inspect_mlebench.config import (
    COMPETITIONS_DIR_ENV,
    RegistryError,
    competition_origin,
    competitions,
    get_competition,
    loader,
)
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic, public_sample_submission
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.grader import is_best_score
from inspect_mlebench.sandbox.layout import VALIDATOR_COMPETITIONS_DIR
from inspect_mlebench.task import build_task

CID = "toy-house-prices"

CONFIG = f"""
id: {CID}
name: Toy house prices
complexity: low
category: tabular
competition_type: simple
awards_medals: false
grading:
  metric: mae
  direction: lower
  id_column: house
  target_columns: [price]
  grader: toy_house_prices:grade
dataset:
  answers: prepared/private/test.csv
  sample_submission: prepared/public/sample_submission.csv
preparation:
  holdout:
    test_size: 0.2
    id_column: house
    target_columns: [price]
    sample_submission:
      fill: {{price: 100.0}}
synthetic:
  generator:
    function: toy_house_prices:synthesize
    kwargs: {{rooms_max: 6}}
"""

MODULE = '''
"""A user's own competition: synthetic houses, priced by their rooms; graded by mean absolute error."""

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics


def synthesize(out: Path, seed: int, size: int, *, rooms_max: int) -> None:
    gen = np.random.default_rng(seed)
    rooms = gen.integers(1, rooms_max + 1, size)
    prices = 50.0 * rooms + gen.normal(0, 5, size).round(2)
    pd.DataFrame({"house": [f"h{i:04d}" for i in range(size)], "rooms": rooms, "price": prices}).to_csv(
        out / "train.csv", index=False
    )


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, ["house", "price"])
    sub, ans = checks.align_by_id(submission, answers, "house")
    predicted = checks.numeric_columns(sub, ["price"])[:, 0]
    return metrics.mae(ans["price"].to_numpy(dtype=float), predicted)
'''


@pytest.fixture
def own_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "my-competitions"
    folder.mkdir()
    (folder / f"{CID}.yaml").write_text(CONFIG)
    (folder / "toy_house_prices.py").write_text(MODULE)
    monkeypatch.setenv(COMPETITIONS_DIR_ENV, str(folder))
    monkeypatch.setattr(loader, "_added_dirs", [])  # folders added by the task or CLI last for the process
    return folder


def test_registered_next_to_the_packaged_ones(own_dir: Path) -> None:
    registry = competitions()
    assert CID in registry
    assert len(registry) == 83
    assert competition_origin(CID) == own_dir.resolve()
    assert competition_origin("spaceship-titanic") is None
    assert get_competition(CID).leaderboard is None


def test_prepared_and_graded_like_a_packaged_one(own_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    prepare_synthetic(CID, data_dir, seed=3, size=50)
    comp = get_competition(CID)
    sample = grade(CID, data_dir / CID / public_sample_submission(comp), data_dir)
    assert sample.valid_submission, sample.invalid_reason
    gold = grade(CID, data_dir / CID / "prepared" / "private" / GOLD_SUBMISSION, data_dir)
    assert is_best_score(comp, gold.score)
    assert gold.any_medal is None  # no leaderboard given: medals unavailable, never guessed
    # with the user's own leaderboard in place, medals are computed as for upstream's competitions
    pd.DataFrame({"teamId": range(10), "score": [float(i) for i in range(10)]}).to_csv(
        data_dir / CID / "leaderboard.csv", index=False
    )
    assert grade(CID, data_dir / CID / "prepared" / "private" / GOLD_SUBMISSION, data_dir).gold_medal
    broken = tmp_path / "submission.csv"
    broken.write_text("house,price\nh9999,1\n")
    report = grade(CID, broken, data_dir)
    assert not report.valid_submission
    assert report.invalid_reason


def test_task_and_sandbox_carry_the_folder(own_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COMPETITIONS_DIR_ENV)  # this time the folder comes from the task parameter
    params: dict[str, Any] = dict(
        competitions=[CID], data="synthetic", data_dir=str(tmp_path / "data"), build_images=False, gpus=0, cpus=1,
        memory_gb=2, image_profile="slim", competitions_dir=str(own_dir), synthetic_size=40,
    )  # fmt: skip
    task = build_task(**params)
    [sample] = list(task.dataset)
    assert sample.metadata is not None
    assert sample.metadata["competitions_dir"] == str(own_dir.resolve())
    assert task.metadata is not None
    assert task.metadata["mlebench"]["own_competitions"] == [CID]
    assert sample.sandbox is not None
    compose = yaml.safe_load(Path(str(sample.sandbox.config)).read_text())
    validator = compose["services"]["validator"]
    assert validator["environment"][COMPETITIONS_DIR_ENV] == VALIDATOR_COMPETITIONS_DIR
    mount = next(v for v in validator["volumes"] if v["target"] == VALIDATOR_COMPETITIONS_DIR)
    assert mount["source"] == str(own_dir.resolve())
    assert mount["read_only"] is True
    agent_mounts = [v.get("source") for v in compose["services"]["default"]["volumes"]]
    assert str(own_dir.resolve()) not in agent_mounts  # the grader (and any answers logic) stays out of the agent


def test_cli_option_lists_it(own_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COMPETITIONS_DIR_ENV)
    result = CliRunner().invoke(cli, ["--competitions-dir", str(own_dir), "list", "--json"])
    assert result.exit_code == 0, result.output
    assert CID in [row["id"] for row in json.loads(result.output)]


def test_problems_fail_with_the_file_and_field(own_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (own_dir / f"{CID}.yaml").write_text(CONFIG.replace("metric: mae", "metric: mean_absolute_eror"))
    with pytest.raises(RegistryError, match=r"toy-house-prices.yaml: field 'grading.metric'"):
        competitions()
    (own_dir / f"{CID}.yaml").write_text(CONFIG.replace("toy_house_prices:grade", "toy_house_prices:score"))
    with pytest.raises(RegistryError, match=r"field 'grading.grader': module 'toy_house_prices' defines no function"):
        competitions()
    (own_dir / f"{CID}.yaml").unlink()
    (own_dir / "spaceship-titanic.yaml").write_text(CONFIG.replace(CID, "spaceship-titanic"))
    with pytest.raises(RegistryError, match="already registered"):
        competitions()
    monkeypatch.setenv(COMPETITIONS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(RegistryError, match="does not exist"):
        competitions()


def test_cli_check_runs_the_contract_on_it(own_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(COMPETITIONS_DIR_ENV)
    result = CliRunner().invoke(cli, ["--competitions-dir", str(own_dir), "check", "-c", CID, "--size", "40"])
    assert result.exit_code == 0, result.output
    assert "gold best" in result.output
    assert "FAIL" not in result.output
    # a grader that scores anything is caught
    by_position = MODULE.replace('checks.align_by_id(submission, answers, "house")', "submission, answers")
    (own_dir / "toy_house_prices_by_position.py").write_text(by_position)
    config = CONFIG.replace("toy_house_prices:grade", "toy_house_prices_by_position:grade")
    (own_dir / f"{CID}.yaml").write_text(config)
    loader._load_all.cache_clear()  # the CLI runs in this process here; a real one reads the folder afresh
    result = CliRunner().invoke(cli, ["--competitions-dir", str(own_dir), "check", "-c", CID, "--size", "40"])
    assert result.exit_code == 1
    assert "broken:wrong_ids" in result.output


@solver
def _validate_in_the_sandbox() -> Solver:
    """Validate the sample and a broken file through the validator container, then submit the sample."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        script = (
            "/home/validate_submission.sh /home/data/sample_submission.csv; echo EXIT=$?; "
            "printf 'house,price\\nnot-a-house,1\\n' > /tmp/bad.csv; /home/validate_submission.sh /tmp/bad.csv; "
            "echo EXIT=$?; cp /home/data/sample_submission.csv /home/submission/submission.csv"
        )
        result = await sandbox().exec(["bash", "-c", script], user="nonroot", timeout=120)
        state.store.set("validation", result.stdout)
        return state

    return solve


@pytest.mark.docker
def test_runs_in_the_sandbox_with_its_own_grader(
    own_dir: Path, synthetic_task: Callable[..., Task], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(COMPETITIONS_DIR_ENV)  # the task parameter alone must carry it, into the validator too
    task = synthetic_task(competitions=[CID], competitions_dir=str(own_dir), synthetic_size=40)
    [log] = eval(task, solver=_validate_in_the_sandbox(), model="mockllm/model", log_dir=str(tmp_path / "logs"),
                 display="none")  # fmt: skip
    assert log.status == "success", log.error
    assert log.samples is not None
    [sample] = log.samples
    validation = sample.store["validation"]
    assert validation.count("EXIT=") == 2, validation
    first, second = validation.split("EXIT=")[:2]
    assert '"valid": true' in first
    assert second.startswith("0")
    assert '"valid": false' in second
    assert "not-a-house" in second  # the reason comes from the user's grader, loaded in the validator container
    assert validation.rstrip().endswith("EXIT=1")
    assert sample.scores is not None
    score = sample.scores["mlebench_scorer"]
    assert isinstance(score.value, dict)
    assert score.value["valid_submission"] == 1.0
