"""The validator's supervisor process: it holds the listening port for the container's life and runs the server
in a child process on that socket, restarting it when it dies (`inspect-mlebench validator-server --supervise`)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
from types import FrameType

from inspect_mlebench.sandbox.validator_server import LISTEN_BACKLOG, ValidatorStartupError, check_port


def supervise(server_args: list[str], host: str, port: int, *, restart_delay: float = 1.0) -> int:
    """Bind the port once, then run the server in a child process on that socket, restarting it when it dies.

    The agent shares the validator's network namespace: if the validator let go of its port while restarting,
    the agent could bind it and answer validation requests itself. Here the port stays held by this small
    process for the container's life; requests that arrive between two children wait in the listen backlog.
    Returns the exit status after SIGTERM/SIGINT (forwarded to the child, which finishes or cancels its requests).
    """
    check_port(port)
    try:
        listener = socket.create_server((host, port), backlog=LISTEN_BACKLOG)
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
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:  # it ignored SIGTERM past its grace: the port must not stay held
                child.kill()
                child.wait()
        listener.close()
