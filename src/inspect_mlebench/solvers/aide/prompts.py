"""What AIDE's two roles read: the coder (draft, improve, debug) and the reviewer (one forced tool call).

Written for this project from the published description of AIDE's algorithm; no wording is taken from AIDE or
from MLE-bench's fork. Every coder prompt carries the remaining time and steps (the fork's main change to AIDE)
and the per-run limit, so the model can size its scripts to the budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from inspect_ai.tool import ToolInfo, ToolParam, ToolParams

from inspect_mlebench.solvers.aide.journal import Journal, Node, Operator
from inspect_mlebench.util import one_line

METRIC_LINE = "Validation metric:"
REVIEW_TOOL = "submit_review"
MEMORY_NODES = 40  # working nodes listed in a prompt: the best ones, so long searches keep prompts bounded

CODER_SYSTEM = """\
You are an experienced machine-learning engineer taking part in a Kaggle-style competition. You work by \
writing complete, self-contained Python scripts. Each script is run on its own in a fresh directory, and only \
its printed output and the files it writes survive, so every script must load the data, train, validate and \
write its predictions by itself. A harness runs your scripts, keeps the best one by its validation score and \
submits that script's predictions for you."""

_JOBS: dict[Operator, str] = {
    "draft": """\
Write a first, working solution to the task. Choose a simple approach that is fast to run and likely to work \
(a well-known model with sensible defaults), and make it differ from the ideas already listed under "What has \
been tried". Leave ensembles and long hyper-parameter searches for later steps.""",
    "improve": """\
Below is the best script so far, with a summary of its run. Change exactly one thing that you expect to raise \
its validation score (for example a feature, the model, or a training setting) and keep everything else as it \
is, so that the effect of the change can be measured. Your plan must say what you change and why.""",
    "debug": """\
The script below did not succeed: it crashed, ran out of time, printed no usable validation metric or wrote no \
submission file. Work out the cause from its output and return a corrected version of the whole script. Your \
plan must say what went wrong and how you fix it.""",
}

REVIEWER_SYSTEM = """\
You check one run of a machine-learning script written for a competition. Judge only from the script, its \
output and the facts the harness reports, and answer by calling the submit_review tool exactly once."""


@dataclass(frozen=True)
class PromptContext:
    """Facts every coder prompt states, gathered fresh before each step."""

    task: str
    data_dir: str
    data_preview: str | None
    time_left: str  # e.g. "3h 05m left of 24h 00m"
    run_limit: str  # the longest a script may run this step
    step: int  # 1-based number of the step being taken
    max_steps: int | None


def _memory(journal: Journal) -> str:
    """Plans, findings and scores of the working solutions so far (AIDE shows no code here, to keep it short)."""
    good = journal.good_nodes
    shown = sorted(sorted(good, key=lambda n: n.score(), reverse=True)[:MEMORY_NODES], key=lambda n: n.step)
    lines = []
    for node in shown:
        direction = "lower is better" if node.lower_is_better else "higher is better"
        lines.append(
            f"- {node.id} ({node.operator}): {one_line(node.plan, 400)}\n"
            f"  Result: {one_line(node.summary, 400)} Validation metric: {node.metric} ({direction})."
        )
    if len(good) > len(shown):
        lines.append(f"- {len(good) - len(shown)} weaker working script(s) not listed.")
    failed = len(journal.nodes) - len(good)
    if failed:
        lines.append(f"- {failed} other script(s) failed or gave no usable metric.")
    return "\n".join(lines) if lines else "Nothing yet: this is the first script."


def _previous(node: Node, operator: Operator) -> str:
    parts = [f"## Previous script ({node.id})\n\n```python\n{node.code}\n```"]
    if operator == "debug":
        status = "timed out" if node.timed_out else f"exit code {node.exit_code}"
        submission = "written" if node.has_submission else "missing"
        if node.submission_valid is False:
            submission = f"written but rejected by the format check: {node.validation_message}"
        parts.append(
            f"## Its output (last part; {status}; ./submission/submission.csv {submission})\n\n"
            f"```\n{node.output_tail}\n```"
        )
        if node.summary:
            parts.append(f"## Reviewer's note\n\n{node.summary}")
    else:
        parts.append(f"## Its result\n\n{node.summary}\nValidation metric: {node.metric}")
    return "\n\n".join(parts)


def coder_prompt(operator: Operator, journal: Journal, parent: Node | None, ctx: PromptContext) -> str:
    """The user message for one draft, improve or debug step."""
    steps = f"step {ctx.step} of at most {ctx.max_steps}" if ctx.max_steps else f"step {ctx.step}"
    sections = [
        f"# Task\n\n{ctx.task.strip()}",
        f"# What has been tried\n\n{_memory(journal)}",
        f"# Your job now: {operator}\n\n{_JOBS[operator]}",
    ]
    if parent is not None:
        sections.append(_previous(parent, operator))
    if ctx.data_preview and operator != "improve":
        sections.append(f"# The data\n\n{ctx.data_preview.strip()}")
    sections.append(
        "# Rules for the script\n\n"
        f"- Read the competition's files from `{ctx.data_dir}` (read-only; also linked as `./input`).\n"
        "- Write predictions for the test set to `./submission/submission.csv` (relative to the working "
        "directory), in the format the competition asks for. The harness copies the best script's file to the "
        "graded location, so do not write there yourself; a script without this file counts as failed.\n"
        "- Keep part of the training data for validation (k-fold cross-validation when it is affordable) and "
        f"print the final validation score on a line of its own as `{METRIC_LINE} <number>`.\n"
        "- Put scratch files in `./working`. No user input, no internet; use the packages already installed.\n"
        f"- The script is stopped after {ctx.run_limit}; make sure it finishes well within that."
    )
    sections.append(
        f"# Time\n\nThis is {steps}. The whole search has {ctx.time_left}, and running scripts counts "
        "against it. Pick approaches whose cost fits what is left."
    )
    sections.append(
        "# How to answer\n\nFirst a plan in three to five sentences. Then exactly one fenced ```python code "
        "block with the complete script. Write nothing after the code block."
    )
    return "\n\n".join(sections)


_FENCE = re.compile(r"```[ \t]*([A-Za-z0-9_+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)


def parse_reply(text: str) -> tuple[str, str] | None:
    """(plan, code) from a reply: the plan is the text before the first code block; the code is the first
    python block (or the first untagged one). None when the reply holds no code."""
    blocks = list(_FENCE.finditer(text))
    chosen = next((b for b in blocks if b.group(1).lower() in ("python", "py", "python3")), None)
    if chosen is None:
        chosen = next((b for b in blocks if not b.group(1)), None)
    if chosen is None or not chosen.group(2).strip():
        return None
    plan = text[: chosen.start()].strip()
    return plan, chosen.group(2).strip() + "\n"


def reviewer_prompt(task: str, node: Node) -> str:
    status = "was stopped at the time limit" if node.timed_out else f"exited with code {node.exit_code}"
    submission = "exists" if node.has_submission else "does NOT exist"
    check = ""
    if node.submission_valid is not None:
        verdict = "passed" if node.submission_valid else "FAILED"
        check = f"- The competition's format check of that file {verdict}: {node.validation_message}\n"
    return (
        f"# Task\n\n{task.strip()}\n\n"
        f"# The script ({node.operator} step)\n\n```python\n{node.code}\n```\n\n"
        f"# Its output (last part)\n\n```\n{node.output_tail}\n```\n\n"
        f"# Facts from the harness\n\n- The run {status} after {node.exec_time_s or 0:.1f}s.\n"
        f"- `./submission/submission.csv` {submission} after the run.\n"
        f"{check}\n"
        "# What to report\n\n"
        "Call submit_review with: whether the run is buggy (it crashed, timed out, printed no validation "
        "score, or wrote no valid submission file); a short summary of what the script did and what its output "
        "shows; the final validation score it printed (null if there is none); whether a lower value of that "
        "score is better (true for losses and errors such as RMSE or log loss, false for accuracy, AUC, F1 and "
        "the like); and whether the submission file was written."
    )


REVIEW_TOOL_INFO = ToolInfo(
    name=REVIEW_TOOL,
    description="Report the review of one script run.",
    parameters=ToolParams(
        properties={
            "is_bug": ToolParam(
                type="boolean",
                description="True if the run failed: an error, a timeout, no validation score or no submission.",
            ),
            "summary": ToolParam(
                type="string", description="Two or three sentences: what the script did and what the output shows."
            ),
            "metric": ToolParam(
                type=["number", "null"], description="The final validation score printed, or null if none."
            ),
            "lower_is_better": ToolParam(
                type="boolean", description="True if a lower value of this score is better (a loss or an error)."
            ),
            "has_csv_submission": ToolParam(
                type="boolean", description="True if ./submission/submission.csv was written."
            ),
        },
        required=["is_bug", "summary", "metric", "lower_is_better", "has_csv_submission"],
    ),
)
