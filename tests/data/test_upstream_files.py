"""Fetching upstream's leaderboards and descriptions, against a local HTTP server on 127.0.0.1 only."""

from __future__ import annotations

import hashlib
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from inspect_mlebench import get_competition
from inspect_mlebench.config import Competition, LeaderboardRef
from inspect_mlebench.data import upstream_files as uf

LEADERBOARD = b"teamId,teamName,score,submissionDate\n1,a,0.9,2022-01-01\n2,b,0.8,2022-01-01\n3,c,0.7,2022-01-01\n"
OTHER = b"teamId,score\n1,0.5\n"
LFS_POINTER = b"version https://git-lfs.github.com/spec/v1\noid sha256:" + b"0" * 64 + b"\nsize 125841\n"
DESCRIPTION = "# Fake competition\r\n\r\nPredict things.\n"
COMMIT = uf.UPSTREAM_COMMIT
COMP_ID = "spaceship-titanic"
LB_PATH = f"/media/{COMMIT}/mlebench/competitions/{COMP_ID}/leaderboard.csv"
DESC_PATH = f"/raw/{COMMIT}/mlebench/competitions/{COMP_ID}/description.md"
OBF_PATH = f"/raw/{COMMIT}/mlebench/competitions/{COMP_ID}/description_obfuscated.md"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    truncate_to: int | None = None  # send only this many bytes of the body, then close


@dataclass
class FakeUpstream:
    """Serves queued replies per path (the last one repeats) and records every requested path."""

    base: str
    routes: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def serve(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def next_reply(self, path: str) -> Reply:
        self.requests.append(path)
        queue = self.routes.get(path)
        if not queue:
            return Reply(404, b"not found")
        return queue.pop(0) if len(queue) > 1 else queue[0]


def _handler(upstream: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            reply = upstream.next_reply(self.path)
            if reply.delay_s:
                time.sleep(reply.delay_s)
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up after its timeout
                pass
            if reply.truncate_to is not None:
                self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the environment must never see loopback test traffic."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUpstream]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    fake = FakeUpstream(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(fake)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv(uf.MEDIA_URL_ENV, f"{fake.base}/media/")
    monkeypatch.setenv(uf.RAW_URL_ENV, f"{fake.base}/raw")
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> str:
    """Base URLs pointing at a closed loopback port: every connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    monkeypatch.setenv(uf.MEDIA_URL_ENV, f"{base}/media")
    monkeypatch.setenv(uf.RAW_URL_ENV, f"{base}/raw")
    return base


@pytest.fixture
def comp() -> Competition:
    real = get_competition(COMP_ID)
    ref = LeaderboardRef(sha256=hashlib.sha256(LEADERBOARD).hexdigest(), size=len(LEADERBOARD))
    return real.model_copy(update={"leaderboard": ref})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _listing(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def _one_line(err: pytest.ExceptionInfo[uf.UpstreamFetchError]) -> str:
    message = str(err.value)
    assert "\n" not in message
    return message


# --- URLs -------------------------------------------------------------------------------------------------------


def test_default_urls_point_at_pinned_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(uf.MEDIA_URL_ENV, raising=False)
    monkeypatch.delenv(uf.RAW_URL_ENV, raising=False)
    assert uf.leaderboard_url(COMP_ID) == (
        f"https://media.githubusercontent.com/media/openai/mle-bench/{COMMIT}/mlebench/competitions/{COMP_ID}/"
        "leaderboard.csv"
    )
    assert uf.description_url(COMP_ID, obfuscated=True) == (
        f"https://raw.githubusercontent.com/openai/mle-bench/{COMMIT}/mlebench/competitions/{COMP_ID}/"
        "description_obfuscated.md"
    )


def test_registry_leaderboard_ref_is_upstream_lfs_identity() -> None:
    real = get_competition(COMP_ID)
    assert real.leaderboard is not None
    assert real.leaderboard.size == 125841
    assert real.leaderboard.sha256.startswith("e071aca01cb968fa")


# --- leaderboard download ---------------------------------------------------------------------------------------


def test_downloads_verifies_and_installs(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(body=LEADERBOARD))
    path = uf.fetch_leaderboard(comp, tmp_path, sleep=Sleeps())
    assert path == tmp_path / COMP_ID / "leaderboard.csv"
    assert path.read_bytes() == LEADERBOARD
    assert path.stat().st_mode & 0o777 == 0o644
    assert _listing(path.parent) == ["leaderboard.csv"]
    assert upstream.requests == [LB_PATH]


def test_valid_file_in_place_makes_no_request(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    target = tmp_path / COMP_ID / "leaderboard.csv"
    target.parent.mkdir()
    target.write_bytes(LEADERBOARD)
    assert uf.fetch_leaderboard(comp, tmp_path, leaderboard_dir=tmp_path / "nowhere") == target
    assert upstream.requests == []


def test_corrupt_file_in_place_is_replaced(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    target = tmp_path / COMP_ID / "leaderboard.csv"
    target.parent.mkdir()
    target.write_bytes(LEADERBOARD.replace(b"0.9", b"0.1"))  # same size, different content
    upstream.serve(LB_PATH, Reply(body=LEADERBOARD))
    uf.fetch_leaderboard(comp, tmp_path)
    assert target.read_bytes() == LEADERBOARD
    assert upstream.requests == [LB_PATH]


def test_wrong_content_is_refused_and_nothing_left(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(body=LEADERBOARD + b"4,d,0.6,2022-01-01\n"))
    with pytest.raises(uf.UpstreamFetchError) as err:
        uf.fetch_leaderboard(comp, tmp_path, sleep=Sleeps())
    message = _one_line(err)
    assert comp.leaderboard is not None
    assert f"expected sha256 {comp.leaderboard.sha256} ({comp.leaderboard.size} bytes)" in message
    assert "got sha256 " in message
    assert _listing(tmp_path / COMP_ID) == []
    assert upstream.requests == [LB_PATH]  # a mismatch is not retried


def test_lfs_pointer_is_refused(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(body=LFS_POINTER))
    with pytest.raises(uf.UpstreamFetchError, match="git-LFS pointer") as err:
        uf.fetch_leaderboard(comp, tmp_path, sleep=Sleeps())
    assert uf.MEDIA_URL_ENV in _one_line(err)
    assert _listing(tmp_path / COMP_ID) == []


def test_503_then_200_succeeds_after_retry(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(503, b"busy"), Reply(body=LEADERBOARD))
    sleeps = Sleeps()
    path = uf.fetch_leaderboard(comp, tmp_path, sleep=sleeps)
    assert path.read_bytes() == LEADERBOARD
    assert upstream.requests == [LB_PATH, LB_PATH]
    assert sleeps == [1.0]


def test_429_honours_retry_after(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(429, headers={"Retry-After": "7"}), Reply(500), Reply(body=LEADERBOARD))
    sleeps = Sleeps()
    uf.fetch_leaderboard(comp, tmp_path, sleep=sleeps)
    assert sleeps == [7.0, 2.0]


def test_truncated_body_is_retried(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(body=LEADERBOARD, truncate_to=10), Reply(body=LEADERBOARD))
    path = uf.fetch_leaderboard(comp, tmp_path, sleep=Sleeps())
    assert path.read_bytes() == LEADERBOARD
    assert len(upstream.requests) == 2


def test_timeout_is_retried(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(body=LEADERBOARD, delay_s=0.5), Reply(body=LEADERBOARD))
    path = uf.fetch_leaderboard(comp, tmp_path, timeout=0.1, sleep=Sleeps())
    assert path.read_bytes() == LEADERBOARD
    assert len(upstream.requests) == 2


def test_persistent_5xx_gives_up(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(LB_PATH, Reply(502))
    sleeps = Sleeps()
    with pytest.raises(uf.UpstreamFetchError, match=r"kept failing \(HTTP 502; 3 tries\)") as err:
        uf.fetch_leaderboard(comp, tmp_path, retries=2, sleep=sleeps)
    assert "--leaderboard-dir" in _one_line(err)
    assert sleeps == [1.0, 2.0]
    assert _listing(tmp_path / COMP_ID) == []


def test_404_is_not_retried(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    with pytest.raises(uf.UpstreamFetchError, match="HTTP 404") as err:
        uf.fetch_leaderboard(comp, tmp_path, sleep=Sleeps())
    _one_line(err)
    assert upstream.requests == [LB_PATH]


def test_offline_fails_fast_with_what_to_do(offline: str, comp: Competition, tmp_path: Path) -> None:
    sleeps = Sleeps()
    started = time.monotonic()
    with pytest.raises(uf.UpstreamFetchError) as err:
        uf.fetch_leaderboard(comp, tmp_path, sleep=sleeps)
    assert time.monotonic() - started < 5
    assert sleeps == []
    message = _one_line(err)
    assert message.startswith(f"could not reach {offline.removeprefix('http://')} (")
    assert "--leaderboard-dir DIR" in message
    assert str(tmp_path / COMP_ID / "leaderboard.csv") in message
    assert _listing(tmp_path / COMP_ID) == []


# --- leaderboard_dir override -----------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["flat", "nested"])
def test_leaderboard_dir_valid(offline: str, comp: Competition, tmp_path: Path, layout: str) -> None:
    source = tmp_path / "lb" / (f"{COMP_ID}.csv" if layout == "flat" else f"{COMP_ID}/leaderboard.csv")
    source.parent.mkdir(parents=True)
    source.write_bytes(LEADERBOARD)
    path = uf.fetch_leaderboard(comp, tmp_path / "data", leaderboard_dir=tmp_path / "lb")
    assert path.read_bytes() == LEADERBOARD
    assert _listing(path.parent) == ["leaderboard.csv"]


def test_leaderboard_dir_mismatch_needs_allow_unverified(offline: str, comp: Competition, tmp_path: Path) -> None:
    (tmp_path / "lb").mkdir()
    (tmp_path / "lb" / f"{COMP_ID}.csv").write_bytes(OTHER)
    with pytest.raises(uf.UpstreamFetchError) as err:
        uf.fetch_leaderboard(comp, tmp_path / "data", leaderboard_dir=tmp_path / "lb")
    message = _one_line(err)
    assert comp.leaderboard is not None
    assert f"expected sha256 {comp.leaderboard.sha256}" in message
    assert f"got sha256 {hashlib.sha256(OTHER).hexdigest()} ({len(OTHER)} bytes)" in message
    assert "allow_unverified=True" in message
    assert _listing(tmp_path / "data" / COMP_ID) == []

    path = uf.fetch_leaderboard(comp, tmp_path / "data", leaderboard_dir=tmp_path / "lb", allow_unverified=True)
    assert path.read_bytes() == OTHER
    # accepted once, it stays: no download replaces it while unverified files are allowed
    assert uf.fetch_leaderboard(comp, tmp_path / "data", allow_unverified=True) == path


def test_leaderboard_dir_lfs_pointer_always_refused(offline: str, comp: Competition, tmp_path: Path) -> None:
    (tmp_path / "lb").mkdir()
    (tmp_path / "lb" / f"{COMP_ID}.csv").write_bytes(LFS_POINTER)
    with pytest.raises(uf.UpstreamFetchError, match="git-LFS pointer"):
        uf.fetch_leaderboard(comp, tmp_path / "data", leaderboard_dir=tmp_path / "lb", allow_unverified=True)
    assert _listing(tmp_path / "data" / COMP_ID) == []


def test_leaderboard_dir_missing_file_names_both_layouts(offline: str, comp: Competition, tmp_path: Path) -> None:
    (tmp_path / "lb").mkdir()
    with pytest.raises(uf.UpstreamFetchError) as err:
        uf.fetch_leaderboard(comp, tmp_path / "data", leaderboard_dir=tmp_path / "lb")
    message = _one_line(err)
    assert str(tmp_path / "lb" / f"{COMP_ID}.csv") in message
    assert str(tmp_path / "lb" / COMP_ID / "leaderboard.csv") in message


def test_leaderboard_dir_may_be_the_data_dir(offline: str, comp: Competition, tmp_path: Path) -> None:
    target = tmp_path / COMP_ID / "leaderboard.csv"
    target.parent.mkdir()
    target.write_bytes(OTHER)
    with pytest.raises(uf.UpstreamFetchError, match="expected sha256"):
        uf.fetch_leaderboard(comp, tmp_path, leaderboard_dir=tmp_path)
    assert uf.fetch_leaderboard(comp, tmp_path, leaderboard_dir=tmp_path, allow_unverified=True) == target
    assert target.read_bytes() == OTHER


# --- descriptions -----------------------------------------------------------------------------------------------


def test_description_fetch_then_cache_hit(
    upstream: FakeUpstream, comp: Competition, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upstream.serve(DESC_PATH, Reply(body=DESCRIPTION.encode()))
    upstream.serve(OBF_PATH, Reply(body=b"# Obfuscated\n"))
    cache = tmp_path / "cache"
    text = uf.fetch_description(comp, cache_dir=cache, sleep=Sleeps())
    assert text == "# Fake competition\n\nPredict things.\n"  # universal newlines, as upstream's read_text
    cached = cache / COMMIT / COMP_ID / "description.md"
    assert cached.read_bytes() == DESCRIPTION.encode()
    assert uf.fetch_description(comp, obfuscated=True, cache_dir=cache) == "# Obfuscated\n"
    assert upstream.requests == [DESC_PATH, OBF_PATH]

    with socket.socket() as sock:  # now offline: the cache answers without any request
        sock.bind(("127.0.0.1", 0))
        monkeypatch.setenv(uf.RAW_URL_ENV, f"http://127.0.0.1:{sock.getsockname()[1]}/raw")
    assert uf.fetch_description(comp, cache_dir=cache) == text
    assert upstream.requests == [DESC_PATH, OBF_PATH]


def test_description_offline_without_cache(offline: str, comp: Competition, tmp_path: Path) -> None:
    with pytest.raises(uf.UpstreamFetchError) as err:
        uf.fetch_description(comp, cache_dir=tmp_path / "cache", sleep=Sleeps())
    message = _one_line(err)
    assert message.startswith("could not reach 127.0.0.1:")
    assert str(tmp_path / "cache" / COMMIT / COMP_ID / "description.md") in message
    assert not (tmp_path / "cache").exists()


def test_description_lfs_pointer_and_empty_refused(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(DESC_PATH, Reply(body=LFS_POINTER))
    with pytest.raises(uf.UpstreamFetchError, match="git-LFS pointer"):
        uf.fetch_description(comp, cache_dir=tmp_path, sleep=Sleeps())
    upstream.serve(DESC_PATH, Reply(body=b" \n"))
    with pytest.raises(uf.UpstreamFetchError, match="is empty"):
        uf.fetch_description(comp, cache_dir=tmp_path, sleep=Sleeps())
    assert not (tmp_path / COMMIT).exists()


def test_default_description_cache_is_user_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = uf.description_cache_path(get_competition(COMP_ID), obfuscated=True)
    assert path.parts[-4:] == ("descriptions", COMMIT, COMP_ID, "description_obfuscated.md")
    assert "inspect-mlebench" in path.parts


def test_write_description(upstream: FakeUpstream, comp: Competition, tmp_path: Path) -> None:
    upstream.serve(DESC_PATH, Reply(body=DESCRIPTION.encode()))
    public = tmp_path / "prepared" / "public"
    public.mkdir(parents=True)
    path = uf.write_description(comp, public, cache_dir=tmp_path / "cache", sleep=Sleeps())
    assert path == public / "description.md"
    assert path.read_text(encoding="utf-8") == "# Fake competition\n\nPredict things.\n"
    assert path.stat().st_mode & 0o777 == 0o644
    assert _listing(public) == ["description.md"]
