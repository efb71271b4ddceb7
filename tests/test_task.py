"""The task builders without running a sample: parameters, samples, metadata, preparation policy, registration."""

from __future__ import annotations

import asyncio
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from inspect_ai._util.registry import registry_info, registry_lookup, registry_params
from inspect_ai.tool import ToolInfo, ToolParams

from inspect_mlebench import RegistryError, get_competition, load_split
from inspect_mlebench._version import TASK_VERSION
from inspect_mlebench.baseline.model import BaselineModelAPI, BaselinePlan
from inspect_mlebench.competition_tasks import COMPETITION_TASKS
from inspect_mlebench.config.naming import task_name
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.errors import CompetitionNotPreparedError
from inspect_mlebench.sandbox.provider import UNPREPARED_KEY, MlebenchDockerSandboxEnvironment
from inspect_mlebench.task import (
    DEMO_COMPETITIONS,
    TaskConfigError,
    build_task,
    competition_ids,
    mlebench,
    mlebench_demo,
    mlebench_lite,
)

CID = "spaceship-titanic"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_synthetic(CID, root, size=60)
    return root


def _build(data_dir: Path, **kw: Any) -> Any:
    params: dict[str, Any] = dict(
        competitions=[CID], data="synthetic", data_dir=str(data_dir), build_images=False, gpus=0, cpus=1,
        memory_gb=2, image_profile="slim",
    )  # fmt: skip
    params.update(kw)
    return build_task(**params)


def test_competition_ids_from_split_list_and_comma_string() -> None:
    assert competition_ids("lite", None) == load_split("lite")
    assert competition_ids("lite", [CID, CID]) == [CID]
    assert competition_ids("lite", f"{CID}, aerial-cactus-identification") == [CID, "aerial-cactus-identification"]
    with pytest.raises(RegistryError):
        competition_ids("lite", ["no-such-competition"])


def test_one_sample_per_competition_with_facts_and_disclosure(data_dir: Path) -> None:
    task = _build(data_dir, time_limit_hours=0.5)
    [sample] = list(task.dataset)
    md = sample.metadata
    assert sample.id == CID
    assert md["competition_id"] == CID
    assert md["metric"] == "accuracy"
    assert md["direction"] == "higher"
    assert md["time_limit_s"] == 1800.0
    assert task.time_limit == 1800
    assert md["hardware"] == {"gpus": 0, "gpu_name": None, "cpus": 1.0, "memory_gb": 2.0, "shm_size_gb": 1.0}
    assert md["data_dir"] == str(data_dir.resolve())
    assert UNPREPARED_KEY not in md
    # the prompt states the budget, the hardware and the rules
    text = str(sample.input)
    assert "30m 00s" in text
    assert "no GPU, 1 CPU cores, 2 GiB of RAM" in text
    assert "/home/submission/submission.csv" in text
    assert "validate_submission.sh" in text
    assert "no internet" in text
    # the sandbox: our provider, a generated compose file that mounts this data dir
    assert sample.sandbox is not None
    assert sample.sandbox.type == "mlebench_docker"
    compose = yaml.safe_load(Path(str(sample.sandbox.config)).read_text())
    assert compose["services"]["default"]["cpus"] == 1.0
    assert str(data_dir.resolve()) in compose["services"]["default"]["volumes"][0]["source"]
    disclosure = task.metadata["mlebench"]
    for key in ("inspect_mlebench_version", "time_limit_hours", "hardware", "internet", "data", "image_profile",
                "images", "known_issues_policy", "known_issues", "upstream_commit"):  # fmt: skip
        assert key in disclosure, key
    assert disclosure["data"] == "synthetic"
    assert disclosure["internet"] is False
    assert disclosure["time_limit_hours"] == 0.5
    assert task.epochs_reducer is not None  # --epochs N keeps the per-seed reducer
    assert task.score_on_error is True  # a crashed agent's submission is still graded
    # the task's version says which results are comparable; it is not the package's release
    assert task.version == disclosure["task_version"] == TASK_VERSION
    assert re.fullmatch(r"\d+-[A-Z]", TASK_VERSION)


def test_prepare_auto_prepares_synthetic_data(tmp_path: Path) -> None:
    task = _build(tmp_path)
    assert (tmp_path / CID / "prepared" / "public" / "train.csv").is_file()
    assert UNPREPARED_KEY not in next(iter(task.dataset)).metadata


def test_prepare_never_fails_the_sample_fast_with_the_fix(tmp_path: Path) -> None:
    task = _build(tmp_path, prepare="never")
    [sample] = list(task.dataset)
    message = sample.metadata[UNPREPARED_KEY]
    assert f"inspect-mlebench prepare -c {CID} --synthetic --data-dir {tmp_path.resolve()}" in message
    assert not (tmp_path / CID).exists()
    assert task.metadata["mlebench"]["unprepared"] == [CID]
    with pytest.raises(CompetitionNotPreparedError, match="prepare=never"):
        asyncio.run(MlebenchDockerSandboxEnvironment.sample_init("t", None, sample.metadata))


def test_kaggle_without_credentials_fails_only_at_sample_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(tmp_path / "no-kaggle"))
    monkeypatch.delenv("KAGGLE_USERNAME", raising=False)
    monkeypatch.delenv("KAGGLE_KEY", raising=False)
    monkeypatch.delenv("KAGGLE_API_TOKEN", raising=False)
    task = _build(tmp_path / "data", data="kaggle")
    message = next(iter(task.dataset)).metadata[UNPREPARED_KEY]
    assert "could not be prepared" in message
    assert f"inspect-mlebench prepare -c {CID}" in message


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"data": "hf"}, "data='hf' is not one of kaggle, synthetic"),
        ({"known_issues": "hide"}, "known_issues='hide'"),
        ({"time_limit_hours": 0}, "time_limit_hours=0 must be a finite number greater than 0"),
        ({"time_limit_hours": float("inf")}, "time_limit_hours=inf must be a finite number"),
        ({"internet": "maybe"}, "internet='maybe' is not a boolean; pass true or false"),
        ({"build_images": 2}, "build_images=2 is not a boolean"),
        ({"cpus": 0}, "cpus=0 must be a finite number greater than 0"),
        ({"memory_gb": 0}, "memory_gb=0 must be a finite number greater than 0"),
        ({"memory_gb": "abc"}, "memory_gb='abc' is not a number"),
        ({"memory_gb": 1e9}, "more than this host has"),
        ({"shm_size_gb": -1}, "shm_size_gb=-1 must be"),
        ({"synthetic_size": 0}, "synthetic_size=0 must be at least 1"),
        ({"synthetic_size": "ten"}, "synthetic_size='ten' is not a whole number"),
        ({"sandbox": "k8s"}, "needs k8s_data_pvc"),
        ({"grading_mode": "lax"}, "grading_mode: unknown grading mode 'lax'; use one of: upstream, strict"),
    ],
)
def test_bad_parameters_fail_with_one_line(data_dir: Path, kw: dict[str, Any], match: str) -> None:
    with pytest.raises(TaskConfigError, match=match) as err:
        _build(data_dir, **kw)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("value", "expected"), [("false", False), ("no", False), ("0", False), ("true", True), (1, True)]
)
def test_internet_strings_parse_strictly(data_dir: Path, value: Any, expected: bool) -> None:
    """`-T internet=false` arrives as a string; it used to turn the internet on (bool("false") is True)."""
    task = _build(data_dir, internet=value)
    assert task.metadata["mlebench"]["internet"] is expected


def test_grading_mode_travels_to_scorer_validator_and_disclosure(data_dir: Path) -> None:
    default = _build(data_dir)
    assert default.metadata["mlebench"]["grading_mode"] == "upstream"
    task = _build(data_dir, grading_mode="strict")
    assert task.metadata["mlebench"]["grading_mode"] == "strict"
    [sample] = list(task.dataset)
    assert sample.metadata is not None
    assert sample.metadata["grading_mode"] == "strict"  # what the host-side validation tools read
    assert sample.sandbox is not None
    compose = yaml.safe_load(Path(str(sample.sandbox.config)).read_text())
    assert "--grading-mode strict" in " ".join(compose["services"]["validator"]["command"])
    assert registry_params(task.scorer[0])["grading_mode"] == "strict"


def test_k8s_writes_helm_values(data_dir: Path) -> None:
    task = _build(data_dir, sandbox="k8s", k8s_data_pvc="mlebench-data")
    [sample] = list(task.dataset)
    assert sample.sandbox is not None
    assert sample.sandbox.type == "k8s"
    values = yaml.safe_load(Path(str(sample.sandbox.config)).read_text())
    assert values["services"]["default"]["volumes"][0]["persistentVolumeClaim"]["claimName"] == "mlebench-data"


def test_known_issues_policies(tmp_path: Path) -> None:
    leaky = "random-acts-of-pizza"  # a leak: score-affecting
    assert get_competition(leaky).score_affecting_issues
    ids = [CID, leaky]
    kept = competition_ids("lite", ids)
    excluded = _build(tmp_path, competitions=kept, known_issues="exclude", prepare="never")
    assert [s.id for s in excluded.dataset] == [CID]
    assert excluded.metadata["mlebench"]["excluded_by_known_issues"] == [leaky]
    flagged = _build(tmp_path, competitions=kept, known_issues="flag", prepare="never")
    by_id = {s.id: s.metadata for s in flagged.dataset}
    assert by_id[leaky]["known_issues_flagged"]
    assert not by_id[CID]["known_issues_flagged"]
    assert flagged.metadata["mlebench"]["known_issues"][leaky]
    with pytest.raises(TaskConfigError, match="no competitions left"):
        _build(tmp_path, competitions=[leaky], known_issues="exclude")


def test_entry_point_tasks_and_per_competition_tasks_are_registered() -> None:
    for fn, name in ((mlebench, "mlebench"), (mlebench_lite, "mlebench_lite"), (mlebench_demo, "mlebench_demo")):
        assert registry_info(fn).name == f"inspect_mlebench/{name}"
    assert len(COMPETITION_TASKS) == 82
    assert registry_lookup("task", "inspect_mlebench/spaceship_titanic") is COMPETITION_TASKS[CID]
    assert (
        task_name("3d-object-detection-for-autonomous-vehicles")
        == "mlebench_3d_object_detection_for_autonomous_vehicles"
    )
    assert registry_lookup("task", "inspect_mlebench/mlebench_3d_object_detection_for_autonomous_vehicles")
    assert registry_lookup("modelapi", "inspect_mlebench/mlebench") is not None


def test_per_competition_task_builds_one_sample(data_dir: Path) -> None:
    task = COMPETITION_TASKS[CID](data="synthetic", data_dir=str(data_dir), build_images=False, gpus=0, cpus=1)
    assert [s.id for s in task.dataset] == [CID]
    assert task.dataset.name == "spaceship_titanic"  # named after the task, as `inspect view` shows it


def test_dataset_is_named_after_the_task_and_split(data_dir: Path) -> None:
    assert _build(data_dir).dataset.name == "mlebench_custom"  # a list of competitions
    lite = mlebench_lite(data="synthetic", data_dir=str(data_dir), build_images=False, gpus=0, prepare="never")
    assert lite.dataset.name == "mlebench_lite"
    dev = mlebench(split="dev", data="synthetic", data_dir=str(data_dir), build_images=False, gpus=0, prepare="never")
    assert dev.dataset.name == "mlebench_dev"


def test_demo_defaults_to_the_scripted_model(tmp_path: Path) -> None:
    task = mlebench_demo(data_dir=str(tmp_path), build_images=False)
    assert [s.id for s in task.dataset] == list(DEMO_COMPETITIONS)
    assert task.model is not None
    assert task.model.name == "baseline"
    assert task.metadata is not None
    assert task.metadata["mlebench"]["data"] == "synthetic"
    assert task.dataset.name == "mlebench_demo"


def _tool(name: str, *params: str) -> ToolInfo:
    props = {p: {"type": "string"} for p in params}
    return ToolInfo(name=name, description=name, parameters=ToolParams(properties=props))


def test_baseline_plan_uses_the_tools_offered() -> None:
    plan = BaselinePlan([_tool("bash", "command"), _tool("submit", "answer", "confirm")])
    steps = plan.steps()
    assert [s[0] for s in steps if s] == ["bash", "bash", "bash", "bash"]
    assert "validate_submission.sh" in steps[3][1]["command"]  # type: ignore[index]
    assert "cat > /home/code/train.py" in steps[1][1]["command"]  # type: ignore[index]
    assert plan.submit(None) == ("submit", {"answer": plan.submit(None)[1]["answer"]})  # type: ignore[index]
    assert plan.submit("Submission refused: 5h left")[1]["confirm"] is True  # type: ignore[index]
    with_validator = BaselinePlan([_tool("python", "code"), _tool("validate_submission", "path")])
    assert with_validator.steps()[3] == ("validate_submission", {})
    assert with_validator.steps()[0][0] == "python"  # type: ignore[index]
    assert with_validator.submit(None) is None


def test_baseline_refuses_unknown_model_names() -> None:
    with pytest.raises(ValueError, match="only scripted model is 'mlebench/baseline'"):
        BaselineModelAPI("gpt")


def test_missing_images_are_built_before_the_first_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    from inspect_mlebench import task_steps as task_module
    from inspect_mlebench.sandbox import images

    built: list[dict[str, Any]] = []
    monkeypatch.setattr(images, "image_exists", lambda image, run=None: image.startswith("inspect-mlebench-validator"))

    def fake_build(**kw: Any) -> list[Any]:
        built.append(kw)
        return []

    monkeypatch.setattr(images, "build_images", fake_build)
    monkeypatch.setenv("INSPECT_MLEBENCH_BASE_IMAGE", "local/debian:bookworm-slim")
    monkeypatch.setenv("INSPECT_MLEBENCH_DOWNLOAD_WHEELS", "1")
    agent, validator = task_module.resolve_images("slim", None, build=True)
    assert agent == images.agent_image("slim")
    assert validator == images.validator_image()
    assert built == [
        {
            "profile": "slim",
            "base_image": "local/debian:bookworm-slim",
            "wheels": None,
            "download": True,
            "only": "agent",
            "run": subprocess.run,
        }
    ]
    built.clear()
    assert task_module.resolve_images("full", "my/cuda-agent:1", build=True)[0] == "my/cuda-agent:1"
    assert built == []  # a user-given agent image is used as is; the validator exists


def test_build_task_and_mlebench_declare_the_same_parameters() -> None:
    """`mlebench`'s signature is what Inspect reads for `-T`; `build_task` repeats it typed. They must agree."""
    import inspect

    from inspect_mlebench.task import build_task as builder
    from inspect_mlebench.task import mlebench as task_fn

    shown = {n: p.default for n, p in inspect.signature(task_fn).parameters.items()}
    built = {n: p.default for n, p in inspect.signature(builder).parameters.items()}
    assert {n: d for n, d in built.items() if n not in ("model", "dataset_name")} == shown
