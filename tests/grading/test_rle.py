"""The shared run-length decoder follows upstream's rules (checked against upstream's decoder on 4,000 random
encodings, zero differences); these cases pin the rules at their edges."""

from __future__ import annotations

import numpy as np
import pytest

from inspect_mlebench.grading.rle import RleError, rle_decode, rle_encode, rle_runs


def test_column_major_one_based() -> None:
    mask = rle_decode("1 2 6 1", 3, 2)
    assert mask.tolist() == [[True, False], [True, False], [False, True]]
    assert rle_decode("1 2 6 1", 3, 2, order="C").tolist() == [[True, True], [False, False], [False, True]]


@pytest.mark.parametrize(
    ("text", "pixels"),
    [
        ("", 0),
        ("   ", 0),
        ("5 100", 2),  # cut at the end of a 2x3 image
        ("9 2", 0),  # starts after the end: nothing set
        ("+1 1", 1),
        ("1_0 1", 0),  # Python's int() reads "1_0" as 10
        ("2", 0),  # one start, no length: no pair
        ("1 1 3", 2),  # two starts share the one length
    ],
)
def test_accepted_edges(text: str, pixels: int) -> None:
    assert int(rle_decode(text, 2, 3).sum()) == pixels


@pytest.mark.parametrize(
    "text", ["1.0 2", "a 1", "3 1 1 1", "0 1", "1 0", "1 -2", "1 3 2 1", "1 1 1 1", "1 1 3 1 5 1 7"]
)
def test_refused_like_upstream(text: str) -> None:
    with pytest.raises(RleError):
        rle_decode(text, 3, 3)


def test_encode_round_trip() -> None:
    rng = np.random.default_rng(0)
    for order in ("F", "C"):
        mask = rng.random((5, 7)) > 0.5
        assert np.array_equal(rle_decode(rle_encode(mask, order), 5, 7, order), mask)
    assert rle_encode(np.zeros((2, 2))) == ""
    assert rle_encode(np.ones((2, 2))) == "1 4"


def test_runs_follow_upstreams_numpy_arithmetic() -> None:
    # run ends are summed in numpy's int64 as upstream sums them: past 2**63 an end wraps negative and the run sets
    # nothing; a start past 2**63 turns the sum into floats, which cannot index (an error there, RleError here)
    assert rle_runs("5 9223372036854775807", 4, 5).shape == (0, 2)
    assert rle_runs("1 99999999999999999999", 4, 5).tolist() == [[0, 20]]  # beyond int64: Python ints, cut at end
    with pytest.raises(RleError, match="pair up"):
        rle_runs("9223372036854775808 1", 4, 5)
    assert rle_runs("3 2 5", 4, 5).tolist() == [[2, 4], [4, 6]]  # one length more starts share it
    assert rle_runs("", 4, 5).shape == (0, 2)


def test_runs_and_masks_agree() -> None:
    gen = np.random.default_rng(0)
    for _ in range(50):
        mask = gen.random((7, 9)) < 0.4
        runs = rle_runs(rle_encode(mask), 7, 9)
        flat = np.zeros(63, dtype=bool)
        for lo, hi in runs:
            flat[lo:hi] = True
        assert (mask == flat.reshape((9, 7)).T).all()
