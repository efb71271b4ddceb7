"""What every scripted (LLM-free) model of this project shares: offline token counting and usage on each output.

Inspect's default token counter downloads a tokenizer vocabulary, and outputs without usage make some code paths
fetch one too; a scripted model must run with no network, and compaction calibrates against reported input sizes.
"""

from __future__ import annotations

import json

from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelInfo, ModelOutput, ModelUsage, set_model_info

# What a scripted model reports as its context window: large enough that compaction never triggers on the short
# scripted conversations, and declared so Inspect does not warn that it cannot find one.
SCRIPTED_CONTEXT_WINDOW = 200_000


def estimate_tokens(text: str) -> int:
    """About four characters a token, at least one."""
    return max(1, len(text) // 4)


def declare_model_info(model: str) -> None:
    """Register `provider/model`'s context window with Inspect (it has no database entry for scripted models)."""
    set_model_info(
        model, ModelInfo(context_length=SCRIPTED_CONTEXT_WINDOW, output_tokens=8192, organization="inspect-mlebench")
    )


class ScriptedModelAPI(ModelAPI):
    """Base for scripted model providers: no key, no URL, local token estimates."""

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig | None = None,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config or GenerateConfig())

    async def count_text_tokens(self, text: str) -> int:
        return estimate_tokens(text)

    @staticmethod
    def with_usage(input: list[ChatMessage], output: ModelOutput) -> ModelOutput:
        """`output` with usage estimated from the whole input and the reply's text and tool arguments."""
        prompt_tokens = sum(estimate_tokens(m.text) for m in input)
        completion = output.message.text + json.dumps([c.arguments for c in output.message.tool_calls or []])
        output.usage = ModelUsage(
            input_tokens=prompt_tokens,
            output_tokens=estimate_tokens(completion),
            total_tokens=prompt_tokens + estimate_tokens(completion),
        )
        return output
