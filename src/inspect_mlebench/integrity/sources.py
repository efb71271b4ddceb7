"""What the checks read, from a log's sample alone: the commands and code the agent sent through its tools (with
their outputs), AIDE's node scripts from its journal, and the code files saved as evidence."""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass
from typing import Any, Literal

from inspect_ai.log import EvalSample
from inspect_ai.model import ChatMessageAssistant, ChatMessageTool

from inspect_mlebench.integrity.evidence import Evidence, load_evidence
from inspect_mlebench.solvers.store_keys import AIDE_JOURNAL_KEY

Kind = Literal["tool_call", "aide_node", "file"]
Language = Literal["shell", "python", "text"]

SHELL_TOOLS = {"bash": "command", "job_start": "command"}
PYTHON_TOOLS = {"python": "code"}


@dataclass(frozen=True)
class Source:
    """One piece of text the agent produced, and where a finding in it points."""

    kind: Kind
    language: Language
    text: str
    function: str | None = None  # tool_call: the tool's name
    message_index: int | None = None  # tool_call: index of the assistant message in the sample's messages
    call_index: int | None = None  # tool_call: the n-th tool call of the sample (0-based)
    tool_call_id: str | None = None
    output: str = ""  # tool_call: what the tool answered
    path: str | None = None  # file: its path in the sandbox; aide_node: the node id

    def where(self, line: int | None = None) -> str:
        """`message 7, tool call #3 (bash), line 2`, `aide node-004, line 12` or `/home/code/train.py:12`."""
        if self.kind == "file":
            return f"{self.path}:{line}" if line is not None else str(self.path)
        if self.kind == "aide_node":
            place = f"aide {self.path}"
        else:
            place = f"message {self.message_index}, tool call #{self.call_index} ({self.function})"
        return f"{place}, line {line}" if line is not None else place


def _language_of(path: str) -> Language:
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in (".py", ".ipynb"):
        return "python"
    if suffix in (".sh", ".bash"):
        return "shell"
    return "text"


def _call_text(function: str, arguments: dict[str, Any]) -> tuple[Language, str]:
    if function in SHELL_TOOLS and isinstance(arguments.get(SHELL_TOOLS[function]), str):
        return "shell", arguments[SHELL_TOOLS[function]]
    if function in PYTHON_TOOLS and isinstance(arguments.get(PYTHON_TOOLS[function]), str):
        return "python", arguments[PYTHON_TOOLS[function]]
    if function == "text_editor" and isinstance(arguments.get("path"), str):
        body = "\n".join(str(arguments.get(k) or "") for k in ("file_text", "new_str", "insert_text"))
        return _language_of(arguments["path"]), f"{arguments.get('command', '')} {arguments['path']}\n{body}"
    return "text", json.dumps(arguments, sort_keys=True, default=str)


def tool_calls(sample: EvalSample) -> list[Source]:
    """Every tool call in the sample's conversation, in order, with the tool's answer."""
    answers = {m.tool_call_id: m.text for m in sample.messages if isinstance(m, ChatMessageTool) and m.tool_call_id}
    calls: list[Source] = []
    for index, message in enumerate(sample.messages):
        if not isinstance(message, ChatMessageAssistant):
            continue
        for call in message.tool_calls or []:
            language, text = _call_text(call.function, call.arguments)
            calls.append(
                Source(
                    kind="tool_call",
                    language=language,
                    text=text,
                    function=call.function,
                    message_index=index,
                    call_index=len(calls),
                    tool_call_id=call.id,
                    output=answers.get(call.id, ""),
                )
            )
    return calls


def aide_nodes(sample: EvalSample) -> list[Source]:
    journal = (sample.store or {}).get(AIDE_JOURNAL_KEY) or {}
    return [
        Source(kind="aide_node", language="python", text=str(node.get("code") or ""), path=str(node.get("id")))
        for node in journal.get("nodes") or []
        if node.get("code")
    ]


def files(evidence: Evidence | None) -> list[Source]:
    if evidence is None:
        return []
    return [Source(kind="file", language=_language_of(f.path), text=f.text, path=f.path) for f in evidence.files]


def sample_sources(sample: EvalSample) -> tuple[list[Source], Evidence | None]:
    """All sources of a sample, and its saved evidence (None for a log written before evidence was kept)."""
    evidence = load_evidence(sample.store)
    return tool_calls(sample) + aide_nodes(sample) + files(evidence), evidence
