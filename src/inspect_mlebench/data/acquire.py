"""`inspect-mlebench prepare` end to end: find the raw data (a raw dir, a zip on disk, or Kaggle), extract it safely,
prepare, verify against upstream's checksums, add the description and the leaderboard.

Every step that writes does so into a temporary name and renames when complete, under the competition's file lock,
so a prepare killed at any point leaves the previous state or a finished one. Problems that would stop a batch
(credentials, rules not accepted) are checked for every requested competition before anything is downloaded.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from filelock import FileLock

from inspect_mlebench.config import Competition, get_competition
from inspect_mlebench.data.archive import extract
from inspect_mlebench.data.checksums import ChecksumError, prepared_mismatches, zip_mismatch
from inspect_mlebench.data.paths import competition_dir, resolve_data_dir, synthetic_data_dir
from inspect_mlebench.data.prepare import (
    PreparationError,
    is_prepared,
    placeholder_description,
    prepare,
    prepare_synthetic,
)

logger = logging.getLogger(__name__)

# "incomplete": the data is prepared but the leaderboard could not be fetched, so medals cannot be graded yet.
Status = Literal["prepared", "skipped", "incomplete", "failed"]
RAW_COMPLETE = ".extracted"


@dataclass(frozen=True)
class PrepareOptions:
    data_dir: Path | None = None
    from_zip: Path | None = None
    raw_dir: Path | None = None
    keep_raw: bool = False
    skip_verification: bool = False
    synthetic: bool = False
    seed: int = 0
    size: int = 200
    overwrite: bool = False
    leaderboard_dir: Path | None = None
    allow_unverified_leaderboard: bool = False


@dataclass(frozen=True)
class Outcome:
    competition_id: str
    status: Status
    detail: str


def is_ready(comp: Competition, data_dir: Path | None, *, verify: bool) -> bool:
    """Prepared, with a description, and (when `verify`) every recorded checksum matching."""
    root = competition_dir(data_dir, comp.id)
    if not is_prepared(comp, data_dir) or not (root / "prepared" / "public" / "description.md").is_file():
        return False
    return not verify or not prepared_mismatches(comp, root)


def _source_identity(archive: Path) -> str:
    """Which archive a raw dir came from: its path, size and mtime (hashing a 100 GB zip to compare is too slow)."""
    stat = archive.stat()
    return f"{archive.resolve()}\n{stat.st_size}\n{stat.st_mtime_ns}\n"


def _extract_raw(
    comp: Competition, archive: Path, root: Path, *, skip_verification: bool, overwrite: bool = False
) -> Path:
    """`<data>/<id>/raw`, extracted from `archive` after its md5 check. A complete extraction is reused only when
    it came from this very archive and `overwrite` is not set: a new zip never meets an old one's files."""
    raw = root / "raw"
    marker = raw / RAW_COMPLETE
    source = _source_identity(archive)
    if not overwrite and marker.is_file() and marker.read_text(encoding="utf-8", errors="replace") == source:
        return raw
    if not skip_verification:
        mismatch = zip_mismatch(comp, archive)
        if mismatch is not None:
            raise ChecksumError(comp.id, [mismatch])
    for stale in root.glob(".raw-*"):  # left by an extraction that was killed; we hold the competition's lock
        shutil.rmtree(stale, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=".raw-", dir=root))
    try:
        extract(archive, staging)
        (staging / RAW_COMPLETE).write_text(source, encoding="utf-8")
        shutil.rmtree(raw, ignore_errors=True)
        staging.rename(raw)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return raw


def _description(comp: Competition) -> tuple[str, list[str]]:
    """Upstream's description.md (fetched at the pinned commit, cached), or our own short text when unreachable;
    the obfuscated variant is cached alongside so `description="obfuscated"` evals run offline."""
    from inspect_mlebench.data.upstream_files.descriptions import fetch_description
    from inspect_mlebench.data.upstream_files.fetch import UpstreamFetchError

    notes: list[str] = []
    try:
        text = fetch_description(comp)
    except UpstreamFetchError as err:
        text = placeholder_description(comp)
        notes.append(f"description not fetched ({err}); wrote a short placeholder, re-run prepare when online")
    try:
        fetch_description(comp, obfuscated=True)
    except UpstreamFetchError as err:
        notes.append(f"obfuscated description not cached ({err})")
    return text, notes


def _acquire_one(comp: Competition, opts: PrepareOptions, kaggle_api: object | None) -> Outcome:
    data_dir = opts.data_dir
    verify = not opts.skip_verification and not opts.synthetic
    if not opts.overwrite and is_ready(comp, data_dir, verify=verify):
        return Outcome(comp.id, "skipped", "already prepared")
    if opts.synthetic:
        prepare_synthetic(comp.id, data_dir, seed=opts.seed, size=opts.size)
        return Outcome(comp.id, "prepared", "synthetic data")

    root = competition_dir(data_dir, comp.id)
    root.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    with FileLock(str(root / ".acquire.lock")):
        extracted: Path | None = None
        if opts.raw_dir is not None:
            raw = opts.raw_dir
        else:
            archive = opts.from_zip
            if archive is None:
                from inspect_mlebench.data.kaggle_source.download import download_competition_zip

                archive = download_competition_zip(comp.id, root, api=kaggle_api)  # type: ignore[arg-type]
            raw = extracted = _extract_raw(
                comp, archive, root, skip_verification=opts.skip_verification, overwrite=opts.overwrite
            )
        description, description_notes = _description(comp)
        notes += description_notes

        def verified(staging: Path) -> None:
            """Checked before it replaces anything: data that fails verification is never put in place."""
            mismatches = prepared_mismatches(comp, root, prepared=staging)
            if mismatches:
                raise ChecksumError(comp.id, mismatches)

        try:
            prepare(comp.id, raw, data_dir, overwrite=True, description=description, check=verified if verify else None)
        finally:  # the extracted copy is only kept on request, whether preparation worked or not
            if extracted is not None and not opts.keep_raw:
                shutil.rmtree(extracted, ignore_errors=True)

    from inspect_mlebench.data.upstream_files.fetch import UpstreamFetchError
    from inspect_mlebench.data.upstream_files.leaderboards import fetch_leaderboard

    try:
        fetch_leaderboard(
            comp, data_dir, leaderboard_dir=opts.leaderboard_dir, allow_unverified=opts.allow_unverified_leaderboard
        )
    except UpstreamFetchError as err:
        notes.append(f"data ready, but no leaderboard: {err}")
        return Outcome(comp.id, "incomplete", "; ".join(notes))
    return Outcome(comp.id, "prepared", "; ".join(notes) or "ok")


def _preflight(ids: list[str], opts: PrepareOptions) -> object | None:
    """For a Kaggle download: credentials and accepted rules for every competition, all problems in one error."""
    if opts.synthetic or opts.raw_dir is not None or opts.from_zip is not None:
        return None
    from inspect_mlebench.data.kaggle_source.client import credentials_problem, default_api
    from inspect_mlebench.data.kaggle_source.download import check_access
    from inspect_mlebench.data.kaggle_source.errors import KaggleError

    problem = credentials_problem()
    if problem:
        raise PreparationError(problem)
    try:
        api = default_api()
    except KaggleError as err:  # e.g. an expired token: credentials exist but do not work
        raise PreparationError(str(err)) from err
    problems = check_access(ids, api=api)
    if problems:
        listed = " | ".join(p.message for p in problems)
        raise PreparationError(f"{len(problems)} competition(s) cannot be downloaded yet: {listed}")
    return api


def prepare_competitions(
    competition_ids: list[str],
    opts: PrepareOptions,
    *,
    jobs: int = 1,
    on_done: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Prepare each competition (in parallel with `jobs` > 1); failures are reported per competition."""
    if (opts.raw_dir is not None or opts.from_zip is not None) and len(competition_ids) != 1:
        raise PreparationError("--raw-dir and --from-zip prepare one competition; pass a single -c")
    comps = [get_competition(cid) for cid in competition_ids]
    root = synthetic_data_dir(opts.data_dir) if opts.synthetic else resolve_data_dir(opts.data_dir)
    opts = dataclasses.replace(opts, data_dir=root)
    api = _preflight([c.id for c in comps], opts)

    def run(comp: Competition) -> Outcome:
        try:
            outcome = _acquire_one(comp, opts, api)
        except Exception as err:  # reported per competition; the batch goes on
            logger.debug("prepare %s failed", comp.id, exc_info=True)
            outcome = Outcome(comp.id, "failed", " ".join(str(err).split()) or type(err).__name__)
        if on_done is not None:
            on_done(outcome)
        return outcome

    if jobs <= 1:
        return [run(c) for c in comps]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(run, comps))
