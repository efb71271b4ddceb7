"""Read the agent's code saved with a log, tolerating logs that have none.

The evidence step stores the code under a store key (or, in some layouts, a score's metadata). Checks that read it
(the judge, the plagiarism check) go through this one accessor so they work on old logs, on logs from agents that
keep no code, and whichever of the known key spellings and file shapes wrote it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from inspect_ai.scorer import Score

from inspect_mlebench.integrity.evidence import EVIDENCE_KEY

# Where the evidence may live: the store key of the evidence step, and the older underscore spelling.
EVIDENCE_KEYS = (EVIDENCE_KEY, "mlebench_evidence")


def _files_of(evidence: Any) -> dict[str, str]:
    """`{path: text}` from an evidence record: `files` as a list of `{path, text|content}` or as a mapping."""
    if not isinstance(evidence, Mapping):
        return {}
    files = evidence.get("files")
    if isinstance(files, Mapping):
        return {str(path): text for path, text in files.items() if isinstance(text, str)}
    found: dict[str, str] = {}
    if isinstance(files, list):
        for entry in files:
            if not isinstance(entry, Mapping) or not isinstance(entry.get("path"), str):
                continue
            text = entry.get("text", entry.get("content"))
            if isinstance(text, str):
                found[entry["path"]] = text
    return found


def saved_code_files(store: Mapping[str, Any] | None, scores: Mapping[str, Score] | None = None) -> dict[str, str]:
    """The agent's saved code as `{path: text}`; empty when the log kept none.

    Looks in the sample store first, then in each score's metadata, under every key of `EVIDENCE_KEYS`.
    """
    places: list[Mapping[str, Any]] = [store or {}]
    places.extend(score.metadata or {} for score in (scores or {}).values())
    for place in places:
        for key in EVIDENCE_KEYS:
            files = _files_of(place.get(key))
            if files:
                return files
    return {}
