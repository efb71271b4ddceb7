"""The loop of `mle_react`, in module-level steps that can be tested alone: one turn of the model, what follows a
turn (snapshot, status line, wrap-up notice, reminder), the gated submit tool, and the end of a run (jobs stopped,
the submission selected and restored, the run recorded)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from inspect_ai.agent import AgentState
from inspect_ai.log import transcript
from inspect_ai.model import (
    ChatMessage,
    ChatMessageSystem,
    ChatMessageTool,
    ChatMessageUser,
    Compact,
    CompactionAuto,
    CompactionEdit,
    CompactionNative,
    CompactionStrategy,
    CompactionSummary,
    CompactionTrim,
    Model,
    execute_tools,
    get_model,
)
from inspect_ai.model import compaction as compaction_handler
from inspect_ai.tool import Tool, ToolResult, tool
from inspect_ai.tool import text_editor as inspect_text_editor
from inspect_ai.util import Limit, LimitExceededError, apply_limits, store, time_limit
from inspect_ai.util import message_limit as message_limit_scope
from inspect_ai.util import token_limit as token_limit_scope

from inspect_mlebench.solvers.budget import Budget, end_reserve, in_wrapup, submit_too_early
from inspect_mlebench.solvers.context import sample_metadata
from inspect_mlebench.solvers.react_text import (
    append_text,
    percent,
    reminder_text,
    status_line,
    submission_status,
    system_text,
    wrapup_text,
)
from inspect_mlebench.solvers.snapshots import SubmissionKeeper
from inspect_mlebench.solvers.tools import (
    ToolContext,
    bash,
    job_kill,
    job_logs,
    job_start,
    job_status,
    python,
    resources,
    validate_submission,
    validator_for,
)

RUN_KEY = "mle_react:run"  # sample store: how the run ended, turns, jobs stopped, parameters
SUBMIT_MODES = ("gated", "free", "none")
COMPACTION_KINDS = ("auto", "summary", "edit", "trim", "native", "none")

SubmitMode = Literal["gated", "free", "none"]


@dataclass(frozen=True)
class ReactSettings:
    """The agent's parameters, checked (see `mle_react` for what each one means)."""

    command_timeout: int
    min_submit_share: float
    submit: str
    reminder_every: int
    wrapup_share: float
    compaction: str | CompactionStrategy | None
    strategy: CompactionStrategy | None
    selection: str
    message_limit: int | None
    token_limit: int | None
    reserve_s: float
    user: str | None
    text_editor: bool
    jobs_dir: str
    instructions: str | None
    model: str | Model | None


@dataclass
class RunState:
    """What the loop and the submit tool share."""

    answer: str | None = None
    ended_by: str = "running"
    turns: int = 0
    submit_calls: list[dict[str, Any]] = field(default_factory=list)
    wrapup_announced: bool = False


def make_compaction(kind: str | CompactionStrategy | None, threshold: float) -> CompactionStrategy | None:
    """The compaction strategy named by `kind` (an -S friendly string), or None to keep the whole history."""
    if kind is None or isinstance(kind, CompactionStrategy):
        return kind
    strategies: dict[str, Callable[[float], CompactionStrategy]] = {
        "auto": lambda t: CompactionAuto(threshold=t),
        "summary": lambda t: CompactionSummary(threshold=t),
        "edit": lambda t: CompactionEdit(threshold=t),
        "trim": lambda t: CompactionTrim(threshold=t),
        "native": lambda t: CompactionNative(threshold=t),
    }
    if kind == "none":
        return None
    if kind not in strategies:
        raise ValueError(f"unknown compaction {kind!r}; choose one of {', '.join(COMPACTION_KINDS)}")
    return strategies[kind](threshold)


def submit_decision(mode: str, too_early: bool, confirm: bool, has_valid: bool) -> tuple[bool, str]:
    """Whether a submit call ends the run, and why (`accepted`, `confirmed`, `early`, `early_no_valid`,
    `no_valid`, `gave_up`)."""
    if mode == "free":
        return True, "accepted"
    if too_early:
        if not confirm:
            return False, "early"
        return (True, "confirmed") if has_valid else (False, "early_no_valid")
    if has_valid:
        return True, "accepted"
    return (True, "gave_up") if confirm else (False, "no_valid")


# --- one run ---------------------------------------------------------------------------------------------------


async def run_react(settings: ReactSettings, state: AgentState) -> AgentState:
    """Set up the tools and the submission keeper, run the loop inside the budget's limits, then finish."""
    metadata = sample_metadata()
    ctx = ToolContext(
        metadata=metadata,
        user=settings.user,
        command_timeout=float(settings.command_timeout) if settings.command_timeout else None,
        wrapup_share=settings.wrapup_share,
        jobs_dir=settings.jobs_dir,
    )
    start_budget = ctx.budget()
    ctx.reserve_s = end_reserve(start_budget.limit_s, settings.reserve_s)
    keeper = SubmissionKeeper(
        validator_for(metadata),
        path=ctx.submission_path,
        policy=settings.selection,
        clock=lambda: ctx.budget().used_s,
        user=settings.user,
    )
    ctx.keeper = keeper
    run = RunState()
    tools = make_tools(settings, ctx, keeper, run)
    state.messages.insert(0, ChatMessageSystem(content=system_text(settings, ctx.submission_path, start_budget)))
    store().set(RUN_KEY, {"params": _recorded_params(settings, ctx), "budget_s": start_budget.limit_s})

    loop_s = None if start_budget.remaining_s is None else max(1.0, start_budget.remaining_s - ctx.reserve_s)
    limits: list[Limit] = [time_limit(loop_s)]
    if settings.message_limit:
        limits.append(message_limit_scope(settings.message_limit))
    if settings.token_limit:
        limits.append(token_limit_scope(settings.token_limit))
    try:
        with apply_limits(limits, catch_errors=True) as scope:
            await agent_loop(settings, state, tools, ctx, keeper, run)
        if scope.limit_error is not None:
            run.ended_by = f"{scope.limit_error.type} limit"
    except LimitExceededError as err:  # a sample-level limit other than time: there is still time to finish
        run.ended_by = f"sample {err.type} limit"
        await finish(state, ctx, keeper, run)
        raise
    await finish(state, ctx, keeper, run)
    return state


def make_tools(settings: ReactSettings, ctx: ToolContext, keeper: SubmissionKeeper, run: RunState) -> list[Tool]:
    tools: list[Tool] = [bash(ctx), python(ctx)]
    if settings.text_editor:
        tools.append(inspect_text_editor(timeout=180, user=settings.user))
    tools += [
        validate_submission(ctx),
        job_start(ctx),
        job_status(ctx),
        job_logs(ctx),
        job_kill(ctx),
        resources(ctx),
    ]
    if settings.submit != "none":
        tools.append(submit_tool(ctx, keeper, run, settings.submit, settings.min_submit_share))
    return tools


def _recorded_params(settings: ReactSettings, ctx: ToolContext) -> dict[str, Any]:
    return {
        "command_timeout": settings.command_timeout,
        "min_submit_share": settings.min_submit_share,
        "submit": settings.submit,
        "reminder_every": settings.reminder_every,
        "wrapup_share": settings.wrapup_share,
        "compaction": settings.compaction if isinstance(settings.compaction, str) else repr(settings.compaction),
        "selection": settings.selection,
        "reserve_s": ctx.reserve_s,
    }


async def agent_loop(
    settings: ReactSettings,
    state: AgentState,
    tools: list[Tool],
    ctx: ToolContext,
    keeper: SubmissionKeeper,
    run: RunState,
) -> None:
    """Generate, run the tools, follow up; until submit is accepted, the context overflows, or a limit stops it."""
    compact: Compact | None = None
    if settings.strategy is not None:
        prefix: list[ChatMessage] = list(state.messages)
        compact = compaction_handler(settings.strategy, prefix=prefix, tools=tools, model=settings.model)
    overflow_compacted = False
    while True:
        run.turns += 1
        input_messages: list[ChatMessage] = state.messages
        if compact is not None:
            try:
                input_messages, summary = await compact.compact_input(state.messages)
            except RuntimeError as err:  # e.g. "compaction insufficient": a long run should not die of it
                transcript().info(f"Compaction failed, sending the full conversation: {err}")
                input_messages, summary = state.messages, None
            if summary is not None:
                state.messages.append(summary)
        output = await get_model(settings.model).generate(input_messages, tools)
        if compact is not None:
            await compact.record_output(input_messages, output)
        state.output = output
        state.messages.append(output.message)

        if output.stop_reason == "model_length":
            if compact is None or overflow_compacted:
                run.ended_by = "context window"
                transcript().info("Context window exceeded and compaction could not help: ending the loop.")
                return
            previous = state.messages[:-1]
            _, summary = await compact.compact_input(previous, force=True)
            state.messages = previous + ([summary] if summary is not None else [])
            overflow_compacted = True
            continue
        overflow_compacted = False

        if output.message.tool_calls:
            result = await execute_tools(state.messages, tools)
            state.messages.extend(result.messages)
            if run.answer is not None:
                state.output.completion = run.answer
                run.ended_by = "submit"
                return
            await after_turn(settings, state, result.messages, ctx, keeper, run)
        else:
            await safe_check(keeper)
            nudge = "Please continue: use your tools to make progress. " + (
                "Call submit when you are finished." if settings.submit != "none" else "The run ends at the time limit."
            )
            state.messages.append(ChatMessageUser(content=f"{nudge}\n{status_now(settings, ctx, keeper)}"))


async def after_turn(
    settings: ReactSettings,
    state: AgentState,
    new_messages: list[ChatMessage],
    ctx: ToolContext,
    keeper: SubmissionKeeper,
    run: RunState,
) -> None:
    """Snapshot the submission, put the status line on the turn's last tool result, and announce the wrap-up
    phase (once) or a reminder (every `reminder_every` turns)."""
    await safe_check(keeper)
    tool_messages = [m for m in new_messages if isinstance(m, ChatMessageTool)]
    if tool_messages:
        append_text(tool_messages[-1], status_now(settings, ctx, keeper))
    budget = ctx.budget()
    if not run.wrapup_announced and in_wrapup(budget, settings.wrapup_share) and budget.limit_s is not None:
        run.wrapup_announced = True
        transcript().info({"wrapup_at_used_s": round(budget.used_s, 1)}, source="mle_react: wrap-up")
        state.messages.append(ChatMessageUser(content=wrapup_text(settings, budget, keeper)))
    elif settings.reminder_every and run.turns % settings.reminder_every == 0:
        state.messages.append(ChatMessageUser(content=await reminder_text(ctx, keeper)))


async def safe_check(keeper: SubmissionKeeper) -> None:
    """Snapshot after a turn; a failure (e.g. a file too large to read back) is logged, never fatal."""
    try:
        await keeper.check("turn")
    except Exception as err:
        transcript().info(f"Could not snapshot the submission: {type(err).__name__}: {err}")


def status_now(settings: ReactSettings, ctx: ToolContext, keeper: SubmissionKeeper) -> str:
    budget = ctx.budget()
    return status_line(budget, keeper, in_wrapup(budget, settings.wrapup_share))


async def finish(state: AgentState, ctx: ToolContext, keeper: SubmissionKeeper, run: RunState) -> None:
    """Stop jobs (nothing may rewrite the file after selection), select and restore, record the run."""
    try:
        stopped = await ctx.jobs().kill_all()
    except Exception as err:  # recorded, not fatal: selection still has to happen
        stopped = [f"error: {err}"]
    try:
        choice = await keeper.finalize()
    finally:
        keeper.cleanup()
    record: dict[str, Any] = dict(store().get(RUN_KEY, {}))
    budget = ctx.budget()
    record.update(
        {
            "ended_by": run.ended_by,
            "turns": run.turns,
            "used_s": round(budget.used_s, 1),
            "jobs_stopped": stopped,
            "submit_calls": run.submit_calls,
            "selected_snapshot": None if choice is None else choice.index,
        }
    )
    store().set(RUN_KEY, record)
    transcript().info(record, source="mle_react: run ended")
    if run.answer is None:
        state.output.completion = f"Run ended ({run.ended_by}); graded: " + (
            choice.describe() if choice else "no submission"
        )


# --- the submit tool -------------------------------------------------------------------------------------------


def submit_tool(ctx: ToolContext, keeper: SubmissionKeeper, run: RunState, mode: str, min_share: float) -> Tool:
    """The submit step: ends the run, unless it comes too early or without a valid submission."""

    @tool(name="submit", parallel=False)
    def submit() -> Tool:
        async def execute(answer: str = "", confirm: bool = False) -> ToolResult:
            """Finish the run. The file at /home/submission/submission.csv (per the selection policy) is graded.

            Args:
              answer: A short summary of what you did (may be empty).
              confirm: Set true to finish although the budget is not mostly used (accepted only when a valid
                submission exists).
            """
            try:
                await keeper.check("submit")
            except Exception as err:  # decide on the snapshots already taken
                transcript().info(f"Could not snapshot the submission at submit: {type(err).__name__}: {err}")
            budget = ctx.budget()
            early = mode == "gated" and submit_too_early(budget, min_share)
            accepted, why = submit_decision(mode, early, confirm, keeper.has_valid_choice())
            call: dict[str, Any] = {
                "used_s": round(budget.used_s, 1),
                "used_share": round(budget.used_share, 4),
                "confirm": confirm,
                "accepted": accepted,
                "why": why,
            }
            run.submit_calls.append(call)
            transcript().info(call, source="mle_react: submit")
            return _submit_answer(accepted, why, answer, budget, keeper, run, min_share)

        return execute

    return submit()


def _submit_answer(
    accepted: bool, why: str, answer: str, budget: Budget, keeper: SubmissionKeeper, run: RunState, min_share: float
) -> str:
    status = submission_status(keeper)
    if accepted:
        run.answer = answer
        choice = keeper.selected()
        graded = f"snapshot {choice.describe()}" if choice else f"no submission (nothing at {keeper.path})"
        return f"Submission accepted ({why}); the run ends now and {graded} is graded."
    if why == "early":
        return (
            f"Submit refused: {budget.describe()} and only {percent(budget.used_share)} of the budget is used "
            f"(submit is accepted from {percent(min_share)}). Keep improving your solution with the time "
            "left. If you are sure you are finished, call submit again with confirm=true; that is accepted "
            f"only if a valid submission exists. Now: {status}."
        )
    return (
        f"Submit refused: there is no valid submission to grade ({status}). Write a valid "
        f"{keeper.path} (check it with validate_submission) and submit again"
        + (
            "."
            if why == "early_no_valid"
            else "; or call submit with confirm=true to end the run anyway (it will most likely score nothing)."
        )
    )
