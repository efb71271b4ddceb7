"""Checking up front that every requested competition can be downloaded, then downloading each zip with
resume, retries and md5 verification."""

from __future__ import annotations

import functools
import importlib
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

from inspect_mlebench.data.checksums import md5_file
from inspect_mlebench.data.kaggle_source.client import KaggleApiLike, default_api
from inspect_mlebench.data.kaggle_source.errors import ErrorKind, KaggleError, call_with_retries


@dataclass(frozen=True)
class AccessProblem:
    """Why one competition (or, with `competition_id` None, every competition) cannot be downloaded."""

    competition_id: str | None
    kind: ErrorKind
    message: str


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
            call_with_retries(probe, competition_id, max_attempts=max_attempts, sleep=sleep)
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
            call_with_retries(download, competition_id, max_attempts=max_attempts, sleep=sleep)
        except KaggleError as err:
            if err.retriable and any(staging.glob("*.kaggle-partial")):
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
