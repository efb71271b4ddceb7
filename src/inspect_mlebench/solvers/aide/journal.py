"""AIDE's journal: every node of the solution tree, kept as plain pydantic data.

The journal is the whole state of the search, so it is what gets checkpointed into the sample's store, written to
`/home/logs/aide_journal.json` and read back by tests and analyses. Nodes refer to their parent by id, which keeps
the serialised form flat (no nested children) and makes a round trip exact.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, Field

Operator = Literal["draft", "improve", "debug"]

JOURNAL_VERSION = 1


class Node(BaseModel):
    """One complete single-file solution: how it was made, what running it printed and what the reviewer said."""

    id: str
    step: int  # 0-based position in the search
    operator: Operator
    parent_id: str | None = None  # None for drafts
    plan: str = ""
    code: str = ""
    # execution
    workdir: str | None = None
    exit_code: int | None = None
    timed_out: bool = False
    exec_time_s: float | None = None
    exec_timeout_s: float | None = None
    output_tail: str = ""
    has_submission: bool = False
    submission_sha256: str | None = None
    submission_valid: bool | None = None  # the competition's format check on the host; None: not checked
    validation_message: str | None = None
    # review
    is_buggy: bool = True
    summary: str = ""
    metric: float | None = None
    lower_is_better: bool | None = None
    reviewer_has_submission: bool | None = None  # what the reviewer believed; `has_submission` is what we checked
    # timing (seconds since the search started)
    started_s: float = 0.0
    finished_s: float | None = None
    generate_time_s: float | None = None
    review_time_s: float | None = None

    @property
    def is_good(self) -> bool:
        return not self.is_buggy and self.metric is not None

    def score(self) -> float:
        """The metric signed so that higher is better (nodes may report different directions)."""
        if self.metric is None:
            return -math.inf
        return -self.metric if self.lower_is_better else self.metric


class Journal(BaseModel):
    """All nodes in creation order plus the id of the current best one."""

    version: int = JOURNAL_VERSION
    nodes: list[Node] = Field(default_factory=list)
    best_id: str | None = None

    def get(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def add(self, node: Node) -> None:
        if any(n.id == node.id for n in self.nodes):
            raise ValueError(f"duplicate node id {node.id}")
        if node.parent_id is not None:
            self.get(node.parent_id)  # the parent must already be there
        self.nodes.append(node)

    def children(self, node_id: str) -> list[Node]:
        return [n for n in self.nodes if n.parent_id == node_id]

    def is_leaf(self, node_id: str) -> bool:
        return not any(n.parent_id == node_id for n in self.nodes)

    @property
    def drafts(self) -> list[Node]:
        return [n for n in self.nodes if n.parent_id is None]

    @property
    def good_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.is_good]

    @property
    def buggy_nodes(self) -> list[Node]:
        return [n for n in self.nodes if n.is_buggy]

    def debug_depth(self, node: Node) -> int:
        """How many debug steps in a row led to this node (0 for a draft or an improvement)."""
        depth = 0
        current: Node | None = node
        while current is not None and current.operator == "debug":
            depth += 1
            current = self.get(current.parent_id) if current.parent_id else None
        return depth

    def best_node(self) -> Node | None:
        """The good node with the best metric; the earlier node wins a tie (a later equal one is no gain)."""
        best: Node | None = None
        for node in self.good_nodes:
            if best is None or node.score() > best.score():
                best = node
        return best

    def next_id(self) -> str:
        return f"node-{len(self.nodes):03d}"

    def to_json(self, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, text: str | bytes) -> Journal:
        return cls.model_validate_json(text)
