"""Integrity checks on MLE-bench logs: did the agent do the work within the rules? The agent's code kept with the
log (`evidence`), deterministic rule checks over the transcript and the code (`rules`, `checks`), the validation calls
(the only channel to the answers during a sample) counted (`feedback`), an LLM judge (`judge`) and a similarity check
against reference kernels (`plagiarism`)."""

from inspect_mlebench.integrity.checks import Finding, Location, SampleIntegrity, check_sample
from inspect_mlebench.integrity.evidence import EVIDENCE_KEY, Evidence, collect_evidence, keep_evidence, load_evidence
from inspect_mlebench.integrity.feedback import CHANNELS, STATEMENT, ValidationCalls
from inspect_mlebench.integrity.rules import ALL_RULES, RULES, Rule

__all__ = [
    "ALL_RULES",
    "CHANNELS",
    "EVIDENCE_KEY",
    "RULES",
    "STATEMENT",
    "Evidence",
    "Finding",
    "Location",
    "Rule",
    "SampleIntegrity",
    "ValidationCalls",
    "check_sample",
    "collect_evidence",
    "keep_evidence",
    "load_evidence",
]
