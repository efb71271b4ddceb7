"""Files that exist only in upstream's repository: each competition's `leaderboard.csv` and `description.md`.

They are fetched at the pinned upstream commit instead of being vendored. The leaderboards are git-LFS objects
upstream, and a download is accepted only if it matches the sha256 and size recorded in the registry, so medals come
from exactly upstream's table. The descriptions are Kaggle's text, which this repository does not redistribute.
Every write goes to a temporary file in the destination directory and is renamed into place, so a killed or failed
fetch never leaves a partial file. Both base URLs can be overridden (mirrors, tests) through environment variables.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import logging
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import BinaryIO, NoReturn

from platformdirs import user_cache_dir

from inspect_mlebench._version import UPSTREAM_COMMIT, __version__
from inspect_mlebench.config import Competition
from inspect_mlebench.data.paths import leaderboard_path
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import atomic_write, one_line

logger = logging.getLogger(__name__)

UPSTREAM_REPO = "openai/mle-bench"

MEDIA_URL_ENV = "INSPECT_MLEBENCH_UPSTREAM_MEDIA_URL"
RAW_URL_ENV = "INSPECT_MLEBENCH_UPSTREAM_RAW_URL"
# git-LFS content is served from the media host; the raw host would return the pointer file.
DEFAULT_MEDIA_URL = f"https://media.githubusercontent.com/media/{UPSTREAM_REPO}"
DEFAULT_RAW_URL = f"https://raw.githubusercontent.com/{UPSTREAM_REPO}"

LFS_POINTER_PREFIX = b"version https://git-lfs"
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 3

Sleep = Callable[[float], None]

_BACKOFF_S = 1.0
_MAX_RETRY_AFTER_S = 60.0
# Upstream's largest file here is ~250 KB; the cap only stops a misconfigured mirror from filling the disk.
_MAX_DOWNLOAD_BYTES = 64 * 2**20
_CHUNK = 2**16
_HEAD = len(LFS_POINTER_PREFIX)
# mkstemp creates 0600 files; description.md is read inside the agent's container, possibly as another user.
_FILE_MODE = 0o644
_USER_AGENT = f"inspect-mlebench/{__version__} (+https://github.com/{UPSTREAM_REPO})"


class UpstreamFetchError(MLEBenchError, RuntimeError):
    """An upstream file could not be fetched or did not match; the message is one line and says what to do."""


class _TransientError(Exception):
    """A failure worth retrying (timeout, dropped connection, HTTP 5xx/429)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


# --- URLs -------------------------------------------------------------------------------------------------------


def media_base_url() -> str:
    """Base for git-LFS content: `$INSPECT_MLEBENCH_UPSTREAM_MEDIA_URL`, else GitHub's media host."""
    return (os.environ.get(MEDIA_URL_ENV) or DEFAULT_MEDIA_URL).rstrip("/")


def raw_base_url() -> str:
    """Base for plain files: `$INSPECT_MLEBENCH_UPSTREAM_RAW_URL`, else GitHub's raw host."""
    return (os.environ.get(RAW_URL_ENV) or DEFAULT_RAW_URL).rstrip("/")


def _repo_path(competition_id: str, filename: str) -> str:
    return f"mlebench/competitions/{competition_id}/{filename}"


def description_filename(*, obfuscated: bool = False) -> str:
    return "description_obfuscated.md" if obfuscated else "description.md"


def leaderboard_url(competition_id: str, *, commit: str = UPSTREAM_COMMIT) -> str:
    """`<media base>/<commit>/mlebench/competitions/<id>/leaderboard.csv`: the LFS content, not the pointer."""
    return f"{media_base_url()}/{commit}/{_repo_path(competition_id, 'leaderboard.csv')}"


def description_url(competition_id: str, *, obfuscated: bool = False, commit: str = UPSTREAM_COMMIT) -> str:
    """`<raw base>/<commit>/mlebench/competitions/<id>/description[_obfuscated].md`."""
    return f"{raw_base_url()}/{commit}/{_repo_path(competition_id, description_filename(obfuscated=obfuscated))}"


# --- download ---------------------------------------------------------------------------------------------------


def _one_line(value: object) -> str:
    """The value's text on one line, or its type's name when it has none (e.g. a bare timeout error)."""
    return one_line(value, 1000) or type(value).__name__


def _retry_after(headers: Message | None) -> float | None:
    """Retry-After in seconds; the HTTP-date form is ignored (the backoff applies instead)."""
    value = headers.get("Retry-After") if headers is not None else None
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None


def _raise_http(err: urllib.error.HTTPError, url: str, hint: str) -> NoReturn:
    if err.code == 429 or 500 <= err.code < 600:
        raise _TransientError(f"HTTP {err.code}", retry_after=_retry_after(err.headers)) from err
    raise UpstreamFetchError(f"{url} returned HTTP {err.code} ({_one_line(err.reason)}); {hint}") from err


def _raise_network(err: BaseException, host: str, hint: str) -> NoReturn:
    """Timeouts and dropped connections are retried; refused connections and DNS failures fail at once (offline)."""
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError | ConnectionResetError | ConnectionAbortedError | http.client.HTTPException):
        raise _TransientError(_one_line(reason)) from err
    raise UpstreamFetchError(f"could not reach {host} ({_one_line(reason)}); {hint}") from err


def _content_length(response: object) -> int | None:
    headers = getattr(response, "headers", None)
    value = headers.get("Content-Length") if isinstance(headers, Message) else None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _attempt(url: str, sink: BinaryIO, *, timeout: float, host: str, hint: str) -> tuple[str, int, bytes]:
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        err.close()
        _raise_http(err, url, hint)
    except (OSError, http.client.HTTPException) as err:  # URLError is an OSError
        _raise_network(err, host, hint)
    digest, total, head = hashlib.sha256(), 0, b""
    with response:
        declared = _content_length(response)
        while True:
            try:
                chunk = response.read(_CHUNK)
            except (OSError, http.client.HTTPException) as err:
                raise _TransientError(f"transfer interrupted: {_one_line(err)}") from err
            if not chunk:
                break
            total += len(chunk)
            if total > _MAX_DOWNLOAD_BYTES:
                raise UpstreamFetchError(f"{url} sent more than {_MAX_DOWNLOAD_BYTES} bytes; {hint}")
            if len(head) < _HEAD:
                head += chunk[: _HEAD - len(head)]
            digest.update(chunk)
            sink.write(chunk)
    # http.client ends a short read silently when the server closes early; a truncated body is worth a retry.
    if declared is not None and total < declared:
        raise _TransientError(f"connection closed after {total} of {declared} bytes")
    return digest.hexdigest(), total, head


def _download(
    url: str, sink: BinaryIO, *, timeout: float, retries: int, sleep: Sleep, hint: str
) -> tuple[str, int, bytes]:
    """Stream `url` into `sink`, retrying transient failures with exponential backoff; (sha256, size, first bytes)."""
    host = urllib.parse.urlsplit(url).netloc or url
    attempt = 0
    while True:
        sink.seek(0)
        sink.truncate()
        try:
            return _attempt(url, sink, timeout=timeout, host=host, hint=hint)
        except _TransientError as err:
            if attempt >= retries:
                raise UpstreamFetchError(
                    f"{host} kept failing ({err.reason}; {attempt + 1} tries); try again later, or {hint}"
                ) from err
            delay = _BACKOFF_S * 2**attempt
            if err.retry_after is not None:
                delay = max(delay, min(err.retry_after, _MAX_RETRY_AFTER_S))
            logger.info("fetching %s failed (%s); retrying in %.1fs", url, err.reason, delay)
            sleep(delay)
            attempt += 1


# --- leaderboard ------------------------------------------------------------------------------------------------


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
        while chunk := handle.read(_CHUNK):
            if len(head) < _HEAD:
                head += chunk[: _HEAD - len(head)]
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
            head = handle.read(_HEAD)
        _check_leaderboard(comp, str(source), sha256, size, head, allow_unverified=allow_unverified, fix=fix)
        return target

    def fill(out: BinaryIO) -> None:
        sha256, size, head = _copy_hashing(source, out)
        _check_leaderboard(comp, str(source), sha256, size, head, allow_unverified=allow_unverified, fix=fix)

    return atomic_write(target, fill, mode=_FILE_MODE)


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
            head = handle.read(_HEAD)
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
        sha256, size, head = _download(url, out, timeout=timeout, retries=retries, sleep=sleep, hint=hint)
        if head.startswith(LFS_POINTER_PREFIX):
            raise UpstreamFetchError(
                f"{url} is a git-LFS pointer, not the leaderboard for '{comp.id}'; ${MEDIA_URL_ENV} must serve LFS "
                f"content like {DEFAULT_MEDIA_URL} does, not raw repository files"
            )
        _check_leaderboard(comp, url, sha256, size, head, allow_unverified=False, fix=fix)

    atomic_write(target, fill, mode=_FILE_MODE)
    if replacing:
        logger.warning("replaced %s, which did not match upstream's leaderboard, with a verified download", target)
    return target


# --- description ------------------------------------------------------------------------------------------------


def description_cache_path(comp: Competition, *, obfuscated: bool = False, cache_dir: Path | None = None) -> Path:
    """`<cache>/<commit>/<id>/<file>`, where `<cache>` is `cache_dir` or the user cache dir's `descriptions/`."""
    root = cache_dir if cache_dir is not None else Path(user_cache_dir("inspect-mlebench")) / "descriptions"
    return root / UPSTREAM_COMMIT / comp.id / description_filename(obfuscated=obfuscated)


def _decode(data: bytes) -> str:
    """As upstream reads it (`Path.read_text`): UTF-8 with universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def fetch_description(
    comp: Competition,
    *,
    obfuscated: bool = False,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = time.sleep,
) -> str:
    """Upstream's `description.md` (or `description_obfuscated.md`) at the pinned commit, cached on disk."""
    path = description_cache_path(comp, obfuscated=obfuscated, cache_dir=cache_dir)
    try:
        return _decode(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as err:
        logger.warning("ignoring unreadable cached description %s (%s)", path, _one_line(err))

    url = description_url(comp.id, obfuscated=obfuscated)
    hint = f"download {url} elsewhere and put it at {path}"
    buffer = io.BytesIO()
    _, size, head = _download(url, buffer, timeout=timeout, retries=retries, sleep=sleep, hint=hint)
    data = buffer.getvalue()
    if head.startswith(LFS_POINTER_PREFIX):
        raise UpstreamFetchError(f"{url} is a git-LFS pointer, not a description; check ${RAW_URL_ENV} or {hint}")
    try:
        text = _decode(data)
    except UnicodeDecodeError as err:
        raise UpstreamFetchError(f"{url} is not UTF-8 text ({_one_line(err)}); check ${RAW_URL_ENV} or {hint}") from err
    if size == 0 or not text.strip():
        raise UpstreamFetchError(f"{url} is empty; check ${RAW_URL_ENV} or {hint}")
    try:
        atomic_write(path, data, mode=_FILE_MODE)
    except OSError as err:  # a read-only cache must not stop a prepare that has the text in hand
        logger.warning("could not cache the description at %s (%s)", path, _one_line(err))
    return text


def write_description(
    comp: Competition,
    public_dir: Path,
    *,
    obfuscated: bool = False,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = time.sleep,
) -> Path:
    """Write the description to `public_dir/description.md`, the file the agent reads (as upstream's prepare does)."""
    text = fetch_description(
        comp, obfuscated=obfuscated, cache_dir=cache_dir, timeout=timeout, retries=retries, sleep=sleep
    )
    data = text.encode("utf-8")
    return atomic_write(Path(public_dir) / "description.md", data, mode=_FILE_MODE)


__all__ = [
    "DEFAULT_MEDIA_URL",
    "DEFAULT_RAW_URL",
    "MEDIA_URL_ENV",
    "RAW_URL_ENV",
    "UPSTREAM_COMMIT",
    "UPSTREAM_REPO",
    "UpstreamFetchError",
    "description_cache_path",
    "description_filename",
    "description_url",
    "fetch_description",
    "fetch_leaderboard",
    "leaderboard_is_valid",
    "leaderboard_url",
    "media_base_url",
    "raw_base_url",
    "write_description",
]
