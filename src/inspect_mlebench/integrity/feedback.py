"""No test-set feedback, shown: which channels could carry a signal derived from the answers to the agent during a
sample, and how often each was used, counted from the log."""

from __future__ import annotations

import re
from typing import Any

from inspect_ai.log import EvalSample
from pydantic import BaseModel, Field

from inspect_mlebench.integrity.sources import Source
from inspect_mlebench.solvers.store_keys import AIDE_JOURNAL_KEY, SNAPSHOTS_KEY

VALIDATE_TOOL = "validate_submission"
_IN_SANDBOX = re.compile(r"validate_submission\.sh|(?:localhost|127\.0\.0\.1):\d+/validate\b")

# What each channel tells the agent. None carries a score: the validator compares ids, columns and row counts with
# the answers and answers valid/invalid with the reason; grading (score, medal) runs on the host after the sample.
CHANNELS: dict[str, str] = {
    "validate_submission tool": "host-side format check: valid/invalid and the reason, never a score",
    "in-sandbox validator (/home/validate_submission.sh, http://localhost:5000/validate)": (
        "the validator container's format check: valid/invalid and the reason, never a score"
    ),
    "aide per-node format check": "host-side format check of each node's file, shown to the reviewer: valid/invalid",
    "mle_react submission snapshots": "host-side format check of each new submission.csv: valid/invalid, no score",
    "grading": "score, medal and percentile computed on the host after the sample ended; never shown to the agent",
}
STATEMENT = (
    "No test-set feedback by design: the only channels that read the answers during a sample are format checks "
    "answering valid/invalid with a reason (never a score); scores and medals are computed after the sample ends. "
    "A custom solver could add channels, so the scaffold is named in the disclosure."
)


class ValidationCalls(BaseModel):
    """Validation calls of one sample, by channel."""

    tool: int = 0  # the validate_submission tool
    in_sandbox: int = 0  # tool calls whose command or code calls the in-sandbox validator (a loop counts once)
    aide_nodes: int = 0  # AIDE nodes whose file the harness format-checked
    snapshots: int = 0  # mle_react submission versions the harness format-checked
    by_agent: list[str] = Field(default_factory=list)  # where the agent's own calls are (tool-call locations)

    @property
    def agent_calls(self) -> int:
        return self.tool + self.in_sandbox

    @property
    def harness_checks(self) -> int:
        return self.aide_nodes + self.snapshots

    def summary(self) -> dict[str, Any]:
        return {
            "agent_calls": self.agent_calls,
            "harness_checks": self.harness_checks,
            "validate_submission_tool": self.tool,
            "in_sandbox_validator": self.in_sandbox,
            "aide_node_checks": self.aide_nodes,
            "snapshot_checks": self.snapshots,
        }


def count_validations(sample: EvalSample, calls: list[Source]) -> ValidationCalls:
    counts = ValidationCalls()
    for call in calls:
        if call.kind != "tool_call":
            continue
        if call.function == VALIDATE_TOOL:
            counts.tool += 1
        elif _IN_SANDBOX.search(call.text):
            counts.in_sandbox += 1
        else:
            continue
        counts.by_agent.append(call.where())
    store = sample.store or {}
    journal = store.get(AIDE_JOURNAL_KEY) or {}
    counts.aide_nodes = sum(1 for n in journal.get("nodes") or [] if n.get("submission_valid") is not None)
    counts.snapshots = sum(1 for s in store.get(SNAPSHOTS_KEY) or [] if s.get("valid") is not None)
    return counts
