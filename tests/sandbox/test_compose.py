"""The per-sample compose project: Inspect parses it, its mount policy accepts it, and it keeps the sandbox contract
(answers only in the validator, the agent in the validator's namespace, no network unless asked, GPUs by id)."""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml
from inspect_ai.util._sandbox.compose import ComposeConfig, is_compose_yaml, parse_compose_yaml
from inspect_ai.util._sandbox.docker import mounts as inspect_mounts
from inspect_ai.util._sandbox.docker.docker import resolve_config_environment

from inspect_mlebench.config import Competition, get_competition
from inspect_mlebench.sandbox.compose import (
    THREAD_ENV_VARS,
    SandboxOptions,
    default_compose_cache_dir,
    gpu_lease_metadata,
    render_compose,
    write_compose,
)

COMP_ID = "spaceship-titanic"


@pytest.fixture(scope="module")
def comp() -> Competition:
    return get_competition(COMP_ID)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    for kind in ("public", "private"):
        (root / COMP_ID / "prepared" / kind).mkdir(parents=True)
    return root


def opts(**overrides: Any) -> SandboxOptions:
    base: dict[str, Any] = {
        "gpus": 0,
        "cpus": 4.0,
        "memory_gb": 16.0,
        "shm_size_gb": 2.0,
        "agent_image": "inspect-mlebench-agent:test-slim",
        "validator_image": "inspect-mlebench-validator:test",
    }
    return SandboxOptions(**(base | overrides))


def services(project: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    return project["services"]["default"], project["services"]["validator"]


def mount_sources(service: dict[str, Any]) -> list[str]:
    return [m.get("source", "(anonymous)") for m in service.get("volumes", [])]


def check_inspect_mount_policy(project: dict[str, Any]) -> None:
    """Inspect's own per-service mount check (what `compose up` would meet), without its Docker engine probe."""
    for name, service in project["services"].items():
        inspect_mounts._validate_service_mounts(name, service, project.get("volumes", {}), "inspect-task-iabcdef")


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"gpus": 1},
        {"gpus": 2, "gpu_ids": [3, 5]},
        {"gpus": 2, "gpu_ids_from_metadata": True},
        {"internet": True},
        {"agent_user": None, "validator_port": 5050},
    ],
)
def test_rendered_project_passes_inspects_parser_and_mount_policy(
    comp: Competition, data_dir: Path, tmp_path: Path, overrides: dict[str, Any]
) -> None:
    project = render_compose(comp, data_dir, opts(**overrides))
    config = ComposeConfig.model_validate(project)
    assert set(config.services) == {"default", "validator"}
    path = write_compose(comp, data_dir, opts(**overrides), cache_dir=tmp_path / "cache")
    assert parse_compose_yaml(str(path)) == config
    check_inspect_mount_policy(project)


def test_inspect_mount_policy_is_live(comp: Competition, data_dir: Path) -> None:
    """Control: the check above does reject a writable host bind for /home/submission."""
    project = render_compose(comp, data_dir, opts())
    agent, _ = services(project)
    agent["volumes"][1] = {"type": "bind", "source": str(data_dir), "target": "/home/submission"}
    with pytest.raises(Exception, match="writable host bind"):
        check_inspect_mount_policy(project)


def test_answers_only_in_the_validator(comp: Competition, data_dir: Path) -> None:
    agent, validator = services(render_compose(comp, data_dir, opts()))
    public = str((data_dir / COMP_ID / "prepared" / "public").resolve())
    private = str((data_dir / COMP_ID / "prepared" / "private").resolve())
    assert [m for m in agent["volumes"] if m["type"] == "bind"] == [
        {"type": "bind", "source": public, "target": "/home/data", "read_only": True}
    ]
    assert private not in json.dumps(agent)
    assert validator["volumes"] == [
        {"type": "bind", "source": private, "target": f"/private/data/{COMP_ID}/prepared/private", "read_only": True},
        {"type": "bind", "source": public, "target": f"/private/data/{COMP_ID}/prepared/public", "read_only": True},
        {"type": "volume", "target": "/tmp"},  # anonymous scratch for uploads; the root filesystem is read-only
    ]


def test_services_are_hardened(comp: Competition, data_dir: Path) -> None:
    """The validator parses untrusted uploads: no capabilities, no privilege escalation, bounded processes, a
    read-only root and the host user's uid (root only where the host itself runs as root)."""
    agent, validator = services(render_compose(comp, data_dir, opts()))
    for service in (agent, validator):
        assert service["cap_drop"] == ["ALL"]
        assert service["security_opt"] == ["no-new-privileges:true"]
        assert 0 < service["pids_limit"] <= 32768
    assert validator["read_only"] is True
    assert "read_only" not in agent  # the agent installs packages and writes where it likes in its container
    uid = os.getuid()
    assert validator.get("user") == (None if uid == 0 else f"{uid}:{os.getgid()}")
    own_image = services(render_compose(comp, data_dir, opts(agent_user=None)))[0]
    assert "cap_drop" not in own_image  # an image's own (maybe root) user keeps what installing packages needs


def test_submission_is_a_plain_named_volume(comp: Competition, data_dir: Path) -> None:
    project = render_compose(comp, data_dir, opts())
    agent, validator = services(project)
    assert {"type": "volume", "source": "submission", "target": "/home/submission"} in agent["volumes"]
    # No custom name, driver or external storage: the form Inspect accepts and `compose down --volumes` removes.
    assert project["volumes"] == {"submission": {}}
    assert "submission" not in mount_sources(validator)


def test_validator_contract(comp: Competition, data_dir: Path) -> None:
    _, validator = services(render_compose(comp, data_dir, opts()))
    assert validator["image"] == "inspect-mlebench-validator:test"
    assert validator["x-local"] is True
    assert validator["network_mode"] == "none"
    assert "restart" not in validator
    assert "ports" not in validator
    assert "expose" not in validator
    command = validator["command"]
    assert command == [
        "inspect-mlebench", "validator-server", "--competition", "spaceship-titanic", "--data-dir", "/private/data",
        "--host", "127.0.0.1", "--port", "5000", "--supervise",
    ]  # fmt: skip
    assert not any("$" in part for part in command)  # nothing for compose to interpolate
    test = validator["healthcheck"]["test"]
    assert test[:3] == ["CMD", "python3", "-c"]
    assert "http://127.0.0.1:5000/health" in test[3]
    assert validator["environment"]["NVIDIA_VISIBLE_DEVICES"] == "void"


def test_agent_shares_the_validators_namespace_and_sets_no_network_of_its_own(
    comp: Competition, data_dir: Path
) -> None:
    agent, _ = services(render_compose(comp, data_dir, opts()))
    assert agent["network_mode"] == "service:validator"
    assert agent["depends_on"] == {"validator": {"condition": "service_healthy"}}
    for key in ("networks", "ports", "expose", "hostname", "dns", "dns_search", "extra_hosts", "container_name"):
        assert key not in agent
    assert agent["init"] is True
    assert agent["command"] == ["sleep", "infinity"]
    assert agent["user"] == "nonroot"
    assert agent["x-local"] is True
    assert agent["image"] == "inspect-mlebench-agent:test-slim"
    assert agent["environment"]["COMPETITION_ID"] == COMP_ID
    assert agent["environment"]["VALIDATOR_URL"] == "http://localhost:5000/validate"


@pytest.mark.parametrize(("cpus", "threads"), [(0.5, "1"), (1.0, "1"), (2.7, "2"), (36.0, "36")])
def test_limits_and_thread_variables(comp: Competition, data_dir: Path, cpus: float, threads: str) -> None:
    agent, _ = services(render_compose(comp, data_dir, opts(cpus=cpus, memory_gb=440, shm_size_gb=1.5)))
    assert agent["cpus"] == cpus
    assert agent["mem_limit"] == "440g"
    assert agent["memswap_limit"] == "440g"
    assert agent["shm_size"] == "1536m"
    assert {k: agent["environment"][k] for k in THREAD_ENV_VARS} == dict.fromkeys(THREAD_ENV_VARS, threads)


def test_no_gpu_means_no_reservation_and_no_visible_devices(comp: Competition, data_dir: Path) -> None:
    agent, _ = services(render_compose(comp, data_dir, opts(gpus=0)))
    assert "deploy" not in agent
    assert agent["environment"]["NVIDIA_VISIBLE_DEVICES"] == "void"


def devices(agent: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = agent["deploy"]["resources"]["reservations"]["devices"]
    return result


def test_gpu_by_count(comp: Competition, data_dir: Path) -> None:
    agent, _ = services(render_compose(comp, data_dir, opts(gpus=1)))
    assert devices(agent) == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    # Docker sets NVIDIA_VISIBLE_DEVICES itself from the reservation.
    assert "NVIDIA_VISIBLE_DEVICES" not in agent["environment"]


def test_gpu_by_leased_ids_never_with_a_count(comp: Competition, data_dir: Path) -> None:
    agent, _ = services(render_compose(comp, data_dir, opts(gpus=2, gpu_ids=[3, 5])))
    # Docker rejects a device request with both a count and ids.
    assert devices(agent) == [{"driver": "nvidia", "device_ids": ["3", "5"], "capabilities": ["gpu"]}]


def test_gpu_ids_from_sample_metadata(comp: Competition, data_dir: Path, tmp_path: Path) -> None:
    """One file for all samples; Inspect fills the leased ids from sample metadata at sample_init."""
    path = write_compose(comp, data_dir, opts(gpus=2, gpu_ids_from_metadata=True), cache_dir=tmp_path)
    ids = devices(services(yaml.safe_load(path.read_text()))[0])[0]["device_ids"]
    assert ids == ["${SAMPLE_METADATA_GPU_ID_0-0}", "${SAMPLE_METADATA_GPU_ID_1-1}"]
    resolved = resolve_config_environment(str(path), gpu_lease_metadata((6, 2)))
    assert resolved is not None
    assert resolved.env == {"SAMPLE_METADATA_GPU_ID_0": "6", "SAMPLE_METADATA_GPU_ID_1": "2"}

    def interpolate(text: str, env: dict[str, str]) -> str:  # compose's ${VAR-default}
        return re.sub(r"\$\{(\w+)-([^}]*)\}", lambda m: env.get(m[1], m[2]), text)

    assert [interpolate(i, resolved.env) for i in ids] == ["6", "2"]
    assert [interpolate(i, {}) for i in ids] == ["0", "1"]  # no lease (e.g. image builds): the defaults


def test_internet_puts_a_bridge_on_the_validator_only(comp: Competition, data_dir: Path) -> None:
    project = render_compose(comp, data_dir, opts(internet=True))
    agent, validator = services(project)
    assert validator["networks"] == ["egress"]
    assert "network_mode" not in validator
    assert project["networks"] == {"egress": {"driver": "bridge"}}
    assert agent["network_mode"] == "service:validator"
    assert "networks" not in agent
    offline = render_compose(comp, data_dir, opts())
    assert "networks" not in offline


def test_custom_validator_port(comp: Competition, data_dir: Path) -> None:
    agent, validator = services(render_compose(comp, data_dir, opts(validator_port=5050)))
    assert "--port 5050" in " ".join(validator["command"])
    assert "127.0.0.1:5050/health" in validator["healthcheck"]["test"][3]
    assert agent["environment"]["VALIDATOR_URL"] == "http://localhost:5050/validate"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"validator_port": 13131}, "agent bridge"),
        ({"gpus": 2, "gpu_ids": [1]}, "gpu_ids"),
        ({"gpus": 2, "gpu_ids": [1, 1]}, "distinct"),
        ({"gpus": 1, "gpu_ids": [1], "gpu_ids_from_metadata": True}, "not both"),
        ({"gpus": -1}, "gpus"),
        ({"cpus": 0}, "cpus"),
        ({"agent_image": "bad image"}, "image"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_options_are_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        opts(**overrides)


def test_auto_gpus_must_be_resolved_first(comp: Competition, data_dir: Path) -> None:
    with pytest.raises(ValueError, match="resolve"):
        render_compose(comp, data_dir, opts(gpus="auto"))


def test_unprepared_competition_names_the_fix(comp: Competition, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=f"inspect-mlebench prepare -c {COMP_ID}"):
        render_compose(comp, tmp_path / "empty", opts())
    # A task that prepares before each sample starts renders ahead of the data.
    assert render_compose(comp, tmp_path / "empty", opts(), check_data=False)["services"]


def test_relative_data_dir_becomes_absolute(comp: Competition, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(data_dir.parent)
    agent, _ = services(render_compose(comp, "data", opts()))
    assert mount_sources(agent)[0] == str(data_dir.resolve() / COMP_ID / "prepared" / "public")


def test_dollar_in_a_path_is_not_interpolated(comp: Competition, tmp_path: Path) -> None:
    data = tmp_path / "d$HOME"
    (data / COMP_ID / "prepared" / "public").mkdir(parents=True)
    (data / COMP_ID / "prepared" / "private").mkdir(parents=True)
    agent, _ = services(render_compose(comp, data, opts()))
    assert mount_sources(agent)[0].startswith(str(tmp_path / "d$$HOME"))


def test_write_compose_is_content_addressed(comp: Competition, data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = write_compose(comp, data_dir, opts(), cache_dir=cache)
    again = write_compose(comp, data_dir, opts(), cache_dir=cache)
    other = write_compose(comp, data_dir, opts(gpus=1), cache_dir=cache)
    assert first == again != other
    assert re.fullmatch(rf"{COMP_ID}-[0-9a-f]{{12}}-compose\.yaml", first.name)
    text = first.read_text(encoding="utf-8")
    assert first.name == f"{COMP_ID}-{hashlib.sha256(text.encode()).hexdigest()[:12]}-compose.yaml"
    # Inspect carries a sample's compose file over to another docker-compatible provider only by its name.
    assert is_compose_yaml(str(first))
    assert sorted(p.name for p in cache.iterdir()) == sorted({first.name, other.name})


def test_concurrent_writers_never_clash(comp: Competition, data_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    variants = [opts(), opts(gpus=1), opts(internet=True)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        paths = list(pool.map(lambda i: write_compose(comp, data_dir, variants[i % 3], cache_dir=cache), range(48)))
    assert len(set(paths)) == 3
    for i, path in enumerate(paths):
        assert yaml.safe_load(path.read_text()) == render_compose(comp, data_dir, variants[i % 3])
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]


def test_default_cache_dir_is_the_user_cache() -> None:
    assert default_compose_cache_dir().parts[-2:] == ("inspect-mlebench", "compose")


def test_matches_the_compose_specification(comp: Competition, data_dir: Path) -> None:
    """The official compose-spec schema (shipped with inspect-k8s-sandbox) accepts every variant."""
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("k8s_sandbox", reason="inspect-k8s-sandbox ships the compose-spec schema")
    schema_file = importlib.resources.files("k8s_sandbox") / "resources" / "compose" / "compose-spec.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    for overrides in ({}, {"gpus": 1}, {"gpus": 2, "gpu_ids": [0, 1]}, {"internet": True}):
        jsonschema.validate(render_compose(comp, data_dir, opts(**overrides)), schema)


def compose_cli_missing() -> str | None:
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    proc = subprocess.run(["docker", "compose", "version"], capture_output=True, text=True, timeout=30, check=False)
    return None if proc.returncode == 0 else "the docker compose plugin is not installed"


@pytest.mark.parametrize(
    "overrides", [{}, {"gpus": 1}, {"gpus": 2, "gpu_ids_from_metadata": True}, {"internet": True, "gpus": 1}]
)
def test_docker_compose_config_accepts_it(
    comp: Competition, data_dir: Path, tmp_path: Path, overrides: dict[str, Any]
) -> None:
    """`docker compose config` (client side only, no engine) normalises the file as Inspect does before `up`;
    Inspect's mount policy then accepts the result, and leased GPU ids arrive through sample-metadata variables."""
    if reason := compose_cli_missing():
        pytest.skip(reason)
    path = write_compose(comp, data_dir, opts(**overrides), cache_dir=tmp_path)
    env = {**os.environ, **gpu_lease_metadata_env((6, 2))}
    proc = subprocess.run(
        ["docker", "compose", "-p", "inspect-task-iabcdef", "-f", str(path), "config"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    normalised = yaml.safe_load(proc.stdout)
    check_inspect_mount_policy(normalised)
    agent = normalised["services"]["default"]
    assert agent["network_mode"] == "service:validator"
    if overrides.get("gpu_ids_from_metadata"):
        assert devices(agent)[0]["device_ids"] == ["6", "2"]


def gpu_lease_metadata_env(indices: tuple[int, ...]) -> dict[str, str]:
    """The variables Inspect's docker provider derives from sample metadata."""
    return {f"SAMPLE_METADATA_{k.upper()}": v for k, v in gpu_lease_metadata(indices).items()}


def test_strict_grading_mode_reaches_the_validator(comp: Competition, data_dir: Path) -> None:
    _, validator = services(render_compose(comp, data_dir, opts(grading_mode="strict")))
    assert "--port 5000 --grading-mode strict --supervise" in " ".join(validator["command"])
    # the default leaves the command (and the content-keyed file name) as it was
    _, default = services(render_compose(comp, data_dir, opts()))
    assert "--grading-mode" not in " ".join(default["command"])
