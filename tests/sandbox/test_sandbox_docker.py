"""The real sandbox under Inspect's docker provider: built images, generated compose, isolation, validation.

Marked `docker`: CI runs it against a real engine. Builds the slim agent image and the validator image (wheels are
fetched by the host's pip, so the build needs no network), prepares spaceship-titanic synthetically, and probes
the running sandbox from inside the agent's container as `nonroot` and as root.
"""

from __future__ import annotations

import json
import shlex
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox

from inspect_mlebench import get_competition
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.sandbox.compose import SandboxOptions, write_compose

pytestmark = pytest.mark.docker

CID = "spaceship-titanic"


@pytest.fixture(scope="module")
def images(sandbox_images: tuple[str, str]) -> tuple[str, str]:
    return sandbox_images


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    prepare_synthetic(CID, root, size=80)
    return root


PROBES: dict[str, tuple[str, str]] = {
    # name: (user, shell command); the scorer checks each result
    "answers_nonroot": ("nonroot", "find / -xdev \\( -name gold_submission.csv -o -path '*prepared/private*' "
                        "-o -path '/private*' \\) -print 2>/dev/null | head -5"),
    "answers_root": ("root", "find / -xdev \\( -name gold_submission.csv -o -path '*prepared/private*' "
                     "-o -path '/private*' \\) -print 2>/dev/null | head -5"),
    "https": ("nonroot", "python3 -c \"import urllib.request; urllib.request.urlopen('https://pypi.org/simple/six/', "
              "timeout=5)\" && echo REACHED || echo BLOCKED"),
    "pip": ("root", "timeout 60 pip download --no-deps -d /tmp/dl six >/dev/null 2>&1 && echo REACHED || echo BLOCKED"),
    "validate_sample": ("nonroot", "curl -sS -F file=@/home/data/sample_submission.csv http://localhost:5000/validate"),
    "validate_broken": ("nonroot", "printf 'PassengerId\\n0001_01\\n' > /tmp/bad.csv; "
                        "/home/validate_submission.sh /tmp/bad.csv; echo EXIT=$?"),
    "submission_writable": ("nonroot", "touch /home/submission/probe && echo WRITABLE || echo DENIED"),
    "data_readonly_nonroot": ("nonroot", "touch /home/data/probe 2>/dev/null && echo WRITABLE || echo DENIED"),
    "data_readonly_root": ("root", "touch /home/data/probe 2>/dev/null && echo WRITABLE || echo DENIED"),
    "threads": ("nonroot", "echo $OMP_NUM_THREADS $COMPETITION_ID"),
}  # fmt: skip


@solver
def _probe(probes: dict[str, tuple[str, str]]) -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        results: dict[str, str] = {}
        for name, (user, command) in probes.items():
            out = await sandbox().exec(["bash", "-c", command], user=user, timeout=180)
            results[name] = out.stdout.strip()
        state.store.set("probes", results)
        return state

    return solve


@scorer(metrics=[mean()])
def _collect() -> Scorer:
    async def score(state: TaskState, target: Target) -> Score:
        return Score(value=1.0, explanation=json.dumps(state.store.get("probes")))

    return score


def _run(compose: Path, tmp_path: Path, probes: dict[str, tuple[str, str]]) -> dict[str, Any]:
    task = Task(dataset=[Sample(input="probe", id=CID)], solver=_probe(probes), scorer=_collect(),
                sandbox=("docker", str(compose)))  # fmt: skip
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path / "logs"), display="none")
    assert log.status == "success", log.error
    assert log.samples is not None
    results: dict[str, Any] = log.samples[0].store["probes"]
    return results


def test_sandbox_isolation_and_validation(images: tuple[str, str], data_dir: Path, tmp_path: Path) -> None:
    agent, validator = images
    options = SandboxOptions(gpus=0, cpus=1, memory_gb=2, shm_size_gb=1, internet=False, agent_image=agent,
                             validator_image=validator)  # fmt: skip
    compose = write_compose(get_competition(CID), data_dir, options, cache_dir=tmp_path / "compose")
    probes = _run(compose, tmp_path, PROBES)
    assert probes["answers_nonroot"] == "", probes["answers_nonroot"]
    assert probes["answers_root"] == "", probes["answers_root"]
    assert probes["https"].endswith("BLOCKED"), probes["https"]
    assert probes["pip"] == "BLOCKED"
    assert json.loads(probes["validate_sample"]) == {"valid": True, "reason": "Submission is valid."}
    broken = probes["validate_broken"]
    assert '"valid": false' in broken
    assert "Transported" in broken
    assert broken.endswith("EXIT=1")
    assert probes["submission_writable"] == "WRITABLE"
    assert probes["data_readonly_nonroot"] == "DENIED"
    assert probes["data_readonly_root"] == "DENIED"
    assert probes["threads"] == f"1 {CID}"


def _host_server() -> ThreadingHTTPServer:
    """A server on this machine that containers can reach only through a bridge network's gateway."""

    class Pong(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"pong")

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("0.0.0.0", 0), Pong)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _via_gateway(port: int) -> tuple[str, str]:
    """Fetch the host server through the container's default gateway; NO-ROUTE when there is none."""
    script = (
        "import socket, struct, urllib.request\n"
        "gw = None\n"
        "for line in open('/proc/net/route').read().splitlines()[1:]:\n"
        "    f = line.split()\n"
        "    if f[1] == '00000000':\n"
        "        gw = socket.inet_ntoa(struct.pack('<L', int(f[2], 16)))\n"
        f"print(urllib.request.urlopen(f'http://{{gw}}:{port}/', timeout=10).read().decode() if gw else 'NO-ROUTE')\n"
    )
    return "nonroot", f"python3 -c {shlex.quote(script)}"


@pytest.mark.parametrize("internet", [True, False])
def test_internet_option(images: tuple[str, str], data_dir: Path, tmp_path: Path, internet: bool) -> None:
    agent, validator = images
    server = _host_server()
    try:
        options = SandboxOptions(gpus=0, cpus=1, memory_gb=2, shm_size_gb=1, internet=internet, agent_image=agent,
                                 validator_image=validator)  # fmt: skip
        compose = write_compose(get_competition(CID), data_dir, options, cache_dir=tmp_path / "compose")
        probes = _run(compose, tmp_path, {"gateway": _via_gateway(server.server_address[1]),
                                          "validator": PROBES["validate_sample"]})  # fmt: skip
    finally:
        server.shutdown()
    assert probes["gateway"] == ("pong" if internet else "NO-ROUTE")
    assert json.loads(probes["validator"])["valid"] is True  # the validator is reachable either way
