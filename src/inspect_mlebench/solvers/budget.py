"""The agent's time budget, read from Inspect's own sample time limit.

Inspect starts a sample's time limit after the sandbox is up, so this is the budget the agent actually has. Tasks
also record the budget in sample metadata (`time_limit_s`), which is the fallback when no limit is active (e.g. an
agent run outside a task, or under `--time-limit` removed).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from inspect_ai.util import sample_limits

from inspect_mlebench.util import format_duration

TIME_LIMIT_KEY = "time_limit_s"  # sample metadata: the agent's wall-clock budget in seconds


@dataclass(frozen=True)
class Budget:
    limit_s: float | None  # None: no time limit
    used_s: float

    @property
    def remaining_s(self) -> float | None:
        return None if self.limit_s is None else max(0.0, self.limit_s - self.used_s)

    @property
    def used_share(self) -> float:
        """Share of the budget used, 0.0 without a limit."""
        return 0.0 if not self.limit_s else min(1.0, self.used_s / self.limit_s)

    def describe(self) -> str:
        if self.limit_s is None:
            return f"{format_duration(self.used_s)} elapsed, no time limit"
        remaining = self.remaining_s or 0.0
        return f"{format_duration(remaining)} left of {format_duration(self.limit_s)}"


def current_budget(metadata: dict[str, Any] | None = None, started: float | None = None) -> Budget:
    """The budget now: Inspect's active sample time limit, else `time_limit_s` from metadata timed from `started`
    (a `time.monotonic()` value)."""
    limit = sample_limits().time  # RuntimeError outside a running sample
    if limit.limit is not None:
        return Budget(limit_s=float(limit.limit), used_s=float(limit.usage))
    fallback = (metadata or {}).get(TIME_LIMIT_KEY)
    if fallback is None:
        return Budget(limit_s=None, used_s=float(limit.usage))
    used = time.monotonic() - started if started is not None else float(limit.usage)
    return Budget(limit_s=float(fallback), used_s=used)


def end_reserve(limit_s: float | None, reserve_s: float, max_share: float = 0.1) -> float:
    """Seconds kept back at the end of the budget for the agent's own wrap-up (stopping jobs, restoring the chosen
    submission): `reserve_s`, but never more than `max_share` of the limit, so short test budgets stay usable."""
    if limit_s is None:
        return 0.0
    return max(0.0, min(reserve_s, limit_s * max_share))


def clamp_timeout(
    requested_s: float | None, cap_s: float | None, remaining_s: float | None, reserve_s: float = 0.0
) -> float | None:
    """How long one command may run: the agent's request (else the cap), never above the cap, never past the time
    left before the reserve. None means no limit at all; 0.0 means no time is left to run anything."""
    candidates = [v for v in (requested_s, cap_s) if v is not None and v > 0]
    timeout = min(candidates) if candidates else None
    if remaining_s is not None:
        left = max(0.0, remaining_s - reserve_s)
        timeout = left if timeout is None else min(timeout, left)
    return timeout


def in_wrapup(budget: Budget, wrapup_share: float) -> bool:
    """True in the final `wrapup_share` of the budget, when no new long work should start."""
    if budget.limit_s is None or budget.remaining_s is None:
        return False
    return budget.remaining_s <= budget.limit_s * wrapup_share


def submit_too_early(budget: Budget, min_share: float) -> bool:
    """True while less than `min_share` of the budget is used (a submit then needs the agent's confirmation).
    Without a time limit there is nothing to wait for."""
    if budget.limit_s is None:
        return False
    return budget.used_share < min_share
