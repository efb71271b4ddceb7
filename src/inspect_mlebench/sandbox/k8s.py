"""Helm values for `inspect-k8s-sandbox` (its `agent-env` chart): the scale-out path, same contract as compose.

Written as values rather than converted from the compose file because the converter rejects what MLE-bench needs
(`deploy...devices` for GPUs, `shm_size`) and reads host binds as PVC names. Differences from the docker layout,
all forced by Kubernetes:
- Each service is its own pod, so the agent cannot share the validator's loopback. The validator listens on all
  interfaces of its pod and gets a DNS record; the agent reaches it at `http://validator:<port>/validate`
  (`VALIDATOR_URL`).
- No internet is the chart's Cilium egress policy with empty `allowDomains`/`allowEntities`/`allowCIDR`: pods reach
  only their own sandbox and namespace DNS. `networkIsolated` is not used: it would also cut agent -> validator.
- Data comes from an existing PVC laid out like the data dir (`<id>/prepared/{public,private}`), mounted read-only
  by `subPath`: the agent's pod mounts only `public`; `private` is mounted only in the validator's pod.
- `/dev/shm` is a memory-backed emptyDir of `shm_size_gb` (it counts against the memory limit, as in Docker).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml
from platformdirs import user_cache_dir

from inspect_mlebench.config import Competition
from inspect_mlebench.sandbox.compose import (
    THREAD_ENV_VARS,
    SandboxOptions,
    validator_command,
    write_keyed,
)
from inspect_mlebench.sandbox.layout import AGENT_SERVICE, DATA_DIR, VALIDATOR_DATA_DIR, VALIDATOR_SERVICE

GPU_RESOURCE = "nvidia.com/gpu"
GPU_RUNTIME_CLASS = "nvidia"
DATA_VOLUME = "mlebench-data"
SHM_VOLUME = "dshm"
SCRATCH_VOLUME = "scratch"


def _cpu(cpus: float) -> str:
    """A Kubernetes CPU quantity: whole cores as an integer string, else millicores."""
    milli = max(1, round(cpus * 1000))
    return str(milli // 1000) if milli % 1000 == 0 else f"{milli}m"


def _memory(gb: float) -> str:
    """A Kubernetes memory quantity in binary units (GiB when whole, else MiB)."""
    mib = max(1, round(gb * 1024))
    return f"{mib // 1024}Gi" if mib % 1024 == 0 else f"{mib}Mi"


def qualify_image(image: str, registry: str | None) -> str:
    """Prefix `registry` unless the image already names a registry host (first part has '.' or ':', or localhost).

    Cluster nodes cannot use images built on a laptop, so locally built images must be pushed and named by registry.
    """
    if not registry:
        return image
    first, sep, _ = image.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        return image
    return f"{registry.rstrip('/')}/{image}"


def _env(values: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in values.items()]


def _threads(cpus: float) -> dict[str, str]:
    return dict.fromkeys(THREAD_ENV_VARS, str(max(1, math.floor(cpus))))


def _sub_path(prefix: str, *parts: str) -> str:
    return "/".join(p.strip("/") for p in (prefix, *parts) if p.strip("/"))


def render_k8s_values(
    comp: Competition,
    options: SandboxOptions,
    *,
    data_pvc: str,
    image_registry: str | None = None,
    data_pvc_subpath: str = "",
    runtime_class_name: str | None = None,
) -> dict[str, Any]:
    """Helm values for one sample of `comp` (see the module docstring for how they map the compose contract).

    `data_pvc` names an existing PersistentVolumeClaim holding the data dir (at `data_pvc_subpath` inside it).
    `runtime_class_name` defaults to `nvidia` when GPUs are requested and to the chart's default (gVisor)
    otherwise. `gpu_ids` are ignored: the Kubernetes scheduler assigns GPUs, so no lease is needed.
    """
    gpus = options.gpu_count
    if not data_pvc:
        raise ValueError("data_pvc must name the PersistentVolumeClaim that holds the prepared data")
    port = options.validator_port
    validator_root = f"{VALIDATOR_DATA_DIR}/{comp.id}/prepared"

    def data_volume() -> dict[str, Any]:
        # A fresh dict per service: shared objects would be dumped as YAML anchors and edited together.
        return {"name": DATA_VOLUME, "persistentVolumeClaim": {"claimName": data_pvc, "readOnly": True}}

    def data_mount(kind: str, mount_path: str) -> dict[str, Any]:
        return {
            "name": DATA_VOLUME,
            "mountPath": mount_path,
            "subPath": _sub_path(data_pvc_subpath, comp.id, "prepared", kind),
            "readOnly": True,
        }

    agent_limits: dict[str, Any] = {"cpu": _cpu(options.cpus), "memory": _memory(options.memory_gb)}
    if gpus:
        agent_limits[GPU_RESOURCE] = gpus
    agent: dict[str, Any] = {
        "image": qualify_image(options.agent_image, image_registry),
        "imagePullPolicy": "IfNotPresent",
        "command": ["sleep", "infinity"],
        "args": [],
        "workingDir": "/home",
        "env": _env(
            {
                "COMPETITION_ID": comp.id,
                "VALIDATOR_URL": f"http://{VALIDATOR_SERVICE}:{port}/validate",
                **_threads(options.cpus),
                **({} if gpus else {"NVIDIA_VISIBLE_DEVICES": "void"}),
            }
        ),
        # No setuid escalation; the image's user and its capabilities stay (it may install packages as root).
        "securityContext": {"allowPrivilegeEscalation": False},
        # Requests equal limits: the Guaranteed QoS class, so the agent is not evicted first under node pressure.
        "resources": {
            "requests": {"cpu": agent_limits["cpu"], "memory": agent_limits["memory"]},
            "limits": agent_limits,
        },
        "volumes": [
            data_volume(),
            {"name": SHM_VOLUME, "emptyDir": {"medium": "Memory", "sizeLimit": _memory(options.shm_size_gb)}},
        ],
        "volumeMounts": [
            data_mount("public", DATA_DIR),
            {"name": SHM_VOLUME, "mountPath": "/dev/shm"},
        ],
    }
    runtime = runtime_class_name or (GPU_RUNTIME_CLASS if gpus else None)
    if runtime:
        agent["runtimeClassName"] = runtime
    if gpus:
        # GPU node pools are commonly tainted so that only GPU workloads land there.
        agent["tolerations"] = [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}]

    validator_resources = {"cpu": _cpu(options.validator_cpus), "memory": _memory(options.validator_memory_gb)}
    validator: dict[str, Any] = {
        "image": qualify_image(options.validator_image, image_registry),
        "imagePullPolicy": "IfNotPresent",
        # Another pod must reach it, so it listens on the pod's interfaces; the egress policy keeps it in-sandbox.
        "command": validator_command(comp.id, "0.0.0.0", port, options.grading_mode),
        "args": [],
        "dnsRecord": True,
        "env": _env(
            {
                "COMPETITION_ID": comp.id,
                "PYTHONUNBUFFERED": "1",
                "NVIDIA_VISIBLE_DEVICES": "void",
                **_threads(options.validator_cpus),
            }
        ),
        "resources": {"requests": dict(validator_resources), "limits": dict(validator_resources)},
        "readinessProbe": {
            "httpGet": {"path": "/health", "port": port},
            "initialDelaySeconds": 1,
            "periodSeconds": 2,
            "timeoutSeconds": 5,
            "failureThreshold": 60,
        },
        # It parses untrusted uploads: no capabilities or escalation, a read-only root, uploads on a scratch dir.
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
        "volumes": [data_volume(), {"name": SCRATCH_VOLUME, "emptyDir": {}}],
        "volumeMounts": [
            data_mount("private", f"{validator_root}/private"),
            data_mount("public", f"{validator_root}/public"),
            {"name": SCRATCH_VOLUME, "mountPath": "/tmp"},
        ],
    }
    if runtime_class_name:
        validator["runtimeClassName"] = runtime_class_name

    return {
        "global": {},
        # Empty allow-lists: egress only to this sandbox's pods and namespace DNS.
        "allowDomains": [],
        "allowDomainsPorts": [],
        "allowEntities": ["world"] if options.internet else [],
        "allowCIDR": [],
        "networkPolicy": {"enabled": True},
        "services": {AGENT_SERVICE: agent, VALIDATOR_SERVICE: validator},
        "annotations": {"inspect-mlebench/competition": comp.id},
    }


def write_k8s_values(
    comp: Competition,
    options: SandboxOptions,
    *,
    data_pvc: str,
    image_registry: str | None = None,
    cache_dir: Path | None = None,
) -> Path:
    """Write the values to `<cache>/k8s/<id>-<sha256[:12]>-values.yaml` (content-keyed, atomic) for
    `sandbox=("k8s", path)`."""
    values = render_k8s_values(comp, options, data_pvc=data_pvc, image_registry=image_registry)
    text = f"# inspect-mlebench k8s sandbox for {comp.id}; generated\n" + yaml.safe_dump(values, sort_keys=False)
    directory = cache_dir if cache_dir is not None else Path(user_cache_dir("inspect-mlebench")) / "k8s"
    return write_keyed(directory, comp.id, "values.yaml", text)
