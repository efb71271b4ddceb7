"""`inspect_mlebench/aideml`: the original AIDE (PyPI `aideml`) on MLE-bench, configured as upstream ran it.

Upstream (agents/aide/config.yaml at 783b15a) ran 500 steps in 24 hours with a 9-hour limit per script, debugging
always (`debug_prob` 1) down to depth 20, data symlinked rather than copied, and the same model for code and
feedback. This preset installs aideml without its declared ML stack (the agent image has its own; aideml's code
imports only its client libraries and a few helpers, listed below), runs it through `external_agent`, and sends
its code model's calls to the eval's model and its feedback calls to the `feedback` model role (the eval's model
unless `--model-role feedback=...` is given).

Differences from upstream, which ran a fork of aideml (thesofakillers/aideml v6.3.3) rather than a PyPI release:
PyPI's aideml has no `agent.time_limit` (so AIDE's prompts do not state the time left; the budget is enforced from
outside) and keeps no best submission, which `aideml_run.py` adds (the best node's submission is copied to
/home/submission after each improvement).
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources
from typing import Any

from inspect_ai.agent import Agent, AgentState, agent
from inspect_ai.model import get_model
from inspect_ai.util import sandbox, store

from inspect_mlebench.external.agent import outcome_message
from inspect_mlebench.external.scaffold import BRIDGE_MODEL, Scaffold, require_bridge_clients, run_scaffold, task_text
from inspect_mlebench.external.wheels import PipInstall
from inspect_mlebench.sandbox.layout import CODE_DIR, DATA_DIR, LOGS_DIR, SUBMISSION_PATH

AIDEML_VERSION = "0.2.2"
# What aideml's code imports (its `aide` package, less the web UI), at the versions aideml pins where it pins them.
# numpy and pandas come from the image. aideml's other declared dependencies (torch, transformers, ...) are the ML
# stack it offers the scripts it writes: the image decides that stack, as for every agent.
AIDEML_RUNTIME = (
    "openai>=1.69.0",
    "anthropic>=0.20.0",
    "black==24.3.0",
    "funcy==2.0",
    "humanize==4.8.0",
    "jsonschema==4.19.2",
    "rich==13.7.0",
    "dataclasses_json>=0.6.4",
    "omegaconf>=2.3.0",
    "shutup>=0.2.0",
    "coolname>=2.2.0",
    "igraph>=0.11.3",
    "genson>=1.2.0",
    "backoff",
    "python-dotenv",
)
FEEDBACK_MODEL = "inspect-feedback"  # the name aideml's feedback calls use; the bridge maps it to the role
RUNNER_PATH = "/opt/mlebench-aideml/run.py"
TASK_FILE = "/opt/mlebench-aideml/task.md"
LOG_DIR = f"{LOGS_DIR}/aide"
STEPS_FILE = f"{LOG_DIR}/steps.jsonl"  # one JSON line per step, written by the runner
WORKSPACE_DIR = f"{CODE_DIR}/aide"
STORE_KEY = "mlebench:aideml"

_NOTES = """
ABOUT THIS RUN
------

- Hardware and time: as stated above. Your scripts run one at a time, each for at most {exec_timeout}; the whole
  run is stopped when the time budget is spent, and the best solution found by then is graded.
- Steps: at most {steps}.
- Submissions: each script writes its predictions for the test set to ./working/submission.csv. After every step
  the submission of the best solution so far is copied to the graded location; you do not copy it yourself.
- The data is in ./input (the same files as /home/data). `/home/validate_submission.sh PATH` checks a submission's
  format (never its score).

COMPETITION DESCRIPTION
------

"""


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g} hours" if seconds >= 3600 else f"{seconds} seconds"


def aideml_task_text(instructions: str, description: str, *, steps: int, exec_timeout_s: int) -> str:
    """AIDE's task file: the sample's instructions with the submission path AIDE's scripts use, notes on this run,
    then the competition's description (upstream's start.sh assembled the same three parts)."""
    body = instructions.replace(SUBMISSION_PATH, "./working/submission.csv")
    return body.rstrip() + "\n" + _NOTES.format(steps=steps, exec_timeout=_hours(exec_timeout_s)) + description


def aideml_arguments(
    *,
    steps: int,
    exec_timeout_s: int,
    max_debug_depth: int,
    debug_prob: float,
    num_drafts: int,
    k_fold_validation: int,
    code_temperature: float,
    feedback_temperature: float,
) -> list[str]:
    """aideml's `key=value` configuration (its config.yaml's keys)."""
    return [
        f"data_dir={DATA_DIR}",
        f"desc_file={TASK_FILE}",
        "exp_name=exp",
        f"log_dir={LOG_DIR}",
        f"workspace_dir={WORKSPACE_DIR}",
        "copy_data=False",
        "preprocess_data=True",
        "generate_report=False",
        f"exec.timeout={exec_timeout_s}",
        f"agent.steps={steps}",
        f"agent.k_fold_validation={k_fold_validation}",
        f"agent.code.model={BRIDGE_MODEL}",
        f"agent.code.temp={code_temperature}",
        f"agent.feedback.model={FEEDBACK_MODEL}",
        f"agent.feedback.temp={feedback_temperature}",
        f"agent.search.max_debug_depth={max_debug_depth}",
        f"agent.search.debug_prob={debug_prob}",
        f"agent.search.num_drafts={num_drafts}",
    ]


async def _steps() -> list[dict[str, Any]]:
    """The runner's per-step records ([] when it wrote none, e.g. stopped during its first step)."""
    result = await sandbox().exec(["cat", STEPS_FILE], timeout=60)
    if not result.success:
        return []
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@agent
def aideml(
    steps: int = 500,
    exec_timeout_s: int = 32400,
    max_debug_depth: int = 20,
    debug_prob: float = 1.0,
    num_drafts: int = 5,
    k_fold_validation: int = 5,
    code_temperature: float = 0.5,
    feedback_temperature: float = 0.5,
    feedback_role: str = "feedback",
    version: str = AIDEML_VERSION,
    stop_margin_s: float = 60.0,
    kill_grace_s: float = 30.0,
    python: str = "/opt/venv/bin/python",
) -> Agent:
    """The original AIDE (PyPI `aideml`), run in the agent container as upstream MLE-bench ran it.

    Args:
      steps: AIDE's step limit (upstream: 500).
      exec_timeout_s: Limit on one script's run (upstream: 9 hours).
      max_debug_depth: How deep AIDE debugs one branch (upstream: 20).
      debug_prob: Probability of debugging a buggy leaf (upstream: 1).
      num_drafts: Initial drafts (aideml's default, which upstream kept: 5).
      k_fold_validation: Folds AIDE asks its scripts to cross-validate with (aideml's default: 5).
      code_temperature: Temperature aideml requests for code (applied only where the bridge forwards it: not by
        default; the eval's generate config governs).
      feedback_temperature: The same for the feedback model.
      feedback_role: Model role answering AIDE's feedback calls (the eval's model when the role is not given).
      version: aideml version to install (this preset's runner is written against 0.2.2).
      stop_margin_s: Seconds before the sample's time limit at which AIDE is stopped.
      kill_grace_s: Seconds between SIGTERM and SIGKILL.
      python: The image's Python, into whose environment aideml is installed (its scripts need the ML stack).
    """
    require_bridge_clients()
    arguments = aideml_arguments(
        steps=int(steps),
        exec_timeout_s=int(exec_timeout_s),
        max_debug_depth=int(max_debug_depth),
        debug_prob=float(debug_prob),
        num_drafts=int(num_drafts),
        k_fold_validation=int(k_fold_validation),
        code_temperature=float(code_temperature),
        feedback_temperature=float(feedback_temperature),
    )
    runner = resources.files("inspect_mlebench.external").joinpath("aideml_run.py").read_text()
    pip = python.rsplit("/", 1)[0] + "/pip" if "/" in python else "pip"
    base = Scaffold(
        command=" ".join([python, RUNNER_PATH, *arguments]),
        installs=(PipInstall((f"aideml=={version}",), no_deps=True), PipInstall(AIDEML_RUNTIME)),
        pip=pip,
        cwd=CODE_DIR,
        env={"AIDEML_STEPS_FILE": STEPS_FILE},
        stop_margin_s=float(stop_margin_s),
        kill_grace_s=float(kill_grace_s),
    )

    async def execute(state: AgentState) -> AgentState:
        description = await sandbox().read_file(f"{DATA_DIR}/description.md")
        text = aideml_task_text(task_text(state), description, steps=int(steps), exec_timeout_s=int(exec_timeout_s))
        scaffold = dataclasses.replace(
            base,
            files={RUNNER_PATH: runner, TASK_FILE: text},
            model_aliases={FEEDBACK_MODEL: get_model(role=feedback_role)},
        )
        state, run = await run_scaffold(state, scaffold)
        store().set(STORE_KEY, {"steps": await _steps(), "exit_code": run.exit_code})
        state.messages.append(outcome_message(run))
        return state

    return execute
