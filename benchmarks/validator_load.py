"""Load on the validator endpoint: concurrent, slow, stalled, large and oversized uploads, loopback only.

Starts `inspect-mlebench validator-server --supervise` (the sandbox's mode) on synthetic spaceship-titanic data and
measures, in order:

1. bursts: `--clients` concurrent uploads of the sample submission while `--slow` clients trickle theirs a byte every
   half second (`--rounds` times): how many got an answer and which, latency percentiles, wall time;
2. a large upload (`--big-mb` MB under a non-CSV name, so it is received in full and refused without grading: the
   cost of the HTTP and multipart layers alone) and its throughput;
3. oversized uploads: one declared by Content-Length (refused before the body is read) and one chunked (counted
   while reading), `--max-bytes` being the server's cap;
4. stalled uploads: `--stalled` clients send headers and a few bytes, then nothing; whether a normal request is
   served or told to retry (503 after the server's 60 s queue wait when the stalled ones hold every upload slot);
5. SIGTERM while the stalled uploads are still open: time to exit, exit status, temp files left.

The server's peak memory (the worker process's VmHWM, cumulative) is reported after each phase. `--src` runs the
server from another source tree (e.g. an older commit unpacked with `git archive`), to compare implementations on
the same machine.

Run: python benchmarks/validator_load.py [--clients 200] [--slow 2] [--rounds 3] [--src path/to/src]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from inspect_mlebench.data.prepare import prepare_synthetic

CID = "spaceship-titanic"
BOUNDARY = "loadtestboundary"
MIB = 1 << 20


def _head(filename: str = "submission.csv") -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()


def _tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


def _body(content: bytes) -> bytes:
    return _head() + content + _tail()


def _post(port: int, body: bytes | Iterator[bytes], *, chunked: bool = False) -> tuple[int, float]:
    """Status (0: reset or refused, no answer) and seconds until the answer."""
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        conn.request("POST", "/validate", body, headers, encode_chunked=chunked)
        response = conn.getresponse()
        response.read()
        status = response.status
        conn.close()
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def _slow(port: int, body: bytes, stop: threading.Event) -> None:
    """Headers, then a byte every 0.5 s until told to stop: a client that holds an upload slot."""
    with socket.create_connection(("127.0.0.1", port)) as sock:
        head = (
            f"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        sock.sendall(head.encode())
        for byte in body:
            if stop.wait(0.5):
                return
            sock.sendall(bytes([byte]))


def _stalled(port: int) -> socket.socket:
    """Headers and the start of a 100 MB upload, then nothing."""
    sock = socket.create_connection(("127.0.0.1", port))
    head = (
        f"POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {100 * MIB}\r\n\r\n"
    )
    sock.sendall(head.encode() + _head() + b"PassengerId,Transported\n")
    return sock


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _worker_peak_mib(supervisor: int) -> float:
    children = Path(f"/proc/{supervisor}/task/{supervisor}/children").read_text().split()
    for line in Path(f"/proc/{children[0]}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))] if sorted_values else float("nan")


def _bursts(port: int, body: bytes, args: argparse.Namespace) -> None:
    stop = threading.Event()
    slow = [threading.Thread(target=_slow, args=(port, body, stop), daemon=True) for _ in range(args.slow)]
    for thread in slow:
        thread.start()
    print("| round | clients | slow clients | answered | statuses | p50 (s) | p99 (s) | max (s) | wall (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for round_no in range(1, args.rounds + 1):
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = list(pool.map(lambda _: _post(port, body), range(args.clients)))
        wall = time.perf_counter() - started
        statuses = Counter(status for status, _ in results)
        latencies = sorted(latency for status, latency in results if status)
        answered = sum(n for status, n in statuses.items() if status)
        print(
            f"| {round_no} | {args.clients} | {args.slow} | {answered}/{args.clients} | "
            f"{dict(sorted(statuses.items()))} | {statistics.median(latencies):.3f} | "
            f"{_percentile(latencies, 0.99):.3f} | {latencies[-1]:.3f} | {wall:.2f} |",
            flush=True,
        )
    stop.set()


def _chunks(total: int, piece: bytes) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield piece
        sent += len(piece)


def _large_and_oversized(port: int, args: argparse.Namespace, supervisor: int) -> None:
    piece = b"0001_01,True\n" * 20_000  # 260 kB
    big = _head("submission.txt") + b"".join(_chunks(args.big_mb * MIB, piece)) + _tail()
    status, seconds = _post(port, big)
    print(f"- large upload, {len(big) / MIB:.0f} MiB, Content-Length: HTTP {status} in {seconds:.2f} s "
          f"({len(big) / MIB / seconds:.0f} MiB/s); worker peak {_worker_peak_mib(supervisor):.0f} MiB")  # fmt: skip
    del big
    over = args.max_bytes + MIB
    status, seconds = _post(port, _head() + b"x" * over + _tail())
    print(f"- oversized by Content-Length ({over / MIB:.0f} MiB): HTTP {status} in {seconds:.2f} s")
    status, seconds = _post(port, iter([_head(), *_chunks(over, piece), _tail()]), chunked=True)
    print(f"- oversized chunked ({over / MIB:.0f} MiB, no length): HTTP {status} in {seconds:.2f} s; "
          f"worker peak {_worker_peak_mib(supervisor):.0f} MiB")  # fmt: skip


def _stalled_phase(port: int, body: bytes, args: argparse.Namespace, supervisor: int) -> list[socket.socket]:
    socks = [_stalled(port) for _ in range(args.stalled)]
    time.sleep(1.0)
    status, seconds = _post(port, body)
    print(f"- {args.stalled} stalled uploads open; a normal upload: HTTP {status} after {seconds:.2f} s; "
          f"worker peak {_worker_peak_mib(supervisor):.0f} MiB")  # fmt: skip
    return socks


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--slow", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big-mb", type=int, default=200, help="size of the large upload (phase 2)")
    parser.add_argument("--max-bytes", type=int, default=256 * MIB, help="the server's upload cap (phase 3)")
    parser.add_argument("--stalled", type=int, default=5, help="stalled uploads (phase 4; 0 skips 4 and 5)")
    parser.add_argument("--src", type=Path, default=None, help="run the server from this source tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlebench-load-") as tmp:
        data, uploads = Path(tmp) / "data", Path(tmp) / "uploads"
        uploads.mkdir()
        prepare_synthetic(CID, data, size=400)
        body = _body((data / CID / "prepared" / "public" / "sample_submission.csv").read_bytes())
        port = _free_port()
        env = {**os.environ, "TMPDIR": str(uploads)}
        if args.src is not None:
            env["PYTHONPATH"] = str(args.src.resolve())
        server = subprocess.Popen(
            [sys.executable, "-m", "inspect_mlebench.cli", "validator-server", "-c", CID, "--data-dir", str(data),
             "--port", str(port), "--max-bytes", str(args.max_bytes), "--supervise"],
            stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        try:
            assert server.stderr is not None
            server.stderr.readline()  # "ready on ..."
            threading.Thread(target=lambda: [None for _ in server.stderr or []], daemon=True).start()  # drain logs
            print(
                f"server from {args.src or 'this checkout'}; worker at start {_worker_peak_mib(server.pid):.0f} MiB\n"
            )
            _bursts(port, body, args)
            print(f"\nworker peak after the bursts: {_worker_peak_mib(server.pid):.0f} MiB\n")
            _large_and_oversized(port, args, server.pid)
            if args.stalled:
                socks = _stalled_phase(port, body, args, server.pid)
                started = time.perf_counter()
                server.terminate()
                status = server.wait(timeout=60)
                left = sorted(p.name for p in uploads.iterdir())
                print(f"- SIGTERM with them open: exit {status} after {time.perf_counter() - started:.2f} s; "
                      f"temp dirs left: {len(left)}")  # fmt: skip
                for sock in socks:
                    sock.close()
        finally:
            if server.poll() is None:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
