"""`inspect-mlebench integrity`: run the checks over logs and show the result (a rich table, or JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
from rich.console import Console
from rich.table import Table

from inspect_mlebench.integrity.checks import Finding, SampleIntegrity, as_json, check_sample, read_samples
from inspect_mlebench.integrity.feedback import STATEMENT
from inspect_mlebench.util import atomic_write


@dataclass(frozen=True)
class Options:
    judge_model: str | None = None
    kernels: Path | None = None
    threshold: float | None = None


async def _extra_checks(sample: Any, options: Options, result: SampleIntegrity) -> list[Finding]:
    from inspect_mlebench.integrity import extensions
    from inspect_mlebench.integrity.judge import JudgeInputError

    found: list[Finding] = []
    if options.judge_model:
        try:
            found += await extensions.judge(sample, options.judge_model)
        except JudgeInputError as err:  # e.g. a sample that ended before any message: nothing to judge
            result.notes.append(f"judge skipped: {err}")
    if options.kernels is not None and options.threshold is not None:
        found += extensions.plagiarism(sample, options.kernels, options.threshold)
    return found


def run_checks(paths: Sequence[Path], options: Options) -> list[SampleIntegrity]:
    """The rule checks, then (when asked) the judge and the plagiarism check, sample by sample."""
    from inspect_mlebench.integrity import extensions
    from inspect_mlebench.reporting import log_files

    if options.judge_model:
        extensions.judge_entry()  # fail before reading any log when the module is missing
    if options.kernels is not None:
        extensions.plagiarism_entry()
    results = []
    for file in log_files(paths):
        for sample in read_samples(file):
            result = check_sample(sample, file.name)
            if options.judge_model or options.kernels is not None:
                result.findings += anyio.run(_extra_checks, sample, options, result)
            results.append(result)
    return results


def write_json_atomic(payload: dict[str, Any], out: Path) -> None:
    """Write the JSON through a temp file moved into place, so no half-written file is ever left."""
    atomic_write(out, json.dumps(payload, indent=2, default=str) + "\n")


def render(results: Sequence[SampleIntegrity], console: Console) -> None:
    summary = Table(title="Integrity: per sample")
    for column in ("log", "sample", "epoch", "internet", "validation calls", "code files saved", "findings"):
        summary.add_column(column)
    for r in results:
        files = "not kept" if r.evidence_files is None else f"{r.evidence_files} (+{r.evidence_left_out} left out)"
        calls = f"{r.validation.agent_calls} agent, {r.validation.harness_checks} harness"
        summary.add_row(r.log, str(r.sample_id), str(r.epoch), str(r.internet), calls, files,
                        ", ".join(r.rule_names) or "none")  # fmt: skip
    console.print(summary)
    findings = [f for r in results for f in r.findings]
    if findings:
        table = Table(title="Findings")
        for column in ("rule", "severity", "sample", "epoch", "where", "excerpt"):
            table.add_column(column, overflow="fold")
        for f in findings:
            table.add_row(f.rule, f.severity, str(f.sample_id), str(f.epoch), f.where, f.excerpt or f.detail)
        console.print(table)
    console.print(STATEMENT)


def payload(results: Sequence[SampleIntegrity], options: Options) -> dict[str, Any]:
    return as_json(
        results,
        {
            "judge_model": options.judge_model,
            "kernels": str(options.kernels) if options.kernels else None,
            "threshold": options.threshold,
            "findings": sum(len(r.findings) for r in results),
        },
    )
