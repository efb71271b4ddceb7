"""`inspect-mlebench report`: the numbers people publish, from one or many `.eval` logs.

A log's samples are read epoch by epoch (an epoch is one of upstream's seeds). Per sample the score's metadata holds
the grading report, so every figure here comes from the log alone. Per model and split the medal rates are
aggregated exactly as upstream's `aggregate_grading_reports.py` does: seed k is the k-th run of every competition,
only complete seeds count (how many were dropped is stated), a missing medal counts as none, the percentage per
seed is averaged over seeds with its standard error (ddof=1; 0 with one seed) and a 95% interval of 1.96 SEM.
Each seed is also written as upstream's `grading_report.json`, so upstream's own tools give the same numbers.
"""

from inspect_mlebench.reporting.rows import (
    RATE_KEYS,
    REPORT_FORMATS,
    TABLE_FORMATS,
    Collected,
    ReportError,
    SampleRow,
    collect,
    log_files,
)
from inspect_mlebench.reporting.summary import Rate, SplitSummary, summarize
from inspect_mlebench.reporting.write import write_report

__all__ = [
    "RATE_KEYS",
    "REPORT_FORMATS",
    "TABLE_FORMATS",
    "Collected",
    "Rate",
    "ReportError",
    "SampleRow",
    "SplitSummary",
    "collect",
    "log_files",
    "summarize",
    "write_report",
]
