"""A scripted model for mle_react's tests: real tool calls through the real agent loop, no LLM.

The script is a list of steps; a step can repeat until its tool's answer contains some text (polling a job), so
the run follows what actually happens in the sandbox rather than a fixed number of turns. Every output carries
usage and token counting is local, so nothing is downloaded (compaction and Inspect's accounting both count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import anyio
from inspect_ai.model import (
    ChatMessage,
    ChatMessageTool,
    GenerateConfig,
    Model,
    ModelOutput,
    get_model,
    modelapi,
)
from inspect_ai.tool import ToolChoice, ToolInfo

from inspect_mlebench.baseline.scripted import ScriptedModelAPI, declare_model_info


@dataclass
class Step:
    tool: str
    args: dict[str, Any] = field(default_factory=dict)
    until: str | None = None  # repeat while the answer lacks this text
    max_repeats: int = 60
    delay_s: float = 0.0  # wait before each call (polling without a flood of turns)


@dataclass
class ScriptLog:
    """What the model saw: each step's tool answers, in order (tests assert on it)."""

    answers: list[tuple[str, str]] = field(default_factory=list)
    tool_names: list[str] = field(default_factory=list)


@modelapi(name="mle_react_scripted")
class ScriptedReactAPI(ScriptedModelAPI):
    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
        steps: list[Step] | None = None,
        log: ScriptLog | None = None,
    ) -> None:
        super().__init__(model_name, base_url, api_key, config)
        declare_model_info(f"mle_react_scripted/{model_name}")
        self.steps = list(steps or [])
        self.log = log if log is not None else ScriptLog()
        self.index = 0
        self.repeats = 0
        self.waiting = False

    async def generate(
        self,
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        self.log.tool_names = [t.name for t in tools]
        last_tool = next((m for m in reversed(input) if isinstance(m, ChatMessageTool)), None)
        if self.waiting and last_tool is not None:
            step = self.steps[self.index]
            self.log.answers.append((step.tool, last_tool.text))
            if step.until is not None and step.until not in last_tool.text and self.repeats < step.max_repeats:
                self.repeats += 1
            else:
                self.index += 1
                self.repeats = 0
            self.waiting = False
        if self.index >= len(self.steps):
            output = ModelOutput.from_content(model="scripted-react", content="I have nothing more to do.")
        else:
            step = self.steps[self.index]
            self.waiting = True
            if step.delay_s:
                await anyio.sleep(step.delay_s)
            output = ModelOutput.for_tool_call(model="scripted-react", tool_name=step.tool, tool_arguments=step.args)
        return self.with_usage(input, output)  # realistic input counts: compaction calibrates against them


def scripted_model(steps: list[Step], log: ScriptLog | None = None) -> Model:
    """A fresh model instance (memoize=False: each test gets its own script position)."""
    return get_model("mle_react_scripted/script", steps=steps, log=log, memoize=False)
