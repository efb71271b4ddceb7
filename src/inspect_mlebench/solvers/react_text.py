"""What `mle_react` tells the model: the system instructions, the status line that follows every turn, the
wrap-up notice and the periodic reminder. Text only; the loop that sends it is in `react_loop`."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from inspect_ai.model import ChatMessageTool, ContentText

from inspect_mlebench.solvers.budget import Budget
from inspect_mlebench.solvers.snapshots import SubmissionKeeper
from inspect_mlebench.util import format_duration

if TYPE_CHECKING:
    from inspect_mlebench.solvers.react_loop import ReactSettings
    from inspect_mlebench.solvers.tools import ToolContext

logger = logging.getLogger(__name__)

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


def system_text(settings: ReactSettings, submission_path: str, budget: Budget) -> str:
    """The system instructions with this run's budget, limits and policies filled in."""
    budget_text = (
        f"you have {format_duration(budget.limit_s)} of wall-clock time in total"
        if budget.limit_s is not None
        else "there is no time limit"
    )
    values = {
        "budget_text": budget_text,
        "command_timeout": format_duration(settings.command_timeout) if settings.command_timeout else "no fixed limit",
        "submission_path": submission_path,
        "selection": settings.selection,
        "policy_text": POLICY_TEXTS[settings.selection],
        "wrapup_text": percent(settings.wrapup_share),
        "submit_text": SUBMIT_TEXTS[settings.submit].format(min_share=percent(settings.min_submit_share)),
    }
    text = settings.instructions if settings.instructions is not None else INSTRUCTIONS
    for key, value in values.items():  # not str.format: custom instructions may contain braces (code)
        text = text.replace("{" + key + "}", value)
    return text


def wrapup_text(settings: ReactSettings, budget: Budget, keeper: SubmissionKeeper) -> str:
    return (
        f"Wrap-up phase: {budget.describe()}. Do not start new long jobs. Make sure {keeper.path} holds your "
        f"best valid predictions (check with validate_submission), let short work finish, then "
        + ("submit." if settings.submit != "none" else "stop changing the submission.")
        + f"\n{submission_status(keeper)}"
    )


async def reminder_text(ctx: ToolContext, keeper: SubmissionKeeper) -> str:
    """The periodic reminder: time, running jobs, submission; listing jobs may fail without ending the run."""
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
