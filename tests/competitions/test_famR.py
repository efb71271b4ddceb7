"""Upstream parity of hubmap-kidney-segmentation and tgs-salt-identification-challenge at the edges that matter for
run-length masks (empty, full, runs touching the first or last pixel or passing the end, encodings upstream's decoder
refuses or reads by numpy's int64 arithmetic), plus the run-based scoring on hand-computed masks.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals; any exception there means invalid, None here), under pandas 2. (Under pandas 3 upstream's TGS
grader refuses everything: it calls DataFrame.applymap, which pandas 3 removed.)
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.rle import rle_decode, rle_encode
from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission

TGS = "tgs-salt-identification-challenge"
HUBMAP = "hubmap-kidney-segmentation"
TGS_PIXELS = 101 * 101


def _column(gold: Frame) -> str:
    return "rle_mask" if "rle_mask" in gold.columns else "predicted"


def _pixels(gold: Frame, answers: Frame) -> list[int]:
    """Each gold row's image size in pixels (TGS: always 101 x 101; HuBMAP: from the answers)."""
    if "height_pixels" not in answers.columns:
        return [TGS_PIXELS] * len(gold)
    sizes = answers.set_index("id")
    return [int(str(sizes.at[i, "height_pixels"])) * int(str(sizes.at[i, "width_pixels"])) for i in gold["id"]]


def _each(edit: Callable[[str, int], str], rows: slice = slice(None)) -> Mutation:
    """Every chosen row's encoding rewritten from (gold encoding, image pixels)."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out, column = gold.copy(), _column(gold)
        sizes = _pixels(gold, answers)
        picked = list(range(len(out)))[rows]
        out[column] = [edit(text, sizes[i]) if i in picked else text for i, text in enumerate(out[column])]
        return out

    return mutate


def _keep_share(share: float) -> Callable[[str, int], str]:
    """The first `share` of the gold mask's pixels (in pixel order)."""

    def edit(text: str, pixels: int) -> str:
        mask = rle_decode(text, pixels, 1)
        kept = np.flatnonzero(mask[:, 0])[: int(share * mask.sum())]
        out = np.zeros_like(mask)
        out[kept, 0] = True
        return rle_encode(out)

    return edit


def _set(value: str, rows: slice = slice(0, 1)) -> Mutation:
    return _each(lambda text, pixels: value, rows)


CASES: dict[tuple[str, str], float | None] = {
    (TGS, "gold"): 1.0,
    (TGS, "sample_one_pixel"): 0.0,
    (TGS, "all_empty_counts_as_whole_image"): 0.78,
    (TGS, "all_full"): 0.28,
    (TGS, "run_past_the_end"): 0.28,
    (TGS, "last_pixel"): 0.0,
    (TGS, "half_of_each_mask_iou_is_not_above_0_5"): 0.5,
    (TGS, "two_thirds_of_each_mask"): 0.7,
    (TGS, "shuffled"): 1.0,
    (TGS, "first_empty"): 1.0,
    (TGS, "int64_wrap_sets_nothing"): 1.0,
    (TGS, "start_past_2_63_invalid"): None,
    (TGS, "unsorted_invalid"): None,
    (TGS, "overlap_invalid"): None,
    (TGS, "float_token_invalid"): None,
    (TGS, "numbers_not_text_invalid"): None,
    (TGS, "extra_column_invalid"): None,
    (TGS, "duplicated_id_invalid"): None,
    (HUBMAP, "gold"): 1.0,
    (HUBMAP, "sample_empty"): 0.0,
    (HUBMAP, "all_full"): 0.30792,
    (HUBMAP, "run_past_the_end"): 0.30792,
    (HUBMAP, "first_pixel_added"): 0.99784,
    (HUBMAP, "last_pixel_added"): 0.99784,
    (HUBMAP, "half_of_each_mask"): 0.66614,
    (HUBMAP, "huge_length_cut_at_end"): 0.74528,
    (HUBMAP, "int64_wrap_sets_nothing"): 0.66667,
    (HUBMAP, "extra_column_ignored"): 1.0,
    (HUBMAP, "shuffled"): 1.0,
    (HUBMAP, "missing_predicted_invalid"): None,
    (HUBMAP, "unknown_id_invalid"): None,
    (HUBMAP, "overlap_invalid"): None,
    (HUBMAP, "three_with_two_lengths_invalid"): None,
    (HUBMAP, "numbers_not_text_invalid"): None,
}


def _first_pixel_added(text: str, pixels: int) -> str:
    return rle_encode(rle_decode(text, pixels, 1) | (np.arange(pixels) == 0)[:, None])


def _last_pixel_added(text: str, pixels: int) -> str:
    return rle_encode(rle_decode(text, pixels, 1) | (np.arange(pixels) == pixels - 1)[:, None])


MUTATIONS: dict[str, Mutation] = {
    "gold": lambda gold, answers: gold,
    "sample_one_pixel": _set("1 1", slice(None)),
    "sample_empty": _set("", slice(None)),
    "all_empty_counts_as_whole_image": _set("", slice(None)),
    "all_full": _each(lambda text, pixels: f"1 {pixels}"),
    "run_past_the_end": _each(lambda text, pixels: f"1 {pixels + 500}"),
    "last_pixel": _each(lambda text, pixels: f"{pixels} 1"),
    "first_pixel_added": _each(_first_pixel_added),
    "last_pixel_added": _each(_last_pixel_added),
    "half_of_each_mask_iou_is_not_above_0_5": _each(_keep_share(0.5)),
    "half_of_each_mask": _each(_keep_share(0.5)),
    "two_thirds_of_each_mask": _each(_keep_share(2 / 3)),
    "shuffled": lambda gold, answers: gold.sample(frac=1, random_state=3),
    "first_empty": _set(""),
    "huge_length_cut_at_end": _set("1 99999999999999999999"),
    "int64_wrap_sets_nothing": _set("5 9223372036854775807"),
    "start_past_2_63_invalid": _set("9223372036854775808 1"),
    "unsorted_invalid": _set("5 2 1 1"),
    "overlap_invalid": _set("1 5 3 2"),
    "float_token_invalid": _set("1.0 5"),
    "three_with_two_lengths_invalid": _set("1 2 3 4 5"),
    "numbers_not_text_invalid": _set("5", slice(None)),
    "extra_column_invalid": lambda gold, answers: gold.assign(extra="1"),
    "extra_column_ignored": lambda gold, answers: gold.assign(extra="1"),
    "duplicated_id_invalid": lambda gold, answers: gold.assign(id=[gold["id"].iloc[1], *gold["id"].iloc[1:]]),
    "missing_predicted_invalid": lambda gold, answers: gold[["id"]],
    "unknown_id_invalid": lambda gold, answers: gold.assign(id=["abcdef012", *gold["id"].iloc[1:]]),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famR"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    path = write_case(MUTATIONS[case], cid, case, data_dir, tmp_path)
    assert_grades_as_upstream(cid, path, data_dir, CASES[cid, case], lenient=False)


def test_tgs_scores_by_hand() -> None:
    from inspect_mlebench.competitions.tgs_salt_identification_challenge import grade

    answers = pd.DataFrame({"id": ["a1", "b2", "c3"], "rle_mask": ["1 100", float("nan"), "1 6000"]})
    # a1: 80 of 100 pixels, IoU 0.8 -> 6 of 10 thresholds; b2: empty and empty -> 1; c3: no prediction, counted as
    # the whole image: IoU 6000 / 10201 = 0.588 -> 2 of 10 (0.5, 0.55)
    submission = pd.DataFrame({"rle_mask": [float("nan"), "1 80", ""], "id": ["b2", "a1", "c3"]})
    assert grade(submission, answers) == pytest.approx((0.6 + 1 + 0.2) / 3)
    with pytest.raises(InvalidSubmissionError, match="'rle_mask'"):
        grade(submission.assign(rle_mask=["1 1", "3 1 1 1", ""]), answers)
    with pytest.raises(InvalidSubmissionError, match="'id'"):
        grade(submission.assign(id=["b2", "a1", "a1"]), answers)


def test_hubmap_scores_by_hand() -> None:
    from inspect_mlebench.competitions.hubmap_kidney_segmentation import grade

    # a 4 x 5 slide (pixels numbered down the columns) and a 3 x 3 one
    answers = pd.DataFrame(
        {"id": ["s1", "s2"], "encoding": ["1 4 9 2", "5 1"], "width_pixels": [5, 3], "height_pixels": [4, 3]}
    )
    # s1: truth {1..4, 9, 10}, prediction {3..10}: Dice 2*4/14; s2: prediction past the end {9}: Dice 0
    submission = pd.DataFrame({"id": ["s2", "s1"], "predicted": ["9 100", "3 8"]})
    assert grade(submission, answers) == pytest.approx((8 / 14 + 0) / 2)
    with pytest.raises(InvalidSubmissionError, match="'predicted'"):
        grade(submission.assign(predicted=["1 1", "0 2"]), answers)
