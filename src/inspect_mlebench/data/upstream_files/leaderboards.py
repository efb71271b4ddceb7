"""Upstream's `leaderboard.csv` of a competition, accepted only when it matches the sha256 and size recorded in
the registry: downloaded, or copied from a directory for offline machines."""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path
from typing import BinaryIO

from inspect_mlebench.config import Competition
from inspect_mlebench.data.paths import leaderboard_path
from inspect_mlebench.data.upstream_files.fetch import (
    CHUNK_BYTES,
    DEFAULT_MEDIA_URL,
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    FILE_MODE,
    HEAD_BYTES,
    LFS_POINTER_PREFIX,
    MEDIA_URL_ENV,
    Sleep,
    UpstreamFetchError,
    download,
    leaderboard_url,
)
from inspect_mlebench.util import atomic_write

logger = logging.getLogger(__name__)


def _sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def leaderboard_is_valid(comp: Competition, path: Path) -> bool:
    """The file is upstream's leaderboard: size first (a stat), then the sha256 (~1 ms for the largest one). For a
    user's own competition (no upstream leaderboard recorded) any file present is theirs to vouch for."""
    if comp.leaderboard is None:
        return path.is_file()
    try:
        if not path.is_file() or path.stat().st_size != comp.leaderboard.size:
            return False
        return _sha256_file(path) == comp.leaderboard.sha256
    except OSError:
        return False


def _check_leaderboard(
    comp: Competition, source: str, sha256: str, size: int, head: bytes, *, allow_unverified: bool, fix: str
) -> None:
    if head.startswith(LFS_POINTER_PREFIX):
        raise UpstreamFetchError(f"{source} is a git-LFS pointer, not the leaderboard for '{comp.id}'; {fix}")
    ref = comp.leaderboard
    if ref is None or (sha256 == ref.sha256 and size == ref.size):
        return
    message = (
        f"{source} is not upstream's leaderboard for '{comp.id}': expected sha256 {ref.sha256} ({ref.size} bytes), "
        f"got sha256 {sha256} ({size} bytes)"
    )
    if not allow_unverified:
        raise UpstreamFetchError(f"{message}; {fix}")
    logger.warning("%s; using it because unverified leaderboards are allowed", message)


def _copy_hashing(source: Path, out: BinaryIO) -> tuple[str, int, bytes]:
    digest, total, head = hashlib.sha256(), 0, b""
    with source.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            digest.update(chunk)
            total += len(chunk)
            out.write(chunk)
    return digest.hexdigest(), total, head


def _from_leaderboard_dir(comp: Competition, leaderboard_dir: Path, target: Path, *, allow_unverified: bool) -> Path:
    candidates = [leaderboard_dir / f"{comp.id}.csv", leaderboard_dir / comp.id / "leaderboard.csv"]
    source = next((c for c in candidates if c.is_file()), None)
    if source is None:
        raise UpstreamFetchError(
            f"no leaderboard for '{comp.id}' in {leaderboard_dir}: put {leaderboard_url(comp.id)} at {candidates[0]} "
            f"or {candidates[1]}"
        )
    fix = (
        f"replace it with {leaderboard_url(comp.id)}, or pass --allow-unverified-leaderboard "
        "(allow_unverified=True) to use it anyway"
    )
    if target.exists() and source.resolve() == target.resolve():  # the leaderboard dir is the data dir
        sha256, size = _sha256_file(source), source.stat().st_size
        with source.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        _check_leaderboard(comp, str(source), sha256, size, head, allow_unverified=allow_unverified, fix=fix)
        return target

    def fill(out: BinaryIO) -> None:
        sha256, size, head = _copy_hashing(source, out)
        _check_leaderboard(comp, str(source), sha256, size, head, allow_unverified=allow_unverified, fix=fix)

    return atomic_write(target, fill, mode=FILE_MODE)


def fetch_leaderboard(
    comp: Competition,
    data_dir: str | Path | None = None,
    *,
    leaderboard_dir: Path | None = None,
    allow_unverified: bool = False,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = time.sleep,
) -> Path:
    """Make `<data>/<id>/leaderboard.csv` upstream's file and return its path.

    A file already in place that matches the registry's sha256 and size is kept without any request. Otherwise the
    file comes from `leaderboard_dir` (`<dir>/<id>.csv` or `<dir>/<id>/leaderboard.csv`; for offline machines) or is
    downloaded from the media URL. Anything that does not match is refused and nothing is left behind, unless
    `allow_unverified` is set: then a non-matching local file (never a git-LFS pointer) is accepted with a warning.
    """
    target = leaderboard_path(data_dir, comp.id)
    if leaderboard_is_valid(comp, target):
        return target
    if leaderboard_dir is not None:
        return _from_leaderboard_dir(
            comp, Path(leaderboard_dir).expanduser(), target, allow_unverified=allow_unverified
        )
    if allow_unverified and target.is_file():
        with target.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        if not head.startswith(LFS_POINTER_PREFIX):
            logger.warning("%s does not match upstream's leaderboard for '%s'; using it anyway", target, comp.id)
            return target

    if comp.leaderboard is None:
        raise UpstreamFetchError(
            f"'{comp.id}' is not an upstream competition, so it has no leaderboard to download; put one (columns "
            f"teamId, score, best first) at {target} or pass --leaderboard-dir DIR"
        )
    url = leaderboard_url(comp.id)
    hint = f"download {url} elsewhere and pass --leaderboard-dir DIR (holding {comp.id}.csv), or put it at {target}"
    fix = f"the server does not serve upstream's file; check ${MEDIA_URL_ENV} or {hint}"
    replacing = target.exists()

    def fill(out: BinaryIO) -> None:
        sha256, size, head = download(url, out, timeout=timeout, retries=retries, sleep=sleep, hint=hint)
        if head.startswith(LFS_POINTER_PREFIX):
            raise UpstreamFetchError(
                f"{url} is a git-LFS pointer, not the leaderboard for '{comp.id}'; ${MEDIA_URL_ENV} must serve LFS "
                f"content like {DEFAULT_MEDIA_URL} does, not raw repository files"
            )
        _check_leaderboard(comp, url, sha256, size, head, allow_unverified=False, fix=fix)

    atomic_write(target, fill, mode=FILE_MODE)
    if replacing:
        logger.warning("replaced %s, which did not match upstream's leaderboard, with a verified download", target)
    return target
