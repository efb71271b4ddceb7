"""Where upstream's files are (URLs at the pinned commit, overridable for mirrors and tests) and how one is
fetched: streamed with a size cap and its sha256, transient failures retried with backoff."""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from email.message import Message
from typing import BinaryIO, NoReturn

from inspect_mlebench._version import UPSTREAM_COMMIT, __version__
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import one_line

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
CHUNK_BYTES = 2**16
HEAD_BYTES = len(LFS_POINTER_PREFIX)
# mkstemp creates 0600 files; description.md is read inside the agent's container, possibly as another user.
FILE_MODE = 0o644
_USER_AGENT = f"inspect-mlebench/{__version__} (+https://github.com/{UPSTREAM_REPO})"


class UpstreamFetchError(MLEBenchError, RuntimeError):
    """An upstream file could not be fetched or did not match; the message is one line and says what to do."""


class _TransientError(Exception):
    """A failure worth retrying (timeout, dropped connection, HTTP 5xx/429)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


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


def error_text(value: object) -> str:
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
    raise UpstreamFetchError(f"{url} returned HTTP {err.code} ({error_text(err.reason)}); {hint}") from err


def _raise_network(err: BaseException, host: str, hint: str) -> NoReturn:
    """Timeouts and dropped connections are retried; refused connections and DNS failures fail at once (offline)."""
    reason = err.reason if isinstance(err, urllib.error.URLError) else err
    if isinstance(reason, TimeoutError | ConnectionResetError | ConnectionAbortedError | http.client.HTTPException):
        raise _TransientError(error_text(reason)) from err
    raise UpstreamFetchError(f"could not reach {host} ({error_text(reason)}); {hint}") from err


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
                chunk = response.read(CHUNK_BYTES)
            except (OSError, http.client.HTTPException) as err:
                raise _TransientError(f"transfer interrupted: {error_text(err)}") from err
            if not chunk:
                break
            total += len(chunk)
            if total > _MAX_DOWNLOAD_BYTES:
                raise UpstreamFetchError(f"{url} sent more than {_MAX_DOWNLOAD_BYTES} bytes; {hint}")
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
            digest.update(chunk)
            sink.write(chunk)
    # http.client ends a short read silently when the server closes early; a truncated body is worth a retry.
    if declared is not None and total < declared:
        raise _TransientError(f"connection closed after {total} of {declared} bytes")
    return digest.hexdigest(), total, head


def download(
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
