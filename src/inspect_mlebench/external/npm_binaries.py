"""Claude Code's and Codex CLI's Linux binaries from the npm registry, fetched on the host for an offline sandbox.

inspect_swe downloads these binaries from claude.ai / Google Cloud Storage and GitHub releases. Both projects also
publish the same native binaries as npm packages, and the npm registry is what many locked-down hosts can reach
(an npm mirror is a common proxy). The host fetches the package once, checks the registry's sha512 integrity,
keeps the binary in a cache and copies it into the agent container, where inspect_swe then finds it on PATH.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
from filelock import FileLock
from platformdirs import user_cache_dir

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import atomic_write

DEFAULT_REGISTRY = "https://registry.npmjs.org"


class NpmBinaryError(MLEBenchError, RuntimeError):
    """A binary could not be fetched from the npm registry; the message names the package and the reason."""


@dataclass(frozen=True)
class NpmBinary:
    """Where a CLI's x86-64 Linux binary lives on npm: `package` at a version made from the CLI's own version by
    `version_template`, and the binary's path inside the package tarball."""

    name: str
    package: str
    version_package: str  # the package whose `latest` tag gives the CLI's version
    version_template: str
    member: str


CLAUDE_CODE = NpmBinary(
    name="claude",
    package="@anthropic-ai/claude-code-linux-x64",
    version_package="@anthropic-ai/claude-code",
    version_template="{version}",
    member="package/claude",
)
CODEX_CLI = NpmBinary(
    name="codex",
    package="@openai/codex",
    version_package="@openai/codex",
    version_template="{version}-linux-x64",
    member="package/vendor/x86_64-unknown-linux-musl/bin/codex",
)


def registry_url() -> str:
    """The npm registry this host uses: $NPM_CONFIG_REGISTRY, as npm itself reads it, else the public one."""
    return (os.environ.get("NPM_CONFIG_REGISTRY") or DEFAULT_REGISTRY).rstrip("/")


def _reason(err: httpx.HTTPError) -> str:
    """One line: the HTTP status, or the transport error."""
    if isinstance(err, httpx.HTTPStatusError):
        return f"HTTP {err.response.status_code}"
    return f"{type(err).__name__}: {err}".splitlines()[0]


def _get_json(client: httpx.Client, url: str, what: str) -> dict[str, object]:
    try:
        response = client.get(url)
        response.raise_for_status()
    except httpx.HTTPError as err:
        raise NpmBinaryError(
            f"cannot read {what} from {url}: {_reason(err)}; check that this host reaches the npm registry "
            "(set NPM_CONFIG_REGISTRY for a mirror)"
        ) from err
    data = response.json()
    if not isinstance(data, dict):
        raise NpmBinaryError(f"unexpected answer for {what} from {url}")
    return data


def resolve_version(binary: NpmBinary, version: str, client: httpx.Client) -> str:
    """`latest` (the CLI package's latest tag) or an explicit version such as `2.1.332`."""
    if version != "latest":
        return version
    meta = _get_json(client, f"{registry_url()}/{quote(binary.version_package, safe='@')}/latest", "the latest version")
    found = meta.get("version")
    if not isinstance(found, str):
        raise NpmBinaryError(f"the registry gave no version for {binary.version_package}@latest")
    return found


def _check_integrity(data: bytes, integrity: str, what: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    if algorithm != "sha512":
        raise NpmBinaryError(f"{what}: unsupported integrity {algorithm!r} (expected sha512)")
    if base64.b64encode(hashlib.sha512(data).digest()).decode() != expected:
        raise NpmBinaryError(f"{what}: the downloaded tarball does not match the registry's sha512; try again")


def binary_cache_dir() -> Path:
    return Path(user_cache_dir("inspect-mlebench")) / "cli-binaries"


def fetch_binary(binary: NpmBinary, version: str = "latest") -> tuple[Path, str]:
    """The binary's cached path and its version, downloading and verifying the npm package the first time."""
    with httpx.Client(timeout=httpx.Timeout(120.0, connect=30.0), follow_redirects=True) as client:
        resolved = resolve_version(binary, version, client)
        target = binary_cache_dir() / f"{binary.name}-{resolved}-linux-x64"
        target.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if target.exists():
                return target, resolved
            package_version = binary.version_template.format(version=resolved)
            what = f"{binary.package}@{package_version}"
            meta = _get_json(client, f"{registry_url()}/{quote(binary.package, safe='@')}/{package_version}", what)
            dist = meta.get("dist")
            if not isinstance(dist, dict) or not isinstance(dist.get("tarball"), str):
                raise NpmBinaryError(f"{what}: the registry lists no tarball")
            try:
                response = client.get(dist["tarball"])
                response.raise_for_status()
            except httpx.HTTPError as err:
                raise NpmBinaryError(f"{what}: downloading {dist['tarball']} failed: {_reason(err)}") from err
            if isinstance(dist.get("integrity"), str):
                _check_integrity(response.content, dist["integrity"], what)
            with tarfile.open(fileobj=io.BytesIO(response.content), mode="r:gz") as archive:
                try:
                    member = archive.extractfile(binary.member)
                except KeyError:
                    member = None
                if member is None:
                    raise NpmBinaryError(f"{what}: the package has no {binary.member}")
                atomic_write(target, member.read(), mode=0o755)
    return target, resolved
