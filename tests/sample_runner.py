"""Run test code inside a real Inspect sample (local sandbox, sample limits active), for tests of tools and of
validation paths that need `sandbox()` and the sample's store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from inspect_ai import Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.model import get_model
from inspect_ai.solver import Generate, Solver, TaskState, solver

Body = Callable[[dict[str, Any]], Awaitable[None]]


def run_in_sample(
    body: Body, log_dir: Path, metadata: dict[str, Any] | None = None, time_limit: int | None = 120
) -> dict[str, Any]:
    """Run `body(results)` inside a real sample and return what it recorded."""
    results: dict[str, Any] = {}

    @solver
    def probe() -> Solver:
        async def solve(state: TaskState, generate: Generate) -> TaskState:
            await body(results)
            return state

        return solve

    model = get_model("mockllm/model", custom_outputs=[], memoize=False)
    task = Task(
        dataset=[Sample(input="probe", id="probe", metadata=metadata or {})],
        solver=probe(),
        sandbox="local",
        time_limit=time_limit,
    )
    [log] = eval(task, model=model, display="none", log_dir=str(log_dir / "logs"))
    assert log.status == "success", log.error
    return results
