"""`mle_react`: a tool-using agent built for a long wall-clock budget.

The failure modes MLE-bench reports for tool agents (ending early, ignoring the validator, losing track of time,
exhausting resources, overwriting a good submission) are handled by the harness rather than left to the model:
the time left and the state of the submission follow every turn, commands cannot outrun the budget, long
training runs as background jobs, every new submission is snapshotted and validated on the host, an early
submit is pushed back once, and a final-selection policy decides which snapshot is graded.

The loop is our own rather than `react()` so that a refused submit is an ordinary tool answer, the status line
can ride on each turn's tool results, and the final selection runs inside the budget before Inspect's time limit.

The loop's steps are in `react_loop`, what the agent tells the model in `react_text`; this module holds the
factory and its parameters.
"""

from __future__ import annotations

from inspect_ai.agent import Agent, AgentState, agent
from inspect_ai.model import Model

from inspect_mlebench.sandbox.layout import JOBS_DIR
from inspect_mlebench.solvers.react_loop import (
    COMPACTION_KINDS,
    RUN_KEY,
    SUBMIT_MODES,
    ReactSettings,
    RunState,
    SubmitMode,
    make_compaction,
    run_react,
    submit_decision,
)
from inspect_mlebench.solvers.react_text import INSTRUCTIONS
from inspect_mlebench.solvers.snapshots import SELECTION_POLICIES

__all__ = [
    "COMPACTION_KINDS",
    "INSTRUCTIONS",
    "RUN_KEY",
    "SUBMIT_MODES",
    "RunState",
    "make_compaction",
    "mle_react",
    "submit_decision",
]


@agent
def mle_react(
    command_timeout: int = 3600,
    min_submit_share: float = 0.8,
    submit: SubmitMode = "gated",
    reminder_every: int = 10,
    wrapup_share: float = 0.05,
    compaction: str = "auto",
    compaction_threshold: float = 0.9,
    selection: str = "last_valid",
    message_limit: int | None = None,
    token_limit: int | None = None,
    reserve_s: float = 60.0,
    user: str | None = "nonroot",
    text_editor: bool = True,
    jobs_dir: str = JOBS_DIR,
    instructions: str | None = None,
    model: str | Model | None = None,
) -> Agent:
    """ReAct agent for a long MLE-bench budget (see the module docstring and docs/agents.md).

    Args:
      command_timeout: Cap in seconds for one bash/python call (always also clamped to the time left).
      min_submit_share: Share of the budget before which submit asks the agent to keep going.
      submit: `gated` (early submits are pushed back once), `free` (submit ends the run), `none` (no submit;
        the run ends at the time limit).
      reminder_every: Turns between fuller reminders (time, jobs, what to do next); 0 turns them off. The short
        status line follows every turn regardless.
      wrapup_share: Final share of the budget in which no new jobs start and the agent is told to wrap up.
      compaction: Context compaction for long runs: auto, summary, edit, trim, native or none.
      compaction_threshold: Share of the context window (or token count) at which compaction starts.
      selection: Final-selection policy: `last` (newest snapshot) or `last_valid` (newest valid snapshot).
      message_limit: Optional cost guard: most messages in the conversation.
      token_limit: Optional cost guard: most tokens used by the agent.
      reserve_s: Seconds kept back before the time limit to stop jobs and restore the selected submission (at
        most 10% of the budget).
      user: Sandbox user for commands and jobs (None: the sandbox's default user).
      text_editor: Offer Inspect's text_editor tool (needs Inspect's tool binary in a glibc image).
      jobs_dir: Where background jobs keep their command, pid and output in the sandbox.
      instructions: Replaces the default system instructions (placeholders as in the default are filled).
      model: Model to use (default: the eval's model).
    """
    if submit not in SUBMIT_MODES:
        raise ValueError(f"unknown submit mode {submit!r}; choose one of {', '.join(SUBMIT_MODES)}")
    if selection not in SELECTION_POLICIES:
        raise ValueError(f"unknown selection policy {selection!r}; choose one of {', '.join(SELECTION_POLICIES)}")
    if not 0.0 <= min_submit_share <= 1.0 or not 0.0 <= wrapup_share < 1.0:
        raise ValueError("min_submit_share must be in [0, 1] and wrapup_share in [0, 1)")
    settings = ReactSettings(
        command_timeout=command_timeout,
        min_submit_share=min_submit_share,
        submit=submit,
        reminder_every=reminder_every,
        wrapup_share=wrapup_share,
        compaction=compaction,
        strategy=make_compaction(compaction, compaction_threshold),
        selection=selection,
        message_limit=message_limit,
        token_limit=token_limit,
        reserve_s=reserve_s,
        user=user,
        text_editor=text_editor,
        jobs_dir=jobs_dir,
        instructions=instructions,
        model=model,
    )

    async def execute(state: AgentState) -> AgentState:
        return await run_react(settings, state)

    return execute
