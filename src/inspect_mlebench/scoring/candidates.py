"""Host copies of every submission an agent produced during a run, for the score-over-time curve.

The agents record each distinct submission (mle_react's snapshots, AIDE's nodes) here as it appears: the bytes go
to a host folder the agent cannot see, the record (time, sha256, the agent's own checks) to the sample's store.
Nothing is graded during the run, so no test-derived signal can reach the agent; the scorer grades the copies after
the sample ends (see `score_over_time`).

Copies are deduplicated by sha256 and bounded: at most `MAX_KEPT_FILES` distinct files and `MAX_KEPT_BYTES` in all
per sample. Past either bound a new version is still listed (time, sha256, checks) but not copied, so it stays
ungraded in the curve unless it is the submission finally graded (the scorer grades that one anyway). The scorer
removes the copies once graded; whatever is left when the process exits (a sample that was never scored, e.g.
under `--no-score`) is removed then, so no run leaves submissions behind in the temp folder.
"""

from __future__ import annotations

import atexit
import hashlib
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal, get_args

from inspect_ai.util import store

from inspect_mlebench.util import atomic_write

CANDIDATES_KEY = "mlebench:candidates"  # sample store: the record below, as a dict
MAX_KEPT_FILES = 100
MAX_KEPT_BYTES = 2 * 1024**3

# How the agent picks the submission that is graded; the curve replays the same rule at each checkpoint.
Policy = Literal["last", "last_valid", "best_own_metric"]
POLICIES: tuple[str, ...] = get_args(Policy)
POLICY_RULES: dict[str, str] = {
    "last": "the newest submission written by then (mle_react, selection=last)",
    "last_valid": "the newest submission that passed the format check by then, else the newest "
    "(mle_react, selection=last_valid)",
    "best_own_metric": "the working node with the best validation metric the agent itself reported by then, the "
    "earlier one on a tie (AIDE's final selection)",
}


@dataclass
class Candidate:
    """One version of the submission, as the agent had it."""

    label: str  # e.g. "snapshot #3" or "node-004"
    elapsed_s: float  # budget used when it appeared
    sha256: str
    size: int
    valid: bool | None  # the agent-side format check; None: not checked
    kept: bool  # a host copy exists (False past the bound or when it could not be read)
    eligible: bool = True  # whether the policy may pick it (AIDE: a working node)
    own_metric: float | None = None  # AIDE: the validation metric the agent reported
    lower_is_better: bool | None = None
    note: str = ""


class CandidateArchive:
    """Keeps bounded host copies of an agent's submissions and publishes their record to the sample store."""

    def __init__(self, policy: str, max_files: int = MAX_KEPT_FILES, max_bytes: int = MAX_KEPT_BYTES) -> None:
        if policy not in POLICIES:
            raise ValueError(f"unknown selection policy {policy!r}; choose one of {', '.join(POLICIES)}")
        self.policy = policy
        self.max_files = max_files
        self.max_bytes = max_bytes
        self.candidates: list[Candidate] = []
        self.dir = Path(tempfile.mkdtemp(prefix="mlebench-candidates-"))
        atexit.register(shutil.rmtree, self.dir, ignore_errors=True)
        self._kept: dict[str, int] = {}  # sha256 -> size of the kept copy
        self._publish()

    def add(
        self,
        data: bytes | None,
        *,
        label: str,
        elapsed_s: float,
        valid: bool | None,
        sha256: str | None = None,
        eligible: bool = True,
        own_metric: float | None = None,
        lower_is_better: bool | None = None,
        note: str = "",
    ) -> Candidate:
        """Record one version; `data` None means its bytes could not be read (then `sha256` must be given)."""
        sha = hashlib.sha256(data).hexdigest() if data is not None else sha256
        if sha is None:
            raise ValueError("a candidate needs its bytes or its sha256")
        kept = sha in self._kept
        if not kept and data is not None:
            if len(self._kept) >= self.max_files or sum(self._kept.values()) + len(data) > self.max_bytes:
                note = note or f"not kept: past the bound of {self.max_files} files / {self.max_bytes} bytes"
            else:
                atomic_write(self.dir / f"{sha}.csv", data)  # a copy is either whole or absent
                self._kept[sha] = len(data)
                kept = True
        elif data is None and not kept:
            note = note or "not kept: the file could not be read"
        size = len(data) if data is not None else self._kept.get(sha, 0)
        candidate = Candidate(
            label=label,
            elapsed_s=round(elapsed_s, 1),
            sha256=sha,
            size=size,
            valid=valid,
            kept=kept,
            eligible=eligible,
            own_metric=own_metric,
            lower_is_better=lower_is_better,
            note=note,
        )
        self.candidates.append(candidate)
        self._publish()
        return candidate

    def record(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "dir": str(self.dir),
            "max_files": self.max_files,
            "max_bytes": self.max_bytes,
            "candidates": [asdict(c) for c in self.candidates],
        }

    def _publish(self) -> None:
        store().set(CANDIDATES_KEY, self.record())
