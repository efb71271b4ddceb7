"""Kaggle download: access checks, retries, verification and credential discovery, against a fake Kaggle client.

The fake stands in at the client's real boundary: `build_kaggle_client()` (whose download endpoint the access check
calls) and `competition_download_files`, raising what kaggle 2.2.5 raises there: `requests.HTTPError` carrying the
HTTP response (kagglesdk's `KaggleHttpClient._prepare_response`), or `requests.ConnectionError`. No network is used.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
import time
from pathlib import Path
from types import SimpleNamespace, TracebackType
from typing import Any

import pytest
import requests

from inspect_mlebench.data.checksums import md5_file
from inspect_mlebench.data.kaggle_source.client import credentials_problem
from inspect_mlebench.data.kaggle_source.download import AccessProblem, check_access, download_competition_zip
from inspect_mlebench.data.kaggle_source.errors import KaggleError

API_URL = "https://api.kaggle.com/v1/competitions.CompetitionApiService/DownloadDataFiles"
RULES_UNAVAILABLE = "detecting-insults-in-social-commentary"
ZIP_BYTES = b"PK\x05\x06" + b"\x00" * 18  # an empty zip archive

Outcome = BaseException | None


def http_error(status: int, message: str | None = None, *, url: str = API_URL, **headers: str) -> requests.HTTPError:
    """What kagglesdk raises for an error answer: `HTTPError(message, response=<the HTTP response>)`."""
    response = requests.Response()
    response.status_code = status
    response.url = url
    response.headers.update(headers)
    return requests.HTTPError(message or f"{status} Client Error for url: {url}", response=response)


class FakeKaggleApi:
    """Scripted outcomes per competition: an exception to raise, or None for success (the last one repeats)."""

    def __init__(
        self,
        probes: dict[str, list[Outcome]] | None = None,
        downloads: list[Outcome] | None = None,
        payload: bytes = ZIP_BYTES,
    ) -> None:
        self.probes = probes or {}
        self.downloads = downloads or [None]
        self.payload = payload
        self.probe_calls: list[str] = []
        self.download_calls: list[dict[str, Any]] = []

    @staticmethod
    def _next(outcomes: list[Outcome]) -> None:
        outcome = outcomes.pop(0) if len(outcomes) > 1 else outcomes[0]
        if outcome is not None:
            raise outcome

    # --- what check_access uses: kaggle.competitions.competition_api_client.download_data_files(request)
    def build_kaggle_client(self) -> _FakeClient:
        return _FakeClient(self)

    def download_data_files(self, request: Any) -> requests.Response:
        name = request.competition_name
        self.probe_calls.append(name)
        self._next(self.probes.setdefault(name, [None]))
        # A streamed answer whose body is never read: the probe only looks at the status, then closes it.
        response = requests.Response()
        response.status_code = 200
        response.raw = io.BytesIO(ZIP_BYTES)
        return response

    # --- what download_competition_zip uses
    def competition_download_files(
        self,
        competition: str,
        path: str | None = None,
        force: bool = False,
        quiet: bool = True,
        unzip: bool = False,
    ) -> None:
        self.download_calls.append({"competition": competition, "path": path, "force": force})
        self._next(self.downloads)
        assert path is not None
        (Path(path) / f"{competition}.zip").write_bytes(self.payload)


class _FakeClient:
    def __init__(self, api: FakeKaggleApi) -> None:
        self.competitions = SimpleNamespace(competition_api_client=api)

    def __enter__(self) -> _FakeClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# ------------------------------------------------------------------------------------------------- check_access


def test_check_access_reports_every_problem_in_one_call() -> None:
    api = FakeKaggleApi(
        probes={
            "spaceship-titanic": [http_error(403, "You must accept this competition's rules before downloading.")],
            "aerial-cactus-identification": [None],
            "no-such-competition": [http_error(404)],
        }
    )
    ids = ["spaceship-titanic", "aerial-cactus-identification", "no-such-competition"]
    problems = check_access(ids, api=api, sleep=Sleeps())
    assert api.probe_calls == ids  # every one probed, none skipped after the first problem
    assert [(p.competition_id, p.kind) for p in problems] == [
        ("spaceship-titanic", "rules"),
        ("no-such-competition", "not_found"),
    ]
    rules = problems[0].message
    assert "https://www.kaggle.com/competitions/spaceship-titanic/rules" in rules
    assert "I Understand and Accept" in rules
    assert "Late Submission" in rules
    assert "You must accept this competition's rules" in rules  # what Kaggle said is passed on
    assert all("\n" not in p.message for p in problems)


def test_check_access_all_fine_is_empty() -> None:
    api = FakeKaggleApi()
    assert check_access(["spaceship-titanic", "spaceship-titanic"], api=api) == []
    assert api.probe_calls == ["spaceship-titanic"]


def test_rules_unavailable_competition_points_to_from_zip() -> None:
    api = FakeKaggleApi(probes={RULES_UNAVAILABLE: [http_error(403)]})
    [problem] = check_access([RULES_UNAVAILABLE], api=api)
    assert problem.kind == "rules"
    assert "can no longer be accepted" in problem.message
    assert f"inspect-mlebench prepare -c {RULES_UNAVAILABLE} --from-zip PATH" in problem.message
    assert "I Understand and Accept" not in problem.message


def test_auth_failure_is_one_problem_and_stops_probing() -> None:
    api = FakeKaggleApi(probes={"spaceship-titanic": [http_error(401, "Unauthenticated")]})
    sleeps = Sleeps()
    problems = check_access(["spaceship-titanic", "aerial-cactus-identification"], api=api, sleep=sleeps)
    assert problems == [AccessProblem(None, "auth", problems[0].message)]
    assert "https://www.kaggle.com/settings" in problems[0].message
    assert api.probe_calls == ["spaceship-titanic"]
    assert sleeps == []


def test_check_access_retries_rate_limits_then_succeeds() -> None:
    api = FakeKaggleApi(probes={"spaceship-titanic": [http_error(429), http_error(503), None]})
    sleeps = Sleeps()
    assert check_access(["spaceship-titanic"], api=api, sleep=sleeps) == []
    assert sleeps == [2.0, 4.0]


def test_unreachable_kaggle_is_one_problem_not_one_per_competition() -> None:
    api = FakeKaggleApi(probes={"spaceship-titanic": [requests.ConnectionError("Name or service not known")]})
    sleeps = Sleeps()
    ids = ["spaceship-titanic", "aerial-cactus-identification"]
    problems = check_access(ids, api=api, sleep=sleeps, max_attempts=3)
    assert [(p.competition_id, p.kind) for p in problems] == [(None, "network")]
    assert "1 more competition(s) not checked" in problems[0].message
    assert "gave up after 3 attempts" in problems[0].message
    assert sleeps == [2.0, 4.0]


def test_check_access_without_credentials_never_imports_kaggle(
    isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `import kaggle` authenticates at import time (printing help, or calling Kaggle); without credentials it must
    # not even be tried. A None entry in sys.modules makes any import of it fail.
    monkeypatch.setitem(sys.modules, "kaggle", None)
    monkeypatch.setitem(sys.modules, "kaggle.api.kaggle_api_extended", None)
    [problem] = check_access(["spaceship-titanic"])
    assert problem.kind == "auth"
    assert problem.competition_id is None
    assert "KAGGLE_API_TOKEN" in problem.message


# ---------------------------------------------------------------------------------------------------- download


def test_download_succeeds_after_two_rate_limits_with_growing_delays(tmp_path: Path) -> None:
    api = FakeKaggleApi(downloads=[http_error(429), http_error(429), None])
    sleeps = Sleeps()
    path = download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=sleeps)
    assert path == tmp_path / "spaceship-titanic.zip"
    assert path.read_bytes() == ZIP_BYTES
    assert len(sleeps) == 2
    assert sleeps[0] < sleeps[1]
    assert len(api.download_calls) == 3
    # Every attempt downloads into the same hidden staging dir (so the client can resume), never with force.
    staging = {call["path"] for call in api.download_calls}
    assert staging == {str(tmp_path / ".spaceship-titanic.download")}
    assert not any(call["force"] for call in api.download_calls)
    assert not (tmp_path / ".spaceship-titanic.download").exists()


@pytest.mark.parametrize(("retry_after", "slept"), [("7", 7.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_header_is_honoured(tmp_path: Path, retry_after: str, slept: float) -> None:
    api = FakeKaggleApi(downloads=[http_error(429, **{"Retry-After": retry_after}), None])
    sleeps = Sleeps()
    download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=sleeps)
    assert sleeps == [slept]


def test_a_retry_after_too_long_to_wait_is_reported(tmp_path: Path) -> None:
    api = FakeKaggleApi(downloads=[http_error(429, **{"Retry-After": "3600"}), None])
    sleeps = Sleeps()
    with pytest.raises(KaggleError, match="asks to wait 3600 s") as info:
        download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=sleeps)
    assert info.value.kind == "rate_limit"
    assert sleeps == []


def test_transient_errors_are_retried_until_max_attempts(tmp_path: Path) -> None:
    api = FakeKaggleApi(downloads=[http_error(502), requests.ConnectionError("reset by peer")])
    sleeps = Sleeps()
    with pytest.raises(KaggleError, match="gave up after 4 attempts") as info:
        download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=sleeps, max_attempts=4)
    assert info.value.kind == "network"
    assert sleeps == [2.0, 4.0, 8.0]
    assert not (tmp_path / "spaceship-titanic.zip").exists()


def test_expired_storage_link_is_retried_not_reported_as_rules(tmp_path: Path) -> None:
    expired = http_error(403, url="https://storage.googleapis.com/kaggle-competitions-data/x.zip?X-Goog-Signature=s")
    api = FakeKaggleApi(downloads=[expired, None])
    sleeps = Sleeps()
    assert download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=sleeps).is_file()
    assert sleeps == [2.0]


@pytest.mark.parametrize(("status", "kind"), [(401, "auth"), (403, "rules"), (404, "not_found"), (400, "other")])
def test_errors_a_retry_cannot_fix_raise_at_once(tmp_path: Path, status: int, kind: str) -> None:
    api = FakeKaggleApi(downloads=[http_error(status), None])
    sleeps = Sleeps()
    with pytest.raises(KaggleError) as info:
        download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=sleeps)
    assert info.value.kind == kind
    assert info.value.status == status
    assert sleeps == []
    assert len(api.download_calls) == 1
    assert "\n" not in str(info.value)


def test_md5_mismatch_names_file_expected_actual_and_the_way_out(tmp_path: Path) -> None:
    api = FakeKaggleApi()
    expected = "0" * 32
    with pytest.raises(KaggleError) as info:
        download_competition_zip("spaceship-titanic", tmp_path, expected_md5=expected, api=api)
    message = str(info.value)
    actual = hashlib.md5(ZIP_BYTES).hexdigest()
    kept = tmp_path / ".spaceship-titanic.download" / "spaceship-titanic.zip"
    assert info.value.kind == "checksum"
    assert expected in message
    assert actual in message
    assert str(kept) in message
    assert "--skip-verification" in message
    assert kept.is_file()  # kept for inspection, or for a run that skips verification
    assert not (tmp_path / "spaceship-titanic.zip").exists()  # never moved into place unverified


def test_matching_md5_moves_zip_into_place_and_is_reused(tmp_path: Path) -> None:
    api = FakeKaggleApi()
    md5 = hashlib.md5(ZIP_BYTES).hexdigest()
    path = download_competition_zip("spaceship-titanic", tmp_path, expected_md5=md5, api=api)
    assert md5_file(path) == md5
    again = download_competition_zip("spaceship-titanic", tmp_path, expected_md5=md5, api=api)
    assert again == path
    assert len(api.download_calls) == 1  # already there and verified: no second download


def test_unknown_exceptions_propagate_unchanged(tmp_path: Path) -> None:
    api = FakeKaggleApi(downloads=[KeyError("boom")])
    with pytest.raises(KeyError):
        download_competition_zip("spaceship-titanic", tmp_path, api=api, sleep=Sleeps())


def test_md5_file_reads_in_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 9000  # > 2 chunks of 1 MiB
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert md5_file(path) == hashlib.md5(data).hexdigest()


# ------------------------------------------------------------------------------------------------- credentials

_CREDENTIAL_ENV = (
    "KAGGLE_API_TOKEN",
    "KAGGLE_USERNAME",
    "KAGGLE_KEY",
    "KAGGLE_CONFIG_DIR",
    "XDG_CONFIG_HOME",
    "KAGGLE_KERNEL_RUN_TYPE",
    "KAGGLE_DATA_PROXY_URL",
    "KAGGLE_API_V1_TOKEN",
)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty HOME and no Kaggle environment variables: no credentials at all."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in _CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    return home


def test_no_credentials_names_both_styles_and_where_to_get_a_token(isolated_home: Path) -> None:
    message = credentials_problem()
    assert message is not None
    assert "\n" not in message
    assert "kaggle.json" in message
    assert "$KAGGLE_CONFIG_DIR" in message
    assert "KAGGLE_API_TOKEN" in message
    assert "https://www.kaggle.com/settings" in message


def test_kaggle_json_in_home(isolated_home: Path) -> None:
    (isolated_home / ".kaggle").mkdir()
    (isolated_home / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": "u", "key": "k"}))
    assert credentials_problem() is None


def test_kaggle_json_without_key_is_named(isolated_home: Path) -> None:
    (isolated_home / ".kaggle").mkdir()
    (isolated_home / ".kaggle" / "kaggle.json").write_text(json.dumps({"username": "u"}))
    message = credentials_problem()
    assert message is not None
    assert "lacks" in message


def test_kaggle_json_in_kaggle_config_dir(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = isolated_home / "elsewhere"
    config.mkdir()
    monkeypatch.setenv("KAGGLE_CONFIG_DIR", str(config))
    message = credentials_problem()
    assert message is not None
    assert str(config / "kaggle.json") in message
    (config / "kaggle.json").write_text(json.dumps({"username": "u", "key": "k"}))
    assert credentials_problem() is None


def test_kaggle_json_in_xdg_config_when_no_dot_kaggle(isolated_home: Path) -> None:
    config = isolated_home / ".config" / "kaggle"
    config.mkdir(parents=True)
    (config / "kaggle.json").write_text(json.dumps({"username": "u", "key": "k"}))
    assert credentials_problem() is None


def test_api_token_environment_variable(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAGGLE_API_TOKEN", "KGAT_0123456789abcdef")
    assert credentials_problem() is None


def test_access_token_file(isolated_home: Path) -> None:
    (isolated_home / ".kaggle").mkdir()
    token = isolated_home / ".kaggle" / "access_token"
    token.write_text("\n")
    assert credentials_problem() is not None  # an empty file is no token
    token.write_text("KGAT_0123456789abcdef\n")
    assert credentials_problem() is None


def test_username_and_key_environment_variables(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAGGLE_USERNAME", "u")
    assert credentials_problem() is not None
    monkeypatch.setenv("KAGGLE_KEY", "k")
    assert credentials_problem() is None


def test_oauth_login_credentials(isolated_home: Path) -> None:
    (isolated_home / ".kaggle").mkdir()
    (isolated_home / ".kaggle" / "credentials.json").write_text(json.dumps({"refresh_token": "r"}))
    assert credentials_problem() is None


# ------------------------------------------------------------------------------- the real kaggle client, offline


class FakeKaggleHttp:
    """Answers in place of `requests.Session.send`, so the real kaggle client runs end to end with no network.

    The DownloadDataFiles endpoint answers as Kaggle does: a JSON error for a competition whose rules were not
    accepted, or (after the redirect, which the real session follows) the storage host's streamed zip.
    """

    def __init__(self, rules_not_accepted: set[str], rate_limited: int = 0) -> None:
        self.rules_not_accepted = rules_not_accepted
        self.rate_limited = rate_limited
        self.requests: list[tuple[str, str]] = []

    def __call__(self, session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        body = request.body if isinstance(request.body, bytes) else str(request.body or "").encode()
        name = json.loads(body or b"{}").get("competitionName", "")
        self.requests.append((str(request.url), name))
        response = requests.Response()
        response.request = request
        if not str(request.url).endswith("/competitions.CompetitionApiService/DownloadDataFiles"):
            raise requests.ConnectionError(f"unexpected request in a test: {request.url}")
        if self.rate_limited > 0:
            self.rate_limited -= 1
            response.status_code = 429
            response.url = str(request.url)
            response.headers["Retry-After"] = "3"
            response.raw = io.BytesIO(b"")
            return response
        if name in self.rules_not_accepted:
            response.status_code = 403
            response.url = str(request.url)
            response.headers["Content-Type"] = "application/json"
            message = "You must accept this competition's rules before you'll be able to download files."
            response.raw = io.BytesIO(json.dumps({"code": 403, "message": message}).encode())
            return response
        response.status_code = 200
        response.url = f"https://storage.googleapis.com/kaggle-competitions-data/{name}.zip?X-Goog-Signature=s"
        response.headers.update({"Content-Type": "application/zip", "Content-Length": str(len(ZIP_BYTES))})
        response.raw = io.BytesIO(ZIP_BYTES)
        return response


@pytest.fixture
def offline_kaggle(isolated_home: Path, monkeypatch: pytest.MonkeyPatch) -> FakeKaggleHttp:
    """The real `kaggle` package with a legacy key (authenticating with one needs no request) and HTTP faked."""
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "0123456789abcdef")
    http = FakeKaggleHttp(rules_not_accepted={"spaceship-titanic", RULES_UNAVAILABLE})

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        return http(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", send)
    return http


def test_real_client_access_check_and_download(offline_kaggle: FakeKaggleHttp, tmp_path: Path) -> None:
    ids = ["spaceship-titanic", "aerial-cactus-identification", RULES_UNAVAILABLE]
    problems = check_access(ids)  # builds and authenticates a real KaggleApi
    assert [(p.competition_id, p.kind) for p in problems] == [
        ("spaceship-titanic", "rules"),
        (RULES_UNAVAILABLE, "rules"),
    ]
    assert "https://www.kaggle.com/competitions/spaceship-titanic/rules" in problems[0].message
    assert "You must accept this competition's rules" in problems[0].message
    assert "--from-zip" in problems[1].message
    assert [name for _, name in offline_kaggle.requests] == ids

    md5 = hashlib.md5(ZIP_BYTES).hexdigest()
    offline_kaggle.rate_limited = 1
    sleeps = Sleeps()
    path = download_competition_zip("aerial-cactus-identification", tmp_path / "zips", expected_md5=md5, sleep=sleeps)
    assert path.read_bytes() == ZIP_BYTES
    assert sleeps == [3.0]  # the 429's Retry-After
    assert sorted(p.name for p in path.parent.iterdir()) == [".aerial-cactus-identification.zip.lock", path.name]


class _BreaksAfter(io.BytesIO):
    """A response body that delivers `n` bytes, then fails as a dropped connection does."""

    def __init__(self, data: bytes, n: int) -> None:
        super().__init__(data[:n])
        self.delivered = False

    def read(self, size: int | None = -1, /) -> bytes:
        if self.delivered:
            raise requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead")
        self.delivered = True
        return super().read(size)


def test_real_client_resumes_an_interrupted_download_on_the_next_run(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first run loses the connection mid-file; the next run continues from the partial file with a Range."""
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "0123456789abcdef")
    monkeypatch.setattr(time, "sleep", lambda seconds: None)  # the client's own in-call retries sleep too
    payload = bytes(range(200))
    storage = "https://storage.googleapis.com/kaggle-competitions-data/spaceship-titanic.zip?X-Goog-Signature=s"
    network_up = False
    ranges: list[str] = []

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> Any:
        response = requests.Response()
        response.request = request
        response.headers.update({"Accept-Ranges": "bytes", "ETag": '"v1"', "Content-Type": "application/zip"})
        response.headers["Last-Modified"] = "Wed, 21 Oct 2025 07:28:00 GMT"
        response.url = storage
        if str(request.url).startswith("https://api.kaggle.com/"):  # DownloadDataFiles, after the redirect
            response.status_code = 200
            response.headers["Content-Length"] = str(len(payload))
            response.raw = _BreaksAfter(payload, 80)
            return response
        ranges.append(str(request.headers.get("Range", "")))
        if not network_up:
            raise requests.ConnectionError("Network is unreachable")
        start = int(ranges[-1].removeprefix("bytes=").rstrip("-"))
        response.status_code = 206
        response.headers["Content-Length"] = str(len(payload) - start)
        response.raw = io.BytesIO(payload[start:])
        return response

    monkeypatch.setattr(requests.Session, "send", send)
    dest = tmp_path / "zips"
    with pytest.raises(KaggleError, match="gave up after 1 attempt") as info:
        download_competition_zip("spaceship-titanic", dest, max_attempts=1, sleep=Sleeps())
    assert info.value.kind == "network"
    partial = dest / ".spaceship-titanic.download" / "spaceship-titanic.zip"
    assert partial.read_bytes() == payload[:80]  # kept for the next run
    assert "resumed by the next run" in str(info.value)
    assert set(ranges) == {"bytes=80-"}  # the client's own retries already asked for the rest only
    assert not (dest / "spaceship-titanic.zip").exists()

    network_up = True
    ranges.clear()
    md5 = hashlib.md5(payload).hexdigest()
    path = download_competition_zip("spaceship-titanic", dest, expected_md5=md5, sleep=Sleeps())
    assert ranges == ["bytes=80-"]  # resumed, not started over
    assert path.read_bytes() == payload
    assert not partial.parent.exists()


def test_offline_is_reported_at_once_without_retries() -> None:
    import urllib3

    reason = urllib3.exceptions.NameResolutionError("api.kaggle.com", None, OSError("no DNS"))  # type: ignore[arg-type]
    offline = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))  # type: ignore[arg-type]
    api = FakeKaggleApi(probes={"spaceship-titanic": [offline]})
    slept: list[float] = []
    problems = check_access(["spaceship-titanic", "random-acts-of-pizza"], api=api, sleep=slept.append)
    assert slept == []
    assert api.probe_calls == ["spaceship-titanic"]
    assert len(problems) == 1
    assert problems[0].kind == "offline"
    assert "--from-zip" in problems[0].message
    assert "1 more competition(s) not checked" in problems[0].message
