"""Object detection in images: siim-covid19's VOC-style mAP, kuzushiji's point-in-box F1, pycocotools' box AP."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from inspect_mlebench.grading.metrics._shared import first_column, sklearn_metrics

# --- Detection mAP over study labels and image boxes (siim-covid19-detection) -----------------------------------
# Each row (a study or an image) holds a list of predictions (label, confidence, x_min, y_min, x_max, y_max); the
# answers' rows hold the true objects the same way, rows already paired. Every label the answers use is a class of
# its own (study labels, 'none', 'opacity'). Per class, each row's predictions of that class are taken by falling
# confidence (Python's stable sort of the row's whole list, redone for every class) and each matches the unused true
# box of that class with the highest IoU above 0.5 (strictly above the best so far): a match scores (1, confidence),
# no match (0, confidence); every true box left unmatched adds (1, 0), and a row with none of these adds (0, 0).
# The class's AP is scikit-learn's average_precision_score of those pairs; the score is the mean over classes.


def _voc_iou(pred: Sequence[float], truth: Sequence[float]) -> float:
    """IoU of two (x_min, y_min, x_max, y_max) boxes with Python's min/max in this argument order (what decides the
    result for NaN coordinates); 0 when the union is not positive."""
    left, top = max(pred[0], truth[0]), max(pred[1], truth[1])
    right, bottom = min(pred[2], truth[2]), min(pred[3], truth[3])
    overlap = max(0, right - left) * max(0, bottom - top)
    union = (pred[2] - pred[0]) * (pred[3] - pred[1]) + (truth[2] - truth[0]) * (truth[3] - truth[1]) - overlap
    return overlap / union if union > 0 else 0.0


def voc_map_iou50(y_true: Sequence[Sequence[Any]], y_pred: Sequence[Sequence[Any]]) -> float:
    rows = [list(preds) for preds in y_pred]
    classes = sorted({obj[0] for objects in y_true for obj in objects})
    precisions = []
    for cls in classes:
        labels: list[int] = []
        scores: list[float] = []
        for preds, objects in zip(rows, y_true, strict=True):
            truths = [obj[2:] for obj in objects if obj[0] == cls]
            used = [False] * len(truths)
            preds.sort(key=lambda p: p[1], reverse=True)
            before = len(labels)
            for pred in preds:
                if pred[0] != cls:
                    continue
                best, hit = 0.0, -1
                for j, truth in enumerate(truths):
                    if not used[j]:
                        iou = _voc_iou(pred[2:], truth)
                        if iou > best and iou > 0.5:
                            best, hit = iou, j
                labels.append(1 if hit >= 0 else 0)
                scores.append(pred[1])
                if hit >= 0:
                    used[hit] = True
            missed = used.count(False)
            labels += [1] * missed
            scores += [0.0] * missed
            if len(labels) == before:
                labels.append(0)
                scores.append(0.0)
        if all(label == 1 for label in labels):
            raise ValueError(f"class '{cls}' has only positive pairs, so its average precision is undefined")
        precisions.append(sklearn_metrics().average_precision_score(labels, scores))
    return float(np.mean(precisions)) if precisions else 0.0


# --- Point-in-box character F1 (kuzushiji-recognition) ---
# Per page, the answer lists characters as "label x y width height" (a box from its top-left corner) and the
# prediction as "label x y" (a point), tokens separated by single spaces; a missing text (NaN) lists none. Box by box
# in the answer's order, the earliest unused prediction (in the prediction's order) with the same label whose point
# lies strictly inside the box is a hit and is used up; a box without one is a false negative; predictions left
# unused are false positives (on a page with no answer, every prediction triple is one, unparsed). Counted over all
# pages: F1 = 2PR / (P + R), and 0 when there is no prediction, no answer or no hit. A text that is not made of whole
# groups, or a coordinate that is not a number, raises ValueError.


def _page_tokens(text: str, group: int, what: str) -> list[str]:
    tokens = text.split(" ")
    if len(tokens) % group:
        raise ValueError(f"{what} text is not made of groups of {group} tokens: {text[:60]!r}")
    return tokens


def _page_counts(truth: Any, pred: Any) -> tuple[int, int, int]:
    """(hits, false positives, false negatives) of one page."""
    import pandas as pd

    truth_missing, pred_missing = bool(pd.isna(truth)), bool(pd.isna(pred))
    if truth_missing:
        return 0, 0 if pred_missing else len(str(pred).split(" ")) // 3, 0
    if pred_missing:
        return 0, 0, len(str(truth).split(" ")) // 5
    boxes = _page_tokens(str(truth), 5, "answer")
    points = _page_tokens(str(pred), 3, "prediction")
    # labels through numpy text arrays, as the reference compares them
    box_labels = np.array(boxes[0::5]).tolist()
    left, top = np.array(boxes[1::5]).astype(float), np.array(boxes[2::5]).astype(float)
    right = left + np.array(boxes[3::5]).astype(float)
    bottom = top + np.array(boxes[4::5]).astype(float)
    point_labels = np.array(points[0::3]).tolist()
    xs, ys = np.array(points[1::3]).astype(float), np.array(points[2::3]).astype(float)
    hits = _page_hits(box_labels, (left, right, top, bottom), point_labels, (xs, ys))
    return hits, len(point_labels) - hits, len(box_labels) - hits


_MATCH_PAIRS = 4_000_000  # same-label (box, point) pairs examined at once; beyond that, box by box


def _page_hits(
    box_labels: list[str],
    box_sides: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    point_labels: list[str],
    point_xy: tuple[np.ndarray, np.ndarray],
) -> int:
    """Box by box in order, the earliest unused point of the same label strictly inside takes it."""
    left, right, top, bottom = box_sides
    xs, ys = point_xy
    _, codes = np.unique(np.array(box_labels + point_labels), return_inverse=True)
    box_codes, point_codes = codes[: len(box_labels)], codes[len(box_labels) :]
    order = np.argsort(point_codes, kind="stable")  # points grouped by label, each group in the points' order
    sorted_codes = point_codes[order]
    first = np.searchsorted(sorted_codes, box_codes, "left")
    counts = np.searchsorted(sorted_codes, box_codes, "right") - first
    total = int(counts.sum())
    if total > _MATCH_PAIRS:
        unused = np.ones(len(point_labels), dtype=bool)
        for k in range(len(box_labels)):
            inside = (
                (left[k] < xs) & (right[k] > xs) & (top[k] < ys) & (bottom[k] > ys) & (point_codes == box_codes[k])
            ) & unused
            hit = int(np.argmax(inside))
            if inside[hit]:
                unused[hit] = False
        return int((~unused).sum())
    # every (box, same-label point) pair, boxes in order and each box's points in order
    box_of = np.repeat(np.arange(len(box_labels)), counts)
    offset = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    point_of = order[np.repeat(first, counts) + offset]
    px, py = xs[point_of], ys[point_of]
    inside = (left[box_of] < px) & (right[box_of] > px) & (top[box_of] < py) & (bottom[box_of] > py)
    used: set[int] = set()
    current, taken = -1, False
    for box, point in zip(box_of[inside].tolist(), point_of[inside].tolist(), strict=True):
        if box != current:
            current, taken = box, False
        if not taken and point not in used:
            used.add(point)
            taken = True
    return len(used)


def kuzushiji_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Micro F1 of predicted character points against answer boxes over all pages (texts; NaN: none)."""
    truths = first_column(np.asarray(y_true, dtype=object))
    preds = first_column(np.asarray(y_pred, dtype=object))
    tp = fp = fn = 0
    for truth, pred in zip(truths, preds, strict=True):
        hits, extra, missed = _page_counts(truth, pred)
        tp, fp, fn = tp + hits, fp + extra, fn + missed
    if tp + fp == 0 or tp + fn == 0:
        return 0.0
    precision = tp / (tp + fp)
    recall = tp / (tp + fn)
    if precision > 0 and recall > 0:
        return float((2 * precision * recall) / (precision + recall))
    return 0.0


# --- COCO box mAP at one IoU threshold (vinbigdata-chest-xray-abnormalities-detection) ---------------------------
# pycocotools' COCOeval 'bbox' AP (stats[0]: all areas, 100 detections per image and class) with the single IoU
# threshold `iou`. As in Kaggle's helper for this competition, boxes given as (x_min, y_min, x_max, y_max) are put
# into COCO's (x, y, width, height) slot unchanged, while each box's area is (x_max - x_min) * (y_max - y_min).
# y_true: (image, class_id, x_min, y_min, x_max, y_max) per true box; the images are numbered in order of first
# appearance there, the categories are the classes it uses. y_pred: (image, class_id, score, x_min, y_min, x_max,
# y_max) per detection, in submission order; classes the answers lack are not evaluated. Annotations are numbered
# from 0 as in that helper, and pycocotools records a match as the partner's id, where 0 means "unmatched": a
# detection matched with the first true box counts as a false positive, and the first detection leaves the true box
# it matches free for another. So even a perfect submission scores below 1 unless the first true box is ignored.


def coco_map_iou40(y_true: Sequence[Sequence[Any]], y_pred: Sequence[Sequence[Any]], *, iou: float = 0.4) -> float:
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    index: dict[Any, int] = {}
    for row in y_true:
        index.setdefault(row[0], len(index))
    images = [{"id": i} for i in range(len(index))]
    categories = [{"id": c, "name": c, "supercategory": "none"} for c in sorted({row[1] for row in y_true})]

    def annotation(k: int, image: Any, category: int, box: Sequence[float]) -> dict[str, Any]:
        x_min, y_min, x_max, y_max = box
        return {
            "id": k,
            "image_id": index[image],
            "category_id": category,
            "bbox": np.array([x_min, y_min, x_max, y_max], dtype=float),
            "segmentation": [],
            "ignore": 0,
            "area": (x_max - x_min) * (y_max - y_min),
            "iscrowd": 0,
        }

    # true boxes numbered image by image (images in order of first appearance, boxes in their order within it)
    grouped = sorted(y_true, key=lambda row: index[row[0]])
    truth = [annotation(k, row[0], row[1], row[2:6]) for k, row in enumerate(grouped)]
    detections = [{**annotation(k, row[0], row[1], row[3:7]), "score": row[2]} for k, row in enumerate(y_pred)]
    with contextlib.redirect_stdout(io.StringIO()):
        gt, dt = COCO(), COCO()
        gt.dataset = {"type": "instances", "images": images, "categories": categories, "annotations": truth}
        dt.dataset = {"images": list(images), "categories": list(categories), "annotations": detections}
        gt.createIndex()
        dt.createIndex()
        evaluation = COCOeval(gt, dt, "bbox")
        evaluation.params.imgIds = sorted(gt.getImgIds())
        evaluation.params.useCats = True
        evaluation.params.iouThrs = np.array([iou])
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0])
