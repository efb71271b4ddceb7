"""Submission snapshots: every new `submission.csv` is copied out of the sandbox and validated, so a later bad
overwrite cannot lose a good submission, and the final-selection policy decides which one is graded.

Copies are kept on the host (the agent cannot touch them) in a per-run temporary folder, and only the ones a
policy can still pick are kept (the latest and the latest valid), so a long run does not pile up files. The
history itself (time, sha256, size, validation result, what was selected) goes to the sample store and the
transcript.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, get_args

from inspect_ai.log import transcript
from inspect_ai.util import sandbox, store

from inspect_mlebench.sandbox.layout import SUBMISSION_PATH
from inspect_mlebench.scoring.candidates import CandidateArchive
from inspect_mlebench.solvers.store_keys import SNAPSHOTS_KEY

SELECTION_KEY = "mle_react:selection"  # sample store: {"policy", "selected", "restored", "reason"}

SelectionPolicy = Literal["last", "last_valid"]
SELECTION_POLICIES: tuple[str, ...] = get_args(SelectionPolicy)

# (file bytes) -> (valid or None when it could not be checked, reason)
Validator = Callable[[bytes], Awaitable[tuple[bool | None, str]]]


@dataclass
class Snapshot:
    """One distinct version of the submission file."""

    index: int
    elapsed_s: float  # budget used when it was taken
    taken_at: str  # ISO time, UTC
    sha256: str
    size: int
    valid: bool | None  # None: could not be validated
    reason: str
    trigger: str  # what noticed it: turn, validate_submission, submit, final
    selected: bool = False
    local_path: str | None = field(default=None, repr=False)  # host copy, while a policy may still pick it

    def record(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("local_path")
        return data

    def describe(self) -> str:
        state = "valid" if self.valid else ("not validated" if self.valid is None else "invalid")
        return f"#{self.index} {state}, sha256 {self.sha256[:12]}, {self.size} bytes"


def select_snapshot(snapshots: list[Snapshot], policy: str) -> Snapshot | None:
    """The snapshot a policy grades: `last` the newest one; `last_valid` the newest valid one, else the newest."""
    if policy not in SELECTION_POLICIES:
        raise ValueError(f"unknown selection policy {policy!r}; choose one of {', '.join(SELECTION_POLICIES)}")
    if not snapshots:
        return None
    if policy == "last_valid":
        valid = [s for s in snapshots if s.valid]
        if valid:
            return valid[-1]
    return snapshots[-1]


def keep_set(snapshots: list[Snapshot]) -> set[int]:
    """Indices whose host copies any policy may still select."""
    keep = {snapshots[-1].index} if snapshots else set()
    valid = [s for s in snapshots if s.valid]
    if valid:
        keep.add(valid[-1].index)
    return keep


class SubmissionKeeper:
    """Notices new versions of the submission file, validates and keeps them, and restores the selected one."""

    def __init__(
        self,
        validator: Validator,
        path: str = SUBMISSION_PATH,
        policy: str = "last_valid",
        clock: Callable[[], float] | None = None,
        user: str | None = None,
    ) -> None:
        if policy not in SELECTION_POLICIES:
            raise ValueError(f"unknown selection policy {policy!r}; choose one of {', '.join(SELECTION_POLICIES)}")
        self.validator = validator
        self.path = path
        self.policy = policy
        self.clock = clock or (lambda: 0.0)
        self.user = user
        self.snapshots: list[Snapshot] = []
        self._dir = Path(tempfile.mkdtemp(prefix="mle-react-snapshots-"))
        # every version, for the score-over-time curve the scorer grades after the run (bounded, see candidates)
        self.archive = CandidateArchive(policy)

    @property
    def latest(self) -> Snapshot | None:
        return self.snapshots[-1] if self.snapshots else None

    def selected(self) -> Snapshot | None:
        return select_snapshot(self.snapshots, self.policy)

    def has_valid_choice(self) -> bool:
        """Whether the policy would grade a valid submission right now."""
        choice = self.selected()
        return bool(choice and choice.valid)

    async def _sandbox_sha(self) -> str | None:
        result = await sandbox().exec(["sha256sum", self.path], user=self.user, timeout=120)
        if result.returncode != 0:
            return None
        return result.stdout.split()[0] if result.stdout.strip() else None

    async def check(self, trigger: str) -> Snapshot | None:
        """Snapshot the file if it changed since the last snapshot; returns the snapshot describing the file now
        (None when there is no file)."""
        sha = await self._sandbox_sha()
        if sha is None:
            return None
        latest = self.latest
        if latest is not None and latest.sha256 == sha:
            return latest
        try:
            data = await sandbox().read_file(self.path, text=False)
        except FileNotFoundError:
            return None
        return await self.add(data, trigger)

    async def add(self, data: bytes, trigger: str) -> Snapshot:
        """Record, validate and keep one version of the file."""
        sha = hashlib.sha256(data).hexdigest()
        latest = self.latest
        if latest is not None and latest.sha256 == sha:
            return latest
        valid, reason = await self.validator(data)
        snap = Snapshot(
            index=len(self.snapshots) + 1,
            elapsed_s=round(self.clock(), 1),
            taken_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sha256=sha,
            size=len(data),
            valid=valid,
            reason=reason,
            trigger=trigger,
        )
        local = self._dir / f"{snap.index:04d}.csv"
        local.write_bytes(data)
        snap.local_path = str(local)
        self.snapshots.append(snap)
        self.archive.add(data, label=f"snapshot #{snap.index}", elapsed_s=snap.elapsed_s, valid=valid)
        self._prune()
        self._publish()
        transcript().info({"snapshot": snap.record()}, source="mle_react: submission snapshot")
        return snap

    def _prune(self) -> None:
        keep = keep_set(self.snapshots)
        for snap in self.snapshots:
            if snap.index not in keep and snap.local_path:
                Path(snap.local_path).unlink(missing_ok=True)
                snap.local_path = None

    def _publish(self) -> None:
        store().set(SNAPSHOTS_KEY, [s.record() for s in self.snapshots])

    async def finalize(self) -> Snapshot | None:
        """Take a last snapshot, apply the policy and leave the selected file at the submission path."""
        error: str | None = None
        try:
            current = await self.check("final")
        except Exception as err:  # unreadable now: leave the file alone rather than guess
            error = f"{type(err).__name__}: {err}"
        choice = self.selected()
        restored = False
        if choice is not None:
            choice.selected = True
            if error is None and (current is None or current.sha256 != choice.sha256):
                if choice.local_path is None:  # pragma: no cover - keep_set always keeps the selectable ones
                    raise RuntimeError(f"snapshot {choice.index} has no kept copy")
                await self._write_back(Path(choice.local_path).read_bytes())
                restored = True
        self._publish()
        selection: dict[str, Any] = {
            "policy": self.policy,
            "selected": choice.record() if choice else None,
            "restored": restored,
            "snapshots": len(self.snapshots),
        }
        if error is not None:
            selection["error"] = f"final snapshot failed, file left as it was: {error}"
        store().set(SELECTION_KEY, selection)
        transcript().info(selection, source="mle_react: final selection")
        return choice

    async def _write_back(self, data: bytes) -> None:
        """Copy a kept snapshot back to the submission path, as the agent's user so it stays the owner."""
        tmp = f"{self.path}.mle_react_restore"
        await sandbox().write_file(tmp, data)
        result = await sandbox().exec(["bash", "-c", 'cat "$1" > "$2" && rm -f "$1"', "_", tmp, self.path])
        if result.returncode != 0:
            raise RuntimeError(f"could not restore the selected submission: {result.stderr.strip()}")

    def cleanup(self) -> None:
        shutil.rmtree(self._dir, ignore_errors=True)
