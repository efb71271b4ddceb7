"""The validator endpoint: a stdlib HTTP server that says whether a submission is valid, never how it scores.

It runs in the `validator` container, which holds one competition's private answers read-only and shares its network
namespace with the agent, so the agent reaches it at `http://localhost:5000/validate` as in upstream.

- `GET /health` -> 200 `{"status": "ok", "competition_id": ...}` (503 if the answers disappeared).
- `POST /validate` with multipart/form-data field `file` (or a raw `text/csv` body) -> 200
  `{"valid": bool, "reason": str}`; bad requests get 4xx `{"error": str}`, a grading failure 500
  `{"error": str, "details": str}`. Nothing else is ever returned, so no score can leak.

The upload is streamed to a private temp file (never held whole in memory: the validator's memory limit is small) and
is checked against a size limit both from Content-Length and while reading. Every request is logged as one line on
stderr so that an agent's validation calls can be audited from the container's logs.
"""

from __future__ import annotations

import email.message
import email.parser
import email.utils
import io
import json
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GradingMode, check_mode
from inspect_mlebench.sandbox.layout import BRIDGE_PORT, VALIDATOR_PORT
from inspect_mlebench.util import one_line

if TYPE_CHECKING:
    from inspect_mlebench.config import Competition

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = VALIDATOR_PORT
DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB: the largest real submissions are a few hundred MB
VALIDATE_PATH = "/validate"
HEALTH_PATH = "/health"
RAW_CSV_TYPES = frozenset({"text/csv", "application/csv"})

_CHUNK = 256 * 1024
_MAX_PART_HEADERS = 16 * 1024
_MAX_LINE = 1024
_DRAIN_LIMIT = 64 * 1024 * 1024  # after an early error, read at most this much of the unread body before closing
_DRAIN_SECONDS = 2.0
_SOCKET_TIMEOUT = 120.0  # a stalled client frees its thread after this long
_LISTEN_BACKLOG = 1024  # socketserver's default of 5 reset about a tenth of 200 concurrent connections
_UPLOAD_WAIT_SECONDS = 60.0  # a request waits this long for an upload slot, then gets 503 with Retry-After
_USAGE = "send multipart/form-data with a 'file' field (curl -F file=@submission.csv) or a text/csv body"


class ValidatorStartupError(MLEBenchError, RuntimeError):
    """The server cannot start for this competition (reserved port, unknown id, not prepared, no grader)."""


class _RequestError(Exception):
    """Ends a request with a JSON error answer (4xx) instead of a verdict."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _ClientGoneError(Exception):
    """The client closed the connection or stalled mid-body: there is nobody to answer."""


@dataclass(frozen=True)
class ValidatorConfig:
    """What one validator serves: a competition, where its answers are, and the request limits."""

    competition_id: str
    data_dir: Path | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    max_bytes: int = DEFAULT_MAX_BYTES
    # one validation at a time: grading an upload takes up to ~6x its size, so the memory limit (8 GiB in the
    # sandbox) holds the largest accepted upload (1 GiB) and the answers; others wait their turn
    max_concurrent: int = 1
    max_uploads: int = 4  # bodies being received at once; each may fill a temp file up to max_bytes
    grading_mode: GradingMode = DEFAULT_GRADING_MODE  # the task's; the answer never carries its warnings


def _printable(text: str) -> str:
    """A header-derived string that can be logged and JSON-encoded (raw bytes come in as surrogates)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _is_csv_name(filename: str | None) -> bool:
    """Like upstream, an upload named anything but *.csv is invalid; an unnamed upload counts as CSV."""
    return not filename or filename.strip().lower().endswith(".csv")


class _Body:
    """The request body as a byte stream, de-chunked, never more than `limit` bytes."""

    def __init__(self, rfile: io.BufferedIOBase, *, length: int | None, chunked: bool, limit: int) -> None:
        self._rfile = rfile
        self._remaining = length if not chunked else None  # bytes left (Content-Length)
        self._chunk_left = 0  # bytes left in the current chunk (chunked)
        self._chunked = chunked
        self._done = not chunked and not length
        self._limit = limit
        self.length = length
        self.total = 0

    def read(self, n: int = _CHUNK) -> bytes:
        """Up to `n` bytes; b"" at the end of the body."""
        if self._done:
            return b""
        data = self._read_chunked(n) if self._chunked else self._read_length(n)
        self.total += len(data)
        if self.total > self._limit:
            raise _RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body is over the {self._limit}-byte limit")
        return data

    def _raw(self, n: int) -> bytes:
        try:
            data = self._rfile.read(n)
        except (TimeoutError, OSError) as err:
            raise _ClientGoneError(str(err)) from err
        if not data:
            raise _ClientGoneError("connection closed before the end of the body")
        return data

    def _read_length(self, n: int) -> bytes:
        assert self._remaining is not None
        data = self._raw(min(n, self._remaining))
        self._remaining -= len(data)
        self._done = self._remaining == 0
        return data

    def _line(self) -> bytes:
        try:
            line = self._rfile.readline(_MAX_LINE + 1)
        except (TimeoutError, OSError) as err:
            raise _ClientGoneError(str(err)) from err
        if not line:
            raise _ClientGoneError("connection closed inside a chunked body")
        if len(line) > _MAX_LINE or not line.endswith(b"\n"):
            raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed chunked body")
        return line

    def _read_chunked(self, n: int) -> bytes:
        if self._chunk_left == 0:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed chunk size in a chunked body") from None
            if size < 0:
                raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed chunk size in a chunked body")
            if size == 0:
                while self._line() not in (b"\r\n", b"\n"):  # trailer fields, ignored
                    pass
                self._done = True
                return b""
            self._chunk_left = size
        data = self._raw(min(n, self._chunk_left))
        self._chunk_left -= len(data)
        if self._chunk_left == 0 and self._line() not in (b"\r\n", b"\n"):
            raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed chunked body")
        return data

    def drain(self, limit: int = _DRAIN_LIMIT, seconds: float = _DRAIN_SECONDS) -> None:
        """Read and drop what is left (bounded), so closing the socket does not reset the client before it reads
        our answer."""
        deadline = time.monotonic() + seconds
        dropped = 0
        try:
            while not self._done and dropped < limit and time.monotonic() < deadline:
                if self._chunked:
                    dropped += len(self._read_chunked(_CHUNK))
                else:
                    dropped += len(self._read_length(_CHUNK))
        except (_ClientGoneError, _RequestError):
            pass


class _Stream:
    """A buffered view of the body for the multipart parser: copy bytes up to a delimiter into a sink."""

    def __init__(self, body: _Body, initial: bytes = b"") -> None:
        self._body = body
        self._buf = initial

    def _fill(self) -> bool:
        data = self._body.read(_CHUNK)
        if not data:
            return False
        self._buf += data
        return True

    def startswith(self, prefix: bytes) -> bool:
        while len(self._buf) < len(prefix):
            if not self._fill():
                break
        if self._buf.startswith(prefix):
            self._buf = self._buf[len(prefix) :]
            return True
        return False

    def read_until(self, delim: bytes, sink: Callable[[bytes], object] | None, max_len: int | None = None) -> bool:
        """Pass the bytes before `delim` to `sink` (None drops them) and consume `delim`; False if the body ended
        first (everything left was passed to the sink)."""
        keep = len(delim) - 1
        seen = 0
        while True:
            i = self._buf.find(delim)
            if i >= 0:
                if max_len is not None and seen + i > max_len:
                    raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed multipart body: a header block is too long")
                if sink is not None and i:
                    sink(self._buf[:i])
                self._buf = self._buf[i + len(delim) :]
                return True
            cut = len(self._buf) - keep
            if cut > 0:
                seen += cut
                if max_len is not None and seen > max_len:
                    raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed multipart body: a header block is too long")
                if sink is not None:
                    sink(self._buf[:cut])
                self._buf = self._buf[cut:]
            if not self._fill():
                if sink is not None and self._buf:
                    sink(self._buf)
                self._buf = b""
                return False


@dataclass
class _Upload:
    """What the request carried: whether a `file` field was found and the name the client gave it."""

    found: bool = False
    filename: str | None = None


def _content_type(header: str) -> tuple[str, dict[str, str]]:
    """The media type (lowercase) and its parameters, parsed as the email package parses MIME headers."""
    msg = email.message.Message()
    msg["Content-Type"] = header
    params: dict[str, str] = {}
    for key in ("boundary", "charset"):
        value = msg.get_param(key)
        if value is not None:
            params[key] = email.utils.collapse_rfc2231_value(value)
    return msg.get_content_type(), params


def _parse_multipart(stream: _Stream, boundary: bytes, out: BinaryIO) -> _Upload:
    """Stream a multipart/form-data body; the first `file` part's bytes go to `out` when its name is a .csv."""
    delim = b"\r\n--" + boundary
    upload = _Upload()
    if not stream.read_until(delim, None):  # the preamble; the stream starts with CRLF so the first delimiter matches
        raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed multipart body: boundary not found")
    while True:
        if stream.startswith(b"--"):  # the close delimiter; any epilogue is drained by the caller
            return upload
        padding: list[bytes] = []
        if not stream.read_until(b"\r\n", padding.append, _MAX_LINE) or b"".join(padding).strip(b" \t"):
            raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed multipart body: bad boundary line")
        raw_headers: list[bytes] = []
        if not stream.startswith(b"\r\n") and not stream.read_until(b"\r\n\r\n", raw_headers.append, _MAX_PART_HEADERS):
            raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed multipart body: part headers not terminated")
        # Browsers and curl send raw UTF-8 file names; decode them as such before the email parser sees them.
        headers = email.parser.HeaderParser().parsestr(b"".join(raw_headers).decode("utf-8", "replace") + "\n\n")
        name = headers.get_param("name", header="content-disposition")
        field = email.utils.collapse_rfc2231_value(name) if name is not None else None
        sink: Callable[[bytes], object] | None = None
        if field == "file" and not upload.found:
            upload.found = True
            filename = headers.get_filename()
            upload.filename = filename
            if _is_csv_name(upload.filename):
                sink = out.write
        if not stream.read_until(delim, sink):
            raise _RequestError(HTTPStatus.BAD_REQUEST, "malformed multipart body: closing boundary not found")


class ValidatorServer(ThreadingHTTPServer):
    """One competition's validator; `create_server` builds it after checking that the answers load."""

    daemon_threads = True  # a stalled client must not hold up shutdown
    block_on_close = False
    request_queue_size = _LISTEN_BACKLOG

    def __init__(
        self,
        config: ValidatorConfig,
        answers_file: Path,
        log_stream: TextIO | None = None,
        listen_fd: int | None = None,
    ) -> None:
        self.config = config
        self.answers_file = answers_file
        self.log_stream = log_stream
        self._slots = threading.BoundedSemaphore(max(1, config.max_concurrent))
        self.upload_slots = threading.BoundedSemaphore(max(1, config.max_uploads))
        self._log_lock = threading.Lock()
        super().__init__((config.host, config.port), _Handler, bind_and_activate=listen_fd is None)
        if listen_fd is not None:  # a socket the supervisor bound and keeps: take it over instead of binding
            self.socket.close()
            self.socket = socket.socket(fileno=listen_fd)
            self.server_address = self.socket.getsockname()
            self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        host = self.server_address[0]
        host_text = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host_text}:{self.port}"

    def log(self, line: str) -> None:
        """One line on the log stream (stderr unless given), flushed so the container's log shows it at once."""
        stream = self.log_stream or sys.stderr
        with self._log_lock:
            stream.write(line.rstrip("\n") + "\n")
            stream.flush()

    def check(self, submission: Path) -> tuple[bool, str]:
        """Valid or not with a reason, from our grading checks; at most `max_concurrent` at once."""
        from inspect_mlebench.grading.grader import validate

        with self._slots:
            return validate(self.config.competition_id, submission, self.config.data_dir, mode=self.config.grading_mode)


class _Handler(BaseHTTPRequestHandler):
    """Routes and answers; every answer is JSON and every request is one log line."""

    server: ValidatorServer
    protocol_version = "HTTP/1.1"  # so curl's `Expect: 100-continue` is answered instead of waited out
    server_version = "mlebench-validator"
    timeout = _SOCKET_TIMEOUT

    _started = 0.0
    _status = 0
    _outcome = ""
    _note = ""
    _bytes = 0

    def version_string(self) -> str:
        """No Python version in the Server header: nothing to learn about the validator from outside."""
        return self.server_version

    # -- answering and logging ------------------------------------------------------------------------------------

    def _send_json(self, status: HTTPStatus, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        body = (json.dumps(payload) + "\n").encode()
        self._status = int(status)
        self.close_connection = True  # one request per connection: no unread body can be taken for a request
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            self._outcome = "client-gone"

    def _error(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        self._outcome, self._note = "error", message
        self._send_json(status, {"error": message}, headers)

    def _too_large(self) -> None:
        limit = self.server.config.max_bytes
        self._error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"submission is over this validator's {limit}-byte limit")

    def _log_request_line(self) -> None:
        path = json.dumps(_printable(getattr(self, "path", "") or "-"))[1:-1]
        duration = time.monotonic() - self._started if self._started else 0.0
        parts = [
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "validator",
            str(self.client_address[0]) if self.client_address else "-",
            getattr(self, "command", None) or "-",
            path,
            str(self._status or "-"),
            self._outcome or "-",
            f"{duration:.3f}s",
            f"{self._bytes}B",
        ]
        if self._note:
            parts.append("reason=" + json.dumps(one_line(self._note, 300)))
        self.server.log(" ".join(parts))

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Silenced: `_log_request_line` writes the one line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: the base class's free-form lines would break the one-line-per-request log."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Protocol errors the base class finds (bad request line, unknown verb, huge headers) answer JSON too."""
        self._started = self._started or time.monotonic()
        try:
            status = HTTPStatus(code)
        except ValueError:
            status = HTTPStatus.BAD_REQUEST
        self._error(status, one_line(message or status.phrase))
        self._log_request_line()

    def handle_one_request(self) -> None:
        self._started, self._status, self._outcome, self._note, self._bytes = 0.0, 0, "", "", 0
        super().handle_one_request()

    def handle_expect_100(self) -> bool:
        """Refuse an oversized upload before the client sends it (curl waits for this answer on large files)."""
        self._started = time.monotonic()
        length = (self.headers.get("Content-Length") or "").strip()
        too_large = length.isdigit() and int(length) > self.server.config.max_bytes
        if self.command == "POST" and self._route() == VALIDATE_PATH and too_large:
            self._bytes = int(length)
            self._too_large()
            self._log_request_line()
            return False
        return super().handle_expect_100()

    # -- routing --------------------------------------------------------------------------------------------------

    def _route(self) -> str:
        return self.path.split("?", 1)[0].split("#", 1)[0]

    def _dispatch(self) -> None:
        self._started = self._started or time.monotonic()
        try:
            route = self._route()
            allowed = {HEALTH_PATH: ("GET", "HEAD"), VALIDATE_PATH: ("POST",)}.get(route)
            if allowed is None:
                self._error(HTTPStatus.NOT_FOUND, f"no such path; use POST {VALIDATE_PATH} or GET {HEALTH_PATH}")
            elif self.command not in allowed:
                self._error(HTTPStatus.METHOD_NOT_ALLOWED, f"use {allowed[0]} {route}", {"Allow": ", ".join(allowed)})
            elif route == HEALTH_PATH:
                self._health()
            else:
                self._validate()
        except Exception as err:  # anything unexpected: answer 500 and keep serving
            detail = one_line(f"{type(err).__name__}: {err}")
            self.server.log(f"validator: unexpected error: {detail}")
            self.server.log(traceback.format_exc().rstrip())
            self._outcome, self._note = "error", detail
            payload = {"error": "An unexpected error occurred.", "details": detail}
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, payload)
        finally:
            self._log_request_line()

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch  # noqa: N815

    def _health(self) -> None:
        cid = self.server.config.competition_id
        if self.server.answers_file.is_file():
            self._outcome = "ok"
            self._send_json(HTTPStatus.OK, {"status": "ok", "competition_id": cid})
        else:  # the answers mount went away: say so rather than fail every validation
            self._outcome = "unavailable"
            self._send_json(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "unavailable", "competition_id": cid})

    # -- validation -----------------------------------------------------------------------------------------------

    def _body(self) -> _Body:
        limit = self.server.config.max_bytes
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if encoding:
            if encoding != "chunked":
                raise _RequestError(HTTPStatus.NOT_IMPLEMENTED, f"unsupported Transfer-Encoding {encoding!r}")
            return _Body(self.rfile, length=None, chunked=True, limit=limit)
        raw = (self.headers.get("Content-Length") or "0").strip()
        if not raw.isdigit():
            raise _RequestError(HTTPStatus.BAD_REQUEST, "bad Content-Length header")
        return _Body(self.rfile, length=int(raw), chunked=False, limit=limit)

    def _receive(self, body: _Body, target: Path) -> _Upload:
        """Stream the submission into `target`; raises _RequestError for anything that is not a usable upload."""
        if body.length is not None and body.length > self.server.config.max_bytes:
            raise _RequestError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "")
        media_type, params = _content_type(self.headers.get("Content-Type") or "")
        with target.open("wb") as out:
            if media_type == "multipart/form-data":
                boundary = params.get("boundary", "")
                if not boundary or len(boundary) > 200 or not boundary.isascii():
                    raise _RequestError(HTTPStatus.BAD_REQUEST, "multipart/form-data without a usable boundary")
                return _parse_multipart(_Stream(body, b"\r\n"), boundary.encode("ascii"), out)
            if media_type in RAW_CSV_TYPES:
                while data := body.read():
                    out.write(data)
                return _Upload(found=True)
        raise _RequestError(HTTPStatus.BAD_REQUEST, f"expected multipart/form-data; {_USAGE}")

    def _validate(self) -> None:
        """Queue for an upload slot (disk and memory stay bounded however many clients call at once), then
        receive and check; a request that waited too long is told when to retry instead of being dropped."""
        if not self.server.upload_slots.acquire(timeout=_UPLOAD_WAIT_SECONDS):
            self._error(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "the validator is busy with other uploads; retry in a few seconds",
                {"Retry-After": "5"},
            )
            return
        try:
            self._receive_and_check()
        finally:
            self.server.upload_slots.release()

    def _receive_and_check(self) -> None:
        body: _Body | None = None
        workdir = Path(tempfile.mkdtemp(prefix="mlebench-validate-"))  # mode 0700: private to the server's user
        target = workdir / "submission.csv"
        try:
            body = self._body()
            upload = self._receive(body, target)
            body.drain()  # a multipart epilogue, if any
            self._bytes = body.total
            if not upload.found:
                raise _RequestError(HTTPStatus.BAD_REQUEST, f"no 'file' field in the form; {_USAGE}")
            if not _is_csv_name(upload.filename):
                self._answer(False, f"Submission invalid: submission must be a .csv file, got '{upload.filename}'")
            else:
                self._answer(*self.server.check(target))
        except _RequestError as err:
            if body is not None:
                self._bytes = max(body.total, body.length or 0)
            if err.status == HTTPStatus.REQUEST_ENTITY_TOO_LARGE:
                self._too_large()
            else:
                self._error(err.status, err.message)
            if body is not None:  # answered first; then take (some of) the rest so closing does not reset the client
                body.drain()
        except _ClientGoneError as err:
            self._bytes = body.total if body is not None else 0
            self._outcome, self._note = "client-gone", str(err)
            self.close_connection = True
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _answer(self, valid: bool, reason: str) -> None:
        self._outcome = "valid" if valid else "invalid"
        self._note = "" if valid else reason
        self._send_json(HTTPStatus.OK, {"valid": valid, "reason": one_line(reason, 2000)})


def check_port(port: int) -> None:
    if port == BRIDGE_PORT:
        raise ValidatorStartupError(
            f"port {BRIDGE_PORT} is reserved for Inspect's agent bridge in the shared namespace; choose another port"
        )
    if not 0 <= port <= 65535:
        raise ValidatorStartupError(f"port {port} is not a TCP port")


def create_server(
    competition_id: str,
    data_dir: str | Path | None = None,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_concurrent: int = 1,
    max_uploads: int = 4,
    log_stream: TextIO | None = None,
    grading_mode: str = DEFAULT_GRADING_MODE,
    listen_fd: int | None = None,
) -> ValidatorServer:
    """Check the competition, load (and cache) its answers, then bind; raises ValidatorStartupError in one line.

    Loading before binding means a listening validator is a ready one: `/health` never answers before the first
    validation could be fast.
    """
    from inspect_mlebench.config import RegistryError, get_competition
    from inspect_mlebench.errors import CompetitionNotPreparedError
    from inspect_mlebench.grading.grader import (
        answers_path,
        graded_answer_columns,
        load_answers,
    )

    check_port(port)
    if max_bytes < 1:
        raise ValidatorStartupError(f"max_bytes must be positive, got {max_bytes}")
    try:
        mode = check_mode(grading_mode)
    except ValueError as err:
        raise ValidatorStartupError(str(err)) from err
    config = ValidatorConfig(
        competition_id=competition_id,
        data_dir=Path(data_dir) if data_dir is not None else None,
        host=host,
        port=port,
        max_bytes=max_bytes,
        max_concurrent=max_concurrent,
        max_uploads=max_uploads,
        grading_mode=mode,
    )
    started = time.monotonic()
    try:
        comp = get_competition(competition_id)
        if not comp.grading.implemented:
            raise ValidatorStartupError(f"no grader configured for '{competition_id}' yet; it cannot be validated")
        # the same columns grade() asks for, so this warms the very cache entry validation will use
        answers = load_answers(comp, config.data_dir, graded_answer_columns(comp))
        warm_grading(comp)
    except (RegistryError, CompetitionNotPreparedError) as err:
        raise ValidatorStartupError(one_line(str(err))) from err
    try:
        server = ValidatorServer(config, answers_path(comp, config.data_dir), log_stream, listen_fd)
    except OSError as err:
        raise ValidatorStartupError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    server.log(
        f"validator: {competition_id} ready on {server.url} ({len(answers)} answer rows loaded in "
        f"{time.monotonic() - started:.1f}s; max upload {max_bytes} bytes; {mode} grading)"
    )
    return server


def warm_grading(comp: Competition) -> None:
    """Import what grading `comp` needs (the metric libraries are imported on first use, about a second for
    scikit-learn) before the first request, so the agent's first validation is as quick as the next ones."""
    import scipy.stats  # noqa: F401
    import sklearn.metrics  # noqa: F401

    from inspect_mlebench.config.references import resolve

    if comp.grading.grader is not None:
        resolve(comp.grading.grader, "grading.grader")


def serve(server: ValidatorServer) -> None:
    """Serve until SIGTERM or SIGINT, then stop accepting and close the socket (call from the main thread)."""

    def shut_down(name: str) -> None:
        server.log(f"validator: {name} received, shutting down")
        server.shutdown()  # waits for serve_forever to return, so never on the main thread

    def stop(signum: int, _frame: FrameType | None) -> None:
        threading.Thread(target=shut_down, args=(signal.Signals(signum).name,), daemon=True).start()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
        server.log("validator: stopped")


def supervise(server_args: list[str], host: str, port: int, *, restart_delay: float = 1.0) -> int:
    """Bind the port once, then run the server in a child process on that socket, restarting it when it dies.

    The agent shares the validator's network namespace: if the validator let go of its port while restarting,
    the agent could bind it and answer validation requests itself. Here the port stays held by this small
    process for the container's life; requests that arrive between two children wait in the listen backlog.
    Returns the exit status after SIGTERM/SIGINT (forwarded to the child).
    """
    check_port(port)
    try:
        listener = socket.create_server((host, port), backlog=_LISTEN_BACKLOG)
    except OSError as err:
        raise ValidatorStartupError(f"cannot listen on {host}:{port}: {err.strerror or err}") from err
    stopping = threading.Event()
    child: subprocess.Popen[bytes] | None = None

    def stop(signum: int, _frame: FrameType | None) -> None:
        stopping.set()
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    fd = listener.fileno()
    command = [sys.executable, "-m", "inspect_mlebench.cli", "validator-server", *server_args, "--listen-fd", str(fd)]
    try:
        while not stopping.is_set():
            child = subprocess.Popen(command, pass_fds=[fd])
            status = child.wait()
            if stopping.is_set():
                return 0
            sys.stderr.write(f"validator-server exited with status {status}; restarting in {restart_delay:g}s\n")
            sys.stderr.flush()
            stopping.wait(restart_delay)
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if child is not None and child.poll() is None:
            child.terminate()
            child.wait(timeout=10)
        listener.close()
