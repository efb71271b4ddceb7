"""Time arithmetic of the agent's budget: reserve, clamped command timeouts, wrap-up and the submit gate."""

from __future__ import annotations

import pytest

from inspect_mlebench.solvers.budget import (
    Budget,
    clamp_timeout,
    end_reserve,
    in_wrapup,
    submit_too_early,
)
from inspect_mlebench.util import format_duration


def test_budget_remaining_and_share() -> None:
    b = Budget(limit_s=100.0, used_s=25.0)
    assert b.remaining_s == 75.0
    assert b.used_share == 0.25
    assert Budget(limit_s=100.0, used_s=130.0).remaining_s == 0.0
    assert Budget(limit_s=100.0, used_s=130.0).used_share == 1.0
    unlimited = Budget(limit_s=None, used_s=10.0)
    assert unlimited.remaining_s is None
    assert unlimited.used_share == 0.0
    assert unlimited.describe() == "10s elapsed, no time limit"
    assert b.describe() == "1m 15s left of 1m 40s"


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (45, "45s"), (59.6, "1m 00s"), (750, "12m 30s"), (3900, "1h 05m"), (86400, "24h 00m"), (-5, "0s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_end_reserve_is_capped_by_share_of_the_limit() -> None:
    assert end_reserve(24 * 3600, 60) == 60
    assert end_reserve(120, 60) == pytest.approx(12.0)  # a short test budget keeps 90% for work
    assert end_reserve(120, 60, max_share=0.25) == 30
    assert end_reserve(None, 60) == 0.0
    assert end_reserve(100, -5) == 0.0


@pytest.mark.parametrize(
    ("requested", "cap", "remaining", "reserve", "expected"),
    [
        (None, 3600, 86000, 60, 3600),  # the cap when plenty of time is left
        (120, 3600, 86000, 60, 120),  # a shorter request wins
        (7200, 3600, 86000, 60, 3600),  # a longer request never exceeds the cap
        (None, 3600, 500, 60, 440),  # near the end: the time left before the reserve
        (300, 3600, 200, 60, 140),  # a request is clamped too
        (None, 3600, 50, 60, 0.0),  # inside the reserve: nothing may run
        (None, None, 500, 0, 500),  # no cap: only the budget
        (None, None, None, 0, None),  # no cap, no limit: unlimited
        (0, 3600, None, 0, 3600),  # a zero request means "no request"
    ],
)
def test_clamp_timeout(
    requested: float | None, cap: float | None, remaining: float | None, reserve: float, expected: float | None
) -> None:
    assert clamp_timeout(requested, cap, remaining, reserve) == expected


def test_wrapup_starts_in_the_final_share() -> None:
    assert not in_wrapup(Budget(limit_s=1000, used_s=940), 0.05)
    assert in_wrapup(Budget(limit_s=1000, used_s=950), 0.05)
    assert in_wrapup(Budget(limit_s=1000, used_s=2000), 0.05)
    assert not in_wrapup(Budget(limit_s=None, used_s=1e9), 0.05)
    assert not in_wrapup(Budget(limit_s=1000, used_s=999), 0.0)


def test_submit_gate_by_share_used() -> None:
    assert submit_too_early(Budget(limit_s=1000, used_s=799), 0.8)
    assert not submit_too_early(Budget(limit_s=1000, used_s=800), 0.8)
    assert not submit_too_early(Budget(limit_s=1000, used_s=0), 0.0)
    assert not submit_too_early(Budget(limit_s=None, used_s=0), 0.8)  # no limit: nothing to wait for
