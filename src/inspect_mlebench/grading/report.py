"""`CompetitionReport`: upstream's grading report fields, plus `percentile` and `invalid_reason`."""

from __future__ import annotations

import json
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class CompetitionReport(BaseModel):
    """One graded submission. Field names and meanings are upstream's, so reports aggregate with its tools.

    Medal fields are None (not False) when no leaderboard is available; `leaderboard_note` then says why.
    """

    # Upstream grades `inf`/`nan` scores as valid; JSON has no such numbers, so they are written as the strings
    # "Infinity", "-Infinity" and "NaN" (pydantic reads them back as floats) instead of invalid JSON.
    model_config = ConfigDict(frozen=True, ser_json_inf_nan="strings")

    competition_id: str
    score: float | None
    gold_threshold: float | None
    silver_threshold: float | None
    bronze_threshold: float | None
    median_threshold: float | None
    any_medal: bool | None
    gold_medal: bool | None
    silver_medal: bool | None
    bronze_medal: bool | None
    above_median: bool | None
    submission_exists: bool
    valid_submission: bool
    is_lower_better: bool
    created_at: datetime
    submission_path: str
    percentile: float | None = None
    invalid_reason: str | None = None
    leaderboard_note: str | None = None
    # "upstream" (valid exactly where upstream's grader is) or "strict"; see grading.leniency
    grading_mode: str = "upstream"
    # problems upstream's grader lets through (ids it never checks, rows scored by position, ...): never shown to
    # the agent, reported with the score
    warnings: tuple[str, ...] = ()

    def upstream_dict(self) -> dict[str, object]:
        """JSON-ready dict in upstream's key order, with our extra keys at the end; non-finite numbers as strings."""
        loaded: dict[str, object] = json.loads(self.model_dump_json())
        return loaded
