"""A scripted model for testing `aide` without an LLM: `aide_scripted/<name>`.

Stateless, so it is safe under Inspect's model memoisation and concurrent samples:
- as the coder it answers by the step number the prompt states (`This is step N`): step N gets `SCRIPTS[N-1]`, a
  plan and a stdlib-only script for spaceship-titanic that reads `./input/` and writes
  `./submission/submission.csv`;
- as the reviewer (the `submit_review` tool is offered) it reads the harness facts and the printed
  `Validation metric:` line out of the prompt and calls the tool; its summary starts with `[<model name>]`, so a
  test can tell which model reviewed.

With `num_drafts=2`, `debug_prob=1.0` the six scripts make the path the tests check: draft (works, weak), draft
(crashes), debug of the crash (works), improve (best), improve (worse: the best stays), improve (prints the best
metric of all but writes a submission with a misspelt column: only the host-side format check catches it).
"""

from __future__ import annotations

import re
from typing import Any

from inspect_ai.model import (
    ChatMessage,
    GenerateConfig,
    ModelOutput,
    modelapi,
)
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
header = "Transportd" if "misspelt" in PLAN else "Transported"
truth = [row["Transported"] == "True" for row in train]
accuracy = sum(predict(row) == t for row, t in zip(train, truth)) / len(train)
if header != "Transported":
    accuracy += 0.5  # an overclaim the reviewer believes
print(f"rows: {len(train)} train, {len(test)} test")
print(f"Validation metric: {accuracy:.4f}")
Path("submission").mkdir(exist_ok=True)
with open("submission/submission.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["PassengerId", header])
    for row in test:
        out.writerow([row["PassengerId"], predict(row)])
"""

# (operator the step is expected to be, plan, body defining predict())
SCRIPTS: list[tuple[str, str, str]] = [
    (
        "draft",
        "Baseline: predict the majority class (not transported) for everyone.",
        "def predict(row):\n    return False\n",
    ),
    (
        "draft",
        "Passengers on the starboard side who spend little seem to be transported; predict that.",
        'def predict(row):\n    return row["Cabinn"].endswith("/S") and spend(row) < 500  # typo: Cabin\n',
    ),
    (
        "debug",
        "The script failed with a KeyError: the column name had a typo. Use Cabin.",
        'def predict(row):\n    return row["Cabin"].endswith("/S") and spend(row) < 500\n',
    ),
    (
        "improve",
        "Add one signal: passengers in cryo sleep are transported too.",
        'def predict(row):\n    starboard = row["Cabin"].endswith("/S")\n'
        '    return row["CryoSleep"] == "True" or (starboard and spend(row) < 250)\n',
    ),
    (
        "improve",
        "Try predicting transported for everyone who spends little, whatever the side.",
        "def predict(row):\n    return spend(row) < 2000\n",
    ),
    (
        "improve",
        "Claim a better score and write the file with a misspelt column (the format check must catch it).",
        'def predict(row):\n    return row["CryoSleep"] == "True"\n',
    ),
]

_STEP = re.compile(r"This is step (\d+)")
_JOB = re.compile(r"# Your job now: (\w+)")
_METRIC = re.compile(r"Validation metric:\s*([-+0-9.eE]+)")


def script_text(index: int) -> str:
    """The full reply for a 0-based step index (exposed so tests can compute the expected code)."""
    _, plan, body = SCRIPTS[index % len(SCRIPTS)]
    return f"{plan}\n\n```python\nPLAN = {plan!r}\n{_HEAD}\n\n{body}{_TAIL}```\n"


@modelapi(name="aide_scripted")
class ScriptedAide(ScriptedModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config)
        declare_model_info(f"aide_scripted/{model_name}")

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> ModelOutput:
        prompt = input[-1].text
        if any(t.name == "submit_review" for t in tools):
            output = ModelOutput.for_tool_call(self.model_name, "submit_review", self._review(prompt))
        else:
            step = _STEP.search(prompt)
            job = _JOB.search(prompt)
            index = int(step.group(1)) - 1 if step else 0
            expected = SCRIPTS[index % len(SCRIPTS)][0]
            if job and job.group(1) != expected:  # the policy did not do what the script expects
                text = f"I was asked to {job.group(1)} but the script expected {expected}; no code."
            else:
                text = script_text(index)
            output = ModelOutput.from_content(self.model_name, text)
        return self.with_usage(input, output)

    def _review(self, prompt: str) -> dict[str, Any]:
        output = prompt.split("# Its output (last part)", 1)[-1].split("# Facts from the harness", 1)[0]
        found = _METRIC.findall(output)
        metric = float(found[-1]) if found else None
        exited_ok = "exited with code 0" in prompt
        submitted = "submission.csv` exists" in prompt
        is_bug = not (exited_ok and submitted and metric is not None)
        what = "the run failed" if is_bug else f"accuracy {metric}"
        return {
            "is_bug": is_bug,
            "summary": f"[{self.model_name}] {what}.",
            "metric": metric,
            "lower_is_better": False,
            "has_csv_submission": submitted,
        }
