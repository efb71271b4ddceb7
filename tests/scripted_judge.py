"""A scripted judge model for the integrity judge's tests: it reads the record it is shown, no LLM, no network.

For each question the judge is asked (found by its id in the prompt), it answers yes when the record part contains
one of that question's trigger strings, quoting the line that holds it, and no otherwise. It can also be told to
answer garbage first (the judge must retry once) or always (the judge must record "unparseable").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from inspect_ai.model import ChatMessage, GenerateConfig, ModelOutput, modelapi
from inspect_ai.tool import ToolChoice, ToolInfo

from inspect_mlebench.baseline.scripted import ScriptedModelAPI, declare_model_info

_QUESTION = re.compile(r"Question \(id: (\w+)\)")
_RECORD = re.compile(r"<record part=\d+ of=\d+>\n(.*)\n</record>", re.DOTALL)


@dataclass
class JudgeCalls:
    """What the judge was asked: (question id, record part) per call, in order."""

    asked: list[tuple[str, str]] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)


@modelapi(name="integrity_judge_scripted")
class ScriptedJudgeAPI(ScriptedModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        triggers: dict[str, list[str]] | None = None,
        garbage: str = "never",  # never | once | always
        calls: JudgeCalls | None = None,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config)
        declare_model_info(f"integrity_judge_scripted/{model_name}")
        self.triggers = triggers or {}
        self.garbage = garbage
        self.calls = calls if calls is not None else JudgeCalls()

    def _answer(self, question: str, record: str) -> str:
        for trigger in self.triggers.get(question, []):
            for line in record.splitlines():
                if trigger in line:
                    quote = line.strip()
                    return json.dumps({"answer": "yes", "evidence": quote, "reason": f"the record shows {trigger}"})
        return json.dumps({"answer": "no", "evidence": "", "reason": "nothing of the kind in this part"})

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        first = input[1].text
        question_match = _QUESTION.search(first)
        record_match = _RECORD.search(first)
        if question_match is None or record_match is None:
            raise AssertionError("the judge's prompt lost its question id or record markers")
        question, record = question_match.group(1), record_match.group(1)
        retry = len(input) > 2
        if not retry:
            self.calls.asked.append((question, record))
        if self.garbage == "always" or (self.garbage == "once" and not retry):
            reply = "I think the agent was mostly fine, hard to say."
        else:
            # a chatty reply around a fenced object, as real models often give
            reply = (
                f"Looking at this part.\n```json\n{self._answer(question_match.group(1), record_match.group(1))}\n```"
            )
        self.calls.replies.append(reply)
        output = ModelOutput.from_content(model=self.model_name, content=reply)
        return self.with_usage(input, output)
