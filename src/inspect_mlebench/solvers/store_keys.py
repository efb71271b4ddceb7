"""Sample-store keys the agents write and other parts read from a finished log (the integrity checks, reports).

Kept apart from the agents so that readers need not import an agent (`solvers.aide` loads the whole AIDE agent)."""

from __future__ import annotations

AIDE_JOURNAL_KEY = "aide:journal"  # AIDE's journal as a dict, rewritten after every node
SNAPSHOTS_KEY = "mle_react:snapshots"  # mle_react: list of submission snapshot records
