"""Rows describing each competition, shared by `inspect-mlebench list` and the README's status table."""

from __future__ import annotations

from typing import Any

from inspect_mlebench.config import Competition, competitions, load_split

# Splits named in a row's `splits` field; aliases (lite, split75) are left out to avoid repeating them.
_MEMBERSHIP_SPLITS = ("low", "medium", "high", "all", "dev", "systemcard")


def _done(flag: bool) -> str:
    return "yes" if flag else "-"


def competition_row(comp: Competition, membership: dict[str, set[str]]) -> dict[str, Any]:
    status = comp.status
    return {
        "id": comp.id,
        "name": comp.name,
        "complexity": comp.complexity,
        "category": comp.category,
        "metric": comp.grading.title,
        "direction": comp.grading.direction,
        "awards_medals": comp.awards_medals,
        "splits": [s for s in _MEMBERSHIP_SPLITS if comp.id in membership[s]],
        "known_issues": [{"id": k.id, "kind": k.kind, "summary": k.summary} for k in comp.known_issues],
        "grader": status.grader,
        "preparer": status.preparer,
        "synthetic": status.synthetic,
    }


def catalog_rows(split: str | None = None) -> list[dict[str, Any]]:
    """One row per competition, in registry order, optionally limited to a split."""
    registry = competitions()
    membership = {s: set(load_split(s)) for s in _MEMBERSHIP_SPLITS}
    ids = load_split(split) if split else list(registry)
    return [competition_row(registry[cid], membership) for cid in sorted(ids, key=str.lower)]


TABLE_COLUMNS = (
    "id",
    "complexity",
    "category",
    "metric",
    "direction",
    "grader",
    "preparer",
    "synthetic",
    "known issues",
)


def table_cells(row: dict[str, Any]) -> list[str]:
    return [
        row["id"],
        row["complexity"],
        row["category"],
        row["metric"],
        row["direction"],
        _done(row["grader"]),
        _done(row["preparer"]),
        _done(row["synthetic"]),
        ", ".join(k["id"] for k in row["known_issues"]) or "-",
    ]


def markdown_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(TABLE_COLUMNS) + " |", "|" + "---|" * len(TABLE_COLUMNS)]
    lines += ["| " + " | ".join(table_cells(row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"
