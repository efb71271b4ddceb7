"""Load on the validator endpoint: many concurrent clients and a few slow ones, loopback only.

Starts `inspect-mlebench validator-server --supervise` (the sandbox's mode) on synthetic spaceship-titanic data,
then sends `--clients` concurrent uploads of the sample submission while `--slow` clients trickle theirs a few bytes
a second. Reports how many requests got an answer and which, the latency percentiles of the fast ones, and the
server's peak memory (the worker process's VmHWM).

Run: python benchmarks/validator_load.py [--clients 200] [--slow 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from inspect_mlebench.data.prepare import prepare_synthetic

CID = "spaceship-titanic"
BOUNDARY = "loadtestboundary"


def _body(content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="submission.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def _post(port: int, body: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("POST", "/validate", body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
        status = conn.getresponse().status
        conn.close()
    except OSError:
        status = 0  # reset or refused: no answer
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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--slow", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mlebench-load-") as tmp:
        data = Path(tmp)
        prepare_synthetic(CID, data, size=400)
        body = _body((data / CID / "prepared" / "public" / "sample_submission.csv").read_bytes())
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "inspect_mlebench.cli", "validator-server", "-c", CID, "--data-dir", str(data),
             "--port", str(port), "--supervise"],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert server.stderr is not None
            server.stderr.readline()  # "ready on ..."
            threading.Thread(target=lambda: [None for _ in server.stderr or []], daemon=True).start()  # drain logs
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
                p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] if latencies else float("nan")
                answered = sum(n for status, n in statuses.items() if status)
                print(
                    f"| {round_no} | {args.clients} | {args.slow} | {answered}/{args.clients} | "
                    f"{dict(sorted(statuses.items()))} | {statistics.median(latencies):.3f} | {p99:.3f} | "
                    f"{latencies[-1]:.3f} | {wall:.2f} |",
                    flush=True,
                )
            stop.set()
            print(f"\nvalidator worker peak memory: {_worker_peak_mib(server.pid):.0f} MiB")
        finally:
            server.terminate()
            server.wait(timeout=15)


if __name__ == "__main__":
    main()
