"""The LLM judge and the plagiarism check as `inspect-mlebench integrity` runs them: their results turned into
findings next to the rule checks'. They live in `integrity.judge` (`judge_sample(sample, model)` -> JudgeResult)
and `integrity.plagiarism` (`compare_sample(sample, kernels_dir, threshold=)` -> PlagiarismResult); this module
only calls them and cites their evidence the same way as the rules do."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspect_ai.log import EvalSample
from inspect_ai.model import Model

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.integrity.checks import MAX_EXCERPT, Finding, Location

JUDGE_SEVERITY = "high"  # a "yes" to one of the judge's questions is a rule broken until a human says otherwise
PLAGIARISM_SEVERITY = "high"


class ExtensionUnavailableError(MLEBenchError, RuntimeError):
    """The judge or plagiarism module is not installed in this version; the message says which."""


def _entry(module: str, name: str, flag: str) -> Callable[..., Any]:
    try:
        loaded = importlib.import_module(f"inspect_mlebench.integrity.{module}")
    except ModuleNotFoundError as err:
        if err.name != f"inspect_mlebench.integrity.{module}":
            raise  # the module exists but one of its own imports is missing: show that
        raise ExtensionUnavailableError(
            f"{flag} is not available yet in this version (no integrity.{module})"
        ) from None
    entry: Callable[..., Any] | None = getattr(loaded, name, None)
    if not callable(entry):
        raise ExtensionUnavailableError(f"{flag} is not available yet: integrity.{module} has no {name}()")
    return entry


def judge_entry() -> Callable[..., Any]:
    return _entry("judge", "judge_sample", "--judge-model")


def plagiarism_entry() -> Callable[..., Any]:
    return _entry("plagiarism", "compare_sample", "--kernels")


async def judge(sample: EvalSample, model: str | Model) -> list[Finding]:
    """One finding per judge question answered yes (`judge:<question id>`), quoting the chunk's evidence; a question
    no chunk could answer readably is a low-severity `judge:<id>:unreadable`."""
    result = await judge_entry()(sample, model)
    findings = []
    for question in result.questions:
        if question.verdict == "no":
            continue
        yes = question.verdict == "yes"
        answer = next((a for a in question.answers if a.answer == question.verdict), None)
        chunk = f", chunk {answer.chunk} of {result.chunks}" if answer is not None else ""
        findings.append(
            Finding(
                rule=f"judge:{question.id}" + ("" if yes else ":unreadable"),
                severity=JUDGE_SEVERITY if yes else "low",
                sample_id=sample.id,
                epoch=sample.epoch,
                where=f"LLM judge {result.model}{chunk}",
                excerpt=(answer.evidence if answer is not None else "")[:MAX_EXCERPT],
                detail=(answer.reason if answer is not None and answer.reason else question.title),
                location=Location(kind="sample"),
            )
        )
    return findings


def plagiarism(sample: EvalSample, kernels_dir: Path, threshold: float) -> list[Finding]:
    """One finding per pair of the agent's file and a reference kernel at or over `threshold`."""
    result = plagiarism_entry()(sample, kernels_dir, threshold=threshold)
    findings = []
    for pair in result.flagged_pairs:
        first = pair.fragments[0].agent_lines[0] if pair.fragments else None
        findings.append(
            Finding(
                rule="plagiarism",
                severity=PLAGIARISM_SEVERITY,
                sample_id=sample.id,
                epoch=sample.epoch,
                where=f"{pair.agent_file}:{first}" if first is not None else pair.agent_file,
                excerpt=f"similarity {pair.similarity:.2f} with {pair.reference_file}",
                detail=f"longest shared fragment {pair.longest_fragment} k-grams",
                location=Location(kind="file", path=pair.agent_file, line=first),
            )
        )
    return findings
