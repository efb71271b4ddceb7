"""Submission checks shared by every grader: parse, columns, ids, numbers, probabilities.

Each failure raises `InvalidSubmissionError` with one line that names the column or a few of the offending ids, so
an agent (through the validator) and a person reading the log both see what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from inspect_mlebench import tables
from inspect_mlebench.grading.errors import InvalidSubmissionError

MAX_EXAMPLES = 3


def examples(values: Iterable[Any], limit: int = MAX_EXAMPLES) -> str:
    """A short, readable sample of offending values: `'a', 'b', 'c' (+12 more)`."""
    items = list(values)
    shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def read_submission(path: Path, *, dtype: Any = None) -> pd.DataFrame:
    """Read a submission CSV; any parse problem is an invalid submission, never an exception out of grading."""
    if not path.is_file():
        raise InvalidSubmissionError(f"no submission file at {path}")
    if path.suffix.lower() != ".csv":
        raise InvalidSubmissionError(f"submission must be a .csv file, got '{path.name}'")
    try:
        frame = tables.read_csv(path, dtype=dtype)
    except pd.errors.EmptyDataError as err:
        raise InvalidSubmissionError("submission file is empty") from err
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InvalidSubmissionError(f"submission is not a readable CSV: {first}") from err
    if frame.empty:
        raise InvalidSubmissionError("submission has a header but no rows")
    return frame


def require_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InvalidSubmissionError(
            f"submission is missing column(s) {examples(missing, 5)}; expected columns {examples(columns, 8)}"
        )


def require_exact_columns(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    """The expected columns and no others (in any order), for graders whose upstream rejects extra columns."""
    require_columns(frame, columns)
    extra = [c for c in frame.columns if c not in set(columns)]
    if extra:
        raise InvalidSubmissionError(f"unexpected column(s) {examples(extra)}; expected only {examples(columns, 8)}")


def align_by_id(
    submission: pd.DataFrame, answers: pd.DataFrame, id_column: str, *, answers_id_column: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The submission's rows reordered to match the answers' rows, after checking that it has exactly the answers'
    ids, once each. Upstream sorts both by id instead; pairing rows by id gives the same metric values, and hashing
    instead of sorting keeps million-row submissions cheap."""
    ans_id = answers_id_column or id_column
    require_columns(submission, [id_column])
    sub_ids = submission[id_column].astype(str)
    ans_idx = pd.Index(answers[ans_id].astype(str))  # answers come from our preparer: ids are unique
    answers = answers.reset_index(drop=True)
    if len(sub_ids) == len(ans_idx) and ans_idx.equals(pd.Index(sub_ids)):
        return submission.reset_index(drop=True), answers
    # where each submission row's id sits in the answers (-1: unknown), then counts per answer row
    where = ans_idx.get_indexer(pd.Index(sub_ids))
    counts = np.bincount(where[where >= 0], minlength=len(ans_idx))
    if (counts > 1).any():
        dupes = ans_idx[counts > 1]
        raise InvalidSubmissionError(f"column '{id_column}' has {len(dupes)} duplicated id(s): {examples(dupes)}")
    missing = ans_idx[counts == 0]
    extra = sub_ids[where < 0].unique()
    if len(missing) or len(extra):
        parts = []
        if len(missing):
            parts.append(f"{len(missing)} expected id(s) missing, e.g. {examples(missing)}")
        if len(extra):
            parts.append(f"{len(extra)} unknown id(s), e.g. {examples(extra)}")
        lead = (
            f"submission has {len(submission)} rows but the answers have {len(answers)}: "
            if len(submission) != len(answers)
            else f"ids in column '{id_column}' do not match the test set: "
        )
        raise InvalidSubmissionError(lead + "; ".join(parts))
    order = np.empty(len(where), dtype=np.int64)
    order[where] = np.arange(len(where))
    return submission.iloc[order].reset_index(drop=True), answers


def numeric_columns(frame: pd.DataFrame, columns: Sequence[str], *, allow_nan: bool = False) -> np.ndarray:
    """The columns as a float matrix; non-numbers, NaN and infinities are invalid unless allowed."""
    out = np.empty((len(frame), len(columns)), dtype=float)
    for j, col in enumerate(columns):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna() & frame[col].notna()
        if bad.any():
            raise InvalidSubmissionError(
                f"column '{col}' must be numeric; non-numeric values such as {examples(frame.loc[bad, col].unique())}"
            )
        arr = values.to_numpy(dtype=float)
        if not allow_nan and np.isnan(arr).any():
            raise InvalidSubmissionError(f"column '{col}' has {int(np.isnan(arr).sum())} missing/NaN value(s)")
        if np.isinf(arr).any():
            raise InvalidSubmissionError(f"column '{col}' has infinite value(s)")
        out[:, j] = arr
    return out


def integer_labels(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Numeric class labels as floats; a fractional label is invalid rather than silently wrong."""
    values = numeric_columns(frame, columns)
    fractional = values != np.round(values)
    if fractional.any():
        col = columns[int(np.argwhere(fractional)[0][1])]
        raise InvalidSubmissionError(
            f"column '{col}' must hold integer class labels; got {examples(np.unique(values[fractional]))}"
        )
    return values


def no_missing(frame: pd.DataFrame, columns: Sequence[str]) -> None:
    for col in columns:
        n = int(frame[col].isna().sum())
        if n:
            raise InvalidSubmissionError(f"column '{col}' has {n} empty value(s)")


def check_probabilities(
    values: np.ndarray, columns: Sequence[str], *, sum_to_one: bool, tolerance: float = 1e-6
) -> None:
    """Every value in [0, 1]; with `sum_to_one`, every row sums to 1 as upstream checks it."""
    outside = (values < 0) | (values > 1)
    if outside.any():
        col = columns[int(np.argwhere(outside)[0][1])]
        raise InvalidSubmissionError(f"probabilities must be in [0, 1]; column '{col}' has values outside")
    if sum_to_one:
        # upstream's rule is np.isclose(sum, 1, atol=1e-6): numpy's default rtol widens it to 1.1e-5
        sums = values.sum(axis=1)
        bad = np.flatnonzero(~np.isclose(sums, 1.0, atol=tolerance))
        if len(bad):
            raise InvalidSubmissionError(
                f"each row's probabilities must sum to 1; {len(bad)} row(s) do not, e.g. row "
                f"{int(bad[0])} sums to {sums[bad[0]]:.6g}"
            )
