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


def format_duration(seconds: float) -> str:
    """`1h 05m`, `12m 30s` or `45s`: what an agent reads in its prompt."""
    s = max(0, round(seconds))
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


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
