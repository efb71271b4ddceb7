"""mle_react's module-level pieces, alone: the system text and the wrap-up notice for the run's settings."""

from __future__ import annotations

from typing import Any

from inspect_mlebench.solvers.budget import Budget
from inspect_mlebench.solvers.react_loop import ReactSettings
from inspect_mlebench.solvers.react_text import system_text, wrapup_text


def _settings(**kw: Any) -> ReactSettings:
    base: dict[str, Any] = dict(
        command_timeout=600, min_submit_share=0.8, submit="gated", reminder_every=10, wrapup_share=0.05,
        compaction="none", strategy=None, selection="last_valid", message_limit=None, token_limit=None,
        reserve_s=60.0, user=None, text_editor=False, jobs_dir="/home/logs/jobs", instructions=None, model=None,
    )  # fmt: skip
    base.update(kw)
    return ReactSettings(**base)


def test_system_text_states_budget_timeout_policy_and_gate() -> None:
    text = system_text(_settings(), "/home/submission/submission.csv", Budget(limit_s=7200.0, used_s=0.0))
    assert "you have 2h 00m of wall-clock time in total" in text
    assert "for at most 10m 00s per call" in text
    assert "the newest valid version is graded" in text
    assert "Before 80% of the budget is used" in text
    assert "{" not in text  # every placeholder filled


def test_custom_instructions_keep_their_braces() -> None:
    custom = "Budget: {budget_text}. Code like {'a': 1} stays as written."
    text = system_text(_settings(instructions=custom), "/x.csv", Budget(limit_s=None, used_s=0.0))
    assert text == "Budget: there is no time limit. Code like {'a': 1} stays as written."


class _Keeper:
    path = "/home/submission/submission.csv"
    latest = None

    def selected(self) -> None:
        return None


def test_wrapup_without_submit_says_to_stop_changing_the_file() -> None:
    text = wrapup_text(_settings(submit="none"), Budget(limit_s=100.0, used_s=96.0), _Keeper())  # type: ignore[arg-type]
    assert "stop changing the submission." in text
    assert "submission: none yet at /home/submission/submission.csv" in text
