"""The LLM judge: asks any Inspect model, of every chunk of a sample's record, whether the agent broke a rule.

Each question (see `judge_questions`) is asked of each chunk on its own, so a record of N chunks costs
N x len(QUESTIONS) calls. A question's verdict is "yes" when any chunk answers yes (with that chunk's quoted
evidence), "unparseable" when no chunk says yes but some answer could not be read even after one retry (never
silently "no"), and "no" otherwise. Usable as a plain function (`judge_sample`, for the CLI) and as an Inspect
scorer (`integrity_judge`, for `inspect score LOG --scorer inspect_mlebench/integrity_judge`), which stores the
verdicts in the log's score metadata.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Mapping, Sequence
from typing import Literal

from inspect_ai.log import EvalSample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    GenerateConfig,
    Model,
    get_model,
)
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState
from pydantic import BaseModel, Field, ValidationError

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.integrity.judge_questions import (
    QUESTIONS,
    RETRY_PROMPT,
    SYSTEM_PROMPT,
    JudgeQuestion,
    question_prompt,
)
from inspect_mlebench.integrity.saved_code import saved_code_files
from inspect_mlebench.integrity.transcript_text import MIN_CHUNK_CHARS, chunk_blocks, record_blocks

DEFAULT_CHUNK_CHARS = 128_000  # upstream's detector cuts content at this many characters
SCORE_METADATA_KEY = "integrity_judge"

Answer = Literal["yes", "no", "unparseable"]


class JudgeInputError(MLEBenchError, ValueError):
    """The sample gives the judge nothing to read."""


class ChunkAnswer(BaseModel):
    """One chunk's answer to one question."""

    chunk: int  # 1-based
    answer: Answer
    evidence: str = ""
    reason: str = ""
    evidence_found: bool = False  # the quote occurs in the chunk (whitespace-insensitive); False flags a paraphrase
    raw: str | None = None  # the model's last reply, kept when it could not be read


class QuestionVerdict(BaseModel):
    id: str
    title: str
    verdict: Answer
    answers: list[ChunkAnswer] = Field(default_factory=list)

    @property
    def evidence(self) -> list[str]:
        """The quotes of the chunks that answered yes."""
        return [a.evidence for a in self.answers if a.answer == "yes" and a.evidence]


class JudgeResult(BaseModel):
    model: str
    chunk_chars: int
    chunks: int
    record_chars: int  # characters shown to the judge per question, overlaps included
    questions: list[QuestionVerdict]

    @property
    def flagged(self) -> bool:
        """Some question was answered yes in some chunk."""
        return any(q.verdict == "yes" for q in self.questions)

    @property
    def incomplete(self) -> bool:
        """Some question has no readable answer for some chunk and no yes elsewhere."""
        return any(q.verdict == "unparseable" for q in self.questions)

    def verdict(self, question_id: str) -> QuestionVerdict:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(f"no question {question_id!r} in this result")

    def summary(self) -> str:
        """One line per question: its verdict and, for a yes, the first quote."""
        lines = []
        for q in self.questions:
            line = f"{q.id}: {q.verdict}"
            if q.evidence:
                line += f" ({q.evidence[0][:200]!r})"
            lines.append(line)
        return "\n".join(lines)


class _Reply(BaseModel):
    answer: Literal["yes", "no"]
    evidence: str = ""
    reason: str = ""


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)


def parse_reply(text: str) -> _Reply:
    """The last JSON object in `text` that reads as an answer; ValueError saying why when there is none."""
    candidates: list[str] = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    problem = "no JSON object in the reply"
    for candidate in candidates:
        objects = []
        for start in (i for i, ch in enumerate(candidate) if ch == "{"):
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                objects.append(value)
        for value in reversed(objects):
            answer = value.get("answer")
            if isinstance(answer, str):
                value = {**value, "answer": answer.strip().lower()}
            try:
                return _Reply.model_validate(value)
            except ValidationError as e:
                problem = f"the JSON object is not an answer: {e.errors()[0]['msg']}"
    raise ValueError(problem)


def _squash(text: str) -> str:
    return " ".join(text.split())


async def _ask(model: Model, question: JudgeQuestion, chunk: str, part: int, parts: int) -> ChunkAnswer:
    """One question about one chunk; a reply that cannot be read is asked for again once."""
    messages: list[ChatMessage] = [
        ChatMessageSystem(content=SYSTEM_PROMPT),
        ChatMessageUser(content=question_prompt(question, chunk, part, parts)),
    ]
    config = GenerateConfig(temperature=0.0)
    reply = ""
    for attempt in range(2):
        output = await model.generate(messages, config=config)
        reply = output.completion
        try:
            parsed = parse_reply(reply)
        except ValueError as e:
            if attempt == 0:
                messages += [
                    ChatMessageAssistant(content=reply or "(empty reply)"),
                    ChatMessageUser(content=RETRY_PROMPT.format(problem=e)),
                ]
            continue
        evidence = parsed.evidence.strip()
        return ChunkAnswer(
            chunk=part,
            answer=parsed.answer,
            evidence=evidence,
            reason=parsed.reason.strip(),
            evidence_found=bool(evidence) and _squash(evidence) in _squash(chunk),
        )
    return ChunkAnswer(chunk=part, answer="unparseable", raw=reply)


def _verdict(answers: Sequence[ChunkAnswer]) -> Answer:
    if any(a.answer == "yes" for a in answers):
        return "yes"
    if any(a.answer == "unparseable" for a in answers):
        return "unparseable"
    return "no"


async def judge_record(
    messages: Sequence[ChatMessage],
    code: Mapping[str, str],
    model: str | Model,
    *,
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
    questions: Sequence[JudgeQuestion] = QUESTIONS,
) -> JudgeResult:
    """Judge a record given as messages and saved code (`judge_sample` and the scorer read these from a sample)."""
    if chunk_chars < MIN_CHUNK_CHARS:
        raise JudgeInputError(f"chunk_chars must be at least {MIN_CHUNK_CHARS} characters, got {chunk_chars}")
    judge = get_model(model) if isinstance(model, str) else model
    blocks = record_blocks(messages, code)
    chunks = chunk_blocks(blocks, chunk_chars)
    if not chunks:
        raise JudgeInputError("the sample has no messages and no saved code: there is nothing to judge")
    asks = [_ask(judge, q, chunk, i + 1, len(chunks)) for q in questions for i, chunk in enumerate(chunks)]
    answers = await asyncio.gather(*asks)
    verdicts = []
    for n, q in enumerate(questions):
        mine = list(answers[n * len(chunks) : (n + 1) * len(chunks)])
        verdicts.append(QuestionVerdict(id=q.id, title=q.title, verdict=_verdict(mine), answers=mine))
    return JudgeResult(
        model=str(judge),
        chunk_chars=chunk_chars,
        chunks=len(chunks),
        record_chars=sum(len(c) for c in chunks),
        questions=verdicts,
    )


async def judge_sample(
    sample: EvalSample,
    model: str | Model,
    *,
    chunk_chars: int = DEFAULT_CHUNK_CHARS,
) -> JudgeResult:
    """Judge one sample of a log: its messages, tool calls and results, and the code saved with it."""
    code = saved_code_files(sample.store, sample.scores)
    return await judge_record(sample.messages, code, model, chunk_chars=chunk_chars)


@scorer(metrics=[mean(), stderr()], name="integrity_judge")
def integrity_judge(model: str | Model | None = None, chunk_chars: int = DEFAULT_CHUNK_CHARS) -> Scorer:
    """Flag a sample whose record shows a rule broken (1 = flagged, 0 = clean; the mean is the flagged share).

    Args:
      model: The judge model (e.g. openai/gpt-4o); by default the model bound to the `grader` role, else the
        eval's model. With `inspect score`, pass `-S model=...`.
      chunk_chars: The most characters of record shown to the judge at once.
    """

    async def score(state: TaskState, target: Target) -> Score:
        judge_model = get_model(model) if model is not None else get_model(role="grader")
        code = saved_code_files(dict(state.store.items()), state.scores)
        result = await judge_record(state.messages, code, judge_model, chunk_chars=chunk_chars)
        answer = "flagged" if result.flagged else "incomplete" if result.incomplete else "clean"
        return Score(
            value=1.0 if result.flagged else 0.0,
            answer=answer,
            explanation=result.summary(),
            metadata={SCORE_METADATA_KEY: result.model_dump(mode="json")},
        )

    return score
