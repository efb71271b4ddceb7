"""`aide`: AIDE's tree search over complete single-file solutions, as a native Inspect agent.

The search loop lives on the host; only the generated scripts run in the sandbox (through `sandbox().exec`, as the
task's unprivileged user), so the scaffold needs nothing installed in the agent's image and every step shows in
the transcript: one span per node holding the coder's call, the sandbox run, the reviewer's call and a record of
the node. The journal is checkpointed into the sample's store after every node and written to
`/home/logs/aide_journal.json`; the best node's files are copied to `/home/submission` and `/home/code` as soon as
it becomes best, so a time limit never leaves the graded location empty or stale.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inspect_ai.agent import Agent, AgentState, agent
from inspect_ai.log import transcript
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
)
from inspect_ai.tool import ToolFunction
from inspect_ai.util import OutputLimitExceededError, sandbox, span, store

from inspect_mlebench.sandbox.layout import CODE_DIR, DATA_DIR, LOGS_DIR, SUBMISSION_DIR
from inspect_mlebench.scoring.candidates import CandidateArchive
from inspect_mlebench.solvers.aide.journal import Journal, Node, Operator
from inspect_mlebench.solvers.aide.policy import SearchPolicy
from inspect_mlebench.solvers.aide.prompts import (
    CODER_SYSTEM,
    REVIEW_TOOL,
    REVIEW_TOOL_INFO,
    REVIEWER_SYSTEM,
    PromptContext,
    coder_prompt,
    parse_reply,
    reviewer_prompt,
)
from inspect_mlebench.solvers.aide.runner import Paths, RunResult, SandboxRunner
from inspect_mlebench.solvers.aide.validation import validate_node_submission
from inspect_mlebench.solvers.budget import current_budget
from inspect_mlebench.solvers.context import sample_metadata
from inspect_mlebench.solvers.store_keys import AIDE_JOURNAL_KEY
from inspect_mlebench.util import format_duration

STORE_KEY = AIDE_JOURNAL_KEY  # the journal as a dict, rewritten after every node

# Settings of MLE-bench's AIDE runs (agents/aide/config.yaml upstream) and of AIDE's own defaults.
PRESETS: dict[str, dict[str, Any]] = {
    "mlebench": {"num_drafts": 5, "debug_prob": 1.0, "max_debug_depth": 20, "max_steps": 500, "exec_timeout_s": 32400},
    "aide": {"num_drafts": 5, "debug_prob": 0.5, "max_debug_depth": 3, "max_steps": 20, "exec_timeout_s": 3600},
}


@dataclass(frozen=True)
class Review:
    is_bug: bool
    summary: str
    metric: float | None
    lower_is_better: bool | None
    has_csv_submission: bool | None


def _resolve(preset: str, **overrides: Any) -> dict[str, Any]:
    if preset not in PRESETS:
        raise ValueError(f"unknown aide preset {preset!r}; choose one of {sorted(PRESETS)}")
    settings = dict(PRESETS[preset])
    settings.update({k: v for k, v in overrides.items() if v is not None})
    return settings


def _task_text(messages: list[ChatMessage]) -> str:
    return "\n\n".join(m.text for m in messages if isinstance(m, ChatMessageSystem | ChatMessageUser) and m.text)


def _as_metric(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


@agent
def aide(
    preset: str = "mlebench",
    num_drafts: int | None = None,
    debug_prob: float | None = None,
    max_debug_depth: int | None = None,
    max_steps: int | None = None,
    exec_timeout_s: float | None = None,
    feedback_role: str = "feedback",
    seed: int | None = None,
    stop_margin_s: float = 120.0,
    min_run_s: float = 30.0,
    code_temperature: float | None = None,
    feedback_temperature: float | None = None,
    data_preview: bool = True,
    include_description: bool = True,
    validate_submissions: bool = True,
    output_tail_chars: int = 8000,
    max_reply_retries: int = 2,
    user: str | None = "nonroot",
    python: str = "python",
    data_dir: str = DATA_DIR,
    submission_dir: str = SUBMISSION_DIR,
    code_dir: str = CODE_DIR,
    logs_dir: str = LOGS_DIR,
    work_dir: str | None = None,
) -> Agent:
    """AIDE's draft / debug / improve tree search over single-file solutions.

    Args:
        preset: "mlebench" (MLE-bench's AIDE runs: 5 drafts, debug_prob 1.0, debug depth 20, 500 steps, 9 h per
            run) or "aide" (AIDE's defaults: 5, 0.5, 3, 20 steps, 1 h). The arguments below override it.
        num_drafts: Roots to draft before debugging or improving.
        debug_prob: Probability of debugging a buggy leaf (when one is eligible) instead of improving the best.
        max_debug_depth: Debug a buggy leaf only while its chain of debug steps is at most this long.
        max_steps: Most nodes to create.
        exec_timeout_s: Longest a script may run; clamped to the remaining budget minus `stop_margin_s`.
        feedback_role: Model role of the reviewer (`--model-role feedback=...`); the main model if unset.
        seed: Seed of the policy's random choices (None: not reproducible).
        stop_margin_s: Time kept free at the end of the budget; the search stops before it.
        min_run_s: No new step is started when less run time than this would be left.
        code_temperature: Temperature of the coder's calls (None: the model's default; AIDE used 0.5).
        feedback_temperature: Temperature of the reviewer's calls (None: the model's default).
        data_preview: Show the coder a listing of the data files and a peek into the CSV files.
        include_description: Add `<data_dir>/description.md` to the task text unless the prompt already has it.
        validate_submissions: Check each node's submission with the competition's format rules on the host (the
            validator's check; never a score); a node whose file fails is buggy. Off: AIDE's behaviour.
        output_tail_chars: How much of the end of a run's output the reviewer and the debugger see.
        max_reply_retries: Extra coder calls when a reply holds no code block.
        user: Sandbox user that runs the scripts (None: the sandbox's default).
        python: Python interpreter in the sandbox.
        data_dir: Competition data in the sandbox (read-only).
        submission_dir: Where the best node's `submission.csv` is copied (graded from there).
        code_dir: Where the best node's script is copied as `solution.py`.
        logs_dir: Where `aide_journal.json` is written.
        work_dir: Parent of the nodes' working directories (default `<code_dir>/aide`).
    """
    settings = _resolve(
        preset,
        num_drafts=num_drafts,
        debug_prob=debug_prob,
        max_debug_depth=max_debug_depth,
        max_steps=max_steps,
        exec_timeout_s=exec_timeout_s,
    )
    policy = SearchPolicy(
        num_drafts=int(settings["num_drafts"]),
        debug_prob=float(settings["debug_prob"]),
        max_debug_depth=int(settings["max_debug_depth"]),
    )
    steps_limit = int(settings["max_steps"])
    run_timeout = float(settings["exec_timeout_s"])
    paths = Paths(
        data_dir=data_dir,
        submission_dir=submission_dir,
        code_dir=code_dir,
        logs_dir=logs_dir,
        work_root=work_dir or f"{code_dir.rstrip('/')}/aide",
    )

    async def execute(state: AgentState) -> AgentState:
        started = time.monotonic()
        metadata = sample_metadata()
        rng = random.Random(seed)
        runner = SandboxRunner(paths, user=user, python=python, tail_chars=output_tail_chars)
        coder = get_model()
        reviewer = get_model(role=feedback_role)
        journal = Journal()
        archive = CandidateArchive("best_own_metric")  # graded after the run, for the score-over-time curve

        task = _task_text(state.messages)
        if include_description:
            description = await runner.read_text(f"{paths.data_dir.rstrip('/')}/description.md")
            if description and description.strip()[:200] not in task:
                task += f"\n\n# Competition description\n\n{description.strip()}"
        preview = await runner.preview() if data_preview else None

        def remaining() -> float:
            left = current_budget(metadata, started).remaining_s
            return math.inf if left is None else left

        def time_left_text() -> str:
            return current_budget(metadata, started).describe()

        async def checkpoint() -> None:
            store().set(STORE_KEY, journal.model_dump(mode="json"))
            await runner.write_text(paths.journal_file, journal.to_json())

        stop_reason = f"reached max_steps ({steps_limit})"
        for step in range(steps_limit):
            if remaining() - stop_margin_s < min_run_s:
                stop_reason = f"stopped with {format_duration(remaining())} left (stop margin {stop_margin_s:.0f}s)"
                break
            action = policy.select(journal, rng)
            parent = journal.get(action.parent_id) if action.parent_id else None
            node_id = journal.next_id()
            async with span(f"aide {node_id} {action.operator}", type="aide_node"):
                node, out_of_time = await _step(
                    node_id=node_id,
                    step=step,
                    operator=action.operator,
                    parent=parent,
                    journal=journal,
                    task=task,
                    preview=preview,
                    started=started,
                    remaining=remaining,
                    time_left_text=time_left_text,
                    run_timeout=run_timeout,
                    stop_margin_s=stop_margin_s,
                    min_run_s=min_run_s,
                    steps_limit=steps_limit,
                    runner=runner,
                    coder=coder,
                    reviewer=reviewer,
                    code_temperature=code_temperature,
                    feedback_temperature=feedback_temperature,
                    max_reply_retries=max_reply_retries,
                    metadata=metadata if validate_submissions else None,
                )
                journal.add(node)
                if node.has_submission:
                    await _archive_node(archive, runner, node, current_budget(metadata, started).used_s)
                best = journal.best_node()
                new_best = best is not None and best.id == node.id and journal.best_id != node.id
                if new_best:
                    await runner.promote(node.id)
                    journal.best_id = node.id
                transcript().info(
                    {
                        "aide_node": node.id,
                        "operator": node.operator,
                        "parent": node.parent_id,
                        "buggy": node.is_buggy,
                        "metric": node.metric,
                        "lower_is_better": node.lower_is_better,
                        "exit_code": node.exit_code,
                        "timed_out": node.timed_out,
                        "exec_time_s": node.exec_time_s,
                        "summary": node.summary,
                        "new_best": new_best,
                        "best": journal.best_id,
                    },
                    source="aide",
                )
                await checkpoint()
            if out_of_time:
                stop_reason = "stopped: too little time left to run another script"
                break

        await checkpoint()  # also when no node was made: the log always carries the journal
        best = journal.best_node()
        report = (
            f"AIDE explored {len(journal.nodes)} node(s) "
            f"({len(journal.drafts)} draft(s), {len(journal.good_nodes)} working); {stop_reason}. "
            + (
                f"Best: {best.id} with validation metric {best.metric}; its submission is at "
                f"{paths.submission_dir.rstrip('/')}/submission.csv and its code at "
                f"{paths.code_dir.rstrip('/')}/solution.py."
                if best
                else "No node produced a working solution, so no submission was written."
            )
        )
        transcript().info(
            {"aide_done": report, "best": journal.best_id, "nodes": len(journal.nodes)},
            source="aide",
        )
        state.messages.append(ChatMessageAssistant(content=report, model=coder.name))
        return state

    return execute


async def _archive_node(archive: CandidateArchive, runner: SandboxRunner, node: Node, elapsed_s: float) -> None:
    """Keep a host copy of a node's submission (graded only after the run ends)."""
    data: bytes | None = None
    note = ""
    try:
        data = await sandbox().read_file(f"{runner.paths.workdir(node.id)}/submission/submission.csv", text=False)
    except (FileNotFoundError, OutputLimitExceededError, PermissionError) as err:
        note = f"not kept: could not read the file ({type(err).__name__})"
    archive.add(
        data,
        label=node.id,
        elapsed_s=elapsed_s,
        valid=node.submission_valid,
        sha256=node.submission_sha256,
        eligible=node.is_good,
        own_metric=node.metric,
        lower_is_better=node.lower_is_better,
        note=note,
    )


async def _step(
    *,
    node_id: str,
    step: int,
    operator: Operator,
    parent: Node | None,
    journal: Journal,
    task: str,
    preview: str | None,
    started: float,
    remaining: Callable[[], float],
    time_left_text: Callable[[], str],
    run_timeout: float,
    stop_margin_s: float,
    min_run_s: float,
    steps_limit: int,
    runner: SandboxRunner,
    coder: Model,
    reviewer: Model,
    code_temperature: float | None,
    feedback_temperature: float | None,
    max_reply_retries: int,
    metadata: dict[str, Any] | None,
) -> tuple[Node, bool]:
    """One node: ask the coder, run the script, ask the reviewer, combine their verdicts. The flag says the
    budget ran out before the script could run (the search should stop)."""
    node = Node(
        id=node_id,
        step=step,
        operator=operator,
        parent_id=parent.id if parent else None,
        started_s=time.monotonic() - started,
        workdir=runner.paths.workdir(node_id),
    )
    run_limit = min(run_timeout, max(0.0, remaining() - stop_margin_s))
    ctx = PromptContext(
        task=task,
        data_dir=runner.paths.data_dir,
        data_preview=preview,
        time_left=time_left_text(),
        run_limit=format_duration(run_limit),
        step=step + 1,
        max_steps=steps_limit,
    )
    t0 = time.monotonic()
    reply = await _ask_coder(coder, coder_prompt(operator, journal, parent, ctx), code_temperature, max_reply_retries)
    node.generate_time_s = time.monotonic() - t0
    if reply is None:
        node.summary = "The coder's reply held no code block, so nothing was run."
        node.finished_s = time.monotonic() - started
        return node, False
    node.plan, node.code = reply

    run_limit = min(run_timeout, remaining() - stop_margin_s)  # generation took time: clamp again
    if run_limit < min_run_s:
        node.summary = f"Not run: only {format_duration(max(0.0, run_limit))} of run time was left."
        node.finished_s = time.monotonic() - started
        return node, True
    node.exec_timeout_s = run_limit
    result: RunResult = await runner.run(node_id, node.code, run_limit)
    node.exit_code = result.exit_code
    node.timed_out = result.timed_out
    node.exec_time_s = result.exec_time_s
    node.output_tail = result.output_tail
    node.submission_sha256 = result.submission_sha256
    node.has_submission = result.has_submission
    if node.has_submission and metadata is not None:
        csv_path = f"{runner.paths.workdir(node_id)}/submission/submission.csv"
        node.submission_valid, node.validation_message = await validate_node_submission(csv_path, metadata)

    t0 = time.monotonic()
    review = await _ask_reviewer(reviewer, reviewer_prompt(task, node), feedback_temperature)
    node.review_time_s = time.monotonic() - t0
    node.summary = review.summary
    node.metric = review.metric
    node.lower_is_better = review.lower_is_better
    node.reviewer_has_submission = review.has_csv_submission
    # AIDE's rule plus MLE-bench's: any failure signal makes the node buggy, whatever the reviewer thinks.
    node.is_buggy = (
        review.is_bug
        or node.exit_code != 0
        or node.timed_out
        or node.metric is None
        or not node.has_submission
        or node.submission_valid is False
    )
    node.finished_s = time.monotonic() - started
    return node, False


async def _ask_coder(model: Model, prompt: str, temperature: float | None, retries: int) -> tuple[str, str] | None:
    messages: list[ChatMessage] = [ChatMessageSystem(content=CODER_SYSTEM), ChatMessageUser(content=prompt)]
    config = GenerateConfig(temperature=temperature)
    for _ in range(1 + retries):
        output = await model.generate(messages, config=config)
        parsed = parse_reply(output.completion)
        if parsed is not None:
            return parsed
        messages += [
            output.message,
            ChatMessageUser(
                content="That reply held no ```python code block. Answer again: a short plan, then the complete "
                "script in one ```python block."
            ),
        ]
    return None


async def _ask_reviewer(model: Model, prompt: str, temperature: float | None) -> Review:
    messages: list[ChatMessage] = [ChatMessageSystem(content=REVIEWER_SYSTEM), ChatMessageUser(content=prompt)]
    config = GenerateConfig(temperature=temperature)
    for _ in range(2):
        output = await model.generate(
            messages, tools=[REVIEW_TOOL_INFO], tool_choice=ToolFunction(REVIEW_TOOL), config=config
        )
        calls = [c for c in output.message.tool_calls or [] if c.function == REVIEW_TOOL]
        if calls:
            args = calls[0].arguments
            return Review(
                is_bug=_as_bool(args.get("is_bug")) is not False,  # unclear counts as a bug
                summary=str(args.get("summary") or ""),
                metric=_as_metric(args.get("metric")),
                lower_is_better=_as_bool(args.get("lower_is_better")),
                has_csv_submission=_as_bool(args.get("has_csv_submission")),
            )
    return Review(True, "The reviewer gave no verdict, so the run counts as failed.", None, None, None)
