"""Upstream parity of uw-madison-gi-tract-image-segmentation and rsna-breast-cancer-detection at the edges that matter
for them, plus their metrics (Dice + Hausdorff of masks, probabilistic F1) on hand-computed data.

Every expected score below was measured on exactly these files (synthetic data of size 120, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a under pandas 2, read as its `grade_csv`
reads them, rounded to 5 decimals; any exception there means invalid, None here; NaN is a valid NaN score there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.grading import metrics
from inspect_mlebench.grading.rle import rle_decode, rle_encode
from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 120
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission

UW = "uw-madison-gi-tract-image-segmentation"
RSNA = "rsna-breast-cancer-detection"


def _masks(text: Callable[[str, int, int], str]) -> Mutation:
    """Every row's mask replaced by `text(gold mask, image height, image width)`."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        heights = answers["image_height"].astype(float).astype(int)
        widths = answers["image_width"].astype(float).astype(int)
        return gold.assign(
            predicted=[text(m, h, w) for m, h, w in zip(gold["predicted"], heights, widths, strict=True)]
        )

    return mutate


def _shifted(mask: str, height: int, width: int) -> str:
    """The gold mask moved one pixel down (wrapping)."""
    return rle_encode(np.roll(rle_decode(mask, height, width), 1, axis=0))


def _first_mask(value: str) -> Mutation:
    """The first non-empty gold mask replaced by `value`."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[(out["predicted"] != "").idxmax(), "predicted"] = value
        return out

    return mutate


def _cancer(values: Callable[[Frame], Any]) -> Mutation:
    return lambda gold, answers: gold.assign(cancer=values(gold))


def _first_cancer(value: str) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[0], "cancer"] = value
        return out

    return mutate


# (competition, case) -> (mutation, upstream's score, scored here only with a warning)
CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    # uw-madison: masks paired with the answers by position (answers' image sizes), scans grouped by the file's ids
    (UW, "gold"): (lambda gold, answers: gold, 1.0, False),
    (UW, "all_empty"): (lambda gold, answers: gold.assign(predicted=""), 0.0, False),
    (UW, "first_pixel"): (_masks(lambda m, h, w: "1 1"), 0.24351, False),
    (UW, "last_pixel"): (_masks(lambda m, h, w: f"{h * w} 1"), 0.28201, False),
    (UW, "run_past_the_end"): (_masks(lambda m, h, w: f"{h * w - 2} 10"), 0.29536, False),
    (UW, "start_past_the_end"): (_masks(lambda m, h, w: f"{h * w + 5} 3"), 0.0, False),
    (UW, "whole_image"): (_masks(lambda m, h, w: f"1 {h * w}"), 0.43684, False),
    (UW, "shifted_one_pixel"): (_masks(_shifted), 0.9293, False),
    (UW, "half_emptied"): (
        lambda gold, answers: gold.assign(predicted=[m if i % 2 else "" for i, m in enumerate(gold["predicted"])]),
        0.67666,
        False,
    ),
    (UW, "odd_token_count"): (_first_mask("1 2 5"), 0.96179, False),  # starts 1 and 5, both of length 2
    (UW, "unsorted_runs"): (_first_mask("10 2 1 2"), None, False),
    (UW, "overlapping_runs"): (_first_mask("1 5 3 2"), None, False),
    (UW, "zero_start"): (_first_mask("0 3"), None, False),
    (UW, "float_token"): (_first_mask("1.0 2"), None, False),
    (UW, "masks_as_numbers"): (lambda gold, answers: gold.assign(predicted="5"), None, False),
    (UW, "no_class_column"): (lambda gold, answers: gold.drop(columns="class"), None, False),
    (UW, "reversed_rows"): (lambda gold, answers: gold.iloc[::-1], 0.65904, True),
    (UW, "other_ids"): (lambda gold, answers: gold.assign(id=[f"bogus-{i}" for i in range(len(gold))]), 0.5908, True),
    (UW, "fewer_rows"): (lambda gold, answers: gold.iloc[:-4], 0.98088, True),
    # header only: upstream's grader averages no scans and returns NaN, a valid score (measured under pandas 2)
    (UW, "header_only"): (lambda gold, answers: gold.iloc[:0], float("nan"), True),
    (UW, "extra_row_bad_mask"): (
        lambda gold, answers: pd.concat([gold, gold.iloc[:1].assign(id="x_slice_1", predicted="9 1 1 1")]),
        1.0,
        True,
    ),
    (UW, "one_empty_id"): (lambda gold, answers: gold.assign(id=["", *gold["id"].iloc[1:]]), None, False),
    (UW, "numeric_ids"): (lambda gold, answers: gold.assign(id=[str(i) for i in range(len(gold))]), None, False),
    # rsna: both columns, as many rows as the answers, equal ids once sorted; predictions clipped to [0, 1]
    (RSNA, "gold"): (lambda gold, answers: gold, 1.0, False),
    (RSNA, "shuffled"): (lambda gold, answers: gold.sample(frac=1, random_state=1), 1.0, False),
    (RSNA, "all_half"): (_cancer(lambda g: 0.5), 0.25, False),
    (RSNA, "soft"): (_cancer(lambda g: [0.9 if v == "1" else 0.3 for v in g["cancer"]]), 0.52941, False),
    (RSNA, "all_zero"): (_cancer(lambda g: 0), 0.0, False),
    (RSNA, "over_one"): (_cancer(lambda g: g["cancer"].astype(float) * 5), 1.0, False),
    (RSNA, "all_negative"): (_cancer(lambda g: -1.0), None, False),  # 0 / 0 in Python integers upstream
    (RSNA, "one_minus_inf"): (_first_cancer("-inf"), 1.0, False),
    (RSNA, "booleans"): (_cancer(lambda g: g["cancer"] == "1"), 1.0, False),
    (RSNA, "one_empty"): (_first_cancer(""), 0.0, True),
    (RSNA, "one_text"): (_first_cancer("yes"), None, False),
    (RSNA, "missing_row"): (lambda gold, answers: gold.iloc[1:], None, False),
    (RSNA, "repeated_id"): (
        lambda gold, answers: gold.assign(prediction_id=[*gold["prediction_id"].iloc[:-1], gold["prediction_id"][0]]),
        None,
        False,
    ),
    (RSNA, "padded_ids"): (lambda gold, answers: gold.assign(prediction_id=" " + gold["prediction_id"]), None, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famS"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_probabilistic_f1_by_hand() -> None:
    # soft true positives 0.8 + 0.6, soft false positives 0.4 + 0.2: precision 0.7, recall 1.4 / 2 -> F1 0.7
    assert metrics.probabilistic_f1(np.array([1, 0, 1, 0]), np.array([0.8, 0.4, 0.6, 0.2])) == pytest.approx(0.7)
    # clipped to [0, 1]: 1 and 0; an empty prediction (NaN) makes it 0
    assert metrics.probabilistic_f1(np.array([1, 0]), np.array([7.0, -3.0])) == 1.0
    assert metrics.probabilistic_f1(np.array([1, 0]), np.array([np.nan, 0.0])) == 0.0
    with pytest.raises(ValueError, match="positive"):
        metrics.probabilistic_f1(np.array([0, 0]), np.array([0.5, 0.5]))


def test_hausdorff_conventions_by_hand() -> None:
    empty, one = np.zeros((1, 2, 2), np.uint8), np.zeros((1, 2, 2), np.uint8)
    one[0, 0, 0] = 1
    assert math.isnan(metrics.unit_cube_hausdorff(empty, empty))
    assert metrics.unit_cube_hausdorff(one, one) == 0.0
    assert metrics.unit_cube_hausdorff(one, empty) == metrics.unit_cube_hausdorff(empty, one) == 1.0
    big_true, big_pred = np.zeros((1, 4, 4), np.uint8), np.ones((1, 4, 4), np.uint8)
    big_true[0, 0, 0] = 1
    assert metrics.unit_cube_hausdorff(big_true, big_pred) == 1.0  # 16 voxels > 10 x 1
    # (0, 0, 0) vs (0, 1, 1) in a 1 x 2 x 2 volume: coordinates / shape -> distance sqrt(0.5), over sqrt(3)
    other = np.zeros((1, 2, 2), np.uint8)
    other[0, 1, 1] = 1
    assert metrics.unit_cube_hausdorff(one, other) == pytest.approx(math.sqrt(0.5) / math.sqrt(3))


def test_hausdorff_equals_scipys_point_set_search() -> None:
    from scipy.spatial.distance import directed_hausdorff

    gen = np.random.default_rng(0)
    for _ in range(200):
        true = (gen.random(tuple(gen.integers(1, 8, 3))) < 0.3).astype(np.uint8)
        pred = (gen.random(tuple(gen.integers(1, 8, 3))) < 0.3).astype(np.uint8)
        if not true.any() or not pred.any() or pred.sum() > 10 * true.sum():
            continue
        scale = np.asarray(true.shape, dtype=float)
        a, b = np.argwhere(true) / scale, np.argwhere(pred) / scale
        expected = max(directed_hausdorff(a, b)[0], directed_hausdorff(b, a)[0]) / math.sqrt(3)
        assert metrics.unit_cube_hausdorff(true, pred) == pytest.approx(expected, abs=1e-15)


def test_scans_group_by_sorted_slice_ids() -> None:
    # two rows of one slice are merged (OR); slices stack in id order, whatever the row order
    a, b = np.array([[1, 0], [0, 0]], bool), np.array([[0, 0], [0, 1]], bool)
    volumes = list(metrics.slice_volumes([b, a, b], ["c_d_slice_2", "c_d_slice_1", "c_d_slice_1"]))
    assert len(volumes) == 1
    assert volumes[0].tolist() == [[[1, 0], [0, 1]], [[0, 0], [0, 1]]]
    with pytest.raises(ValueError, match="text"):
        list(metrics.slice_volumes([a], [3]))  # type: ignore[list-item]
