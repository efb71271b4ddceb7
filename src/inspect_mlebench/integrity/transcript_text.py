"""A sample's record as plain text for a judge model, cut into chunks that fit its context.

The record is the conversation (every message, each tool call with its arguments, each tool result) followed by
the code the agent saved. Chunking rule: blocks (one per message, one per saved file) are packed in order into
chunks of at most `chunk_chars` characters and never split while they fit; a block longer than a chunk is cut
into windows of `chunk_chars` characters that overlap by `overlap_chars`, so a command or quote cut at one window's
end is whole at the next window's start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from inspect_ai.model import ChatMessage, ChatMessageAssistant, ChatMessageTool

# Overlap between the windows of an over-long block: enough for a long shell command or a stack of log lines.
MAX_OVERLAP_CHARS = 2_000
MIN_CHUNK_CHARS = 1_000  # below this a chunk holds less than one ordinary tool result


def message_block(index: int, message: ChatMessage) -> str:
    """One message as text, headed by its index and role (the judge quotes from these)."""
    lines = [f"### message {index} ({message.role})"]
    if isinstance(message, ChatMessageTool):
        lines[0] = f"### message {index} (tool result of {message.function or 'a tool'})"
        if message.error is not None:
            lines.append(f"[tool error: {message.error.message}]")
    text = message.text
    if text:
        lines.append(text)
    if isinstance(message, ChatMessageAssistant):
        for call in message.tool_calls or []:
            lines.append(f"[tool call {call.function}]")
            lines.extend(_argument(name, value) for name, value in call.arguments.items())
    return "\n".join(lines)


def _argument(name: str, value: Any) -> str:
    """A tool-call argument as the agent wrote it: strings verbatim (a script keeps its lines), the rest as JSON."""
    if isinstance(value, str):
        return f"{name}:\n{value}" if "\n" in value else f"{name}: {value}"
    return f"{name}: {json.dumps(value, ensure_ascii=False)}"


def record_blocks(messages: Sequence[ChatMessage], code: Mapping[str, str]) -> list[str]:
    """The blocks of a record: every message, then every saved code file, in order."""
    blocks = [message_block(i, m) for i, m in enumerate(messages)]
    blocks.extend(f"### saved code file {path}\n{text}" for path, text in sorted(code.items()))
    return blocks


def _windows(block: str, size: int, overlap: int) -> list[str]:
    step = size - overlap
    return [block[start : start + size] for start in range(0, max(len(block) - overlap, 1), step)]


def chunk_blocks(blocks: Sequence[str], chunk_chars: int) -> list[str]:
    """Pack `blocks` into chunks of at most `chunk_chars` characters (see the module docstring for the rule)."""
    if chunk_chars < MIN_CHUNK_CHARS:
        raise ValueError(f"chunk_chars must be at least {MIN_CHUNK_CHARS} characters, got {chunk_chars}")
    overlap = min(MAX_OVERLAP_CHARS, chunk_chars // 10)
    separator = "\n\n"
    chunks: list[str] = []
    current = ""
    for block in blocks:
        if len(block) > chunk_chars:
            if current:
                chunks.append(current)
                current = ""
            chunks.extend(_windows(block, chunk_chars, overlap))
            continue
        joined = f"{current}{separator}{block}" if current else block
        if len(joined) > chunk_chars:
            chunks.append(current)
            joined = block
        current = joined
    if current:
        chunks.append(current)
    return chunks
