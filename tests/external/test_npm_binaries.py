"""Fetching Claude Code's and Codex CLI's binaries from an npm registry (a mocked one: no network)."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path
from typing import Any

import httpx
import pytest

from inspect_mlebench.external import npm_binaries
from inspect_mlebench.external.npm_binaries import CLAUDE_CODE, CODEX_CLI, NpmBinaryError, fetch_binary

REGISTRY = "https://registry.example"


def _tarball(member: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(content)
        archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _registry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, routes: dict[str, Any], hits: list[str] | None = None
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        path = request.url.raw_path.decode()
        if hits is not None:
            hits.append(path)
        body = routes.get(path)
        if body is None:
            return httpx.Response(404, json={"error": "not found"})
        return httpx.Response(200, content=body) if isinstance(body, bytes) else httpx.Response(200, json=body)

    real_client = httpx.Client

    def client(**kwargs: Any) -> httpx.Client:
        return real_client(transport=httpx.MockTransport(handle), **kwargs)

    monkeypatch.setenv("NPM_CONFIG_REGISTRY", REGISTRY)
    monkeypatch.setattr(httpx, "Client", client)
    monkeypatch.setattr(npm_binaries, "binary_cache_dir", lambda: tmp_path)


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_latest_claude_code_is_fetched_verified_and_cached(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tarball = _tarball("package/claude", b"#!/bin/sh\necho claude\n")
    hits: list[str] = []
    routes: dict[str, Any] = {
        "/@anthropic-ai%2Fclaude-code/latest": {"version": "9.9.9"},
        "/@anthropic-ai%2Fclaude-code-linux-x64/9.9.9": {
            "dist": {"tarball": f"{REGISTRY}/claude.tgz", "integrity": _integrity(tarball)}
        },
        "/claude.tgz": tarball,
    }
    _registry(monkeypatch, tmp_path, routes, hits)
    path, version = fetch_binary(CLAUDE_CODE, "latest")
    assert version == "9.9.9"
    assert path.read_bytes() == b"#!/bin/sh\necho claude\n"
    assert path.stat().st_mode & 0o777 == 0o755
    hits.clear()
    assert fetch_binary(CLAUDE_CODE, "9.9.9") == (path, "9.9.9")
    assert hits == []  # served from the cache


def test_codex_uses_its_linux_build_version(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tarball = _tarball(CODEX_CLI.member, b"codex")
    routes: dict[str, Any] = {
        "/@openai%2Fcodex/1.2.3-linux-x64": {
            "dist": {"tarball": f"{REGISTRY}/codex.tgz", "integrity": _integrity(tarball)}
        },
        "/codex.tgz": tarball,
    }
    _registry(monkeypatch, tmp_path, routes)
    path, _ = fetch_binary(CODEX_CLI, "1.2.3")
    assert path.read_bytes() == b"codex"


def test_a_tampered_tarball_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tarball = _tarball("package/claude", b"claude")
    routes: dict[str, Any] = {
        "/@anthropic-ai%2Fclaude-code-linux-x64/1.0.0": {
            "dist": {"tarball": f"{REGISTRY}/claude.tgz", "integrity": _integrity(b"something else")}
        },
        "/claude.tgz": tarball,
    }
    _registry(monkeypatch, tmp_path, routes)
    with pytest.raises(NpmBinaryError, match="does not match the registry's sha512"):
        fetch_binary(CLAUDE_CODE, "1.0.0")
    assert not list(tmp_path.glob("claude-*-linux-x64"))


def test_an_unknown_version_says_where_it_looked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _registry(monkeypatch, tmp_path, {})
    with pytest.raises(NpmBinaryError, match=r"claude-code-linux-x64@0\.0\.1 from https://registry\.example"):
        fetch_binary(CLAUDE_CODE, "0.0.1")
