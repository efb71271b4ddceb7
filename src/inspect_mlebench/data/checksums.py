"""md5 checks against upstream's recorded checksums: the Kaggle zip and the prepared top-level files.

Verified state is remembered in `<data>/<id>/.verified.json` (file sizes and mtimes next to their md5s), so an
already prepared competition is recognised as ready without re-hashing gigabytes.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from inspect_mlebench.config import Competition
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import atomic_write

logger = logging.getLogger(__name__)

CHUNK = 1 << 20
VERIFIED_FILE = ".verified.json"


def md5_file(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class Mismatch:
    path: str  # relative to <data>/<id>
    expected: str
    actual: str | None  # None: the file is missing

    def describe(self) -> str:
        got = "missing" if self.actual is None else f"md5 {self.actual}"
        return f"{self.path} ({got}, expected {self.expected})"


class ChecksumError(MLEBenchError, RuntimeError):
    """Prepared or downloaded files do not match upstream's checksums."""

    def __init__(self, competition_id: str, mismatches: list[Mismatch]) -> None:
        listed = "; ".join(m.describe() for m in mismatches)
        super().__init__(
            f"{competition_id}: {len(mismatches)} file(s) differ from upstream's checksums: {listed}. "
            "The split would not match upstream's; re-download, or pass --skip-verification to accept it"
        )
        self.mismatches = mismatches


def _signature(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def _load_verified(root: Path) -> dict[str, dict[str, object]]:
    try:
        data = json.loads((root / VERIFIED_FILE).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save_verified(root: Path, entries: dict[str, dict[str, object]]) -> None:
    atomic_write(root / VERIFIED_FILE, json.dumps(entries, indent=1))


def prepared_mismatches(comp: Competition, competition_root: Path, *, prepared: Path | None = None) -> list[Mismatch]:
    """Every prepared file whose md5 differs from upstream's record (or that is missing). Files verified before
    and unchanged since (same size and mtime) are not hashed again. `prepared`: check a staging dir that is about
    to become `<root>/prepared` (a rename keeps sizes and mtimes, so what is recorded stays valid)."""
    expected = {f"prepared/public/{name}": md5 for name, md5 in comp.checksums.public.items()}
    expected |= {f"prepared/private/{name}": md5 for name, md5 in comp.checksums.private.items()}
    known = _load_verified(competition_root)
    fresh: dict[str, dict[str, object]] = {}
    mismatches = []
    for rel, md5 in sorted(expected.items()):
        path = competition_root / rel if prepared is None else prepared / Path(rel).relative_to("prepared")
        if not path.is_file():
            mismatches.append(Mismatch(rel, md5, None))
            continue
        signature = _signature(path)
        cached = known.get(rel)
        actual = cached["md5"] if cached and cached.get("signature") == signature else md5_file(path)
        if actual != md5:
            mismatches.append(Mismatch(rel, md5, str(actual)))
        else:
            fresh[rel] = {"signature": signature, "md5": actual}
    if fresh != known:
        try:
            _save_verified(competition_root, fresh)
        except OSError as err:  # a read-only data dir: verification still happened, it just isn't remembered
            logger.debug("could not record verified checksums in %s: %s", competition_root, err)
    return mismatches


def zip_mismatch(comp: Competition, archive: Path) -> Mismatch | None:
    if comp.checksums.zip is None:
        return None
    actual = md5_file(archive)
    return None if actual == comp.checksums.zip else Mismatch(archive.name, comp.checksums.zip, actual)
