"""A scripted model for agents outside Inspect (`bridge_scripted/<name>`): it answers their calls through the bridge.

Stateless (it reads what to do from the request), so Inspect's model memoisation cannot mix up two runs:
- the original AIDE (aideml): a draft prompt whose Memory holds no result yet gets a working baseline script, one
  with a result gets a crashing script (a misspelt column); a debug prompt gets the fix, an improve prompt a better
  rule; a `submit_review` call is answered from the `Validation metric:` line and any traceback in the output;
- `tiny_cli_agent.py`: the instructions get `RULE: cryo`, the validator's verdict gets `DONE`;
- Claude Code and Codex CLI (their shell tool is offered): one shell call that writes and validates a submission,
  then, once a tool result is in the conversation, `DONE`.
"""

from __future__ import annotations

import re
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageTool, GenerateConfig, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from inspect_mlebench.baseline.scripted import ScriptedModelAPI, declare_model_info

_HEAD = """\
import csv
from pathlib import Path


def load(name):
    with open(Path("input") / name, newline="") as f:
        return list(csv.DictReader(f))


train = load("train.csv")
test = load("test.csv")


def spend(row):
    return sum(float(row[c] or 0) for c in ("RoomService", "FoodCourt", "ShoppingMall", "Spa", "VRDeck"))
"""

_TAIL = """
truth = [row["Transported"] == "True" for row in train]
accuracy = sum(predict(row) == t for row, t in zip(train, truth)) / len(train)
print(f"rows: {len(train)} train, {len(test)} test")
print(f"Validation metric: {accuracy:.4f}")
Path("working").mkdir(exist_ok=True)
with open("working/submission.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["PassengerId", "Transported"])
    for row in test:
        out.writerow([row["PassengerId"], predict(row)])
"""

BASELINE = (
    "Baseline: predict the majority class (not transported) for everyone.",
    "def predict(row):\n    return False\n",
)
CRASHING = (
    "Passengers on the starboard side who spend little seem to be transported; predict that.",
    'def predict(row):\n    return row["Cabinn"].endswith("/S") and spend(row) < 500  # typo: Cabin\n',
)
FIXED = (
    "The script failed with a KeyError: the column name had a typo. Use Cabin.",
    'def predict(row):\n    return row["Cabin"].endswith("/S") and spend(row) < 500\n',
)
IMPROVED = (
    "Add one signal: passengers in cryo sleep are transported too.",
    'def predict(row):\n    starboard = row["Cabin"].endswith("/S")\n'
    '    return row["CryoSleep"] == "True" or (starboard and spend(row) < 250)\n',
)

# What a coding agent's one shell call runs: a rule-based submission, then the validator's verdict.
CODING_AGENT_SCRIPT = """\
echo "cwd=$(pwd) user=$(id -un)"
python3 - <<'PY'
import csv
with open('/home/data/test.csv', newline='') as f:
    rows = list(csv.DictReader(f))
with open('/home/submission/submission.csv', 'w', newline='') as f:
    out = csv.writer(f)
    out.writerow(['PassengerId', 'Transported'])
    for row in rows:
        out.writerow([row['PassengerId'], row['CryoSleep'] == 'True'])
PY
/home/validate_submission.sh /home/submission/submission.csv
"""
# shell tool name -> its arguments, for the names Claude Code and Codex CLI's versions use
_SHELL_CALLS: dict[str, dict[str, Any]] = {
    "Bash": {"command": CODING_AGENT_SCRIPT, "description": "Write and validate a submission"},
    "exec_command": {"cmd": CODING_AGENT_SCRIPT},
    "shell_command": {"command": CODING_AGENT_SCRIPT},
    "shell": {"command": ["bash", "-lc", CODING_AGENT_SCRIPT]},
}

_METRIC = re.compile(r"Validation metric:\s*([-+0-9.eE]+)")


def script_reply(plan: str, body: str) -> str:
    return f"{plan}\n\n```python\n{_HEAD}\n\n{body}{_TAIL}```\n"


@modelapi(name="bridge_scripted")
class ScriptedBridgeModel(ScriptedModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config)
        declare_model_info(f"bridge_scripted/{model_name}")

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        prompt = "\n".join(m.text for m in input)
        names = {t.name for t in tools}
        shell = next((name for name in _SHELL_CALLS if name in names), None)
        if "submit_review" in names:
            output = ModelOutput.for_tool_call(self.model_name, "submit_review", self._review(prompt))
        elif shell is not None:
            if any(isinstance(m, ChatMessageTool) for m in input):
                output = ModelOutput.from_content(self.model_name, "DONE")
            else:
                output = ModelOutput.for_tool_call(self.model_name, shell, _SHELL_CALLS[shell])
        else:
            output = ModelOutput.from_content(self.model_name, self._reply(prompt))
        return self.with_usage(input, output)

    def _reply(self, prompt: str) -> str:
        if "Previous (buggy) implementation" in prompt:
            return script_reply(*FIXED)
        if "Previous solution" in prompt:
            return script_reply(*IMPROVED)
        if "Solution sketch guideline" in prompt:
            return script_reply(*(CRASHING if "Results: [" in prompt else BASELINE))
        if "The validator said" in prompt:
            return "DONE"
        if "MLE-bench" in prompt:
            return "RULE: cryo"
        return "I have nothing scripted for this request."

    def _review(self, prompt: str) -> dict[str, Any]:
        output = prompt.split("Execution output", 1)[-1]
        found = _METRIC.findall(output)
        metric = float(found[-1]) if found else None
        is_bug = metric is None or "Traceback" in output
        return {
            "is_bug": is_bug,
            "summary": f"[{self.model_name}] " + ("the run failed" if is_bug else f"accuracy {metric}"),
            "metric": metric,
            "lower_is_better": False,
        }
