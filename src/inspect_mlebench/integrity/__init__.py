"""Integrity checks on MLE-bench logs: the agent's code kept with the log, deterministic rule checks over the
transcript and the code, and the validation calls (the only channel to the answers during a sample) counted."""

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
