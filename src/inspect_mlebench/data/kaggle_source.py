"""Download competition zips from Kaggle, with every access problem reported up front and transient failures retried.

A benchmark run needs dozens of competitions; finding out after an hour of downloads that the rules of the 40th were
never accepted wastes that hour. So `check_access` probes every requested competition first and returns all the
problems at once, each with the fix (the rules URL, or `--from-zip` where Kaggle no longer lets new users accept the
rules). `download_competition_zip` then retries rate limits and transient server or network errors with exponential
backoff, never the errors a retry cannot fix (401, 403, 404), and moves the zip into place only once it is complete
and, when an md5 is given, verified.

The `kaggle` package is imported lazily: importing it authenticates at import time (printing help, or touching the
network when a token is configured), which neither `inspect-mlebench list` nor the tests should pay for. Every
function takes an `api` argument with the methods of `kaggle.api.kaggle_api_extended.KaggleApi` used here, so tests
can stand in for Kaggle at its real boundary.
"""

from __future__ import annotations

import contextlib
import datetime
import email.utils
import functools
import importlib
import io
import json
import logging
import os
import shutil
import socket
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar
from urllib.parse import urlparse

import requests
import urllib3.exceptions
from filelock import FileLock

from inspect_mlebench.data.checksums import md5_file
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


class KaggleApiLike(Protocol):
    """The part of `kaggle.api.kaggle_api_extended.KaggleApi` this module calls (a fake in tests)."""

    def build_kaggle_client(self) -> Any: ...

    def competition_download_files(
        self,
        competition: str,
        path: str | None = None,
        force: bool = False,
        quiet: bool = True,
        unzip: bool = False,
    ) -> None: ...


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


@dataclass(frozen=True)
class AccessProblem:
    """Why one competition (or, with `competition_id` None, every competition) cannot be downloaded."""

    competition_id: str | None
    kind: ErrorKind
    message: str


# --------------------------------------------------------------------------------------------------- credentials


def _kaggle_config_dir() -> Path:
    """Where the kaggle client looks for kaggle.json (mirrors `KaggleApi.config_dir`)."""
    configured = os.environ.get("KAGGLE_CONFIG_DIR")
    if configured:
        return Path(configured).expanduser()
    legacy = Path.home() / ".kaggle"
    if sys.platform.startswith("linux") and not legacy.exists():
        xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(xdg) / "kaggle"
    return legacy


def _read_json_dict(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _nonempty_file(path: Path) -> bool:
    try:
        return path.is_file() and bool(path.read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return False


def credentials_problem() -> str | None:
    """None when some Kaggle credential style is configured, else a one-line message saying how to configure one.

    Checked without importing `kaggle`, in the order the client tries them: an API token (`KAGGLE_API_TOKEN`, or
    `~/.kaggle/access_token`), the OAuth credentials of `kaggle auth login`, a legacy key (`kaggle.json`, or
    `KAGGLE_USERNAME` + `KAGGLE_KEY`, which override its fields). Whether Kaggle accepts them is only known online.
    """
    if os.environ.get("KAGGLE_API_TOKEN", "").strip():
        return None
    kaggle_home = Path.home() / ".kaggle"
    if any(_nonempty_file(kaggle_home / name) for name in ("access_token", "access_token.txt")):
        return None
    if _read_json_dict(kaggle_home / "credentials.json").get("refresh_token"):
        return None
    notebook_token = os.environ.get("KAGGLE_API_V1_TOKEN")
    in_notebook = os.environ.get("KAGGLE_KERNEL_RUN_TYPE") and os.environ.get("KAGGLE_DATA_PROXY_URL")
    if in_notebook and notebook_token and _nonempty_file(Path(notebook_token)):
        return None
    kaggle_json = _kaggle_config_dir() / "kaggle.json"
    legacy = _read_json_dict(kaggle_json)
    legacy.update({k[len("KAGGLE_") :].lower(): v for k, v in os.environ.items() if k.startswith("KAGGLE_")})
    if legacy.get("username") and legacy.get("key"):
        return None
    found = f' ({kaggle_json} exists but lacks "username" or "key")' if kaggle_json.is_file() else ""
    return (
        f"no Kaggle credentials found{found}: save a legacy API key as {kaggle_json} "
        '({"username": ..., "key": ...}; the folder can be moved with $KAGGLE_CONFIG_DIR), or set the '
        "KAGGLE_API_TOKEN environment variable to an API token (or save the token as ~/.kaggle/access_token); "
        f"create either at {TOKEN_URL}"
    )


def default_api(*, max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep) -> KaggleApiLike:
    """An authenticated `KaggleApi`, built once and shared by the access check and the downloads.

    Raises KaggleError (kind auth, or network when the token check cannot reach Kaggle) instead of the client's
    printed help and `exit(1)`.
    """
    problem = credentials_problem()
    if problem is not None:
        raise KaggleError(problem, kind="auth")
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            # `kaggle/__init__.py` authenticates a module-level client on import and prints help when that fails;
            # 2.x swallows the failure, older releases raised or exited.
            from kaggle.api.kaggle_api_extended import KaggleApi
        except (Exception, SystemExit) as err:
            detail = one_line(err, 200) or type(err).__name__
            raise KaggleError(
                f"the kaggle client failed to start ({detail}); check the credentials or create a token at {TOKEN_URL}",
                kind="auth",
            ) from None

    api = KaggleApi()

    def authenticate() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                api.authenticate()
            except SystemExit:
                # An invalid or expired access token is skipped silently, then nothing else is left to try.
                raise KaggleError(
                    "Kaggle did not accept the configured credentials (an expired or revoked KAGGLE_API_TOKEN or "
                    f"~/.kaggle/access_token is ignored); create a new token at {TOKEN_URL}",
                    kind="auth",
                ) from None

    _call_with_retries(authenticate, None, max_attempts=max_attempts, sleep=sleep)
    return api  # type: ignore[no-any-return]


# ------------------------------------------------------------------------------------------- errors and retries


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


def _call_with_retries(
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


# ------------------------------------------------------------------------------------------------ access checks


def _probe(api: KaggleApiLike, competition_id: str) -> None:
    """Ask for the competition's download exactly as the download will, and drop the response unread.

    `competition_list_files` is not enough: Kaggle lists the files of a competition whose rules the user has not
    accepted and only refuses the download itself (403). The download endpoint answers with a redirect to a signed
    storage link that the client follows with a streaming request, so only headers cross the network here.
    """
    # Through importlib: kagglesdk ships no type information, and mypy is configured to skip only `kaggle.*`.
    service_types = importlib.import_module("kagglesdk.competitions.types.competition_api_service")
    request = service_types.ApiDownloadDataFilesRequest()
    request.competition_name = competition_id
    with api.build_kaggle_client() as kaggle:
        response = kaggle.competitions.competition_api_client.download_data_files(request)
        close = getattr(response, "close", None)
        if callable(close):
            close()


def check_access(
    competition_ids: Iterable[str],
    api: KaggleApiLike | None = None,
    *,
    max_attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> list[AccessProblem]:
    """Every reason the given competitions cannot be downloaded, found before any download starts.

    Returns an empty list when all are downloadable. A credentials problem, or a network that cannot reach Kaggle at
    all, is one problem with `competition_id` None, since it blocks every competition alike.
    """
    ids = list(dict.fromkeys(competition_ids))
    if not ids:
        return []
    try:
        client = api if api is not None else default_api(max_attempts=max_attempts, sleep=sleep)
    except KaggleError as err:
        return [AccessProblem(None, err.kind, str(err))]
    problems: list[AccessProblem] = []
    for position, competition_id in enumerate(ids):
        try:
            probe = functools.partial(_probe, client, competition_id)
            _call_with_retries(probe, competition_id, max_attempts=max_attempts, sleep=sleep)
        except KaggleError as err:
            if err.kind == "auth":
                return [AccessProblem(None, "auth", str(err))]
            if err.kind == "offline" or (err.kind == "network" and err.status is None):
                unchecked = len(ids) - position - 1
                note = f"; {unchecked} more competition(s) not checked" if unchecked else ""
                problems.append(AccessProblem(None, err.kind, f"{err}{note}"))
                return problems
            problems.append(AccessProblem(competition_id, err.kind, str(err)))
    return problems


# ------------------------------------------------------------------------------------------------------ download


def _downloaded_file(staging: Path, competition_id: str) -> Path:
    """The file the client wrote: `<id>.zip` (competition bundles are zips), else the one `<id>.*` it chose."""
    expected = staging / f"{competition_id}.zip"
    if expected.is_file():
        return expected
    others = [p for p in staging.glob(f"{competition_id}.*") if p.is_file() and p.suffix != ".kaggle-partial"]
    if len(others) == 1:
        return others[0]
    raise KaggleError(
        f"{competition_id}: the kaggle client reported success but wrote no {expected.name} into {staging}",
        kind="other",
        competition_id=competition_id,
    )


def download_competition_zip(
    competition_id: str,
    dest_dir: Path,
    *,
    expected_md5: str | None = None,
    api: KaggleApiLike | None = None,
    max_attempts: int = 5,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Download the competition's zip to `dest_dir/<id>.zip` and return that path.

    The client downloads into `dest_dir/.<id>.download/`, a fixed name so that an interrupted download is resumed
    by the next attempt or run: the kaggle client keeps the partial file with a `.kaggle-partial` marker (the
    object's ETag or Last-Modified and size) and continues it with an HTTP Range request when the storage host
    accepts ranges and the object is unchanged; otherwise it starts over. Only a complete (and, with
    `expected_md5`, verified) zip is renamed into place, under a per-competition file lock. An existing
    `<id>.zip` is returned as is when it matches `expected_md5` or none is given. Progress is the client's own
    tqdm bar on stderr.
    """
    dest_dir.mkdir(parents=True, exist_ok=True)
    final = dest_dir / f"{competition_id}.zip"
    staging = dest_dir / f".{competition_id}.download"
    with FileLock(str(dest_dir / f".{competition_id}.zip.lock")):
        if final.is_file() and (expected_md5 is None or md5_file(final) == expected_md5):
            return final
        client = api if api is not None else default_api(max_attempts=max_attempts, sleep=sleep)
        staging.mkdir(exist_ok=True)

        def download() -> None:
            # force=False: the client skips a complete file and resumes a partial one it can prove is current.
            client.competition_download_files(competition_id, path=str(staging), force=False, quiet=False)

        try:
            _call_with_retries(download, competition_id, max_attempts=max_attempts, sleep=sleep)
        except KaggleError as err:
            if err.kind in _RETRIABLE and any(staging.glob("*.kaggle-partial")):
                err.args = (f"{err}; the partial download in {staging} is resumed by the next run",)
            raise
        downloaded = _downloaded_file(staging, competition_id)
        if expected_md5 is not None:
            actual = md5_file(downloaded)
            if actual != expected_md5:
                raise KaggleError(
                    f"{competition_id}: {downloaded} has md5 {actual}, expected {expected_md5} (upstream's checksum); "
                    "it is kept there: pass --skip-verification to use it anyway, or delete it to download again",
                    kind="checksum",
                    competition_id=competition_id,
                )
        downloaded.replace(final)
        shutil.rmtree(staging, ignore_errors=True)
    return final
