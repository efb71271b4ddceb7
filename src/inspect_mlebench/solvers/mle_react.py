"""`mle_react`: a tool-using agent built for a long wall-clock budget.

The failure modes MLE-bench reports for tool agents (ending early, ignoring the validator, losing track of time,
exhausting resources, overwriting a good submission) are handled by the harness rather than left to the model:
the time left and the state of the submission follow every turn, commands cannot outrun the budget, long
training runs as background jobs, every new submission is snapshotted and validated on the host, an early
submit is pushed back once, and a final-selection policy decides which snapshot is graded.

The loop is our own rather than `react()` so that a refused submit is an ordinary tool answer, the status line
can ride on each turn's tool results, and the final selection runs inside the budget before Inspect's time limit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from inspect_ai.agent import Agent, AgentState, agent
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
    ContentText,
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

from inspect_mlebench.sandbox.layout import JOBS_DIR
from inspect_mlebench.solvers.budget import (
    Budget,
    end_reserve,
    in_wrapup,
    submit_too_early,
)
from inspect_mlebench.solvers.context import sample_metadata
from inspect_mlebench.solvers.snapshots import SELECTION_POLICIES, SubmissionKeeper
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
from inspect_mlebench.util import format_duration

logger = logging.getLogger(__name__)

RUN_KEY = "mle_react:run"  # sample store: how the run ended, turns, jobs stopped, parameters
SUBMIT_MODES = ("gated", "free", "none")
COMPACTION_KINDS = ("auto", "summary", "edit", "trim", "native", "none")

SubmitMode = Literal["gated", "free", "none"]

INSTRUCTIONS = """\
You are an autonomous machine-learning engineer working alone in a sandboxed Linux machine on the competition \
described in the user's message. No one will answer questions; decide and act with the tools.

Time: {budget_text}. After each turn you get a status line with the time left and the state of your submission. \
The budget is meant to be used: after a first valid submission, keep improving (better features, models, \
validation, ensembling) while time remains.

Working style:
- bash and python run one command each, as a fresh process, for at most {command_timeout} per call (less near \
the end of the budget). Put scripts under /home/code and logs under /home/logs.
- For anything long (training, hyper-parameter search), use job_start: it returns at once and the job keeps \
running; check it with job_status / job_logs, stop it with job_kill. Jobs are stopped when the budget ends.
- resources shows GPU/RAM/disk use and running jobs; don't exhaust memory or disk.
- Write predictions to {submission_path} and check them with validate_submission (valid/invalid and why, never a \
score). Every new version of that file is snapshotted and validated; with the '{selection}' policy, {policy_text}
- The last {wrapup_text} of the budget is a wrap-up phase: no new long jobs; make sure a valid submission is in \
place.
{submit_text}"""

SUBMIT_TEXTS = {
    "gated": "- When you are finished, call submit. Before {min_share} of the budget is used, submit answers with the "
    "time left and asks you to keep improving; call it again with confirm=true only if you are sure (accepted only "
    "with a valid submission).",
    "free": "- When you are finished, call submit.",
    "none": "- There is no submit step: the run ends at the time limit, so keep working until then.",
}
POLICY_TEXTS = {
    "last": "the newest version of the file is graded, valid or not.",
    "last_valid": "the newest valid version is graded, so an invalid overwrite cannot lose a valid submission.",
}


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


@dataclass
class RunState:
    """What the loop and the submit tool share."""

    answer: str | None = None
    ended_by: str = "running"
    turns: int = 0
    submit_calls: list[dict[str, Any]] = field(default_factory=list)
    wrapup_announced: bool = False


def percent(share: float) -> str:
    return f"{round(share * 100)}%"


def submission_status(keeper: SubmissionKeeper) -> str:
    """One line on the submission: the latest version and, if different, what the policy would grade."""
    latest = keeper.latest
    if latest is None:
        return f"submission: none yet at {keeper.path}"
    reason = latest.reason.removeprefix("Submission invalid: ")
    state = "valid" if latest.valid else f"INVALID ({reason})" if latest.valid is False else "not validated"
    text = f"submission: {state} (snapshot #{latest.index})"
    choice = keeper.selected()
    if choice is not None and choice.index != latest.index:
        text += f"; if the run ended now, snapshot #{choice.index} ({'valid' if choice.valid else 'invalid'}) is graded"
    return text


def status_line(budget: Budget, keeper: SubmissionKeeper, wrapup: bool) -> str:
    used = "" if budget.limit_s is None else f" ({percent(budget.used_share)} used)"
    phase = " | WRAP-UP: no new long jobs, keep a valid submission in place" if wrapup else ""
    return f"[status] time: {budget.describe()}{used} | {submission_status(keeper)}{phase}"


def append_text(message: ChatMessageTool, text: str) -> None:
    """Add a line to a tool result the model will read."""
    if isinstance(message.content, str):
        message.content = f"{message.content}\n\n{text}" if message.content else text
    else:
        message.content = [*message.content, ContentText(text=text)]


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
    """ReAct agent for a long MLE-bench budget (see the module docstring and the README's mle_react section).

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
    strategy = make_compaction(compaction, compaction_threshold)

    async def execute(state: AgentState) -> AgentState:
        metadata = sample_metadata()
        ctx = ToolContext(
            metadata=metadata,
            user=user,
            command_timeout=float(command_timeout) if command_timeout else None,
            wrapup_share=wrapup_share,
            jobs_dir=jobs_dir,
        )
        start_budget = ctx.budget()
        ctx.reserve_s = end_reserve(start_budget.limit_s, reserve_s)
        keeper = SubmissionKeeper(
            validator_for(metadata),
            path=ctx.submission_path,
            policy=selection,
            clock=lambda: ctx.budget().used_s,
            user=user,
        )
        ctx.keeper = keeper
        run = RunState()

        tools: list[Tool] = [bash(ctx), python(ctx)]
        if text_editor:
            tools.append(inspect_text_editor(timeout=180, user=user))
        tools += [
            validate_submission(ctx),
            job_start(ctx),
            job_status(ctx),
            job_logs(ctx),
            job_kill(ctx),
            resources(ctx),
        ]
        if submit != "none":
            tools.append(submit_tool(ctx, keeper, run, submit, min_submit_share))

        state.messages.insert(0, ChatMessageSystem(content=system_text(ctx, start_budget)))
        store().set(
            RUN_KEY,
            {
                "params": {
                    "command_timeout": command_timeout,
                    "min_submit_share": min_submit_share,
                    "submit": submit,
                    "reminder_every": reminder_every,
                    "wrapup_share": wrapup_share,
                    "compaction": compaction if isinstance(compaction, str) else repr(compaction),
                    "selection": selection,
                    "reserve_s": ctx.reserve_s,
                },
                "budget_s": start_budget.limit_s,
            },
        )

        loop_s = None if start_budget.remaining_s is None else max(1.0, start_budget.remaining_s - ctx.reserve_s)
        limits: list[Limit] = [time_limit(loop_s)]
        if message_limit:
            limits.append(message_limit_scope(message_limit))
        if token_limit:
            limits.append(token_limit_scope(token_limit))
        try:
            with apply_limits(limits, catch_errors=True) as scope:
                await agent_loop(state, tools, ctx, keeper, run)
            if scope.limit_error is not None:
                run.ended_by = f"{scope.limit_error.type} limit"
        except LimitExceededError as err:  # a sample-level limit other than time: there is still time to finish
            run.ended_by = f"sample {err.type} limit"
            await finish(state, ctx, keeper, run)
            raise
        await finish(state, ctx, keeper, run)
        return state

    async def agent_loop(
        state: AgentState, tools: list[Tool], ctx: ToolContext, keeper: SubmissionKeeper, run: RunState
    ) -> None:
        compact: Compact | None = None
        if strategy is not None:
            prefix: list[ChatMessage] = list(state.messages)
            compact = compaction_handler(strategy, prefix=prefix, tools=tools, model=model)
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
            output = await get_model(model).generate(input_messages, tools)
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
                await after_turn(state, result.messages, ctx, keeper, run)
            else:
                await safe_check(keeper)
                nudge = "Please continue: use your tools to make progress. " + (
                    "Call submit when you are finished." if submit != "none" else "The run ends at the time limit."
                )
                state.messages.append(ChatMessageUser(content=f"{nudge}\n{status_now(ctx, keeper)}"))

    async def after_turn(
        state: AgentState,
        new_messages: list[ChatMessage],
        ctx: ToolContext,
        keeper: SubmissionKeeper,
        run: RunState,
    ) -> None:
        await safe_check(keeper)
        tool_messages = [m for m in new_messages if isinstance(m, ChatMessageTool)]
        if tool_messages:
            append_text(tool_messages[-1], status_now(ctx, keeper))
        budget = ctx.budget()
        if not run.wrapup_announced and in_wrapup(budget, wrapup_share) and budget.limit_s is not None:
            run.wrapup_announced = True
            transcript().info({"wrapup_at_used_s": round(budget.used_s, 1)}, source="mle_react: wrap-up")
            state.messages.append(ChatMessageUser(content=wrapup_text(budget, keeper)))
        elif reminder_every and run.turns % reminder_every == 0:
            state.messages.append(ChatMessageUser(content=await reminder_text(ctx, keeper)))

    async def safe_check(keeper: SubmissionKeeper) -> None:
        """Snapshot after a turn; a failure (e.g. a file too large to read back) is logged, never fatal."""
        try:
            await keeper.check("turn")
        except Exception as err:
            transcript().info(f"Could not snapshot the submission: {type(err).__name__}: {err}")

    def status_now(ctx: ToolContext, keeper: SubmissionKeeper) -> str:
        budget = ctx.budget()
        return status_line(budget, keeper, in_wrapup(budget, wrapup_share))

    def wrapup_text(budget: Budget, keeper: SubmissionKeeper) -> str:
        return (
            f"Wrap-up phase: {budget.describe()}. Do not start new long jobs. Make sure {keeper.path} holds your "
            f"best valid predictions (check with validate_submission), let short work finish, then "
            + ("submit." if submit != "none" else "stop changing the submission.")
            + f"\n{submission_status(keeper)}"
        )

    async def reminder_text(ctx: ToolContext, keeper: SubmissionKeeper) -> str:
        budget = ctx.budget()
        try:
            jobs = await ctx.jobs().list_jobs()
        except Exception as err:  # a reminder must never end the run
            logger.warning("mle_react: could not list jobs for the reminder: %s", err)
            jobs_text = "jobs unknown (listing them failed)"
        else:
            running = [j.job_id for j in jobs if j.running]
            jobs_text = f"running jobs: {', '.join(running)}" if running else "no running jobs"
        return (
            f"Reminder: {budget.describe()}; {jobs_text}; {submission_status(keeper)}. "
            "Use the remaining time to improve your validation score, and keep a valid submission in place."
        )

    def system_text(ctx: ToolContext, budget: Budget) -> str:
        budget_text = (
            f"you have {format_duration(budget.limit_s)} of wall-clock time in total"
            if budget.limit_s is not None
            else "there is no time limit"
        )
        values = {
            "budget_text": budget_text,
            "command_timeout": format_duration(command_timeout) if command_timeout else "no fixed limit",
            "submission_path": ctx.submission_path,
            "selection": selection,
            "policy_text": POLICY_TEXTS[selection],
            "wrapup_text": percent(wrapup_share),
            "submit_text": SUBMIT_TEXTS[submit].format(min_share=percent(min_submit_share)),
        }
        text = instructions if instructions is not None else INSTRUCTIONS
        for key, value in values.items():  # not str.format: custom instructions may contain braces (code)
            text = text.replace("{" + key + "}", value)
        return text

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

    return execute


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

        return execute

    return submit()
