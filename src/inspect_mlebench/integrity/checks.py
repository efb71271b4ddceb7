"""Run the rules over a log's samples: findings that cite their evidence, and the validation calls per sample."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from inspect_ai.log import EvalSample
from pydantic import BaseModel, Field

from inspect_mlebench.integrity.evidence import Evidence
from inspect_mlebench.integrity.feedback import ValidationCalls, count_validations
from inspect_mlebench.integrity.rules import FLOOD_RULE, FLOOD_THRESHOLD, RULES, WORK_DIRS, RuleContext, Severity
from inspect_mlebench.integrity.sources import Source, sample_sources

MAX_EXCERPT = 200


class Location(BaseModel):
    """Where the evidence is: a tool call in the transcript, an AIDE node's code, a saved file, or the sample."""

    kind: Literal["tool_call", "aide_node", "file", "sample"]
    message_index: int | None = None
    call_index: int | None = None
    tool_call_id: str | None = None
    function: str | None = None
    path: str | None = None  # file path, or the AIDE node id
    line: int | None = None


class Finding(BaseModel):
    rule: str
    severity: Severity
    sample_id: str | int
    epoch: int
    where: str  # the location in words, e.g. `message 7, tool call #3 (bash), line 2`
    excerpt: str  # the offending line (cut at MAX_EXCERPT characters)
    detail: str = ""
    location: Location


class SampleIntegrity(BaseModel):
    """One sample's result."""

    log: str
    sample_id: str | int
    epoch: int
    internet: bool
    findings: list[Finding] = Field(default_factory=list)
    validation: ValidationCalls = Field(default_factory=ValidationCalls)
    evidence_files: int | None = None  # None: the log holds no saved code (written before evidence was kept)
    evidence_left_out: int = 0
    evidence_errors: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)  # checks that could not run on this sample, and why

    @property
    def rule_names(self) -> list[str]:
        return sorted({f.rule for f in self.findings})


def _excerpt(text: str, offset: int) -> tuple[int, str]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    snippet = text[start : end if end >= 0 else len(text)].strip()
    if len(snippet) > MAX_EXCERPT:  # keep the hit itself in view
        around = max(0, offset - start - MAX_EXCERPT // 2)
        snippet = ("..." if around else "") + snippet[around : around + MAX_EXCERPT] + "..."
    return line, snippet


def _location(source: Source, line: int) -> Location:
    return Location(
        kind=source.kind,
        message_index=source.message_index,
        call_index=source.call_index,
        tool_call_id=source.tool_call_id,
        function=source.function,
        path=source.path,
        line=line,
    )


def _source_findings(sample: EvalSample, sources: Iterable[Source], ctx: RuleContext) -> Iterator[Finding]:
    for source in sources:
        if not source.text:
            continue
        for rule in RULES:
            seen: set[int] = set()
            for hit in rule.find(source, ctx):
                line, excerpt = _excerpt(source.text, hit.offset)
                if line in seen:  # one finding per rule and line
                    continue
                seen.add(line)
                yield Finding(
                    rule=rule.name,
                    severity=rule.severity,
                    sample_id=sample.id,
                    epoch=sample.epoch,
                    where=source.where(line),
                    excerpt=excerpt,
                    detail=hit.detail,
                    location=_location(source, line),
                )


def _allowed_dirs(evidence: Evidence | None) -> tuple[str, ...]:
    """The work directories, plus the code directories this sample actually used (tests point them elsewhere)."""
    roots = tuple(evidence.roots) if evidence is not None else ()
    return WORK_DIRS + tuple(r for r in roots if r not in WORK_DIRS)


def check_sample(sample: EvalSample, log: str = "") -> SampleIntegrity:
    """All rule findings and the validation calls of one sample, from the log alone."""
    sources, evidence = sample_sources(sample)
    internet = bool((sample.metadata or {}).get("internet", False))
    ctx = RuleContext(internet=internet, allowed_dirs=_allowed_dirs(evidence))
    result = SampleIntegrity(
        log=log,
        sample_id=sample.id,
        epoch=sample.epoch,
        internet=internet,
        findings=list(_source_findings(sample, sources, ctx)),
        validation=count_validations(sample, sources),
        evidence_files=len(evidence.files) if evidence is not None else None,
        evidence_left_out=len(evidence.left_out) if evidence is not None else 0,
        evidence_errors=list(evidence.errors) if evidence is not None else [],
    )
    if result.validation.agent_calls > FLOOD_THRESHOLD:
        first = result.validation.by_agent[0] if result.validation.by_agent else "the transcript"
        result.findings.append(
            Finding(
                rule=FLOOD_RULE.name,
                severity=FLOOD_RULE.severity,
                sample_id=sample.id,
                epoch=sample.epoch,
                where=f"{result.validation.agent_calls} calls, the first at {first}",
                excerpt="",
                detail=f"more than {FLOOD_THRESHOLD} validation calls",
                location=Location(kind="sample"),
            )
        )
    return result


def read_samples(path: Path) -> Iterator[EvalSample]:
    """The samples of one .eval/.json log, streamed (a log of many long samples is never held whole)."""
    from inspect_ai.log import read_eval_log_samples

    yield from read_eval_log_samples(str(path), all_samples_required=False)


def as_json(results: Iterable[SampleIntegrity], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    from inspect_mlebench.integrity.feedback import CHANNELS, STATEMENT

    rows = []
    for r in results:
        row = r.model_dump(exclude={"validation"})
        row["validation_calls"] = r.validation.summary()
        row["rules"] = r.rule_names
        rows.append(row)
    return {"feedback_channels": CHANNELS, "statement": STATEMENT, "samples": rows, **(extra or {})}
