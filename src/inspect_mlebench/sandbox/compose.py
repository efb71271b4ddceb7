"""The per-sample compose project for Inspect's docker sandbox.

Two services, in the layout verified under Inspect 0.3.285:
- `validator` holds the answers read-only and serves `/validate` and `/health` on 127.0.0.1 only;
- `default`, the agent, joins the validator's network namespace (`network_mode: service:validator`), so it reaches
  the validator at `http://localhost:<port>` and has exactly the validator's network: none unless `internet`.

The constraints that layout imposes are enforced here, not left to the caller: no restart policy on the validator
(a restarted validator leaves the agent in a dead namespace), never port 13131 (the agent bridge's), no
networks/ports/hostname/dns on the agent, `/home/submission` as a named volume (Inspect refuses writable host
binds), and thread-count variables because `cpus:` does not change what `nproc` reports.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from platformdirs import user_cache_dir
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from inspect_mlebench.config import COMPETITIONS_DIR_ENV, Competition, competition_origin
from inspect_mlebench.data.paths import private_dir, public_dir, resolve_data_dir
from inspect_mlebench.grading.leniency import GradingMode
from inspect_mlebench.sandbox.layout import (
    AGENT_SERVICE,
    BRIDGE_PORT,
    DATA_DIR,
    SUBMISSION_DIR,
    VALIDATOR_COMPETITIONS_DIR,
    VALIDATOR_DATA_DIR,
    VALIDATOR_PORT,
    VALIDATOR_SERVICE,
)
from inspect_mlebench.util import atomic_write

SUBMISSION_VOLUME = "submission"
EGRESS_NETWORK = "egress"
THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",
)
# Sample metadata key holding the i-th leased GPU index; Inspect exposes it to the compose file as
# ${SAMPLE_METADATA_GPU_ID_<i>}.
GPU_METADATA_KEY = "gpu_id_{i}"

_IMAGE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@-]*$")


class SandboxOptions(BaseModel):
    """The per-sample resources and images; `gpus="auto"` must be resolved (gpus.resolve_gpus) before rendering."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    gpus: int | Literal["auto"] = Field(default=0, description="GPUs for the agent, or 'auto' (1 if usable, else 0)")
    gpu_ids: list[int] | None = Field(
        default=None, description="host GPU indices to reserve (from a lease); None reserves by count"
    )
    gpu_ids_from_metadata: bool = Field(
        default=False,
        description="reserve ${SAMPLE_METADATA_GPU_ID_<i>} (filled per sample by a GPU-leasing provider) "
        "instead of fixed ids, so one compose file serves every sample of a competition",
    )
    cpus: float = Field(gt=0, description="CPU quota of the agent container")
    memory_gb: float = Field(gt=0, description="memory limit of the agent container, GiB")
    shm_size_gb: float = Field(gt=0, description="size of /dev/shm in the agent container, GiB")
    internet: bool = Field(default=False, description="give the shared namespace a bridge network with egress")
    agent_image: str
    validator_image: str
    validator_port: int = Field(default=VALIDATOR_PORT, ge=1, le=65535)
    validator_cpus: float = Field(default=1.0, gt=0)
    validator_memory_gb: float = Field(
        default=8.0,
        gt=0,
        # grading one upload takes up to ~6x its size (parsing, pairing, the metric's copies): the 1 GiB upload cap
        # plus the parsed answers fit, one validation at a time. A limit, not a reservation.
        description="room to check the largest accepted upload against the answers",
    )
    agent_user: str | None = Field(default="nonroot", description="user the agent's commands run as; None: image's")
    grading_mode: GradingMode = Field(
        default="upstream", description="how the validator judges submissions (grading.leniency)"
    )

    @field_validator("agent_image", "validator_image")
    @classmethod
    def _image_name(cls, value: str) -> str:
        if not _IMAGE_RE.fullmatch(value):
            raise ValueError(f"not a Docker image reference: {value!r}")
        return value

    @field_validator("gpus")
    @classmethod
    def _gpu_count(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 0:
            raise ValueError(f"gpus must be >= 0 or 'auto', got {value}")
        return value

    @field_validator("validator_port")
    @classmethod
    def _not_bridge_port(cls, value: int) -> int:
        if value == BRIDGE_PORT:
            raise ValueError(f"port {BRIDGE_PORT} belongs to Inspect's agent bridge in the shared loopback")
        return value

    @model_validator(mode="after")
    def _gpu_ids_match(self) -> SandboxOptions:
        if self.gpu_ids is not None:
            if self.gpu_ids_from_metadata:
                raise ValueError("give gpu_ids or gpu_ids_from_metadata, not both")
            if len(set(self.gpu_ids)) != len(self.gpu_ids) or any(i < 0 for i in self.gpu_ids):
                raise ValueError(f"gpu_ids must be distinct non-negative indices, got {self.gpu_ids}")
            if isinstance(self.gpus, int) and len(self.gpu_ids) != self.gpus:
                raise ValueError(f"gpus={self.gpus} but {len(self.gpu_ids)} gpu_ids given: {self.gpu_ids}")
        return self

    @property
    def gpu_count(self) -> int:
        """The resolved GPU count; raises while gpus is still 'auto'."""
        if self.gpus == "auto":
            raise ValueError("gpus='auto' must be resolved to a count first (sandbox.gpus.resolve_gpus)")
        return self.gpus

    @property
    def threads(self) -> int:
        """What thread-count variables are set to: the whole CPUs of the quota, at least 1."""
        return max(1, math.floor(self.cpus))


def gpu_lease_metadata(indices: tuple[int, ...] | list[int]) -> dict[str, str]:
    """Sample metadata that fills a `gpu_ids_from_metadata` compose file with leased GPU indices."""
    return {GPU_METADATA_KEY.format(i=i): str(index) for i, index in enumerate(indices)}


def gpu_metadata_variable(i: int) -> str:
    """The variable Inspect's docker provider sets from the i-th GPU's metadata key (it upper-cases keys)."""
    return f"SAMPLE_METADATA_{GPU_METADATA_KEY.format(i=i).upper()}"


def _literal(text: str) -> str:
    """Escape compose interpolation, so a `$` in a path or image name is taken as written."""
    return text.replace("$", "$$")


def _size(gb: float) -> str:
    """A compose byte size: whole GiB as `Ng`, else MiB."""
    mib = max(1, round(gb * 1024))
    return f"{mib // 1024}g" if mib % 1024 == 0 else f"{mib}m"


def _thread_env(cpus: float) -> dict[str, str]:
    threads = str(max(1, math.floor(cpus)))
    return dict.fromkeys(THREAD_ENV_VARS, threads)


_HARDENED: dict[str, Any] = {"cap_drop": ["ALL"], "security_opt": ["no-new-privileges:true"]}
VALIDATOR_PIDS_LIMIT = 1024  # a thread per connection: a burst of hundreds of clients fits
AGENT_PIDS_LIMIT = 32768


def _host_user() -> str | None:
    """The validator runs as the host user who prepared the data (so it can read the answers, whatever their
    mode), never as root; a host running as root keeps root in the container, without capabilities."""
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return f"{uid}:{os.getgid()}" if uid != 0 else None


def _bind_ro(source: Path, target: str) -> dict[str, Any]:
    # Long syntax, the form Inspect's mount check reads: read-only, no propagation, no host path creation.
    return {"type": "bind", "source": _literal(str(source)), "target": target, "read_only": True}


def validator_command(competition_id: str, host: str, port: int, grading_mode: str = "upstream") -> list[str]:
    """The validator's command, supervised (see `validator_supervisor.supervise`); `--grading-mode` only when not the
    default, so default projects (and their content-keyed file names) stay as they were.

    A crash must not end the container: the agent shares its network namespace, and a recreated validator would
    leave the agent cut off. The supervisor restarts the server and holds the port meanwhile, so the agent can
    never bind it and impersonate the validator.
    """
    return [
        "inspect-mlebench",
        "validator-server",
        "--competition",
        competition_id,
        "--data-dir",
        VALIDATOR_DATA_DIR,
        "--host",
        host,
        "--port",
        str(port),
        *(["--grading-mode", grading_mode] if grading_mode != "upstream" else []),
        "--supervise",
    ]


def validator_healthcheck(port: int) -> dict[str, Any]:
    """Probe /health with the validator image's python3. A slow first start (large answers) fits `start_period`."""
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/health', timeout=4)"
    return {
        "test": ["CMD", "python3", "-c", probe],
        "interval": "10s",
        "timeout": "5s",
        "start_period": "120s",
        "start_interval": "1s",
        "retries": 3,
    }


def _gpu_reservation(options: SandboxOptions) -> dict[str, Any] | None:
    count = options.gpu_count
    if count == 0:
        return None
    device: dict[str, Any] = {"driver": "nvidia"}
    # Docker refuses a request that has both a count and device ids.
    if options.gpu_ids is not None:
        device["device_ids"] = [str(i) for i in options.gpu_ids]
    elif options.gpu_ids_from_metadata:
        device["device_ids"] = [f"${{{gpu_metadata_variable(i)}-{i}}}" for i in range(count)]
    else:
        device["count"] = count
    device["capabilities"] = ["gpu"]
    return {"resources": {"reservations": {"devices": [device]}}}


def render_compose(
    comp: Competition,
    data_dir: str | Path | None,
    options: SandboxOptions,
    *,
    check_data: bool = True,
    description: Path | None = None,
) -> dict[str, Any]:
    """The compose project for one sample of `comp` as a dict (see the module docstring for the contract).

    Host paths are made absolute because the file is written to a cache dir, not beside the data. With
    `check_data`, a competition that is not prepared fails here with the command that fixes it, instead of as a
    Docker mount error mid-eval. `description`: a file mounted over /home/data/description.md (the obfuscated
    variant), leaving the prepared data untouched.
    """
    gpus = options.gpu_count
    root = resolve_data_dir(data_dir).resolve()
    public, private = public_dir(root, comp.id), private_dir(root, comp.id)
    if check_data:
        missing = [str(p) for p in (public, private) if not p.is_dir()]
        if missing:
            raise FileNotFoundError(
                f"competition '{comp.id}' is not prepared ({', '.join(missing)} missing); run "
                f"`inspect-mlebench prepare -c {comp.id}`"
            )
    port = options.validator_port
    validator_root = f"{VALIDATOR_DATA_DIR}/{comp.id}/prepared"
    own_folder = competition_origin(comp.id)

    validator: dict[str, Any] = {
        "image": _literal(options.validator_image),
        "x-local": True,
        "init": True,
        "command": validator_command(comp.id, "127.0.0.1", port, options.grading_mode),
        # The shared namespace's network: the agent has exactly this one. No `restart:` (see validator_command).
        **({"networks": [EGRESS_NETWORK]} if options.internet else {"network_mode": "none"}),
        "environment": {
            "COMPETITION_ID": comp.id,
            "PYTHONUNBUFFERED": "1",
            # Never a GPU, even on hosts whose default runtime is nvidia.
            "NVIDIA_VISIBLE_DEVICES": "void",
            **_thread_env(options.validator_cpus),
            **({COMPETITIONS_DIR_ENV: VALIDATOR_COMPETITIONS_DIR} if own_folder else {}),
        },
        "volumes": [
            _bind_ro(private, f"{validator_root}/private"),
            # The sample submission and the public test ids live under public/.
            _bind_ro(public, f"{validator_root}/public"),
            # A user's own competition: its config and grader, for the validator's registry.
            *([_bind_ro(own_folder, VALIDATOR_COMPETITIONS_DIR)] if own_folder else []),
        ],
        "healthcheck": validator_healthcheck(port),
        "cpus": options.validator_cpus,
        "mem_limit": _size(options.validator_memory_gb),
        "stop_grace_period": "2s",
        # It parses untrusted uploads: no capabilities, no setuid escalation, a bounded process count, and a
        # read-only root filesystem with one scratch volume for uploads (disk, not memory like a tmpfs).
        **_HARDENED,
        "pids_limit": VALIDATOR_PIDS_LIMIT,
        "read_only": True,
        **({"user": validator_user} if (validator_user := _host_user()) else {}),
    }
    validator["volumes"].append({"type": "volume", "target": "/tmp"})

    agent_env = {
        "COMPETITION_ID": comp.id,
        "VALIDATOR_URL": f"http://localhost:{port}/validate",
        **_thread_env(options.cpus),
    }
    if gpus == 0:
        # CUDA base images set NVIDIA_VISIBLE_DEVICES=all; on a host whose default runtime is nvidia that alone
        # would expose every GPU. With a reservation Docker sets the variable itself.
        agent_env["NVIDIA_VISIBLE_DEVICES"] = "void"

    agent: dict[str, Any] = {"image": _literal(options.agent_image), "x-local": True, "init": True}
    if options.agent_user:
        # A named user: capabilities and setuid escalation are of no use to it. An image's own user (None) may be
        # root and install packages, which needs them, so it keeps Docker's defaults.
        agent["user"] = options.agent_user
        agent |= _HARDENED
    agent |= {
        "working_dir": "/home",
        "command": ["sleep", "infinity"],
        "network_mode": f"service:{VALIDATOR_SERVICE}",
        "depends_on": {VALIDATOR_SERVICE: {"condition": "service_healthy"}},
        "environment": agent_env,
        "volumes": [
            _bind_ro(public, DATA_DIR),
            *([_bind_ro(description.resolve(), f"{DATA_DIR}/description.md")] if description else []),
            {"type": "volume", "source": SUBMISSION_VOLUME, "target": SUBMISSION_DIR},
        ],
        "cpus": options.cpus,
        "mem_limit": _size(options.memory_gb),
        # No swap beyond the limit: a run that outgrows memory fails visibly instead of crawling.
        "memswap_limit": _size(options.memory_gb),
        "shm_size": _size(options.shm_size_gb),
        "stop_grace_period": "2s",
        "pids_limit": AGENT_PIDS_LIMIT,  # a fork bomb stops here; data-loader workers and their threads fit
    }
    if (deploy := _gpu_reservation(options)) is not None:
        agent["deploy"] = deploy

    project: dict[str, Any] = {
        "services": {AGENT_SERVICE: agent, VALIDATOR_SERVICE: validator},
        # A plain project volume: Inspect accepts it and `compose down --volumes` removes it after the sample.
        "volumes": {SUBMISSION_VOLUME: {}},
    }
    if options.internet:
        project["networks"] = {EGRESS_NETWORK: {"driver": "bridge"}}
    return project


def compose_yaml(project: dict[str, Any]) -> str:
    """Serialise a rendered project; deterministic, so equal projects give equal text (and file names)."""
    return yaml.safe_dump(project, sort_keys=False, default_flow_style=False, width=4096, allow_unicode=True)


def default_compose_cache_dir() -> Path:
    return Path(user_cache_dir("inspect-mlebench")) / "compose"


def write_compose(
    comp: Competition,
    data_dir: str | Path | None,
    options: SandboxOptions,
    cache_dir: str | Path | None = None,
    *,
    check_data: bool = True,
    description: Path | None = None,
) -> Path:
    """Write the project to `<cache_dir>/<id>-<sha256[:12]>-compose.yaml` and return the path.

    The name is keyed by content, so identical projects share one file and different ones never collide. The
    `-compose.yaml` ending is what Inspect recognises as a compose file when a sample's config is carried over
    to another docker-compatible sandbox type (e.g. a GPU-leasing provider). Writes go to a temp file in the same
    dir and are renamed into place, so a concurrent reader or writer never sees a partial file.
    """
    text = (
        f"# inspect-mlebench sandbox for {comp.id}; generated, do not edit (name = sha256 of the content)\n"
        + compose_yaml(render_compose(comp, data_dir, options, check_data=check_data, description=description))
    )
    directory = Path(cache_dir).expanduser() if cache_dir is not None else default_compose_cache_dir()
    return write_keyed(directory, comp.id, "compose.yaml", text)


def write_keyed(directory: Path, stem: str, suffix: str, text: str) -> Path:
    """Write `text` to `<directory>/<stem>-<sha256[:12]>-<suffix>` atomically (temp file + rename); an identical
    existing file is left as is."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{stem}-{digest}-{suffix}"
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except FileNotFoundError:
        pass
    atomic_write(path, text)
    return path
