"""The validator endpoint on loopback: verdicts without scores, JSON for every bad request, the helper script."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from inspect_mlebench.cli import cli
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.sandbox.validator_server import ValidatorServer, ValidatorStartupError, create_server

CID = "spaceship-titanic"
MAX_BYTES = 100_000
SCRIPT = Path(__file__).resolve().parents[2] / "compose" / "validate_submission.sh"
BOUNDARY = "----mlebench-test-boundary"


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_synthetic(CID, root, size=60)
    return root


@pytest.fixture(scope="module")
def upload_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the server writes uploads during these tests, to check that it deletes them."""
    path = tmp_path_factory.mktemp("uploads")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tempfile, "tempdir", str(path))
        yield path


@pytest.fixture(scope="module")
def server(data_dir: Path, upload_tmp: Path) -> Iterator[ValidatorServer]:
    srv = create_server(CID, data_dir, port=0, max_bytes=MAX_BYTES, log_stream=io.StringIO())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join(timeout=5)


def _public(data_dir: Path) -> Path:
    return data_dir / CID / "prepared" / "public"


def _private(data_dir: Path) -> Path:
    return data_dir / CID / "prepared" / "private"


def request(
    server: ValidatorServer, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """One request; the status, the parsed JSON answer and the response headers."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        raw = resp.read()
        assert resp.getheader("Content-Type") == "application/json"
        return resp.status, json.loads(raw) if raw else {}, dict(resp.getheaders())
    finally:
        conn.close()


def multipart(content: bytes, *, field: str = "file", filename: str | None = "submission.csv") -> tuple[bytes, str]:
    """A multipart/form-data body with one field (plus an unrelated text field first), as browsers and curl send."""
    disposition = f'form-data; name="{field}"' + (f'; filename="{filename}"' if filename is not None else "")
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={BOUNDARY}"


def post_file(server: ValidatorServer, content: bytes, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    body, content_type = multipart(content, **kwargs)
    status, payload, _ = request(server, "POST", "/validate", body, {"Content-Type": content_type})
    return status, payload


def assert_verdict_only(payload: dict[str, Any]) -> None:
    """The answer is exactly {valid, reason}: nothing a score could hide in."""
    assert set(payload) == {"valid", "reason"}
    assert isinstance(payload["valid"], bool)
    assert isinstance(payload["reason"], str)


def test_health(server: ValidatorServer) -> None:
    status, payload, _ = request(server, "GET", "/health")
    assert status == 200
    assert payload == {"status": "ok", "competition_id": CID}


def test_sample_submission_is_valid(server: ValidatorServer, data_dir: Path) -> None:
    status, payload = post_file(server, (_public(data_dir) / "sample_submission.csv").read_bytes())
    assert status == 200
    assert payload == {"valid": True, "reason": "Submission is valid."}


def test_gold_submission_is_valid_and_gets_no_score(server: ValidatorServer, data_dir: Path) -> None:
    body, content_type = multipart((_private(data_dir) / "gold_submission.csv").read_bytes())
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/validate", body=body, headers={"Content-Type": content_type})
    raw = conn.getresponse().read().decode()
    conn.close()
    assert json.loads(raw) == {"valid": True, "reason": "Submission is valid."}
    assert not re.search(r"\d", raw), raw  # no score, threshold or any other number anywhere in the answer


def test_missing_column_is_invalid_with_a_reason(server: ValidatorServer, data_dir: Path) -> None:
    lines = (_public(data_dir) / "sample_submission.csv").read_text().splitlines()
    broken = "\n".join(line.split(",")[0] for line in lines) + "\n"
    status, payload = post_file(server, broken.encode())
    assert status == 200
    assert_verdict_only(payload)
    assert payload["valid"] is False
    assert payload["reason"].startswith("Submission invalid:")
    assert "Transported" in payload["reason"]
    assert "\n" not in payload["reason"]


def test_random_bytes_are_invalid(server: ValidatorServer) -> None:
    status, payload = post_file(server, os.urandom(4000))
    assert status == 200
    assert_verdict_only(payload)
    assert payload["valid"] is False


def test_empty_file_is_invalid(server: ValidatorServer) -> None:
    status, payload = post_file(server, b"")
    assert (status, payload["valid"]) == (200, False)
    assert "empty" in payload["reason"]


def test_non_csv_filename_is_invalid(server: ValidatorServer, data_dir: Path) -> None:
    content = (_public(data_dir) / "sample_submission.csv").read_bytes()
    status, payload = post_file(server, content, filename="submission.txt")
    assert status == 200
    assert payload == {
        "valid": False,
        "reason": "Submission invalid: submission must be a .csv file, got 'submission.txt'",
    }
    # no filename at all counts as CSV, as does any case of the suffix
    assert post_file(server, content, filename=None)[1]["valid"] is True
    assert post_file(server, content, filename="SUB.CSV")[1]["valid"] is True


def test_no_file_field_is_400(server: ValidatorServer, data_dir: Path) -> None:
    status, payload = post_file(server, b"a,b\n1,2\n", field="submission")
    assert status == 400
    assert set(payload) == {"error"}
    assert "'file'" in payload["error"]


def test_not_multipart_is_400(server: ValidatorServer) -> None:
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        status, payload, _ = request(server, "POST", "/validate", b"file=x", {"Content-Type": content_type})
        assert status == 400
        assert "multipart/form-data" in payload["error"]


def test_malformed_multipart_is_400(server: ValidatorServer) -> None:
    truncated = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"\r\n\r\na,b\n'.encode()
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    status, payload, _ = request(server, "POST", "/validate", truncated, headers)
    assert status == 400
    assert "boundary" in payload["error"]
    status, payload, _ = request(server, "POST", "/validate", b"x", {"Content-Type": "multipart/form-data"})
    assert status == 400


def test_oversized_body_is_413(server: ValidatorServer) -> None:
    big = b"PassengerId,Transported\n" + b"0001_01,True\n" * (MAX_BYTES // 10)
    status, payload = post_file(server, big)  # refused from Content-Length, before reading
    assert status == 413
    assert set(payload) == {"error"}
    assert str(MAX_BYTES) in payload["error"]


def test_oversized_chunked_body_is_413_while_reading(server: ValidatorServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    chunks = (b"0001_01,True\n" * 1000 for _ in range(20))  # no Content-Length: only counting can catch it
    conn.request("POST", "/validate", body=chunks, headers={"Content-Type": "text/csv"}, encode_chunked=True)
    resp = conn.getresponse()
    assert resp.status == 413
    assert "limit" in json.loads(resp.read())["error"]
    conn.close()


@pytest.mark.parametrize("chunk", [1, 7, 64, 1 << 18])
def test_multipart_upload_is_stored_byte_exact(
    server: ValidatorServer, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Delimiter look-alikes and chunk edges anywhere in the upload: the file the grader reads is the one sent."""
    seen: list[bytes] = []

    def capture(path: Path) -> tuple[bool, str]:
        seen.append(path.read_bytes())
        return True, "Submission is valid."

    monkeypatch.setattr(server, "check", capture)
    tricky = f"\r\n--{BOUNDARY[:-1]}\r\n-\r\n-{BOUNDARY}\n--{BOUNDARY}--\r".encode()  # no CRLF before a full one
    content = os.urandom(300) + tricky + os.urandom(300) + b"\r"
    body, content_type = multipart(content, filename="r\u00e9sultat.csv")
    body += f"\r\nepilogue, ignored --{BOUNDARY}--\r\n".encode()
    pieces = [body[i : i + chunk] for i in range(0, len(body), chunk)]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/validate", body=iter(pieces), headers={"Content-Type": content_type}, encode_chunked=True)
    assert json.loads(conn.getresponse().read())["valid"] is True
    conn.close()
    assert seen == [content]


def test_rfc2231_filename(server: ValidatorServer, data_dir: Path) -> None:
    content = (_public(data_dir) / "sample_submission.csv").read_bytes()
    for name, valid in (("r%C3%A9sultat.csv", True), ("r%C3%A9sultat.xlsx", False)):
        body = (
            (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''{name}\r\n\r\n").encode()
            + content
            + f"\r\n--{BOUNDARY}--".encode()
        )
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        status, payload, _ = request(server, "POST", "/validate", body, headers)
        assert (status, payload["valid"]) == (200, valid), payload
    assert "r\u00e9sultat.xlsx" in payload["reason"]


def test_unknown_path_and_wrong_method(server: ValidatorServer) -> None:
    status, payload, _ = request(server, "GET", "/grade")
    assert (status, set(payload)) == (404, {"error"})
    status, payload, headers = request(server, "GET", "/validate")
    assert (status, set(payload)) == (405, {"error"})
    assert headers["Allow"] == "POST"
    status, _, headers = request(server, "POST", "/health", b"")
    assert status == 405
    assert headers["Allow"] == "GET, HEAD"


def test_raw_csv_body(server: ValidatorServer, data_dir: Path) -> None:
    content = (_public(data_dir) / "sample_submission.csv").read_bytes()
    status, payload, _ = request(server, "POST", "/validate", content, {"Content-Type": "text/csv; charset=utf-8"})
    assert (status, payload) == (200, {"valid": True, "reason": "Submission is valid."})
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("POST", "/validate", body=iter([content[:10], content[10:]]), headers={"Content-Type": "text/csv"})
    assert json.loads(conn.getresponse().read())["valid"] is True  # chunked transfer encoding
    conn.close()


def test_unexpected_error_is_500_and_server_keeps_serving(
    server: ValidatorServer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(_path: Path) -> tuple[bool, str]:
        raise RuntimeError("grader exploded\nsecond line")

    monkeypatch.setattr(server, "check", boom)
    status, payload = post_file(server, (_public(data_dir) / "sample_submission.csv").read_bytes())
    assert status == 500
    assert payload == {"error": "An unexpected error occurred.", "details": "RuntimeError: grader exploded second line"}
    monkeypatch.undo()
    assert post_file(server, (_public(data_dir) / "sample_submission.csv").read_bytes())[1]["valid"] is True


def test_garbage_and_unknown_verbs_are_refused(server: ValidatorServer) -> None:
    """Not HTTP (or a verb HTTP does not define): aiohttp's 400, then the connection closes. A known verb the path
    does not serve: our JSON 405 with Allow."""
    for line, status in (
        (b"NOT A REQUEST LINE AT ALL", "400"),
        (b"FOO /health HTTP/1.1", "400"),
        (b"PUT /health HTTP/1.1", "405"),
    ):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
            sock.sendall(line + b"\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            reply = read_reply(sock).decode()  # the server closes after answering
        assert re.match(rf"HTTP/1\.[01] {status} ", reply), reply
    assert set(json.loads(reply[reply.index("{") :])) == {"error"}
    assert "Allow: GET, HEAD" in reply


def test_parallel_validations(server: ValidatorServer, data_dir: Path) -> None:
    content = (_public(data_dir) / "sample_submission.csv").read_bytes()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(lambda _: post_file(server, content), range(12)))
    assert all(r == (200, {"valid": True, "reason": "Submission is valid."}) for r in results)


def test_a_burst_of_clients_all_get_an_answer(server: ValidatorServer, data_dir: Path) -> None:
    """200 clients at once: with socketserver's listen backlog of 5, about a tenth of them were reset."""
    content = (_public(data_dir) / "sample_submission.csv").read_bytes()
    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(lambda _: post_file(server, content), range(200)))
    assert [r for r in results if r != (200, {"valid": True, "reason": "Submission is valid."})] == []


@contextlib.contextmanager
def running(srv: ValidatorServer) -> Iterator[ValidatorServer]:
    """Serve `srv` from a thread for the duration of the block."""
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join(timeout=15)


def stalled_upload(port: int, sent: bytes = b"", length: int = 100_000) -> socket.socket:
    """A client that sends the headers of an upload (and `sent` of its body), then nothing."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    )
    sock.sendall(head.encode() + sent)
    return sock


def read_reply(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    return b"".join(iter(lambda: sock.recv(65536), b""))


def test_busy_validator_answers_503_with_retry_after(data_dir: Path, upload_tmp: Path) -> None:
    """Stalled uploads hold every upload slot: the next request is told when to retry instead of hanging or being
    dropped, and the stalled clients are answered 408 once they have sent nothing for the read timeout."""
    srv = create_server(
        CID, data_dir, port=0, max_uploads=2, upload_wait=0.5, read_timeout=2.0, log_stream=io.StringIO()
    )
    content = (_public(data_dir) / "sample_submission.csv").read_bytes()
    with running(srv):
        stalled = [stalled_upload(srv.port, f"--{BOUNDARY}\r\n".encode()) for _ in range(2)]
        try:
            assert _wait_for(lambda: len(list(upload_tmp.glob("mlebench-validate-*"))) == 2)
            body, content_type = multipart(content)
            status, payload, headers = request(srv, "POST", "/validate", body, {"Content-Type": content_type})
            assert status == 503
            assert headers["Retry-After"] == "5"
            assert set(payload) == {"error"}
            for sock in stalled:
                assert read_reply(sock).startswith(b"HTTP/1.1 408 ")
        finally:
            for sock in stalled:
                sock.close()
        assert request(srv, "POST", "/validate", body, {"Content-Type": content_type})[:2] == (
            200,
            {"valid": True, "reason": "Submission is valid."},
        )  # slots back: serving again
    assert list(upload_tmp.iterdir()) == []


def _wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_shutdown_mid_validation_answers_or_closes_and_removes_the_upload(
    data_dir: Path, upload_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A validation that does not finish within the shutdown grace: its request is cancelled (the connection
    closes, the temp dir goes) and the server stops without waiting for the grading thread."""
    srv = create_server(CID, data_dir, port=0, log_stream=io.StringIO())
    started, release = threading.Event(), threading.Event()

    def stuck(_path: Path) -> tuple[bool, str]:
        started.set()
        release.wait(60)
        return True, "late"

    monkeypatch.setattr(srv, "check", stuck)
    body, content_type = multipart(b"PassengerId,Transported\n")
    try:
        with running(srv):
            conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
            conn.request("POST", "/validate", body=body, headers={"Content-Type": content_type})
            assert started.wait(20)
            assert list(upload_tmp.glob("mlebench-validate-*"))
            stopper = threading.Thread(target=srv.shutdown)
            stopper.start()
            with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
                conn.getresponse()
            conn.close()
            stopper.join(timeout=30)
            assert not stopper.is_alive()
        assert list(upload_tmp.iterdir()) == []
        assert isinstance(srv.log_stream, io.StringIO)
        assert " POST /validate - cancelled " in srv.log_stream.getvalue()
    finally:
        release.set()


def test_still_serving_uploads_deleted_and_every_request_logged(server: ValidatorServer, upload_tmp: Path) -> None:
    status, payload, _ = request(server, "GET", "/health")
    assert (status, payload["status"]) == (200, "ok")
    assert list(upload_tmp.iterdir()) == []  # every upload's temp dir was removed
    assert isinstance(server.log_stream, io.StringIO)
    lines = server.log_stream.getvalue().splitlines()
    requests = [line for line in lines if " validator " in line]
    assert any(re.search(r" POST /validate 200 valid \d+\.\d{3}s \d+B$", line) for line in requests)
    assert any(" POST /validate 200 invalid " in line and 'reason="Submission invalid:' in line for line in requests)
    assert any(" POST /validate 413 error " in line for line in requests)
    assert any(" GET /grade 404 error " in line for line in requests)
    assert any(" POST /validate 500 error " in line for line in requests)


def test_bridge_port_is_refused(data_dir: Path) -> None:
    with pytest.raises(ValidatorStartupError, match="13131"):
        create_server(CID, data_dir, port=13131)
    result = CliRunner().invoke(cli, ["validator-server", "-c", CID, "--data-dir", str(data_dir), "--port", "13131"])
    assert result.exit_code == 1
    assert "13131 is reserved" in result.output


def test_unprepared_or_unknown_competition_fails_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValidatorStartupError, match="prepare it"):
        create_server(CID, tmp_path, port=0)
    with pytest.raises(ValidatorStartupError, match="unknown competition"):
        create_server("no-such-competition", tmp_path, port=0)
    result = CliRunner().invoke(cli, ["validator-server", "--competition", CID, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1  # one line
    assert "not found" in result.output


def test_cli_serves_until_sigterm(data_dir: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspect_mlebench.cli", "validator-server", "-c", CID, "--data-dir", str(data_dir),
         "--port", "0", "--max-bytes", "5000"],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        ready = proc.stderr.readline()
        match = re.search(r"ready on http://127\.0\.0\.1:(\d+) ", ready)
        assert match, ready
        conn = http.client.HTTPConnection("127.0.0.1", int(match.group(1)), timeout=10)
        conn.request("GET", "/health")
        assert json.loads(conn.getresponse().read()) == {"status": "ok", "competition_id": CID}
        conn.close()
        assert " GET /health 200 ok " in proc.stderr.readline()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert "stopped" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("supervised", [False, True], ids=["server", "supervised"])
def test_sigterm_mid_upload_removes_temp_files_and_exits(data_dir: Path, tmp_path: Path, supervised: bool) -> None:
    """SIGTERM while an upload is being received: the client gets an answer or a closed connection (never a hang),
    the upload's temp dir is removed, and the process exits 0 within its grace."""
    port = free_port()
    command = [sys.executable, "-m", "inspect_mlebench.cli", "validator-server", "-c", CID, "--data-dir",
               str(data_dir), "--port", str(port), *(["--supervise"] if supervised else [])]  # fmt: skip
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmp_path)})
    try:
        assert proc.stderr is not None
        assert "ready on" in proc.stderr.readline()
        head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="s.csv"\r\n\r\n'
        with stalled_upload(port, head.encode() + b"PassengerId,Transported\n" * 100) as sock:
            assert _wait_for(lambda: any(tmp_path.glob("mlebench-validate-*/submission.csv")))
            proc.send_signal(signal.SIGTERM)
            sock.settimeout(20)
            reply = read_reply(sock)  # a timeout here (the test fails) is the hang this guards against
        assert reply == b"" or reply.startswith(b"HTTP/1.1 "), reply
        assert proc.wait(timeout=20) == 0
        assert list(tmp_path.iterdir()) == []
        assert "SIGTERM received" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _health(port: int) -> dict[str, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/health")
        payload: dict[str, Any] = json.loads(conn.getresponse().read())
        return payload
    finally:
        conn.close()


def test_supervised_validator_keeps_its_port_across_a_crash(data_dir: Path) -> None:
    """The server dies (SIGKILL, as the OOM killer would): the supervisor restarts it on the socket it holds, so
    nothing else (the agent, in the shared namespace) can bind the port in between."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "inspect_mlebench.cli", "validator-server", "-c", CID, "--data-dir", str(data_dir),
         "--port", str(port), "--supervise"],
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        assert "ready on" in proc.stderr.readline()
        assert _health(port)["status"] == "ok"
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        assert len(children) == 1
        os.kill(int(children[0]), signal.SIGKILL)
        with socket.socket() as intruder:
            intruder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with pytest.raises(OSError, match="in use"):
                intruder.bind(("127.0.0.1", port))
        assert _health(port)["status"] == "ok"  # queued in the backlog, answered by the next server
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        assert "restarting in 1s" in proc.stderr.read()
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))  # released on exit
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def free_port() -> int:
    """A loopback port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def bash_and_curl_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PATH holding nothing but bash and curl, as in a minimal agent image."""
    found = {name: shutil.which(name) for name in ("bash", "curl")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)} to run compose/validate_submission.sh")
    bin_dir = tmp_path_factory.mktemp("bin")
    for name, path in found.items():
        (bin_dir / name).symlink_to(str(path))
    return bin_dir


def test_validate_submission_script(
    server: ValidatorServer, data_dir: Path, tmp_path: Path, bash_and_curl_only: Path
) -> None:
    def run(*args: str, url: str = f"{server.url}/validate") -> subprocess.CompletedProcess[str]:
        env = {"PATH": str(bash_and_curl_only), "VALIDATOR_URL": url}
        cmd = [str(bash_and_curl_only / "bash"), str(SCRIPT), *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=False)

    sample = _public(data_dir) / "sample_submission.csv"
    ok = run(str(sample))
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout) == {"valid": True, "reason": "Submission is valid."}
    for base in (server.url, server.url + "/"):  # compose.py sets VALIDATOR_URL to the base URL
        assert run(str(sample), url=base).returncode == 0

    odd = tmp_path / 'odd name;type=text,"x".csv'  # characters curl's -F syntax would otherwise interpret
    shutil.copy(sample, odd)
    assert run(str(odd)).returncode == 0

    broken = tmp_path / "broken.csv"
    broken.write_text("PassengerId\n0001_01\n")
    bad = run(str(broken))
    assert bad.returncode == 1
    assert json.loads(bad.stdout)["valid"] is False

    big = tmp_path / "big.csv"
    big.write_bytes(b"x" * (MAX_BYTES + 1))
    too_big = run(str(big))
    assert too_big.returncode == 2
    assert "HTTP 413" in too_big.stderr

    for args in ((), (str(tmp_path / "missing.csv"),), (str(tmp_path),), ("a.csv", "b.csv")):
        usage = run(*args)
        assert usage.returncode == 2, args
        assert usage.stderr.count("\n") == 1, usage.stderr

    unreachable = run(str(sample), url=f"http://127.0.0.1:{free_port()}/validate")
    assert unreachable.returncode == 2
    assert "cannot reach the validator" in unreachable.stderr
