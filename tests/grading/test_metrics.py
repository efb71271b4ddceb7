"""Every metric in the library against values worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from inspect_mlebench.grading.metrics import METRICS, call_metric, get_metric

A = np.array


def _runs(*masks: list[list[int]]) -> np.ndarray:
    """Masks as pixel runs (one (n, 2) array of [start, end) runs per image), in an object array."""
    out = np.empty(len(masks), dtype=object)
    for i, runs in enumerate(masks):
        out[i] = np.array(runs, dtype=np.int64).reshape(-1, 2)
    return out


CASES = [
    # ROC AUC: 3 of the 4 positive/negative pairs are ordered correctly.
    ("roc_auc", A([0, 0, 1, 1]), A([0.1, 0.4, 0.35, 0.8]), 0.75),
    (
        "mean_column_roc_auc",
        A([[0, 0], [0, 0], [1, 1], [1, 1]]),
        A([[0.1, 0.1], [0.4, 0.2], [0.35, 0.7], [0.8, 0.9]]),
        0.875,
    ),
    # -(ln 0.8 + ln 0.7) / 2
    ("log_loss", A([1, 0]), A([0.8, 0.3]), (-math.log(0.8) - math.log(0.7)) / 2),
    # -(ln 0.7 + ln 0.5) / 2
    (
        "multiclass_log_loss",
        A([[1, 0, 0], [0, 1, 0]]),
        A([[0.7, 0.2, 0.1], [0.25, 0.5, 0.25]]),
        (-math.log(0.7) - math.log(0.5)) / 2,
    ),
    ("rmse", A([1.0, 2.0, 3.0]), A([1.0, 2.0, 5.0]), math.sqrt(4 / 3)),
    ("mae", A([1.0, 2.0, 3.0]), A([2.0, 2.0, 5.0]), 1.0),
    # column 1: errors [0, 2] -> sqrt(2); column 2: errors [1, 1] -> 1; mean of the two
    # row 1: 0.5 ln(0.5/0.25) + 0.5 ln(0.5/0.75); row 2: 1 * ln(1/1) + 0 -> 0; mean of the two
    (
        "kl_divergence",
        A([[0.5, 0.5], [1.0, 0.0]]),
        A([[0.25, 0.75], [1.0, 0.0]]),
        (0.5 * math.log(2) + 0.5 * math.log(2 / 3)) / 2,
    ),
    # unweighted: row 1 (-ln 0.8 - ln 0.6) / 2, row 2 (-ln 0.9 - ln 0.5) / 2; mean of the two rows
    (
        "weighted_multilabel_log_loss",
        A([[1, 0], [0, 1]]),
        A([[0.8, 0.4], [0.1, 0.5]]),
        (-math.log(0.8) - math.log(0.6) - math.log(0.9) - math.log(0.5)) / 4,
    ),
    ("mean_column_rmse", A([[1.0, 0.0], [2.0, 0.0]]), A([[1.0, 1.0], [4.0, -1.0]]), (math.sqrt(2) + 1) / 2),
    # column 1: log1p gives [0, 1] vs [0, 0] -> sqrt(1/2); column 2 exact -> 0; mean of the two
    ("rmsle_mean_columns", A([[0.0, 1.0], [math.e - 1, 2.0]]), A([[0.0, 1.0], [0.0, 2.0]]), math.sqrt(0.5) / 2),
    ("accuracy", A(["a", "b", "c", "d"]), A(["a", "b", "x", "d"]), 0.75),
    ("top1_error", A([3, 7, 7, 1]), A([3, 7, 2, 0]), 0.5),  # 2 of 4 wrong
    # observed disagreement 1 vs expected 2 (histograms [2,2] and [1,3]) -> 1 - 1/2
    ("quadratic_weighted_kappa", A([0, 0, 1, 1]), A([0, 1, 1, 1]), 0.5),
    ("micro_f1", A(["a", "b"]), A(["a", "c"]), 0.5),
    # class a: P=1 R=1/2, class b: P=1/2 R=1 -> both F1 = 2/3
    ("macro_f1", A(["a", "a", "b"]), A(["a", "b", "b"]), 2 / 3),
    # TP=1 FN=1 TN=2 FP=0 -> (1*2 - 0*1) / sqrt(1*2*2*3)
    ("mcc", A([1, 1, 0, 0]), A([1, 0, 0, 0]), 2 / math.sqrt(12)),
    # cov 5, var_x 2, var_y 38/3 (sums of squares)
    ("pearson", A([1.0, 2.0, 3.0]), A([2.0, 4.0, 7.0]), 5 / math.sqrt(2 * 38 / 3)),
    # {hello, world} vs {hello, there}: 1/3; {so, sad} vs {sad} (case ignored): 1/2
    ("word_jaccard", A(["Hello World", "so sad"], dtype=object), A(["hello there", "SAD"], dtype=object), 5 / 12),
    # rows (toxic, in group): overall 3.5/4 (one tie), subgroup 1, BPSN 1, BNSP 0.5 (a tie): 0.25 * 3.375
    ("bias_weighted_auc", A([[1, 1], [0, 1], [1, 0], [0, 0]]), A([0.4, 0.3, 0.8, 0.4]), 0.84375),
    # column 1: ranks [1,2,3] vs [1,3,2] -> 1 - 6*2/(3*8) = 0.5; column 2: reversed ranks -> -1; mean -0.25
    (
        "mean_column_spearman",
        A([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]]),
        A([[0.1, 9.0], [0.9, 5.0], [0.5, 1.0]]),
        -0.25,
    ),
    # one group (no `groups`): MAE (1 + 0 + 0 + 2) / 4
    ("mean_log_mae_by_group", A([1.0, 2.0, 3.0, 4.0]), A([2.0, 2.0, 3.0, 6.0]), math.log(0.75)),
    # notebook 1 (a b c) predicted (b a c): 1 inversion; notebook 2 (d e) right: 1 - 4 * 1 / (3*2 + 2*1) = 0.5
    ("kendall_tau_orders", A(["a b c", "d e"], dtype=object), A(["b a c", "d e"], dtype=object), 0.5),
    # label sequences (1 2 3) vs (1 3): 1 deletion; (4) vs (4 5 6): 2 insertions; 3 edits over 4 true labels
    ("normalized_levenshtein", A([[1, 2, 3], [4]], dtype=object), A([[1, 3], [4, 5, 6]], dtype=object), 0.75),
    # one true label, three predicted (one substitution, two insertions): 3 / 1, an error rate above 1
    ("normalized_levenshtein", A([[7]], dtype=object), A([[2, 3, 4]], dtype=object), 3.0),
    # kitten -> sitting 3 edits, same text 0: mean 1.5
    ("levenshtein_mean", A(["kitten", "abc"]), A(["sitting", "abc"]), 1.5),
    # rows (FVC, confidence): exact at sigma 70 (the clip, from 50); off by 500 at 100; off by 5000 (capped at 1000)
    # at 200: mean of -ln(70 sqrt2), -5 sqrt2 - ln(100 sqrt2), -5 sqrt2 - ln(200 sqrt2)
    (
        "laplace_log_likelihood",
        A([2000.0, 3000.0, 1000.0]),
        A([[2000.0, 50.0], [3500.0, 100.0], [6000.0, 200.0]]),
        (
            -math.log(70 * math.sqrt(2))
            - 5 * math.sqrt(2)
            - math.log(100 * math.sqrt(2))
            - 5 * math.sqrt(2)
            - math.log(200 * math.sqrt(2))
        )
        / 3,
    ),
    # AP@5 per row, rows as sets and lists: a at 1 (1/1), b at 3 (2/3) over 2 relevant -> 5/6; c at 2 (1/2), its
    # repeat not counted -> 1/2; nothing relevant -> 0; mean 4/9
    (
        "map_at_k",
        A([{"a", "b"}, {"c"}, set()], dtype=object),
        A([["a", "x", "b"], ["y", "c", "c"], ["a"]], dtype=object),
        4 / 9,
    ),
    # AP@5 per row: 'a' found 2nd -> 1/2; 'x' 1st -> 1; 'y' 6th (beyond k) -> 0; 'a' repeated counts once -> 1
    (
        "map_at_k",
        A(["a", "x", "y", "a"], dtype=object),
        A(["b a c", "x", "a b c d e y", "a a"], dtype=object),
        0.625,
    ),
    # vocabulary {1, 2, 3} ('4' ignored): TP 2 (1, 3), FP 1 (2 in row 2), FN 1 (2 in row 1) -> 2*2 / (2*2 + 1 + 1)
    ("multilabel_micro_f1", A(["1 2", "3"], dtype=object), A(["1 4", "3 2"], dtype=object), 2 / 3),
    # ROC (0,0) (0,.5) (.5,.5) (.5,1) (1,1), (0,.4) inserted: band [0,.4] area .4 * 2, band [.4,1] area
    # .5*.1 + .5*.6 = .35 * 1; normalised by .4*2 + .6*1
    ("tpr_weighted_auc", A([0, 0, 1, 1]), A([0.1, 0.4, 0.35, 0.8]), 1.15 / 1.4),
    # one word and its space taken out (4), equal (0), two letters added (2): 6 / 3
    (
        "levenshtein_mean",
        A(["the cat sat", "a b", "x"], dtype=object),
        A(["the sat", "a b", "xyz"], dtype=object),
        2.0,
    ),
    # answers {a, b}, {c}; predictions {a, x}, {c, d}: x never in the answers (ignored), d is; TP 2, predicted 3,
    # true 3 -> 2 * 2 / (3 + 3)
    ("multilabel_micro_f1", A(["a b", "c"], dtype=object), A(["a x", "c d a"], dtype=object), 4 / 6),
    # vocabulary {a, b, c}: row 1 {a, b} vs {a, zz} (zz ignored): TP 1, FN 1; row 2 {c} vs {b, c}: TP 1, FP 1;
    # row 3 {a} vs {} : FN 1 -> 2*2 / (2*2 + 1 + 2)
    (
        "multilabel_micro_f1",
        A(["a b", "c", "a"], dtype=object),
        A(["a zz", "b c", ""], dtype=object),
        4 / 7,
    ),
    # (azimuth, zenith): x axis vs y axis pi/2; +z vs -z pi; the same direction 0 -> mean pi/2
    (
        "mean_angular_error",
        A([[0.0, np.pi / 2], [0.0, 0.0], [1.0, 1.0]]),
        A([[np.pi / 2, np.pi / 2], [0.0, np.pi], [1.0, 1.0]]),
        np.pi / 2,
    ),
    # one trip: errors 0 and 1 degree of a meridian (d = R pi / 180 metres); P50 d/2, P95 0.95 d (linear
    # interpolation) -> 0.725 d
    (
        "haversine_p50_p95_by_trip",
        A([[10.0, 20.0], [10.0, 20.0]]),
        A([[10.0, 20.0], [11.0, 20.0]]),
        0.725 * 6_371_000.0 * np.pi / 180,
    ),
    # lwlrap: row 1's one label ranked 3rd of 3 -> 1/3 (weight 1); row 2's labels ranked 1st (1) and 3rd (2/3)
    # -> 5/6 (weight 2); row 3 has no label and is left out: (1/3 + 2 * 5/6) / 3
    (
        "lwlrap",
        A([[1, 0, 0], [0, 1, 1], [0, 0, 0]]),
        A([[0.1, 0.5, 0.2], [0.3, 0.2, 0.9], [0.5, 0.1, 0.2]]),
        2 / 3,
    ),
    # Dice per image: [0,4) vs [2,6): 2*2/8; both empty: 1; [0,2)+[5,7) vs [1,6): 2*2/9 -> mean of the three
    (
        "dice",
        _runs([[0, 4]], [], [[0, 2], [5, 7]]),
        _runs([[2, 6]], [], [[1, 6]]),
        (0.5 + 1 + 4 / 9) / 3,
    ),
    # IoU 8/10 passes 0.5..0.75 (6 of 10 thresholds; 0.8 is not above the 0.8 threshold); both empty 1; empty
    # truth with a prediction 0; empty prediction of a non-empty truth 0 (no pixel count given) -> 1.6 / 4
    (
        "iou_threshold_precision",
        _runs([[0, 10]], [], [], [[0, 10]]),
        _runs([[0, 8]], [], [[3, 4]], []),
        0.4,
    ),
    # two masks pooled: |X & Y| = 1 + 2, |X| = 2 + 2, |Y| = 1 + 3 -> 2 * 3 / 8
    ("global_dice", A([[1, 1, 0, 0], [0, 1, 1, 0]]), A([[1, 0, 0, 0], [1, 1, 1, 0]]), 0.75),
    # F1 by default: TP 2, FP 2, FN 1 -> 2 * 2 / (2 * 2 + 2 + 1)
    ("fbeta", A([1, 1, 1, 0, 0, 0]), A([1, 1, 0, 1, 1, 0]), 4 / 7),
    # classes negative, none, opacity (the answers'; 'typical' is only predicted). negative: pairs (0,0) (0,0) and
    # an unmatched truth (1,0): all tied, AP 1/3; none: the same, 1/3; opacity: 0.9 hits (IoU 1), 0.8 misses,
    # 0.7 has no truth, row 3 adds (0,0): the only positive ranks first, AP 1. Mean (1/3 + 1/3 + 1) / 3
    (
        "siim_covid_map",
        [[("opacity", 1.0, 0.0, 0.0, 10.0, 10.0)], [("none", 1.0, 0.0, 0.0, 1.0, 1.0)], [("negative", 1, 0, 0, 1, 1)]],
        [
            [("opacity", 0.8, 20.0, 20.0, 30.0, 30.0), ("opacity", 0.9, 0.0, 0.0, 10.0, 10.0)],
            [("opacity", 0.7, 0.0, 0.0, 10.0, 10.0)],
            [("typical", 1.0, 0.0, 0.0, 1.0, 1.0)],
        ],
        5 / 9,
    ),
    # soft true positives 0.8 + 0.6, soft false positives 0.4 + 0.2: precision 0.7, recall 1.4 / 2 -> F1 0.7
    ("probabilistic_f1", A([1, 0, 1, 0]), A([0.8, 0.4, 0.6, 0.2]), 0.7),
    # rows as one-slice scans: Dice 2/3 (1 of 1 vs 2 pixels), NaN (both empty, left out), 0 -> mean 1/3; Hausdorff
    # 0.5 / sqrt(3) (the extra pixel is half the width away), NaN, 1 (one empty) -> 0.4 / 3 + 0.6 * (1 - mean)
    (
        "dice_hausdorff",
        A([[[1, 0], [0, 0]], [[0, 0], [0, 0]], [[0, 0], [0, 1]]], dtype=bool),
        A([[[1, 1], [0, 0]], [[0, 0], [0, 0]], [[0, 0], [0, 0]]], dtype=bool),
        0.4 / 3 + 0.6 * (1 - (0.5 / math.sqrt(3) + 1) / 2),
    ),
    # kuzushiji: page 1 has boxes A (0..10) and B (20..25): "A 1 1" hits A, B is missed; page 2 has no answer, so
    # both of its points are false positives: TP 1, FP 2, FN 1 -> P 1/3, R 1/2, F1 = 2 (1/6) / (5/6) = 0.4
    (
        "kuzushiji_f1",
        A(["A 0 0 10 10 B 20 20 5 5", np.nan], dtype=object),
        A(["A 1 1", "B 3 3 C 4 4"], dtype=object),
        0.4,
    ),
    # one class (class 5 is not in the answers and is ignored, but takes annotation id 0 among the detections).
    # Upstream's helper numbers annotations from 0 and pycocotools records a match as the partner's id, so a match
    # with true box 0 (image a) counts as a false positive. b's two boxes are hit (0.9, 0.8), a's detection (0.7)
    # is that false positive: recall reaches 2/3 at precision 1 -> 67 of COCO's 101 recall points (0 to 0.66)
    (
        "coco_map_iou40",
        [("a", 0, 0.0, 0.0, 10.0, 10.0), ("b", 0, 0.0, 0.0, 10.0, 10.0), ("b", 0, 30.0, 30.0, 10.0, 10.0)],
        [
            ("a", 5, 0.95, 0.0, 0.0, 10.0, 10.0),
            ("b", 0, 0.9, 0.0, 0.0, 10.0, 10.0),
            ("b", 0, 0.8, 30.0, 30.0, 10.0, 10.0),
            ("a", 0, 0.7, 0.0, 0.0, 10.0, 10.0),
        ],
        67 / 101,
    ),
    # Lyft 3D mAP. Sample 1: answer cars A (x=0) and B (x=20), 2x4x2 m, yaw 0, and a pedestrian. Predicted: A
    # exactly (confidence 0.9; IoU 1), B shifted 0.5 m along its length (0.8; overlap 3.5 x 2 x 2 = 14, union
    # 32 - 14 = 18, IoU 7/9), an unknown class (ignored even with a NaN yaw). Car AP is 1 at thresholds 0.5-0.75
    # (two hits) and 0.5 at 0.8-0.95 (hit, then a miss: recall 1/2 at precision 1); the pedestrian's AP is 0, so the
    # sample's mAP is 0.5 six times and 0.25 four times. Sample 2: a bus, nothing predicted: 0 ten times.
    # (6 * 0.5 + 4 * 0.25 + 0) / 20 = 0.2
    (
        "lyft_3d_map",
        A(["1.0 0 0 0 2 4 2 0 car 1.0 20 0 0 2 4 2 0 car 1.0 40 0 0 1 1 2 0 pedestrian", "1.0 0 0 0 1 1 1 0 bus"]),
        A(["0.8 20.5 0 0 2 4 2 0 car 0.9 0 0 0 2 4 2 0 car 0.3 40 0 0 1 1 2 nan unicorn", ""]),
        0.2,
    ),
]


@pytest.mark.parametrize(("name", "y_true", "y_pred", "expected"), CASES, ids=[c[0] for c in CASES])
def test_metric_value(name: str, y_true: np.ndarray, y_pred: np.ndarray, expected: float) -> None:
    assert call_metric(name, y_true, y_pred) == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_every_metric_has_a_hand_computed_case() -> None:
    assert {c[0] for c in CASES} == set(METRICS)


@pytest.mark.parametrize("name", sorted(METRICS))
def test_perfect_predictions_reach_best(name: str) -> None:
    metric = get_metric(name)
    if name == "multiclass_log_loss":
        truth = A([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    elif name == "haversine_p50_p95_by_trip":
        truth = A([[37.4, -122.1], [10.0, 20.0], [-33.9, 151.2]])
    elif name == "mean_angular_error":
        # directions whose dot product with themselves rounds to exactly 1 (arccos near 1 turns a rounding error of
        # 1e-16 into an angle of 1e-8, as in upstream's formula; graded scores are rounded to 5 decimals)
        truth = A([[0.0, 0.0], [1.0, 0.0], [0.0, np.pi / 2]])
    elif name in ("mean_column_roc_auc", "rmsle_mean_columns", "lwlrap"):
        truth = A([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    elif name == "bias_weighted_auc":
        truth = A([[1, 1], [0, 1], [1, 0], [0, 0]])
        assert call_metric(name, truth, truth[:, 0].astype(float)) == pytest.approx(metric.best, abs=1e-9)
        return
    elif name in ("dice", "iou_threshold_precision"):
        truth = _runs([[0, 3], [7, 9]], [], [[5, 6]])
    elif name == "siim_covid_map":
        rows = [[("typical", 1, 0, 0, 1, 1)], [("opacity", 1.0, 2.0, 3.0, 40.0, 50.0)], [("none", 1, 0, 0, 1, 1)]]
        assert call_metric(name, rows, rows) == pytest.approx(metric.best)  # type: ignore[arg-type]
        return
    elif name == "dice_hausdorff":
        truth = A([[[1, 0], [0, 0]], [[0, 0], [0, 0]], [[0, 1], [1, 1]]], dtype=bool)
    elif name == "coco_map_iou40":
        # the first true box has a negative area (x_max < x_min), which COCO ignores, so upstream's id-0 quirk (see
        # the case above) cannot cost a perfect submission anything
        truth_boxes = [("a", 0, 9.0, 0.0, 8.0, 10.0), ("a", 0, 0.0, 0.0, 10.0, 10.0), ("b", 3, 5.0, 5.0, 20.0, 20.0)]
        detections = [(image, cls, 1.0, *box) for image, cls, *box in truth_boxes[1:]]
        assert call_metric(name, truth_boxes, detections) == pytest.approx(metric.best)  # type: ignore[arg-type]
        return
    elif name == "kendall_tau_orders":
        truth = A(["a b c", "d e", "f"], dtype=object)
    elif name == "normalized_levenshtein":
        truth = A([[1, 2], [3], [20, 1, 5]], dtype=object)
    elif name == "map_at_k":
        relevant = A([{"a", "b"}, {"c"}], dtype=object)
        assert call_metric(name, relevant, A([["b", "a"], ["c"]], dtype=object)) == pytest.approx(metric.best)
        return
    elif name == "kuzushiji_f1":
        boxes = A(["A 0 0 10 10 B 20 20 5 5", "C 3 4 2 2"], dtype=object)
        assert call_metric(name, boxes, A(["B 21 21 A 1 1", "C 4 5"], dtype=object)) == pytest.approx(metric.best)
        return
    elif name == "lyft_3d_map":
        truth = A(["1.0 5 1 -2 2 4.5 1.7 0.3 car 1.0 30 2 -2 0.8 0.8 1.8 -2 pedestrian", "1.0 0 0 0 3 12 3.4 1 bus"])
    elif name in ("word_jaccard", "levenshtein_mean", "multilabel_micro_f1"):
        truth = A(["a b", "C", "d e f"], dtype=object)
    elif metric.kind == "label":
        truth = A(["x", "y", "x", "z"])
    else:
        truth = A([0.0, 1.0, 1.0, 0.0, 1.0])
    assert call_metric(name, truth, truth.copy()) == pytest.approx(metric.best, abs=1e-9)


def test_unknown_metric_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="roc_auc"):
        get_metric("no_such_metric")


def test_probability_rows_use_upstreams_tolerance() -> None:
    from inspect_mlebench.grading.checks import check_probabilities
    from inspect_mlebench.grading.errors import InvalidSubmissionError

    cols = ["a", "b"]
    check_probabilities(A([[0.5, 0.5 + 5e-6]]), cols, sum_to_one=True)  # within atol 1e-6 + rtol 1e-5
    with pytest.raises(InvalidSubmissionError, match="sum to 1"):
        check_probabilities(A([[0.5, 0.5 + 5e-5]]), cols, sum_to_one=True)
    with pytest.raises(InvalidSubmissionError, match=r"in \[0, 1\]"):
        check_probabilities(A([[1.2, -0.2]]), cols, sum_to_one=True)


def test_row_sum_rule_is_upstreams_isclose() -> None:
    """One rule: |sum - 1| <= 1e-6 + 1e-5 (numpy's default rtol), evaluated as numpy does it."""
    from inspect_mlebench.grading.checks import rows_summing_to_one

    sums = np.array([1 + 1.1e-5, 1 - 1.1e-5, 1 + 1.1000001e-5, 1 - 1.11e-5, 1 + 1.5e-5])
    assert rows_summing_to_one(sums).tolist() == [True, True, False, False, False]


def test_exact_columns_rejects_missing_and_extra() -> None:
    import pandas as pd

    from inspect_mlebench.grading.checks import require_exact_columns
    from inspect_mlebench.grading.errors import InvalidSubmissionError

    require_exact_columns(pd.DataFrame(columns=["b", "id", "a"]), ["id", "a", "b"])
    with pytest.raises(InvalidSubmissionError, match="unexpected column"):
        require_exact_columns(pd.DataFrame(columns=["id", "a", "b", "c"]), ["id", "a", "b"])
    with pytest.raises(InvalidSubmissionError, match="missing column"):
        require_exact_columns(pd.DataFrame(columns=["id", "a"]), ["id", "a", "b"])
