"""Helm values for inspect-k8s-sandbox: valid against the chart's own values.schema.json, and the same contract as
the compose project (answers only in the validator, no egress unless asked, GPUs as `nvidia.com/gpu`)."""

from __future__ import annotations

import importlib
import importlib.resources
import json
import re
from typing import Any

import pytest
import yaml

from inspect_mlebench.config import Competition, get_competition
from inspect_mlebench.sandbox.compose import THREAD_ENV_VARS, SandboxOptions
from inspect_mlebench.sandbox.k8s import qualify_image, render_k8s_values

jsonschema = pytest.importorskip("jsonschema")
pytest.importorskip(
    "k8s_sandbox", reason="inspect-k8s-sandbox is not installed (pip install inspect-k8s-sandbox); it ships the chart"
)

COMP_ID = "spaceship-titanic"
CHART = importlib.resources.files("k8s_sandbox") / "resources" / "helm" / "agent-env"
SCHEMA: dict[str, Any] = json.loads((CHART / "values.schema.json").read_text(encoding="utf-8"))
CHART_DEFAULTS: dict[str, Any] = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
QUANTITY = re.compile(r"^\d+(\.\d+)?(m|Mi|Gi)?$")


@pytest.fixture(scope="module")
def comp() -> Competition:
    return get_competition(COMP_ID)


def opts(**overrides: Any) -> SandboxOptions:
    base: dict[str, Any] = {
        "gpus": 0,
        "cpus": 36.0,
        "memory_gb": 440.0,
        "shm_size_gb": 100.0,
        "agent_image": "inspect-mlebench-agent:test-full",
        "validator_image": "inspect-mlebench-validator:test",
    }
    return SandboxOptions(**(base | overrides))


def render(comp: Competition, **overrides: Any) -> dict[str, Any]:
    return render_k8s_values(comp, opts(**overrides), data_pvc="mlebench-data")


def helm_merge(defaults: Any, values: Any) -> Any:
    """Helm's coalescing of user values over chart defaults: maps merge recursively, anything else replaces."""
    if isinstance(defaults, dict) and isinstance(values, dict):
        merged = dict(defaults)
        for key, value in values.items():
            merged[key] = helm_merge(defaults.get(key), value) if key in defaults else value
        return merged
    return values


VARIANTS = [
    {},
    {"gpus": 1},
    {"gpus": 8, "internet": True},
    {"cpus": 0.5, "memory_gb": 1.5, "shm_size_gb": 0.25, "validator_port": 5050},
]


@pytest.mark.parametrize("overrides", VARIANTS)
def test_values_validate_against_the_charts_schema(comp: Competition, overrides: dict[str, Any]) -> None:
    values = render(comp, **overrides)
    jsonschema.validate(values, SCHEMA)  # our file alone
    jsonschema.validate(helm_merge(CHART_DEFAULTS, values), SCHEMA)  # what helm validates after merging


@pytest.mark.parametrize("overrides", VARIANTS)
def test_values_have_no_nulls(comp: Competition, overrides: dict[str, Any]) -> None:
    """inspect-k8s-sandbox refuses values files with nulls (Helm would silently drop those keys)."""
    helm = importlib.import_module("k8s_sandbox._helm")  # private; imported by name so mypy needs no stubs
    helm.validate_no_null_values(render(comp, **overrides), "test")


def mounts(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["mountPath"]: m for m in service["volumeMounts"]}


def test_answers_only_in_the_validator(comp: Competition) -> None:
    values = render(comp)
    agent, validator = values["services"]["default"], values["services"]["validator"]
    data = {"name": "mlebench-data", "persistentVolumeClaim": {"claimName": "mlebench-data", "readOnly": True}}
    assert data in agent["volumes"]
    assert data in validator["volumes"]
    assert mounts(agent)["/home/data"] == {
        "name": "mlebench-data",
        "mountPath": "/home/data",
        "subPath": f"{COMP_ID}/prepared/public",
        "readOnly": True,
    }
    assert "private" not in json.dumps(agent)
    root = f"/private/data/{COMP_ID}/prepared"
    assert mounts(validator)[f"{root}/private"]["subPath"] == f"{COMP_ID}/prepared/private"
    assert mounts(validator)[f"{root}/public"]["subPath"] == f"{COMP_ID}/prepared/public"
    assert all(m["readOnly"] for m in validator["volumeMounts"] if m["name"] == "mlebench-data")
    assert mounts(validator)["/tmp"] == {"name": "scratch", "mountPath": "/tmp"}  # uploads; the root is read-only


def test_security_contexts(comp: Competition) -> None:
    values = render(comp)
    agent, validator = values["services"]["default"], values["services"]["validator"]
    assert validator["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
    }
    assert agent["securityContext"] == {"allowPrivilegeEscalation": False}


def test_data_subpath_inside_the_pvc(comp: Competition) -> None:
    values = render_k8s_values(comp, opts(), data_pvc="shared", data_pvc_subpath="/mlebench/data/")
    assert mounts(values["services"]["default"])["/home/data"]["subPath"] == f"mlebench/data/{COMP_ID}/prepared/public"


def test_no_egress_by_default(comp: Competition) -> None:
    values = render(comp)
    assert values["networkPolicy"] == {"enabled": True}
    for key in ("allowDomains", "allowDomainsPorts", "allowEntities", "allowCIDR"):
        assert values[key] == []
    # networkIsolated would also block agent -> validator, which must stay open.
    assert not any(s.get("networkIsolated") for s in values["services"].values())
    assert render(comp, internet=True)["allowEntities"] == ["world"]


def test_validator_is_reachable_by_name(comp: Competition) -> None:
    values = render(comp, validator_port=5050)
    agent, validator = values["services"]["default"], values["services"]["validator"]
    assert validator["dnsRecord"] is True
    assert "--host 0.0.0.0 --port 5050" in " ".join(validator["command"])
    assert validator["readinessProbe"]["httpGet"] == {"path": "/health", "port": 5050}
    env = {e["name"]: e["value"] for e in agent["env"]}
    assert env["VALIDATOR_URL"] == "http://validator:5050/validate"
    assert env["COMPETITION_ID"] == COMP_ID


def test_resources_threads_and_shm(comp: Competition) -> None:
    agent = render(comp)["services"]["default"]
    assert agent["resources"] == {
        "requests": {"cpu": "36", "memory": "440Gi"},
        "limits": {"cpu": "36", "memory": "440Gi"},
    }
    env = {e["name"]: e["value"] for e in agent["env"]}
    assert {k: env[k] for k in THREAD_ENV_VARS} == dict.fromkeys(THREAD_ENV_VARS, "36")
    assert {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": "100Gi"}} in agent["volumes"]
    assert mounts(agent)["/dev/shm"] == {"name": "dshm", "mountPath": "/dev/shm"}
    small = render(comp, cpus=0.5, memory_gb=1.5)["services"]["default"]["resources"]["limits"]
    assert small == {"cpu": "500m", "memory": "1536Mi"}
    for service in render(comp)["services"].values():
        for quantity in (*service["resources"]["limits"].values(), *service["resources"]["requests"].values()):
            assert QUANTITY.fullmatch(str(quantity)), quantity


def test_gpus(comp: Competition) -> None:
    agent = render(comp, gpus=2)["services"]["default"]
    assert agent["resources"]["limits"]["nvidia.com/gpu"] == 2
    assert agent["runtimeClassName"] == "nvidia"
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in agent["tolerations"]
    env = {e["name"]: e["value"] for e in agent["env"]}
    assert "NVIDIA_VISIBLE_DEVICES" not in env
    validator = render(comp, gpus=2)["services"]["validator"]
    assert "nvidia.com/gpu" not in validator["resources"]["limits"]


def test_no_gpus(comp: Competition) -> None:
    agent = render(comp)["services"]["default"]
    assert "nvidia.com/gpu" not in agent["resources"]["limits"]
    assert "runtimeClassName" not in agent  # the chart's default (gVisor)
    assert "tolerations" not in agent
    assert {"name": "NVIDIA_VISIBLE_DEVICES", "value": "void"} in agent["env"]


def test_runtime_class_override(comp: Competition) -> None:
    values = render_k8s_values(comp, opts(), data_pvc="d", runtime_class_name="runc")
    assert values["services"]["default"]["runtimeClassName"] == "runc"
    assert values["services"]["validator"]["runtimeClassName"] == "runc"


@pytest.mark.parametrize(
    ("image", "registry", "expected"),
    [
        ("inspect-mlebench-agent:1-slim", None, "inspect-mlebench-agent:1-slim"),
        ("inspect-mlebench-agent:1-slim", "ghcr.io/org/", "ghcr.io/org/inspect-mlebench-agent:1-slim"),
        ("local/agent:1", "registry.example:5000", "registry.example:5000/local/agent:1"),
        ("ghcr.io/other/agent:1", "registry.example", "ghcr.io/other/agent:1"),
        ("localhost/agent:1", "registry.example", "localhost/agent:1"),
    ],
)
def test_image_registry(image: str, registry: str | None, expected: str) -> None:
    assert qualify_image(image, registry) == expected


def test_registry_applies_to_both_images(comp: Competition) -> None:
    values = render_k8s_values(comp, opts(), data_pvc="d", image_registry="ghcr.io/org")
    assert values["services"]["default"]["image"] == "ghcr.io/org/inspect-mlebench-agent:test-full"
    assert values["services"]["validator"]["image"] == "ghcr.io/org/inspect-mlebench-validator:test"


def test_refusals(comp: Competition) -> None:
    with pytest.raises(ValueError, match="resolve"):
        render(comp, gpus="auto")
    with pytest.raises(ValueError, match="data_pvc"):
        render_k8s_values(comp, opts(), data_pvc="")


def test_schema_rejects_a_broken_service(comp: Competition) -> None:
    """Control: the schema check above is not vacuous."""
    values = render(comp)
    values["services"]["default"]["shm_size"] = "1g"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(values, SCHEMA)


def test_dumps_without_yaml_anchors(comp: Competition) -> None:
    """Services share no objects, so the written values file has no anchors and editing one service is local."""
    text = yaml.safe_dump(render(comp, gpus=1))
    assert "&id" not in text
    assert "*id" not in text


def test_strict_grading_mode_reaches_the_validator(comp: Competition) -> None:
    validator = render(comp, grading_mode="strict")["services"]["validator"]
    assert "--grading-mode strict" in " ".join(validator["command"])
    assert "--grading-mode" not in " ".join(render(comp)["services"]["validator"]["command"])
