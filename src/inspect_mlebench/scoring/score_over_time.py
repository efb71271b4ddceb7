"""The score-over-time curve: every submission an agent produced, graded on the host after the sample ended.

The scorer calls `build_curve` once the agent is done. Each kept candidate (see `candidates`) is graded like the
final submission; then, at checkpoints through the budget (each tenth and quarter of it, and each whole hour), the
agent's own final-selection rule is replayed on the candidates that existed by then: the score the run would have
ended with, had the budget stopped there. Next to it, `best_so_far` is the best test score among those candidates:
an oracle for analysis (it uses the answers), never what the agent could have picked. The curve goes into the
score's metadata under `score_over_time`, so `inspect view` shows it and the report reads it from the log alone.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from inspect_mlebench.scoring.candidates import POLICY_RULES, Candidate

CURVE_KEY = "score_over_time"  # score metadata
SHARES = tuple(sorted({k / 10 for k in range(1, 11)} | {0.25, 0.75}))

Grader = Callable[[Path], dict[str, Any]]  # a kept copy -> upstream-format report dict


def _medal(report: dict[str, Any]) -> str | None:
    if report.get("any_medal") is None:
        return None
    return next((m for m in ("gold", "silver", "bronze") if report.get(f"{m}_medal")), "none")


def _outcome(report: dict[str, Any] | None) -> dict[str, Any]:
    """The few fields a curve point needs from a grading report."""
    if report is None:
        return {"score": None, "valid_submission": None, "medal": None, "above_median": None, "percentile": None}
    return {
        "score": report.get("score"),
        "valid_submission": report.get("valid_submission"),
        "medal": _medal(report),
        "above_median": report.get("above_median"),
        "percentile": report.get("percentile"),
    }


def _signed_metric(candidate: Candidate) -> float:
    if candidate.own_metric is None:
        return -math.inf
    return -candidate.own_metric if candidate.lower_is_better else candidate.own_metric


def choose(candidates: Sequence[Candidate], policy: str) -> Candidate | None:
    """The candidate `policy` grades among `candidates` (in the order they appeared)."""
    if policy == "last":
        return candidates[-1] if candidates else None
    if policy == "last_valid":
        valid = [c for c in candidates if c.valid]
        return valid[-1] if valid else (candidates[-1] if candidates else None)
    if policy == "best_own_metric":
        best: Candidate | None = None
        for c in candidates:
            if c.eligible and c.own_metric is not None and (best is None or _signed_metric(c) > _signed_metric(best)):
                best = c
        return best
    raise ValueError(f"unknown selection policy {policy!r}; choose one of {', '.join(POLICY_RULES)}")


def checkpoints(budget_s: float) -> list[tuple[float, str]]:
    """(seconds, label) at each tenth and quarter of the budget and each whole hour within it, in time order."""
    points: dict[float, str] = {round(share * budget_s, 1): f"{share:.0%}" for share in SHARES}
    for hour in range(1, int(budget_s // 3600) + 1):
        at = float(hour * 3600)
        points[at] = f"{hour}h" if at not in points else f"{points[at]} ({hour}h)"
    return sorted(points.items())


def _better(a: float, b: float, lower: bool) -> bool:
    return a < b if lower else a > b


def build_curve(
    record: dict[str, Any],
    final_report: dict[str, Any],
    final_sha256: str | None,
    budget_s: float | None,
    grader: Grader,
) -> dict[str, Any]:
    """Grade the kept candidates of `record` (the store's candidates record) and replay the selection policy."""
    policy = str(record.get("policy"))
    candidates = [Candidate(**c) for c in record.get("candidates") or []]
    folder = Path(str(record.get("dir") or ""))
    graded: dict[str, dict[str, Any] | None] = {}
    if final_sha256 is not None:
        graded[final_sha256] = final_report
    missing = 0
    for c in candidates:
        if c.sha256 in graded:
            continue
        copy = folder / f"{c.sha256}.csv"
        if c.kept and copy.is_file():
            graded[c.sha256] = grader(copy)
        else:
            graded[c.sha256] = None
            missing += c.kept  # kept during the run but gone now (e.g. re-scored later on another machine)
    lower = bool(final_report.get("is_lower_better"))
    horizon = budget_s if budget_s else max((c.elapsed_s for c in candidates), default=0.0)
    rows = []
    for c in candidates:
        row: dict[str, Any] = {
            "label": c.label,
            "elapsed_s": c.elapsed_s,
            "sha256": c.sha256[:16],
            "agent_check_valid": c.valid,
            "own_metric": c.own_metric,
        }
        row |= _outcome(graded[c.sha256])
        row["graded"] = graded[c.sha256] is not None
        if c.note:
            row["note"] = c.note
        rows.append(row)

    def at(at_s: float, label: str) -> dict[str, Any]:
        seen = [c for c in candidates if c.elapsed_s <= at_s]
        chosen = choose(seen, policy)
        point: dict[str, Any] = {"at": label, "at_s": at_s, "share": round(at_s / horizon, 4) if horizon else None}
        point["selected"] = chosen.label if chosen else None
        point |= _outcome(graded.get(chosen.sha256) if chosen else None)
        best = None
        for report in (graded.get(c.sha256) for c in seen):
            if report is not None and report.get("valid_submission") and report.get("score") is not None:
                score = float(report["score"])
                best = score if best is None or _better(score, best, lower) else best
        point["best_so_far"] = best
        return point

    points = [at(at_s, label) for at_s, label in (checkpoints(horizon) if horizon > 0 else [])]
    # the exact step function: the same replay the moment each version appeared (plots draw these)
    changes = [at(c.elapsed_s, c.label) for c in candidates]
    curve: dict[str, Any] = {
        "policy": policy,
        "rule": POLICY_RULES.get(policy, policy),
        "budget_s": budget_s,
        "time_base": "budget" if budget_s else "run (no time limit: shares of the last submission's time)",
        "is_lower_better": lower,
        "candidates": rows,
        "checkpoints": points,
        "changes": changes,
        "final": _outcome(final_report),
        "bound": {"max_files": record.get("max_files"), "max_bytes": record.get("max_bytes")},
    }
    if missing:
        curve["note"] = f"{missing} host copies were gone when the scorer ran, so those versions are not graded"
    return curve


def discard(record: dict[str, Any]) -> None:
    """Remove the host copies once graded (they hold nothing the log does not)."""
    folder = record.get("dir")
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
