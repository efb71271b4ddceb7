"""The two checks built elsewhere (branch i19b), called by `inspect-mlebench integrity` through this interface:

- `inspect_mlebench.integrity.judge.judge_sample(sample: EvalSample, *, model: str, evidence: Evidence | None)`
  -> a list of `Finding` (or dicts of its fields), sync or async: an LLM judge over the transcript and code.
- `inspect_mlebench.integrity.plagiarism.compare(files: dict[str, str], *, kernels_dir: Path, competition_id: str,
  threshold: float | None)` -> a list of `Finding` (or dicts): the saved code (path -> text) against the reference
  kernels of that competition (`kernels_dir/<competition_id>/`), the most similar pairs at or over `threshold`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from inspect_ai.log import EvalSample

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.integrity.checks import Finding
from inspect_mlebench.integrity.evidence import Evidence


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


def _findings(result: Any) -> list[Finding]:
    return [item if isinstance(item, Finding) else Finding.model_validate(item) for item in result or []]


async def _call(entry: Callable[..., Any], *args: Any, **kwargs: Any) -> list[Finding]:
    result = entry(*args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return _findings(result)


def judge_entry() -> Callable[..., Any]:
    return _entry("judge", "judge_sample", "--judge-model")


def plagiarism_entry() -> Callable[..., Any]:
    return _entry("plagiarism", "compare", "--kernels")


async def judge(sample: EvalSample, model: str, evidence: Evidence | None) -> list[Finding]:
    return await _call(judge_entry(), sample, model=model, evidence=evidence)


async def plagiarism(
    sample: EvalSample, evidence: Evidence | None, kernels_dir: Path, threshold: float | None
) -> list[Finding]:
    files = {f.path: f.text for f in evidence.files} if evidence is not None else {}
    competition_id = str((sample.metadata or {}).get("competition_id") or sample.id)
    return await _call(
        plagiarism_entry(), files, kernels_dir=kernels_dir, competition_id=competition_id, threshold=threshold
    )
