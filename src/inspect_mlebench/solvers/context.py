"""The running sample's facts for agents, through Inspect's public store.

An agent receives only messages, yet needs the sample's metadata (the time budget, the data dir for host-side
validation, the hardware). The task's setup step copies the metadata into the sample store, which agents read with
the public `store()`; agents run under some other task fall back to Inspect's internal sample state.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import store

STORE_KEY = "mlebench:metadata"


@solver
def publish_metadata() -> Solver:
    """Task setup: make the sample's metadata readable by any agent (`--solver` replaces the solver, not setup)."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.store.set(STORE_KEY, dict(state.metadata))
        return state

    return solve


def sample_metadata() -> dict[str, Any]:
    """The running sample's metadata; {} outside a sample."""
    published = store().get(STORE_KEY)
    if isinstance(published, dict):
        return dict(published)
    try:
        from inspect_ai.solver._task_state import sample_state
    except ImportError:  # moved in a later Inspect: the budget then relies on sample_limits() alone
        return {}
    state = sample_state()
    return dict(state.metadata) if state is not None and state.metadata else {}
