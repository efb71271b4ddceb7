"""`inspect-mlebench doctor`: what state each competition's data is in, without changing anything."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from inspect_mlebench.config import Competition
from inspect_mlebench.data.checksums import prepared_mismatches
from inspect_mlebench.data.paths import competition_dir, leaderboard_path
from inspect_mlebench.data.prepare import is_prepared

LeaderboardState = Literal["ok", "missing", "mismatch"]


@dataclass(frozen=True)
class Health:
    competition_id: str
    prepared: bool
    description: bool
    checksum_mismatches: list[str] = field(default_factory=list)
    leaderboard: LeaderboardState = "missing"

    @property
    def status(self) -> str:
        """The first problem that stops an eval or a fair grade, else 'prepared'."""
        if not self.prepared:
            return "missing"
        if self.checksum_mismatches:
            return "checksum mismatch"
        if self.leaderboard != "ok":
            return f"leaderboard {self.leaderboard}"
        if not self.description:
            return "description missing"
        return "prepared"


def leaderboard_state(comp: Competition, data_dir: Path | None) -> LeaderboardState:
    path = leaderboard_path(data_dir, comp.id)
    if not path.is_file():
        return "missing"
    if comp.leaderboard is None:  # a user's own competition: nothing upstream to compare with
        return "ok"
    if path.stat().st_size != comp.leaderboard.size:
        return "mismatch"
    return "ok" if hashlib.sha256(path.read_bytes()).hexdigest() == comp.leaderboard.sha256 else "mismatch"


def diagnose(comp: Competition, data_dir: Path | None, *, verify: bool = True) -> Health:
    prepared = is_prepared(comp, data_dir)
    root = competition_dir(data_dir, comp.id)
    mismatches = [m.describe() for m in prepared_mismatches(comp, root)] if prepared and verify else []
    return Health(
        competition_id=comp.id,
        prepared=prepared,
        description=(root / "prepared" / "public" / "description.md").is_file(),
        checksum_mismatches=mismatches,
        leaderboard=leaderboard_state(comp, data_dir),
    )
