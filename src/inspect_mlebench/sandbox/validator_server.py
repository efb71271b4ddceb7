"""The validator endpoint: an aiohttp server that says whether a submission is valid, never how it scores.

It runs in the `validator` container, which holds one competition's private answers read-only and shares its network
namespace with the agent, so the agent reaches it at `http://localhost:5000/validate` as in upstream.

- `GET /health` -> 200 `{"status": "ok", "competition_id": ...}` (503 if the answers disappeared).
- `POST /validate` with multipart/form-data field `file` (or a raw `text/csv` body) -> 200
  `{"valid": bool, "reason": str}`; bad requests get 4xx `{"error": str}`, a busy validator 503 `{"error": str}`
  with `Retry-After`, a grading failure 500 `{"error": str, "details": str}`. Nothing else is ever returned, so no
  score can leak.

HTTP and multipart parsing are aiohttp's. What is ours: the upload is streamed to a private temp file under a byte
cap (checked from Content-Length before reading and while reading), at most `max_uploads` bodies are received at once
(others queue, then get 503), one validation runs at a time in a worker thread, and SIGTERM/SIGINT end every request
(answered within a short grace, else closed) and remove every temp file before the process exits. Every request is
logged as one line on stderr so that an agent's validation calls can be audited from the container's logs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from aiohttp import BodyPartReader, web
from aiohttp.http_exceptions import HttpProcessingError

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
SERVER_NAME = "mlebench-validator"  # no Python or aiohttp version in the Server header: nothing to learn from outside

_CHUNK = 256 * 1024
LISTEN_BACKLOG = 1024  # socketserver's default of 5 reset about a tenth of 200 concurrent connections
_LINGER_SECONDS = 2.0  # after an early answer (413), read and drop the rest of the body this long before closing
_SHUTDOWN_GRACE = 2.0  # on SIGTERM, a request being checked gets this long to be answered; then it is cancelled
_USAGE = "send multipart/form-data with a 'file' field (curl -F file=@submission.csv) or a text/csv body"


class ValidatorStartupError(MLEBenchError, RuntimeError):
    """The server cannot start for this competition (reserved port, unknown id, not prepared, no grader)."""


class _RequestError(Exception):
    """Ends a request with a JSON error answer instead of a verdict."""

    def __init__(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


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
    upload_wait: float = 60.0  # a request waits this long for an upload slot, then gets 503 with Retry-After
    read_timeout: float = 120.0  # a client that sends nothing for this long gets 408 and loses its upload slot
    grading_mode: GradingMode = DEFAULT_GRADING_MODE  # the task's; the answer never carries its warnings


def _is_csv_name(filename: str | None) -> bool:
    """Like upstream, an upload named anything but *.csv is invalid; an unnamed upload counts as CSV."""
    return not filename or filename.strip().lower().endswith(".csv")


@dataclass
class _Upload:
    """What the request carried: whether a `file` field was found and the name the client gave it."""

    found: bool = False
    filename: str | None = None


@dataclass
class _Record:
    """What the request's log line says beyond method and path."""

    started: float
    status: int = 0
    outcome: str = ""
    note: str = ""
    size: int = 0


_RECORD = web.RequestKey("mlebench_record", _Record)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _json(status: HTTPStatus, payload: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
    response = web.Response(
        status=int(status),
        body=(json.dumps(payload) + "\n").encode(),
        content_type="application/json",
        headers={"Cache-Control": "no-store", "Server": SERVER_NAME, **(headers or {})},
    )
    response.force_close()  # one request per connection: no unread body can be taken for a request
    return response


class _AiohttpLog(logging.Handler):
    """aiohttp's own log records (a request it could not parse, with a traceback) as one validator log line each."""

    def __init__(self, server: ValidatorServer) -> None:
        super().__init__(logging.INFO)
        self.server = server

    def emit(self, record: logging.LogRecord) -> None:
        detail = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            detail += f": {type(record.exc_info[1]).__name__}: {record.exc_info[1]}"
        self.server.log(f"validator: aiohttp: {one_line(detail, 300)}")


class ValidatorServer:
    """One competition's validator on a listening socket; `create_server` builds it after the answers load.

    `serve_forever` runs it (blocking) until `shutdown` is called from another thread or, with
    `handle_signals`, until SIGTERM/SIGINT.
    """

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
        self._log_lock = threading.Lock()
        if listen_fd is not None:  # a socket the supervisor bound and keeps: take it over instead of binding
            self.socket = socket.socket(fileno=listen_fd)
        else:
            self.socket = socket.create_server((config.host, config.port), backlog=LISTEN_BACKLOG)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stop_requested = False
        self._running = threading.Event()
        self._finished = threading.Event()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._receiving: set[asyncio.Task[Any]] = set()  # of those, the ones still reading an upload
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()

    @property
    def port(self) -> int:
        return int(self.socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.socket.getsockname()[0]}:{self.port}"

    def log(self, line: str) -> None:
        """One line on the log stream (stderr unless given), flushed so the container's log shows it at once."""
        stream = self.log_stream or sys.stderr
        with self._log_lock:
            stream.write(line.rstrip("\n") + "\n")
            stream.flush()

    def check(self, submission: Path) -> tuple[bool, str]:
        """Valid or not with a reason, from our grading checks (runs in the worker thread)."""
        from inspect_mlebench.grading.grader import validate

        return validate(self.config.competition_id, submission, self.config.data_dir, mode=self.config.grading_mode)

    # -- running and stopping -------------------------------------------------------------------------------------

    def serve_forever(self, *, handle_signals: bool = False) -> None:
        """Serve until `shutdown` (or SIGTERM/SIGINT when `handle_signals`, which needs the main thread)."""
        try:
            asyncio.run(self._serve(handle_signals))
        finally:
            self._finished.set()

    def shutdown(self, timeout: float = 30.0) -> None:
        """Stop serving from another thread and wait until `serve_forever` has returned."""
        self._stop_requested = True
        if self._running.wait(timeout):
            loop, stop = self._loop, self._stop
            if loop is not None and stop is not None and not self._finished.is_set():
                loop.call_soon_threadsafe(stop.set)
            self._finished.wait(timeout)

    def server_close(self) -> None:
        """Release the listening socket (a supervisor's copy of it stays open)."""
        self.socket.close()

    async def _serve(self, handle_signals: bool) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._uploads = asyncio.Semaphore(max(1, self.config.max_uploads))
        workers = [
            threading.Thread(target=self._work, name=f"mlebench-validation-{n}", daemon=True)
            for n in range(max(1, self.config.max_concurrent))
        ]
        for worker in workers:
            worker.start()
        runner = web.AppRunner(
            self._app(), handle_signals=False, access_log=None, shutdown_timeout=0.5,
            lingering_time=_LINGER_SECONDS,
        )  # fmt: skip
        await runner.setup()
        aiohttp_logger = logging.getLogger("aiohttp")
        handler, propagate = _AiohttpLog(self), aiohttp_logger.propagate
        aiohttp_logger.addHandler(handler)
        aiohttp_logger.propagate = False
        try:
            site = web.SockSite(runner, self.socket, backlog=LISTEN_BACKLOG)
            await site.start()
            if handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    self._loop.add_signal_handler(sig, self._on_signal, sig)
            self._running.set()
            if self._stop_requested:
                self._stop.set()
            await self._stop.wait()
            await site.stop()  # no new connections while those in flight finish
            await self._finish_in_flight()
        finally:
            await runner.cleanup()
            for _ in workers:
                self._jobs.put(None)
            aiohttp_logger.removeHandler(handler)
            aiohttp_logger.propagate = propagate
            if handle_signals:
                for sig in (signal.SIGTERM, signal.SIGINT):
                    self._loop.remove_signal_handler(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        self.log(f"validator: {sig.name} received, shutting down")
        assert self._stop is not None
        self._stop.set()

    async def _finish_in_flight(self) -> None:
        """Cancel the requests still receiving an upload (it could not be checked in time anyway), give those being
        checked a short grace to be answered, then cancel the rest: their handlers remove their temp dirs on the way
        out and aiohttp closes their connections."""
        pending = {task for task in self._in_flight if not task.done()}
        for task in pending & self._receiving:
            task.cancel()
        if pending - self._receiving:
            await asyncio.wait(pending - self._receiving, timeout=_SHUTDOWN_GRACE)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=_SHUTDOWN_GRACE)

    # -- the application ------------------------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware])
        app.router.add_get(HEALTH_PATH, self._health)  # HEAD too
        app.router.add_post(VALIDATE_PATH, self._validate, expect_handler=self._expect)
        return app

    def _log_request(self, request: web.Request, record: _Record) -> None:
        parts = [
            datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "validator",
            request.remote or "-",
            request.method,
            json.dumps(request.raw_path)[1:-1],
            str(record.status or "-"),
            record.outcome or "-",
            f"{time.monotonic() - record.started:.3f}s",
            f"{record.size}B",
        ]
        if record.note:
            parts.append("reason=" + json.dumps(one_line(record.note, 300)))
        self.log(" ".join(parts))

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every answer JSON, every request one log line, any unexpected error a 500 that keeps the server up."""
        record = request.get(_RECORD) or _Record(started=time.monotonic())
        request[_RECORD] = record
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        response: web.StreamResponse
        try:
            response = await handler(request)
        except _RequestError as err:
            record.outcome, record.note = "error", err.message
            response = _json(err.status, {"error": err.message}, err.headers)
        except web.HTTPMethodNotAllowed as err:
            allowed = ", ".join(sorted(err.allowed_methods))
            record.outcome, record.note = "error", f"use {allowed} {request.path}"
            response = _json(HTTPStatus.METHOD_NOT_ALLOWED, {"error": record.note}, {"Allow": allowed})
        except web.HTTPNotFound:
            record.outcome, record.note = "error", f"no such path; use POST {VALIDATE_PATH} or GET {HEALTH_PATH}"
            response = _json(HTTPStatus.NOT_FOUND, {"error": record.note})
        except web.HTTPException as err:  # anything else aiohttp's router raises, as JSON
            record.outcome, record.note = "error", one_line(err.reason)
            response = _json(HTTPStatus(err.status), {"error": record.note})
        except asyncio.CancelledError:
            record.outcome = record.outcome or "cancelled"
            self._log_request(request, record)
            raise
        except Exception as err:
            detail = one_line(f"{type(err).__name__}: {err}")
            self.log(f"validator: unexpected error: {detail}")
            self.log(traceback.format_exc().rstrip())
            record.outcome, record.note = "error", detail
            response = _json(
                HTTPStatus.INTERNAL_SERVER_ERROR, {"error": "An unexpected error occurred.", "details": detail}
            )
        finally:
            if task is not None:
                self._in_flight.discard(task)
        record.status = response.status
        self._log_request(request, record)
        return response

    def _too_large(self) -> _RequestError:
        limit = self.config.max_bytes
        return _RequestError(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"submission is over this validator's {limit}-byte limit"
        )

    async def _expect(self, request: web.Request) -> web.StreamResponse | None:
        """Refuse an oversized upload before the client sends it (curl waits for this answer on large files)."""
        length = request.content_length
        if length is not None and length > self.config.max_bytes:
            err = self._too_large()
            record = _Record(started=time.monotonic(), status=int(err.status), outcome="error", note=err.message)
            record.size = length
            self._log_request(request, record)
            return _json(err.status, {"error": err.message})
        if request.headers.get("Expect", "").strip().lower() != "100-continue":
            return _json(HTTPStatus.EXPECTATION_FAILED, {"error": "the only expectation understood is 100-continue"})
        await request.writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return None

    async def _health(self, request: web.Request) -> web.StreamResponse:
        record = request[_RECORD]
        cid = self.config.competition_id
        if self.answers_file.is_file():
            record.outcome = "ok"
            return _json(HTTPStatus.OK, {"status": "ok", "competition_id": cid})
        record.outcome = "unavailable"  # the answers mount went away: say so rather than fail every validation
        return _json(HTTPStatus.SERVICE_UNAVAILABLE, {"status": "unavailable", "competition_id": cid})

    # -- validation -----------------------------------------------------------------------------------------------

    async def _validate(self, request: web.Request) -> web.StreamResponse:
        """Refuse what cannot be an upload at once, queue for an upload slot (disk and memory stay bounded however
        many clients call), then receive into a private temp dir and check."""
        record = request[_RECORD]
        length = request.content_length
        if length is not None and length > self.config.max_bytes:
            record.size = length
            raise self._too_large()
        if request.content_type != "multipart/form-data" and request.content_type not in RAW_CSV_TYPES:
            raise _RequestError(HTTPStatus.BAD_REQUEST, f"expected multipart/form-data; {_USAGE}")
        try:
            async with asyncio.timeout(self.config.upload_wait):
                await self._uploads.acquire()
        except TimeoutError:
            raise _RequestError(
                HTTPStatus.SERVICE_UNAVAILABLE,
                "the validator is busy with other uploads; retry in a few seconds",
                {"Retry-After": "5"},
            ) from None
        try:
            workdir = Path(tempfile.mkdtemp(prefix="mlebench-validate-"))  # mode 0700: private to the server's user
            try:
                target = workdir / "submission.csv"
                task = asyncio.current_task()
                assert task is not None  # a handler always runs in a task
                self._receiving.add(task)
                try:
                    upload = await self._receive(request, target)
                finally:
                    self._receiving.discard(task)
                    record.size = request.content.total_bytes
                if not upload.found:
                    raise _RequestError(HTTPStatus.BAD_REQUEST, f"no 'file' field in the form; {_USAGE}")
                if not _is_csv_name(upload.filename):
                    valid, reason = (
                        False,
                        f"Submission invalid: submission must be a .csv file, got '{upload.filename}'",
                    )
                else:
                    valid, reason = await self._check_in_worker(target)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
        finally:
            self._uploads.release()
        record.outcome, record.note = ("valid", "") if valid else ("invalid", reason)
        return _json(HTTPStatus.OK, {"valid": valid, "reason": one_line(reason, 2000)})

    async def _receive(self, request: web.Request, target: Path) -> _Upload:
        """Stream the submission into `target` under the byte cap; _RequestError for anything that is not a usable
        upload, including a client that stalls or goes away mid-body."""
        try:
            with target.open("wb") as out:
                async with asyncio.timeout(None) as idle:
                    return await self._read_body(request, out, lambda: self._rearm(idle))
        except TimeoutError:
            seconds = self.config.read_timeout
            raise _RequestError(HTTPStatus.REQUEST_TIMEOUT, f"no data from the client for {seconds:g}s") from None
        except (ValueError, HttpProcessingError) as err:  # aiohttp's multipart and chunking errors
            kind = "multipart body" if request.content_type == "multipart/form-data" else "request body"
            truncated = request.content.at_eof() and kind == "multipart body"
            why = "it ends before the closing boundary" if truncated else one_line(str(err), 200)
            raise _RequestError(HTTPStatus.BAD_REQUEST, f"malformed {kind}: {why}") from None
        except ConnectionError as err:  # the client went away: nobody will read an answer, the log says why
            raise _RequestError(HTTPStatus.BAD_REQUEST, f"client gone: {one_line(str(err), 200)}") from None

    def _rearm(self, idle: asyncio.Timeout) -> None:
        """Called before each read: the client has `read_timeout` seconds to send the next bytes."""
        loop = asyncio.get_running_loop()
        idle.reschedule(loop.time() + self.config.read_timeout)

    async def _read_body(self, request: web.Request, out: BinaryIO, rearm: Callable[[], None]) -> _Upload:
        def counted(data: bytes) -> bytes:
            if request.content.total_bytes > self.config.max_bytes:
                raise self._too_large()
            return data

        if request.content_type in RAW_CSV_TYPES:
            while True:
                rearm()
                if not (data := counted(await request.content.read(_CHUNK))):
                    return _Upload(found=True)
                out.write(data)
        boundary = request.content_type and _boundary(request.headers.get("Content-Type", ""))
        if not boundary:
            raise _RequestError(HTTPStatus.BAD_REQUEST, "multipart/form-data without a usable boundary")
        upload = _Upload()
        reader = await request.multipart()
        while True:
            rearm()
            part = await reader.next()
            counted(b"")
            if part is None:
                return upload
            if not isinstance(part, BodyPartReader):
                raise _RequestError(HTTPStatus.BAD_REQUEST, "nested multipart bodies are not accepted; " + _USAGE)
            keep = part.name == "file" and not upload.found
            if keep:
                upload.found, upload.filename = True, part.filename
                keep = _is_csv_name(part.filename)
            while True:
                rearm()
                if not (data := counted(await part.read_chunk(_CHUNK))):
                    break
                if keep:
                    out.write(data)

    async def _check_in_worker(self, submission: Path) -> tuple[bool, str]:
        """`check` in a worker thread; queued checks start one after the other without a round trip through the
        event loop, which is busy with other clients' uploads."""
        job = _Job(submission, asyncio.get_running_loop())
        self._jobs.put(job)
        try:
            return await job.future
        except asyncio.CancelledError:
            job.cancelled.set()  # a queued check is skipped; a running one ends on its own, keeping its worker
            raise

    def _work(self) -> None:
        """A worker thread: run queued checks until the None that ends it. Daemon threads, so a check that is
        running at SIGTERM never holds up the process's exit (its temp dir is already gone by then)."""
        while (job := self._jobs.get()) is not None:
            if job.cancelled.is_set():
                continue
            result: tuple[bool, str] | None = None
            error: Exception | None = None
            try:
                result = self.check(job.submission)
            except Exception as err:  # handed to the request, which answers 500
                error = err
            try:
                job.loop.call_soon_threadsafe(job.deliver, result, error)
            except RuntimeError:  # the loop is closed: the server stopped and nobody waits for this verdict
                continue


@dataclass
class _Job:
    """One check for a worker thread, and where its verdict goes."""

    submission: Path
    loop: asyncio.AbstractEventLoop
    cancelled: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.future: asyncio.Future[tuple[bool, str]] = self.loop.create_future()

    def deliver(self, result: tuple[bool, str] | None, error: Exception | None) -> None:
        """On the event loop: hand the verdict (or the grader's exception) to the waiting request, if any."""
        if self.future.done():
            return
        if error is not None:
            self.future.set_exception(error)
        elif result is not None:
            self.future.set_result(result)


def _boundary(content_type: str) -> str | None:
    """The multipart boundary if it is one aiohttp accepts (RFC 2046: 1-70 characters)."""
    from aiohttp.helpers import parse_mimetype

    boundary = parse_mimetype(content_type).parameters.get("boundary", "")
    return boundary if 0 < len(boundary) <= 70 and boundary.isascii() else None


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
    upload_wait: float = 60.0,
    read_timeout: float = 120.0,
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
        upload_wait=upload_wait,
        read_timeout=read_timeout,
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
    """Serve until SIGTERM or SIGINT, then answer or cancel what is in flight and close the socket (main thread)."""
    try:
        server.serve_forever(handle_signals=True)
    finally:
        server.server_close()
        server.log("validator: stopped")
