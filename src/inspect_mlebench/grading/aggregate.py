"""Upstream's `mlebench grade` contract: a JSONL of submissions in, one aggregate grading report out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from inspect_mlebench.grading.grader import grade
from inspect_mlebench.grading.leniency import DEFAULT_GRADING_MODE, GradingMode
from inspect_mlebench.grading.report import CompetitionReport
from inspect_mlebench.util import atomic_write


def read_submissions(path: Path) -> list[tuple[str, Path]]:
    """(competition_id, submission_path) pairs; lines starting with # or // are comments, as upstream."""
    entries = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith(("#", "//")):
            continue
        try:
            obj = json.loads(text)
            entries.append((str(obj["competition_id"]), Path(obj["submission_path"])))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise ValueError(
                f"{path}:{lineno}: expected an object with competition_id and submission_path ({err})"
            ) from err
    return entries


def aggregate(reports: list[CompetitionReport]) -> dict[str, Any]:
    """Upstream's aggregate fields, then the per-competition reports."""
    return {
        "total_runs": len(reports),
        "total_runs_with_submissions": sum(r.submission_exists for r in reports),
        "total_valid_submissions": sum(r.valid_submission for r in reports),
        "total_medals": sum(bool(r.any_medal) for r in reports),
        "total_gold_medals": sum(bool(r.gold_medal) for r in reports),
        "total_silver_medals": sum(bool(r.silver_medal) for r in reports),
        "total_bronze_medals": sum(bool(r.bronze_medal) for r in reports),
        "total_above_median": sum(bool(r.above_median) for r in reports),
        "competition_reports": [r.upstream_dict() for r in reports],
    }


def grade_jsonl(
    submissions: Path, output_dir: Path, data_dir: str | Path | None = None, *, mode: GradingMode = DEFAULT_GRADING_MODE
) -> Path:
    reports = [grade(cid, sub, data_dir, mode=mode) for cid, sub in read_submissions(submissions)]
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H-%M-%S-GMT")
    target = output_dir / f"{stamp}_grading_report.json"
    atomic_write(target, json.dumps(aggregate(reports), indent=2, allow_nan=False))
    return target
