"""Segmentation masks: Dice and IoU-threshold precision of pixel runs, pooled Dice and pixel F-beta of boolean
masks, and the Dice + 3-D Hausdorff score of uw-madison-gi-tract-image-segmentation."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

# --- Segmentation masks as pixel runs (hubmap-kidney-segmentation, tgs-salt-identification-challenge) ---
# Each item of y_true / y_pred is one image's mask as an (n, 2) integer array of sorted, disjoint, half-open
# [start, end) runs of flat pixel positions (`grading.rle.rle_runs` decodes an encoding to this), both sides in the
# same pixel order. Areas and overlaps are counted on the runs, so gigapixel slides are scored without drawing them.


def _run_area(runs: np.ndarray) -> int:
    return int((runs[:, 1] - runs[:, 0]).sum()) if len(runs) else 0


def _run_overlap(a: np.ndarray, b: np.ndarray) -> int:
    """Pixels set in both run lists: for each run of `b`, how much of `a` lies below its end minus below its start."""
    if not len(a) or not len(b):
        return 0
    lengths = a[:, 1] - a[:, 0]
    before = np.concatenate(([0], np.cumsum(lengths)))  # pixels of `a` before each of its runs

    def covered(x: np.ndarray) -> np.ndarray:  # pixels of `a` below position x
        k = np.searchsorted(a[:, 0], x, side="right") - 1
        inside = np.clip(x - a[np.maximum(k, 0), 0], 0, lengths[np.maximum(k, 0)])
        return np.where(k >= 0, before[np.maximum(k, 0)] + inside, 0)

    return int((covered(b[:, 1]) - covered(b[:, 0])).sum())


def dice(y_true: Any, y_pred: Any, *, both_empty: float = 1.0) -> float:
    """Mean over images of the Dice coefficient 2|T & P| / (|T| + |P|); `both_empty` where both masks are empty."""
    scores = []
    for truth, guess in zip(y_true, y_pred, strict=True):
        total = _run_area(truth) + _run_area(guess)
        scores.append(both_empty if total == 0 else 2 * _run_overlap(truth, guess) / total)
    return float(np.mean(scores))


IOU_THRESHOLDS = np.arange(0.5, 1.0, 0.05)  # 0.5, 0.55, ..., 0.95 (numpy's float steps, compared with ">")


def iou_threshold_precision(y_true: Any, y_pred: Any, *, pixels: int | None = None) -> float:
    """Mean over images of the share of IoU thresholds 0.5..0.95 that the predicted mask, taken as one object,
    passes (IoU strictly above the threshold). An empty truth scores 1 for an empty prediction and 0 otherwise.
    An empty prediction of a non-empty truth scores 0 as Kaggle defines the metric; given the images' `pixels`,
    it counts as the whole image instead (IoU = |T| / pixels), as upstream's two-bin histograms count it (a mask
    with no salt lands entirely in the 'salt' bin)."""
    scores = []
    for truth, guess in zip(y_true, y_pred, strict=True):
        area_true, area_pred = _run_area(truth), _run_area(guess)
        if area_true == 0:
            scores.append(1.0 if area_pred == 0 else 0.0)
            continue
        if area_pred == 0:
            iou = 0.0 if pixels is None else area_true / pixels
        else:
            shared = _run_overlap(truth, guess)
            iou = shared / (area_true + area_pred - shared)
        scores.append(float(np.mean(iou > IOU_THRESHOLDS)))
    return float(np.mean(scores))


# --- Segmentation masks: global Dice and pixel F-beta (contrails, vesuvius ink detection) ---
# Both take boolean masks (any shape; nonzero = set). `global_dice` pools every pixel of every mask before
# dividing: 2 |X & Y| / (|X| + |Y|), NaN when neither side sets a pixel. Masks may come as two arrays of one shape or
# as two equally long iterables of masks (decoded one at a time, so a large test set never sits in memory at once).
# `fbeta` is the binary F-beta (F1 unless `beta` is given) of the set pixels, (1 + b^2) TP / (b^2 |Y_true| +
# |Y_pred|), with scikit-learn's arithmetic and its zero_division default (0.0 when neither side sets a pixel).


def _mask_counts(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[int, int, int]:
    """(pixels set in both, set in the truth, set in the prediction) of two masks of one shape."""
    truth, pred = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    if truth.shape != pred.shape:
        raise ValueError(f"mask shapes differ: {truth.shape} vs {pred.shape}")
    return int(np.count_nonzero(truth & pred)), int(np.count_nonzero(truth)), int(np.count_nonzero(pred))


def global_dice(y_true: np.ndarray | Iterable[np.ndarray], y_pred: np.ndarray | Iterable[np.ndarray]) -> float:
    if isinstance(y_true, np.ndarray) and isinstance(y_pred, np.ndarray):
        both, truth, pred = _mask_counts(y_true, y_pred)
    else:
        both = truth = pred = 0
        for one_true, one_pred in zip(y_true, y_pred, strict=True):
            counts = _mask_counts(one_true, one_pred)
            both, truth, pred = both + counts[0], truth + counts[1], pred + counts[2]
    if truth + pred == 0:
        return float("nan")
    return float(np.float64(2 * both) / np.float64(truth + pred))


def fbeta(y_true: np.ndarray, y_pred: np.ndarray, *, beta: float = 1.0) -> float:
    both, truth, pred = _mask_counts(y_true, y_pred)
    beta2 = beta**2
    denominator = beta2 * np.float64(truth) + np.float64(pred)
    if denominator == 0:
        return 0.0
    return float((1 + beta2) * np.float64(both) / denominator)


# Segmentation score of uw-madison-gi-tract-image-segmentation: 0.4 * mean Dice of the 2-D masks (one per row, pairs
# where both masks are empty left out) + 0.6 * (1 - mean Hausdorff distance of the 3-D volumes). A volume is one
# case and day: the rows are grouped by their slice id ("case1_day2_slice_0003"; sorted, ties in row order), the
# masks of one slice are merged (OR), and the slices stacked in id order; the two sides' volumes pair up in order.
# The Hausdorff distance is symmetric, on voxel coordinates divided by the true volume's shape (a unit cube), over
# the cube's diagonal: NaN when both volumes are empty (left out of the mean), 0 when they are equal, 1 when just
# one is empty or the predicted volume has over ten times the true one's voxels.

UNIT_CUBE_DIAGONAL = float(np.sqrt(3))


def mask_dice(true_mask: np.ndarray, pred_mask: np.ndarray) -> float:
    """2 |A and B| / (|A| + |B|); NaN when both masks are empty. The masks must have one shape."""
    if true_mask.shape != pred_mask.shape:
        raise ValueError(f"mask shapes differ: {pred_mask.shape} predicted, {true_mask.shape} true")
    size = int(np.count_nonzero(pred_mask)) + int(np.count_nonzero(true_mask))
    if size == 0:
        return float("nan")
    return float(2 * int(np.count_nonzero(np.logical_and(pred_mask, true_mask))) / size)


def _farthest_gap(source: np.ndarray, target: np.ndarray, origin: np.ndarray, scale: np.ndarray) -> float:
    """max over the `source` points of the distance to the nearest `target` point (a directed Hausdorff distance),
    both given as voxel indices, distances measured on indices divided by `scale`. scipy's exact Euclidean distance
    transform finds each voxel's nearest target voxel; the farthest pair's distance is then computed from the two
    points' scaled coordinates, as a point-set computation does."""
    from scipy.ndimage import distance_transform_edt

    box = np.maximum(source.max(axis=0), target.max(axis=0)) - origin + 1
    grid = np.ones(tuple(int(v) for v in box), dtype=bool)
    grid[tuple((target - origin).T)] = False
    gaps, nearest = distance_transform_edt(grid, sampling=1.0 / scale, return_indices=True)
    local = source - origin
    far = int(np.argmax(gaps[tuple(local.T)]))
    a = source[far]
    b = nearest[(slice(None), *local[far])] + origin
    return float(np.sqrt(np.sum((a / scale - b / scale) ** 2)))


def unit_cube_hausdorff(true_volume: np.ndarray, pred_volume: np.ndarray) -> float:
    """Symmetric Hausdorff distance of two binary volumes in unit-cube coordinates, with the conventions above. The
    same value as scipy's `directed_hausdorff` both ways on the scaled voxel coordinates, found through a distance
    transform over the two volumes' bounding box: a point-set search takes minutes on a real scan, this a second."""
    n_true, n_pred = int(np.count_nonzero(true_volume)), int(np.count_nonzero(pred_volume))
    if n_true == 0 and n_pred == 0:
        return float("nan")
    if true_volume.shape == pred_volume.shape and np.array_equal(true_volume != 0, pred_volume != 0):
        return 0.0
    if n_true == 0 or n_pred == 0 or n_pred > 10 * n_true:
        return 1.0
    scale = np.asarray(true_volume.shape, dtype=float)
    true_points, pred_points = np.argwhere(true_volume), np.argwhere(pred_volume)
    origin = np.minimum(true_points.min(axis=0), pred_points.min(axis=0))
    forward = _farthest_gap(true_points, pred_points, origin, scale)
    backward = _farthest_gap(pred_points, true_points, origin, scale)
    return float(max(forward, backward) / UNIT_CUBE_DIAGONAL)


def slice_volumes(masks: Sequence[np.ndarray], slice_ids: Sequence[str]) -> Iterator[np.ndarray]:
    """The 3-D volumes of the masks grouped as above, in order (the first min(len) masks and ids are used). Ids must
    be text; masks merged or stacked together must have one shape (ValueError otherwise)."""
    count = min(len(masks), len(slice_ids))
    ids = [slice_ids[i] for i in range(count)]
    order = sorted(range(count), key=lambda i: ids[i])  # stable: rows of one slice id keep their order
    slices: dict[str, list[int]] = {}
    for i in order:
        slices.setdefault(ids[i], []).append(i)
    days: dict[str, list[str]] = {}
    for slice_id in slices:
        if not isinstance(slice_id, str):
            raise ValueError(f"slice ids must be text, got {slice_id!r}")
        days.setdefault(slice_id.split("_slice_")[0], []).append(slice_id)
    for day_slices in days.values():
        merged = []
        for slice_id in day_slices:
            members = [np.asarray(masks[i], dtype=bool) for i in slices[slice_id]]
            if len({m.shape for m in members}) > 1:
                raise ValueError(f"masks of slice {slice_id} have different shapes")
            merged.append(np.logical_or.reduce(members).astype(np.uint8))
        if len({m.shape for m in merged}) > 1:
            raise ValueError(f"slices of {day_slices[0].split('_slice_')[0]} have different shapes")
        yield np.stack(merged)


def dice_hausdorff(
    y_true: Sequence[np.ndarray],
    y_pred: Sequence[np.ndarray],
    *,
    true_ids: Sequence[str] | None = None,
    pred_ids: Sequence[str] | None = None,
) -> float:
    """`y_true`, `y_pred`: 2-D masks, paired by position for Dice; `true_ids`, `pred_ids`: each side's slice ids,
    grouping its own masks into volumes (default: every mask a one-slice volume of its own)."""
    count = min(len(y_true), len(y_pred))
    dice = [mask_dice(np.asarray(y_true[i]), np.asarray(y_pred[i])) for i in range(count)]
    own = [f"row{i:09d}_slice_0" for i in range(max(len(y_true), len(y_pred)))]
    true_volumes = slice_volumes(y_true, own if true_ids is None else true_ids)
    pred_volumes = slice_volumes(y_pred, own if pred_ids is None else pred_ids)
    distances = [unit_cube_hausdorff(t, p) for t, p in zip(true_volumes, pred_volumes, strict=False)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the mean of nothing (or only NaN) is NaN, as upstream
        mean_dice = np.nanmean(np.asarray(dice, dtype=float))
        mean_distance = np.nanmean(np.asarray(distances, dtype=float))
    return float(0.4 * mean_dice + 0.6 * (1 - mean_distance))
