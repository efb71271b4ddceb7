"""The shared metric library: scikit-learn/scipy wherever they have the metric.

Every metric takes the answers and the submission's predictions already aligned row by row (see
`checks.align_by_id`) as arrays: 1-D for one target column, 2-D `(rows, columns)` for several. `METRICS` maps the
names used in `grading.metric` of the competition configs to a `Metric`, which also records the best possible value
(what a perfect submission scores) and which checks the predictions need before scoring. The metrics live in one
module per family (classification, regression, text, ranking, spherical, masks, detection, lyft_3d), each
importing scikit-learn, scipy or pandas only when a metric runs, so that importing the library stays light;
every name is re-exported here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from inspect_mlebench.grading.metrics.classification import (
    ALASKA_TPR_BANDS,
    ALASKA_WEIGHTS,
    accuracy,
    bias_weighted_auc,
    kl_divergence,
    log_loss,
    macro_f1,
    mcc,
    mean_column_roc_auc,
    micro_f1,
    multiclass_log_loss,
    probabilistic_f1,
    quadratic_weighted_kappa,
    roc_auc,
    top1_error,
    tpr_weighted_auc,
    weighted_multilabel_log_loss,
)
from inspect_mlebench.grading.metrics.detection import coco_map_iou40, kuzushiji_f1, voc_map_iou50
from inspect_mlebench.grading.metrics.lyft_3d import LYFT_IOU_THRESHOLDS, LYFT_TOKENS_PER_BOX, LyftBoxError, lyft_3d_map
from inspect_mlebench.grading.metrics.masks import (
    IOU_THRESHOLDS,
    UNIT_CUBE_DIAGONAL,
    dice,
    dice_hausdorff,
    fbeta,
    global_dice,
    iou_threshold_precision,
    mask_dice,
    slice_volumes,
    unit_cube_hausdorff,
)
from inspect_mlebench.grading.metrics.ranking import (
    kendall_tau_orders,
    lwlrap,
    map_at_k,
    map_at_k_text_rows,
    map_at_k_texts,
    multilabel_micro_f1,
)
from inspect_mlebench.grading.metrics.regression import (
    LAPLACE_MAX_DELTA,
    LAPLACE_MIN_SIGMA,
    laplace_log_likelihood,
    mae,
    mean_column_rmse,
    mean_column_spearman,
    mean_log_mae_by_group,
    pearson,
    rmse,
    rmsle_mean_columns,
    spearman,
)
from inspect_mlebench.grading.metrics.spherical import HAVERSINE_RADIUS_M, haversine_p50_p95_by_trip, mean_angular_error
from inspect_mlebench.grading.metrics.text import levenshtein_mean, normalized_levenshtein, word_jaccard

MetricFn = Callable[..., float]


@dataclass(frozen=True)
class Metric:
    fn: MetricFn
    best: float
    # "numeric": predictions must be finite numbers; "label": class labels compared as parsed, as upstream
    kind: Literal["numeric", "label"] = "numeric"
    # "unit": each prediction in [0, 1]; "sum_to_one": rows of probabilities summing to 1 (upstream's rule)
    probabilities: Literal[None, "unit", "sum_to_one"] = None


METRICS: dict[str, Metric] = {
    "roc_auc": Metric(roc_auc, best=1.0, probabilities="unit"),  # upstream rejects scores outside [0, 1]
    "mean_column_roc_auc": Metric(mean_column_roc_auc, best=1.0),
    "log_loss": Metric(log_loss, best=0.0, probabilities="unit"),
    "multiclass_log_loss": Metric(multiclass_log_loss, best=0.0, probabilities="sum_to_one"),
    "rmse": Metric(rmse, best=0.0),
    "mae": Metric(mae, best=0.0),
    "rmsle_mean_columns": Metric(rmsle_mean_columns, best=0.0),
    "accuracy": Metric(accuracy, best=1.0, kind="label"),
    "quadratic_weighted_kappa": Metric(quadratic_weighted_kappa, best=1.0),
    "micro_f1": Metric(micro_f1, best=1.0, kind="label"),
    "macro_f1": Metric(macro_f1, best=1.0, kind="label"),
    "mcc": Metric(mcc, best=1.0),
    "pearson": Metric(pearson, best=1.0),
    # word-level Jaccard of text answers
    "word_jaccard": Metric(word_jaccard, best=1.0),
    # bias-aware ROC AUC over identity subgroups
    "bias_weighted_auc": Metric(bias_weighted_auc, best=1.0),
    "mean_column_spearman": Metric(mean_column_spearman, best=1.0),
    "mean_log_mae_by_group": Metric(mean_log_mae_by_group, best=float("-inf")),  # log(0): a perfect group
    "kendall_tau_orders": Metric(kendall_tau_orders, best=1.0),
    "levenshtein_mean": Metric(levenshtein_mean, best=0.0),
    # label-level edit distances summed over rows / number of true labels (multi-modal-gesture-recognition)
    "normalized_levenshtein": Metric(normalized_levenshtein, best=0.0),
    "laplace_log_likelihood": Metric(laplace_log_likelihood, best=-float(np.log(LAPLACE_MIN_SIGMA * np.sqrt(2)))),
    # ranked / multi-label text predictions (metrics.ranking) and the TPR-band weighted ROC area (classification)
    "map_at_k": Metric(map_at_k, best=1.0, kind="label"),
    "tpr_weighted_auc": Metric(tpr_weighted_auc, best=1.0),
    # multi-label sets as whitespace-separated text (facebook-iii tags, imet attributes, plant-pathology-2021)
    "multilabel_micro_f1": Metric(multilabel_micro_f1, best=1.0, kind="label"),
    # mean angle between (azimuth, zenith) directions, radians
    "mean_angular_error": Metric(mean_angular_error, best=0.0),
    # per-trip mean of the median and 95th percentile of haversine errors (metres), averaged over trips
    "haversine_p50_p95_by_trip": Metric(haversine_p50_p95_by_trip, best=0.0),
    # label-weighted label-ranking average precision over a 0/1 class matrix (freesound-audio-tagging-2019)
    "lwlrap": Metric(lwlrap, best=1.0),
    # top-1 classification error, 1 - accuracy (inaturalist-2019-fgvc6)
    "top1_error": Metric(top1_error, best=0.0, kind="label"),
    "mean_column_rmse": Metric(mean_column_rmse, best=0.0),
    "kl_divergence": Metric(kl_divergence, best=0.0),
    # per-row weighted mean of binary log losses over target columns, then the mean over rows (rsna-2022)
    "weighted_multilabel_log_loss": Metric(weighted_multilabel_log_loss, best=0.0, probabilities="unit"),
    # segmentation masks given as pixel runs (metrics.masks): mean Dice, and TGS's IoU-threshold precision
    "dice": Metric(dice, best=1.0),
    "iou_threshold_precision": Metric(iou_threshold_precision, best=1.0),
    # segmentation masks: Dice over all pixels of all masks pooled; binary pixel F-beta (metrics.masks)
    "global_dice": Metric(global_dice, best=1.0),
    "fbeta": Metric(fbeta, best=1.0),
    # detection mAP: study labels and image boxes as classes, VOC-style pairs (siim-covid19-detection)
    "siim_covid_map": Metric(voc_map_iou50, best=1.0),
    # probabilistic F1 of soft predictions (rsna-breast-cancer-detection)
    "probabilistic_f1": Metric(probabilistic_f1, best=1.0),
    # 0.4 * 2-D Dice + 0.6 * (1 - 3-D Hausdorff) of masks (uw-madison-gi-tract-image-segmentation)
    "dice_hausdorff": Metric(dice_hausdorff, best=1.0),
    # micro F1 of "label x y" character points inside "label x y w h" answer boxes (kuzushiji-recognition)
    "kuzushiji_f1": Metric(kuzushiji_f1, best=1.0, kind="label"),
    # pycocotools COCOeval box AP at one IoU threshold (vinbigdata-chest-xray-abnormalities-detection)
    "coco_map_iou40": Metric(coco_map_iou40, best=1.0),
    # Lyft's per-sample 3D mAP over IoU 0.5:0.95 of PredictionString texts (metrics.lyft_3d)
    "lyft_3d_map": Metric(lyft_3d_map, best=1.0, kind="label"),
}


def get_metric(name: str) -> Metric:
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"metric '{name}' is not in the metric library; known: {', '.join(sorted(METRICS))}") from None


def check_options(name: str, options: dict[str, Any]) -> None:
    """Raise ValueError when `options` are not keyword arguments the metric `name` takes."""
    params = list(inspect.signature(get_metric(name).fn).parameters.values())[2:]
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return
    accepted = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    unknown = sorted(set(options) - accepted)
    if unknown:
        takes = f"it takes {', '.join(sorted(accepted))}" if accepted else "it takes no options"
        raise ValueError(f"metric '{name}' has no option {', '.join(unknown)}; {takes}")
    required = [p.name for p in params if p.default is inspect.Parameter.empty and p.kind is not p.VAR_POSITIONAL]
    absent = [r for r in required if r not in options]
    if absent:
        raise ValueError(f"metric '{name}' needs option(s) {', '.join(absent)}")


def call_metric(name: str, y_true: np.ndarray, y_pred: np.ndarray, **options: Any) -> float:
    return get_metric(name).fn(y_true, y_pred, **options)


__all__ = [
    "ALASKA_TPR_BANDS",
    "ALASKA_WEIGHTS",
    "HAVERSINE_RADIUS_M",
    "IOU_THRESHOLDS",
    "LAPLACE_MAX_DELTA",
    "LAPLACE_MIN_SIGMA",
    "LYFT_IOU_THRESHOLDS",
    "LYFT_TOKENS_PER_BOX",
    "METRICS",
    "UNIT_CUBE_DIAGONAL",
    "LyftBoxError",
    "Metric",
    "MetricFn",
    "accuracy",
    "bias_weighted_auc",
    "call_metric",
    "check_options",
    "coco_map_iou40",
    "dice",
    "dice_hausdorff",
    "fbeta",
    "get_metric",
    "global_dice",
    "haversine_p50_p95_by_trip",
    "iou_threshold_precision",
    "kendall_tau_orders",
    "kl_divergence",
    "kuzushiji_f1",
    "laplace_log_likelihood",
    "levenshtein_mean",
    "log_loss",
    "lwlrap",
    "lyft_3d_map",
    "macro_f1",
    "mae",
    "map_at_k",
    "map_at_k_text_rows",
    "map_at_k_texts",
    "mask_dice",
    "mcc",
    "mean_angular_error",
    "mean_column_rmse",
    "mean_column_roc_auc",
    "mean_column_spearman",
    "mean_log_mae_by_group",
    "micro_f1",
    "multiclass_log_loss",
    "multilabel_micro_f1",
    "normalized_levenshtein",
    "pearson",
    "probabilistic_f1",
    "quadratic_weighted_kappa",
    "rmse",
    "rmsle_mean_columns",
    "roc_auc",
    "slice_volumes",
    "spearman",
    "top1_error",
    "tpr_weighted_auc",
    "unit_cube_hausdorff",
    "voc_map_iou50",
    "weighted_multilabel_log_loss",
    "word_jaccard",
]
