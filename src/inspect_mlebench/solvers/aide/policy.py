"""AIDE's selection policy: which operator to apply next, and to which node.

Kept separate from the agent so it can be tested deterministically with a seeded `random.Random` and swapped for
other search policies later. The rules (AIDE's greedy policy, no MCTS):

1. draft new roots until there are `num_drafts` of them;
2. with probability `debug_prob`, debug a random buggy leaf whose debug depth is at most `max_debug_depth`;
3. otherwise improve the best good node;
4. with no good node yet, draft again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from inspect_mlebench.solvers.aide.journal import Journal, Operator


@dataclass(frozen=True)
class Action:
    operator: Operator
    parent_id: str | None  # None for a draft


@dataclass(frozen=True)
class SearchPolicy:
    num_drafts: int = 5
    debug_prob: float = 0.5
    max_debug_depth: int = 3

    def __post_init__(self) -> None:
        if self.num_drafts < 0:
            raise ValueError("num_drafts must be >= 0")
        if not 0.0 <= self.debug_prob <= 1.0:
            raise ValueError("debug_prob must be between 0 and 1")
        if self.max_debug_depth < 0:
            raise ValueError("max_debug_depth must be >= 0")

    def debuggable(self, journal: Journal) -> list[str]:
        """Ids of buggy leaves that may still be debugged (debug depth at most `max_debug_depth`, as in AIDE)."""
        return [
            n.id
            for n in journal.nodes
            if n.is_buggy and journal.is_leaf(n.id) and journal.debug_depth(n) <= self.max_debug_depth
        ]

    def select(self, journal: Journal, rng: random.Random) -> Action:
        if len(journal.drafts) < self.num_drafts:
            return Action("draft", None)
        # Draw even when nothing is debuggable, so the random stream does not depend on the tree's shape.
        if rng.random() < self.debug_prob:
            candidates = self.debuggable(journal)
            if candidates:
                return Action("debug", rng.choice(candidates))
        best = journal.best_node()
        if best is None:
            return Action("draft", None)
        return Action("improve", best.id)
