"""What a failed Kaggle request means, said in one line with its fix, and retrying the failures that waiting
can fix (rate limits, server errors, dropped connections) with exponential backoff or the server's Retry-After.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import socket
import time
from collections.abc import Callable
from typing import Literal, TypeVar
from urllib.parse import urlparse

import requests
import urllib3.exceptions

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import one_line

logger = logging.getLogger(__name__)

T = TypeVar("T")
# "offline": no DNS answer or a refused connection. Not retried: waiting does not bring a network back, and a user
# without one should hear so at once (and about --from-zip), not after a minute of backoff.
ErrorKind = Literal["auth", "rules", "not_found", "rate_limit", "network", "offline", "checksum", "other"]

TOKEN_URL = "https://www.kaggle.com/settings"
BASE_DELAY_S = 2.0  # first backoff; doubles per attempt
MAX_BACKOFF_S = 60.0
MAX_RETRY_AFTER_S = 600.0  # a longer Retry-After is reported instead of slept through
_RETRIABLE: frozenset[ErrorKind] = frozenset({"rate_limit", "network"})
_TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.TimeoutError,
    urllib3.exceptions.NewConnectionError,
    ConnectionError,
    TimeoutError,
)


class KaggleError(MLEBenchError, RuntimeError):
    """A Kaggle request failed. The message is one line and names the fix; `kind` says what went wrong."""

    def __init__(
        self,
        message: str,
        *,
        kind: ErrorKind,
        competition_id: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.competition_id = competition_id
        self.status = status
        self.retry_after = retry_after

    @property
    def retriable(self) -> bool:
        return self.kind in _RETRIABLE


def rules_url(competition_id: str) -> str:
    return f"https://www.kaggle.com/competitions/{competition_id}/rules"


def _rules_unavailable(competition_id: str) -> bool:
    """Whether the registry records that Kaggle no longer lets new users accept this competition's rules."""
    from inspect_mlebench.config import competitions

    comp = competitions().get(competition_id)
    return comp is not None and any(issue.kind == "rules_unavailable" for issue in comp.known_issues)


def _rules_message(competition_id: str, server_said: str) -> str:
    said = f" (Kaggle said: {server_said})" if server_said else ""
    if _rules_unavailable(competition_id):
        return (
            f"{competition_id}: Kaggle refused the download (HTTP 403){said}, and this competition's rules can no "
            "longer be accepted by new users; bring your own copy of the competition zip: "
            f"inspect-mlebench prepare -c {competition_id} --from-zip PATH"
        )
    return (
        f"{competition_id}: Kaggle refused the download (HTTP 403){said}; most likely its rules are not accepted yet: "
        f'open {rules_url(competition_id)} and click "I Understand and Accept" (or "Late Submission" for a closed '
        "competition), then run this again"
    )


def _retry_after_s(response: requests.Response | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date), if there is a usable one."""
    value = response.headers.get("Retry-After") if response is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000": UTC by RFC 5322
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, when.timestamp() - time.time())


def _from_kaggle_api(response: requests.Response) -> bool:
    """Whether a response came from Kaggle's API rather than the storage host a download is redirected to."""
    host = urlparse(response.url or "").hostname
    return host is None or host == "kaggle.com" or host.endswith(".kaggle.com")


def _status_of(response: requests.Response) -> int:
    """The HTTP status, or the `code` of a JSON error body (kagglesdk raises on that even when the status is 2xx)."""
    if response.status_code >= 400:
        return response.status_code
    try:
        code = response.json().get("code")
    except (ValueError, AttributeError, RuntimeError):
        return response.status_code
    return code if isinstance(code, int) and code >= 400 else response.status_code


def _classify(err: BaseException, competition_id: str | None) -> KaggleError | None:
    """Map what the kaggle client raises to a KaggleError; None for anything this module does not understand."""
    prefix = f"{competition_id}: " if competition_id else ""

    def error(
        message: str, kind: ErrorKind, status: int | None = None, retry_after: float | None = None
    ) -> KaggleError:
        return KaggleError(message, kind=kind, competition_id=competition_id, status=status, retry_after=retry_after)

    if isinstance(err, requests.HTTPError):
        said = one_line(err, 200)
        response = err.response
        if response is None:
            return error(f"{prefix}Kaggle request failed: {said}", "other")
        status = _status_of(response)
        if status >= 500 or not _from_kaggle_api(response):
            # 5xx, or the signed storage link expired mid-download (403 from the storage host): a new request helps.
            return error(f"{prefix}Kaggle answered HTTP {status}, a transient error: {said}", "network", status)
        if status == 401:
            # Not about one competition: every request fails alike.
            return error(
                f"Kaggle rejected the credentials (HTTP 401); check them or create a new token at {TOKEN_URL}",
                "auth",
                status,
            )
        if status == 403 and competition_id is not None:
            return error(_rules_message(competition_id, said), "rules", status)
        if status == 404:
            return error(
                f"{prefix}Kaggle has no such competition (HTTP 404); check the id against the competition's URL",
                "not_found",
                status,
            )
        if status == 429:
            return error(
                f"{prefix}Kaggle is rate-limiting requests (HTTP 429); wait a few minutes and run this again",
                "rate_limit",
                status,
                _retry_after_s(response),
            )
        return error(f"{prefix}Kaggle answered HTTP {status}: {said}", "other", status)
    if _unreachable(err):
        return error(
            f"{prefix}cannot reach Kaggle (no DNS answer or connection refused: {type(err).__name__}); this machine "
            "looks offline: connect it, or prepare from a Kaggle zip on disk with --from-zip PATH",
            "offline",
        )
    if isinstance(err, _TRANSIENT_EXCEPTIONS):
        return error(
            f"{prefix}could not reach Kaggle: {type(err).__name__}: {one_line(err, 200)}; check the network", "network"
        )
    if isinstance(err, ValueError) and "does not match expected size" in str(err):
        # The client's own check after a stream ended early; its partial file is resumed on the next call.
        return error(f"{prefix}the download ended early: {one_line(err, 200)}", "network")
    return None


def _unreachable(err: BaseException) -> bool:
    """Whether the failure, anywhere in its chain, is a failed name lookup or a refused connection."""
    seen: set[int] = set()
    todo: list[object] = [err]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, urllib3.exceptions.NameResolutionError | ConnectionRefusedError | socket.gaierror):
            return True
        todo.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    return False


def _backoff_s(attempt: int) -> float:
    return float(min(BASE_DELAY_S * 2 ** (attempt - 1), MAX_BACKOFF_S))


def call_with_retries(
    fn: Callable[[], T], competition_id: str | None, *, max_attempts: int, sleep: Callable[[float], None]
) -> T:
    """Call `fn`, retrying rate limits and transient errors with exponential backoff (or the server's Retry-After).

    Errors a retry cannot fix (401, 403, 404, other 4xx) raise at once; unknown exceptions propagate unchanged.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    for attempt in range(1, max_attempts + 1):
        try:
            return fn()
        except KaggleError:
            raise
        except Exception as err:
            error = _classify(err, competition_id)
            if error is None:
                raise
            if not error.retriable:
                raise error from err
            delay = error.retry_after if error.retry_after is not None else _backoff_s(attempt)
            if delay > MAX_RETRY_AFTER_S:
                error.args = (f"{error} (Kaggle asks to wait {delay:.0f} s)",)
                raise error from err
            if attempt == max_attempts:
                tries = f"{max_attempts} attempt" + ("s" if max_attempts > 1 else "")
                error.args = (f"{error} (gave up after {tries})",)
                raise error from err
            logger.warning("%s; retrying in %.0f s (attempt %d of %d)", error, delay, attempt, max_attempts)
            sleep(delay)
    raise AssertionError("unreachable")
