"""Agents read the sample's metadata through the store the task's setup fills, with or without that setup."""

from __future__ import annotations

from pathlib import Path

import pytest
from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver

from inspect_mlebench.solvers.context import STORE_KEY, publish_metadata, sample_metadata


@solver
def _read() -> Solver:
    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.store.set("seen", sample_metadata())
        return state

    return solve


@pytest.mark.parametrize("published", [True, False])
def test_agents_see_the_sample_metadata(tmp_path: Path, published: bool) -> None:
    task = Task(
        dataset=[Sample(input="x", id="a", metadata={"competition_id": "a", "time_limit_s": 60.0})],
        setup=publish_metadata() if published else None,
        solver=_read(),
    )
    [log] = eval(task, model="mockllm/model", log_dir=str(tmp_path), display="none")
    assert log.samples is not None
    store = log.samples[0].store
    assert store["seen"] == {"competition_id": "a", "time_limit_s": 60.0}
    assert (STORE_KEY in store) is published


def test_outside_a_sample_there_is_no_metadata() -> None:
    assert sample_metadata() == {}
