"""Lyft's 3D object detection mAP over IoU thresholds, reproducing the devkit's evaluation."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from inspect_mlebench.errors import MLEBenchError

# ---- Lyft 3D object detection (3d-object-detection-for-autonomous-vehicles) ----
# Per sample: boxes given as Kaggle's PredictionString ("confidence cx cy cz width length height yaw class", nine
# tokens a box); the sample's classes are those of its answer boxes; per class the COCO-style average precision of
# the 3D IoU matches (greedy by descending confidence, a box matches when its best IoU is strictly above the
# threshold and that answer box is still free), the sample's mAP the mean over its classes; the score is the mean
# over samples and the IoU thresholds 0.50, 0.55, ..., 0.95. Boxes are rotated about z by the yaw through a
# pyquaternion quaternion and their ground rectangles intersected with shapely, as the Lyft devkit's evaluation
# does, so what the devkit refuses (a NaN coordinate, a size not above 0, a rectangle that fails its right-angle
# check, an infinite yaw) is refused here, at the same places: a box is only built when its class is one of the
# sample's answer classes.

LYFT_IOU_THRESHOLDS = (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
LYFT_TOKENS_PER_BOX = 9


class LyftBoxError(MLEBenchError, ValueError):
    """A prediction string or box that the Lyft evaluation cannot use; `row` is its position in the input."""

    def __init__(self, row: int, message: str) -> None:
        super().__init__(message)
        self.row = row


@dataclass
class _LyftBoxes:
    """One sample's boxes of one class, in the order given."""

    scores: list[float]
    rows: list[list[float]]  # cx, cy, cz, width, length, height, yaw

    @property
    def values(self) -> np.ndarray:
        return np.array(self.rows, dtype=float).reshape(-1, 7)


def _lyft_parse(text: str, row: int) -> list[tuple[str, float, list[float]]]:
    """(class, confidence, [cx, cy, cz, w, l, h, yaw]) per box, numbers read by Python's float() as the devkit's
    callers read them (so '1_0', ' nan', 'inf' are numbers); a box count that is not whole is refused."""
    if text.strip() == "":
        return []
    tokens = text.split(" ")
    if len(tokens) % LYFT_TOKENS_PER_BOX:
        raise LyftBoxError(row, f"{len(tokens)} tokens, not {LYFT_TOKENS_PER_BOX} per box")
    boxes = []
    for start in range(0, len(tokens), LYFT_TOKENS_PER_BOX):
        part = tokens[start : start + LYFT_TOKENS_PER_BOX]
        try:
            numbers = [float(token) for token in part[:8]]
        except ValueError as err:
            raise LyftBoxError(row, f"box {start // LYFT_TOKENS_PER_BOX + 1}: {err}") from err
        boxes.append((part[8], numbers[0], numbers[1:]))
    return boxes


def _lyft_rotation(yaw: float, cache: dict[float, tuple[float, float]]) -> tuple[float, float]:
    """(cos, sin) entries of the rotation matrix of a finite yaw about z, as pyquaternion computes them (the
    quaternion from the axis and angle, then its matrix); NaN for a NaN yaw, which the caller refuses."""
    if yaw in cache:
        return cache[yaw]
    from pyquaternion import Quaternion

    elements = list(Quaternion(axis=[0, 0, 1], radians=yaw))
    if np.any(np.isnan(elements)):
        return (float("nan"), float("nan"))
    matrix = Quaternion(elements).rotation_matrix
    cache[yaw] = (matrix[0, 0], matrix[1, 0])
    return cache[yaw]


def _lyft_grouped(text: str, row: int) -> dict[str, _LyftBoxes]:
    grouped: dict[str, _LyftBoxes] = {}
    for name, score, values in _lyft_parse(text, row):
        if math.isinf(values[6]):  # the yaw's quaternion (math.cos of half of it) fails, whatever the box's class
            raise LyftBoxError(row, f"yaw {values[6]!r} has no rotation (math domain error)")
        group = grouped.setdefault(name, _LyftBoxes([], []))
        group.scores.append(score)
        group.rows.append(values)
    return grouped


def _lyft_polygons(boxes: np.ndarray, cache: dict[float, tuple[float, float]], row: int) -> Any:
    """Each box checked as the devkit checks it, then its ground rectangle as a shapely polygon."""
    import shapely

    center, size, yaw = boxes[:, :3], boxes[:, 3:6], boxes[:, 6]
    if np.isnan(center).any():
        raise LyftBoxError(row, "a box centre is NaN")
    if np.isnan(size).any():
        raise LyftBoxError(row, "a box size is NaN")
    rotation = np.array([_lyft_rotation(float(y), cache) for y in yaw], dtype=float).reshape(-1, 2)
    if np.isnan(rotation).any():
        raise LyftBoxError(row, "a box yaw is NaN")
    if not (size > 0).all():
        raise LyftBoxError(row, "a box size is not above 0")
    cos, sin = rotation[:, 0], rotation[:, 1]
    cx, cy = center[:, 0], center[:, 1]
    half_w, half_l = size[:, 0] / 2, size[:, 1] / 2
    with np.errstate(all="ignore"):
        xs = np.stack(
            [
                cx + half_l * cos + half_w * sin,
                cx + half_l * cos - half_w * sin,
                cx - half_l * cos - half_w * sin,
                cx - half_l * cos + half_w * sin,
            ],
            axis=1,
        )
        ys = np.stack(
            [
                cy + half_l * sin - half_w * cos,
                cy + half_l * sin + half_w * cos,
                cy - half_l * sin + half_w * cos,
                cy - half_l * sin - half_w * cos,
            ],
            axis=1,
        )
        # the right angles at each corner: (corner, one neighbour, the other), dot products close to 0
        for a, b, c in ((0, 1, 3), (1, 0, 2), (2, 1, 3), (3, 0, 2)):
            dot = (xs[:, b] - xs[:, a]) * (xs[:, c] - xs[:, a]) + (ys[:, b] - ys[:, a]) * (ys[:, c] - ys[:, a])
            if not (np.abs(dot) <= 1e-08).all():  # np.isclose(dot, 0) with numpy's default atol, written out
                raise LyftBoxError(row, "a box's ground rectangle fails the right-angle check (extreme values)")
    ring = np.stack([np.concatenate([xs, xs[:, :1]], axis=1), np.concatenate([ys, ys[:, :1]], axis=1)], axis=2)
    return shapely.polygons(ring)


def _lyft_ious(pred: np.ndarray, pred_poly: Any, gt: np.ndarray, gt_poly: Any) -> np.ndarray:
    """(predictions, answers) matrix of 3D IoUs: shared height times shared ground area over the union volume."""
    import shapely

    with np.errstate(all="ignore"):  # extreme boxes overflow; the values follow as in the devkit
        area = shapely.area(shapely.intersection(pred_poly[:, None], gt_poly[None, :]))
        p_min = (pred[:, 2] - pred[:, 5] / 2)[:, None]
        p_max = (pred[:, 2] + pred[:, 5] / 2)[:, None]
        g_min = (gt[:, 2] - gt[:, 5] / 2)[None, :]
        g_max = (gt[:, 2] + gt[:, 5] / 2)[None, :]
        p_volume = np.prod(pred[:, 3:6], axis=1)[:, None]
        g_volume = np.prod(gt[:, 3:6], axis=1)[None, :]
        # Python's max/min of (answer, prediction): the answer's value unless the prediction's is strictly beyond
        low = np.where(p_min > g_min, p_min, g_min)
        high = np.where(p_max < g_max, p_max, g_max)
        span = high - low
        shared = np.where(span > 0, span, 0.0) * area
        ratio: np.ndarray = np.clip(shared / (p_volume + g_volume - shared), 0, 1)
    return ratio


def _lyft_average_precisions(matched_first: np.ndarray, above: np.ndarray, n_answers: int) -> float:
    """Average precision of predictions in descending confidence order; `above[i]`: prediction i's best IoU is
    above the threshold, `matched_first[i]`: it is the first such prediction for its best answer box."""
    tp = np.cumsum((above & matched_first).astype(float))
    fp = np.cumsum((~(above & matched_first)).astype(float))
    recalls = tp / float(n_answers)
    precisions = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    recalls = np.concatenate(([0.0], recalls, [1.0]))
    precisions = np.concatenate(([0.0], precisions, [0.0]))
    precisions = np.maximum.accumulate(precisions[::-1])[::-1]
    steps = np.where(recalls[1:] != recalls[:-1])[0]
    return float(np.sum((recalls[steps + 1] - recalls[steps]) * precisions[steps + 1]))


def _lyft_sample(
    answers: dict[str, _LyftBoxes],
    predictions: dict[str, _LyftBoxes],
    cache: dict[float, tuple[float, float]],
    row: int,
) -> list[Any]:
    """The sample's mAP at each threshold (NaN when the answers have no box)."""
    classes = sorted(answers)
    per_class = np.zeros((len(LYFT_IOU_THRESHOLDS), len(classes)))
    scored = [c for c, name in enumerate(classes) if name in predictions]
    if not scored:
        return [np.mean(per_class[t]) if len(classes) else np.float64("nan") for t in range(len(LYFT_IOU_THRESHOLDS))]
    gts, preds = [], []
    for c in scored:
        pred = predictions[classes[c]]
        # descending confidence with Python's stable sort, as the devkit orders them
        order = sorted(range(len(pred.scores)), key=lambda i: pred.scores[i], reverse=True)
        gts.append(answers[classes[c]].values)
        preds.append(pred.values[order])
    # every box the devkit builds for this sample, checked and turned into polygons at once, then taken per class
    gt_polys = _lyft_polygons(np.concatenate(gts), cache, row)
    pred_polys = _lyft_polygons(np.concatenate(preds), cache, row)
    gt_end, pred_end = np.cumsum([len(g) for g in gts]), np.cumsum([len(p) for p in preds])
    for k, c in enumerate(scored):
        gt, values = gts[k], preds[k]
        gt_poly = gt_polys[gt_end[k] - len(gt) : gt_end[k]]
        pred_poly = pred_polys[pred_end[k] - len(values) : pred_end[k]]
        ious = _lyft_ious(values, pred_poly, gt, gt_poly)
        best = np.max(ious, axis=1)
        best_at = np.argmax(ious, axis=1)
        for t, threshold in enumerate(LYFT_IOU_THRESHOLDS):
            above = best > threshold
            first = np.zeros(len(values), dtype=bool)
            hits = np.flatnonzero(above)
            _, first_of = np.unique(best_at[hits], return_index=True)
            first[hits[first_of]] = True
            per_class[t, c] = _lyft_average_precisions(first, above, len(gt))
    with np.errstate(all="ignore"):
        return [np.mean(per_class[t]) if len(classes) else np.float64("nan") for t in range(len(LYFT_IOU_THRESHOLDS))]


def lyft_3d_map(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean over samples and IoU thresholds 0.5:0.95 of the per-sample 3D mAP; `y_true`, `y_pred`: one
    PredictionString (text) per sample, paired by position. Raises `LyftBoxError` (naming the row) where the
    devkit's evaluation fails."""
    cache: dict[float, tuple[float, float]] = {}  # rotation per yaw
    predictions = [_lyft_grouped(text, row) for row, text in enumerate(y_pred)]
    answers = [_lyft_grouped(text, row) for row, text in enumerate(y_true)]
    scores: list[Any] = []
    for row, (gt, pred) in enumerate(zip(answers, predictions, strict=True)):
        scores.extend(_lyft_sample(gt, pred, cache, row))
    with np.errstate(all="ignore"):
        return float(np.mean(scores))
