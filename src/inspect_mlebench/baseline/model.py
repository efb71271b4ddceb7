"""`--model mlebench/baseline`: a scripted model that drives the real agent loop with real tool calls.

It needs no API key and no network, so it is the offline demo and the end-to-end test of task, sandbox, agent and
scorer. Each turn it reads the conversation so far and picks the next step: look at the data (and put the sample
submission in place as a first, safe version), write the training script (`train_script.py` of this package), run
it, validate the submission, submit. It only uses tools the agent offers (`bash` or `python`; `validate_submission`
if present, else the in-container validator script; `submit`),
and follows the submit protocol of `mle_react` (a refusal containing "refused" is answered with
`submit(confirm=true)`). Under `aide` it answers the coder with a plan and the same script as one code block, and
the reviewer with a `submit_review` call read off the run's output and the harness's facts.
"""

from __future__ import annotations

import re
import shlex
from importlib.resources import files
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageTool,
    GenerateConfig,
    ModelOutput,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from inspect_mlebench.baseline.scripted import ScriptedModelAPI, declare_model_info
from inspect_mlebench.sandbox.layout import CODE_DIR, DATA_DIR, SUBMISSION_PATH, VALIDATE_SCRIPT

SUBMISSION = SUBMISSION_PATH
SCRIPT_PATH = f"{CODE_DIR}/train.py"
MAX_STEPS = 12  # after this many turns it only answers in text (an agent without submit then ends the sample)


def training_script() -> str:
    return files("inspect_mlebench.baseline").joinpath("train_script.py").read_text(encoding="utf-8")


AIDE_RUN_ARGS = '["./input", "./submission/submission.csv"]'  # aide runs scripts in a node dir with these
_METRIC_LINE = re.compile(r"^Validation metric:\s*([-+0-9.eE]+)(.*)$", re.MULTILINE)


def aide_script() -> str:
    """The training script as a single-file AIDE solution: reads ./input, writes ./submission/submission.csv."""
    script = training_script()
    call = "\n    main()\n"
    if not script.endswith(call):
        raise RuntimeError("train_script.py must end with its main() call")
    return script[: -len(call)] + f"\n    main({AIDE_RUN_ARGS})\n"


def aide_reply() -> str:
    return (
        "Plan: fit a gradient-boosted model per target on the numeric and low-cardinality columns, check it on a "
        "20 % holdout, refit on all rows and write the test predictions; fall back to the sample submission when "
        f"the data is not a train/test table.\n\n```python\n{aide_script()}```\n"
    )


def aide_review(prompt: str) -> dict[str, Any]:
    """A `submit_review` call from what the reviewer prompt shows: the output's metric line and the harness's
    facts (exit code, time limit, submission file, format check)."""
    metrics = _METRIC_LINE.findall(prompt)
    metric = float(metrics[-1][0]) if metrics else None
    lower = bool(metrics) and "lower is better" in metrics[-1][1]
    exit_code = re.search(r"exited with code (-?\d+)", prompt)
    failed = (exit_code is None or exit_code.group(1) != "0") or "format check of that file FAILED" in prompt
    has_file = "submission.csv` exists after the run" in prompt
    return {
        "is_bug": failed or metric is None or not has_file,
        "summary": "Baseline review: "
        + (f"holdout metric {metric}" if metric is not None else "no validation metric printed")
        + ("; submission written." if has_file else "; no submission file."),
        "metric": metric,
        "lower_is_better": lower,
        "has_csv_submission": has_file,
    }


class BaselinePlan:
    """The fixed sequence of steps; which one comes next depends only on the conversation so far."""

    def __init__(self, tools: list[ToolInfo]) -> None:
        self.tools = {t.name: t for t in tools}

    def shell(self, command: str) -> tuple[str, dict[str, Any]] | None:
        if "bash" in self.tools:
            return "bash", {"command": command}
        if "python" in self.tools:
            code = f"import subprocess\nprint(subprocess.run({command!r}, shell=True, capture_output=True, text=True))"
            return "python", {"code": code}
        return None

    def steps(self) -> list[tuple[str, dict[str, Any]] | None]:
        explore = (
            f"ls -la {DATA_DIR}; head -c 2000 {DATA_DIR}/description.md; echo; "
            f'for f in {DATA_DIR}/*.csv; do echo "== $f ($(wc -l < "$f") lines)"; head -n 3 "$f" | cut -c1-300; done; '
            f"for f in {DATA_DIR}/sample_submission*.csv {DATA_DIR}/sampleSubmission*.csv; do "
            f'[ -f "$f" ] && mkdir -p $(dirname {SUBMISSION}) && cp "$f" {SUBMISSION} && echo "first version: $f" '
            "&& break; done; true"
        )
        write = (
            f"mkdir -p $(dirname {SCRIPT_PATH}) && cat > {SCRIPT_PATH} <<'MLEBENCH_BASELINE_EOF'\n"
            f"{training_script()}MLEBENCH_BASELINE_EOF\nwc -l {SCRIPT_PATH}"
        )
        run = f"cd $(dirname {SCRIPT_PATH}) && python {SCRIPT_PATH} {DATA_DIR} {SUBMISSION} 2>&1 | tail -n 40"
        if "validate_submission" in self.tools:
            validate: tuple[str, dict[str, Any]] | None = ("validate_submission", {})
        else:
            validate = self.shell(f"{VALIDATE_SCRIPT} {shlex.quote(SUBMISSION)}")
        return [self.shell(explore), self.shell(write), self.shell(run), validate]

    def submit(self, last_result: str | None) -> tuple[str, dict[str, Any]] | None:
        tool = self.tools.get("submit")
        if tool is None:
            return None
        args: dict[str, Any] = {}
        params = tool.parameters.properties
        if "answer" in params:
            args["answer"] = "Baseline submission written by the scripted model (mlebench/baseline)."
        if last_result is not None and "refused" in last_result.lower() and "confirm" in params:
            args["confirm"] = True
        return "submit", args


@modelapi(name="mlebench")
class BaselineModelAPI(ScriptedModelAPI):
    """Provider `mlebench`; the only model is `baseline`."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config)
        if model_name != "baseline":
            raise ValueError(f"unknown model 'mlebench/{model_name}': the only scripted model is 'mlebench/baseline'")
        if model_args:
            raise ValueError(f"mlebench/baseline takes no model args, got {sorted(model_args)}")
        declare_model_info("mlebench/baseline")

    def connection_key(self) -> str:
        return "mlebench/baseline"

    def max_connections(self) -> int:
        return 32

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        last_user = next((m.text for m in reversed(input) if m.role == "user"), "")
        if any(t.name == "submit_review" for t in tools):  # aide's reviewer role
            return self.with_usage(
                input, ModelOutput.for_tool_call(self.model_name, "submit_review", aide_review(last_user))
            )
        if not tools and "Validation metric:" in last_user and "```python" in last_user:  # aide's coder
            return self.with_usage(input, ModelOutput.from_content(self.model_name, aide_reply()))
        plan = BaselinePlan(tools)
        turns = sum(isinstance(m, ChatMessageAssistant) for m in input)
        last_tool = next((m for m in reversed(input) if isinstance(m, ChatMessageTool)), None)
        steps = plan.steps()
        step: tuple[str, dict[str, Any]] | None
        if turns < len(steps):
            step = steps[turns]
        elif turns < MAX_STEPS:
            step = plan.submit(last_tool.text if last_tool is not None else None)
        else:
            step = None
        if step is None:
            output = ModelOutput.from_content(self.model_name, "The baseline has nothing more to do.")
        else:
            name, args = step
            output = ModelOutput.for_tool_call(
                self.model_name, name, args, content=f"Baseline step {turns + 1}: {name}"
            )
        return self.with_usage(input, output)
