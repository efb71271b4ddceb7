"""Run-length encoded masks, decoded with the rules upstream's shared decoder applies.

Kaggle's segmentation competitions submit masks as "start length start length ..." with 1-based starts. Upstream
decodes every one of them with one function whose rules decide validity, so ours follow them exactly:
- an empty or blank string is an empty mask;
- every token must parse with Python's `int()` (so "+3" and "1_000" parse, "1.0" does not);
- starts must be sorted (ties allowed), starts and lengths positive;
- starts and lengths pair up the way numpy broadcasting pairs them: equal counts, or one length for all starts, or
  one start taking the first length; any other mismatch is an error;
- a run that passes the end of the image is cut at the end, a run that starts after it sets nothing;
- run ends are summed in numpy's 64-bit integers as upstream sums them: near 2**63 a sum wraps (that run sets nothing,
  or stops short of the end as a negative slice bound would) or becomes a float, which is an error;
- two runs that set the same pixel are an error.
Pixels are numbered down the columns first (order "F", upstream's convention) or along the rows (order "C").
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from inspect_mlebench.errors import MLEBenchError

Order = Literal["F", "C"]


class RleError(MLEBenchError, ValueError):
    """An encoding upstream's decoder refuses; the message says which rule it broke."""


def rle_runs(text: str, height: int, width: int) -> np.ndarray:
    """The pixels an encoding sets as (n, 2) half-open [start, end) runs of 0-based flat positions, sorted and
    disjoint, cut at the image's end, by the same rules (and `RleError`s) as `rle_decode`. Masks of giant images
    (gigapixel slides) are scored from these without ever being drawn."""
    if not text.strip():
        return np.zeros((0, 2), dtype=np.int64)
    try:
        values = [int(token) for token in text.split()]
    except ValueError as error:
        raise RleError(f"not a whole number in the encoding: {error}") from None
    starts, lengths = values[0::2], values[1::2]
    if starts != sorted(starts):
        raise RleError("run starts are not sorted")
    if any(v <= 0 for v in starts) or any(v <= 0 for v in lengths):
        raise RleError("run starts and lengths must be positive")
    total = height * width
    try:
        # the run ends as upstream computes them, with numpy's integer arithmetic (past 2**63 a sum wraps, or turns
        # into a float that cannot index), and each run resolved as a Python slice of the flat image
        first = np.array(starts) - 1
        # numpy broadcasting pairs starts with lengths (equal counts, or one of either); one start with several
        # lengths broadcasts to several ends, of which zip keeps the first, as upstream's loop does
        ends = (first + lengths).tolist()
        bounds = [slice(lo, hi).indices(total)[:2] for lo, hi in zip(first.tolist(), ends, strict=False)]
    except (ValueError, TypeError, OverflowError) as error:
        raise RleError(
            f"{len(starts)} starts and {len(lengths)} lengths do not pair up as upstream needs: {error}"
        ) from None
    runs: list[tuple[int, int]] = []
    reach = 0
    for lo, hi in bounds:
        if lo >= hi:
            continue
        if lo < reach:
            raise RleError(f"runs overlap at pixel {lo + 1}")
        runs.append((lo, hi))
        reach = hi
    return np.array(runs, dtype=np.int64).reshape(-1, 2)


def rle_decode(text: str, height: int, width: int, order: Order = "F") -> np.ndarray:
    """The (height, width) boolean mask of an encoding; `RleError` (a ValueError) where upstream's decoder fails."""
    total = height * width
    flat = np.zeros(total + 1, dtype=np.int32)
    for lo, hi in rle_runs(text, height, width):
        flat[lo] += 1
        flat[hi] -= 1
    mask = np.cumsum(flat[:total]) > 0
    return mask.reshape((width, height)).T if order == "F" else mask.reshape((height, width))


def rle_encode(mask: np.ndarray, order: Order = "F") -> str:
    """The encoding of a 2-D mask (nonzero = set): 1-based starts and lengths, "" for an empty mask."""
    flat = np.asarray(mask).astype(bool).ravel(order=order)
    edges = np.flatnonzero(np.diff(np.concatenate(([False], flat, [False])).astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    return " ".join(f"{s + 1} {e - s}" for s, e in zip(starts, ends, strict=True))
