"""Classification metrics: ROC areas (plain, bias-aware, TPR-band weighted), log losses, label agreement and F1
scores, Kullback-Leibler divergence of class probabilities."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from inspect_mlebench.grading.metrics._shared import first_column, sklearn_metrics


def roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(sklearn_metrics().roc_auc_score(first_column(y_true), first_column(y_pred)))


def mean_column_roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean of one ROC AUC per target column (Kaggle's 'mean column-wise AUC')."""
    y_true, y_pred = np.atleast_2d(y_true.T).T, np.atleast_2d(y_pred.T).T
    return float(np.mean([sklearn_metrics().roc_auc_score(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])]))


def log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Binary log loss of P(positive)."""
    return float(sklearn_metrics().log_loss(first_column(y_true), first_column(y_pred), labels=[0, 1]))


def multiclass_log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Log loss of one-hot (or soft) answers against per-class probability columns."""
    return float(sklearn_metrics().log_loss(y_true, y_pred))


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of exact matches. Written out because sklearn's label checks sort object arrays, which costs seconds
    on million-row submissions; the value is the same as `accuracy_score`."""
    return float(np.mean(first_column(y_true) == first_column(y_pred)))


def quadratic_weighted_kappa(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(sklearn_metrics().cohen_kappa_score(first_column(y_true), first_column(y_pred), weights="quadratic"))


def micro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Micro-averaged F1 of single-label predictions. With one true and one predicted label per row, micro precision
    and recall both equal the share of correct rows, so this is accuracy: the same value as sklearn's
    `f1_score(average="micro")` without its object-array sort (seconds on a million rows)."""
    return accuracy(y_true, y_pred)


def top1_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of wrong class labels, 1 - accuracy (iNaturalist 2019's top-1 error)."""
    return 1.0 - accuracy(y_true, y_pred)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(sklearn_metrics().f1_score(first_column(y_true), first_column(y_pred), average="macro"))


def mcc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(sklearn_metrics().matthews_corrcoef(first_column(y_true), first_column(y_pred)))


# --- Bias-aware ROC AUC (jigsaw-unintended-bias-in-toxicity-classification) ---
# Kaggle's metric: w * overall AUC + w * the power mean (p = -5) over identities of each of three bias AUCs: within
# the identity (subgroup), its non-toxic rows against other toxic rows (BPSN), its toxic rows against other non-toxic
# rows (BNSP).


def _power_mean(values: list[float], power: float) -> float:
    """(mean of v**power) ** (1/power) in Python floats: an AUC of exactly 0 with a negative power raises
    ZeroDivisionError, as Kaggle's reference arithmetic does."""
    return float((sum(v**power for v in values) / len(values)) ** (1 / power))


def bias_weighted_auc(y_true: np.ndarray, y_pred: np.ndarray, *, power: float = -5, weight: float = 0.25) -> float:
    """`y_true` is (rows, 1 + identities): column 0 the binary toxicity label, then one binary membership column per
    identity; `y_pred` the scores. Every AUC needs both labels among its rows (else scikit-learn's ValueError)."""
    roc_auc_score = sklearn_metrics().roc_auc_score
    labels = np.asarray(y_true)[:, 0].astype(bool)
    groups = np.asarray(y_true)[:, 1:].astype(bool)
    scores = first_column(np.asarray(y_pred))
    overall = float(roc_auc_score(labels, scores))
    bias: list[list[float]] = [[], [], []]
    for j in range(groups.shape[1]):
        member = groups[:, j]
        for k, rows in enumerate(
            (member, (member & ~labels) | (~member & labels), (member & labels) | (~member & ~labels))
        ):
            bias[k].append(float(roc_auc_score(labels[rows], scores[rows])))
    return weight * overall + sum(weight * _power_mean(aucs, power) for aucs in bias)


# --- Band-weighted ROC area (alaska2-image-steganalysis) ---


ALASKA_TPR_BANDS = (0.0, 0.4, 1.0)
ALASKA_WEIGHTS = (2.0, 1.0)


def tpr_weighted_auc(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    bands: tuple[float, ...] = ALASKA_TPR_BANDS,
    weights: tuple[float, ...] = ALASKA_WEIGHTS,
) -> float:
    """ROC area cut into horizontal bands of true-positive rate, each band's area weighted, normalised so a perfect
    ranking scores 1 (ALASKA2: TPR 0-0.4 counts twice, 0.4-1 once). A band boundary missing from the ROC curve's
    TPR values is added with its FPR linearly interpolated; each band's area runs from its ROC points to FPR 1 at
    the band's top."""
    sk = sklearn_metrics()
    fpr, tpr, _ = sk.roc_curve(first_column(y_true), first_column(y_pred), pos_label=1)
    fpr_list, tpr_list = fpr.tolist(), tpr.tolist()
    for edge in bands:
        if edge in tpr_list:
            continue
        above = next((i for i, value in enumerate(tpr_list) if value > edge), None)
        if above is None:
            continue
        lo, hi = above - 1, above
        step = (fpr_list[hi] - fpr_list[lo]) * (edge - tpr_list[lo]) / (tpr_list[hi] - tpr_list[lo])
        fpr_list.insert(above, fpr_list[lo] + step)
        tpr_list.insert(above, edge)
    fpr, tpr = np.array(fpr_list), np.array(tpr_list)
    area = 0.0
    for j, weight in enumerate(weights):
        bottom, top = bands[j], bands[j + 1]
        inside = (tpr >= bottom) & (tpr <= top)
        if not inside.any():
            continue
        xs = np.append(fpr[inside], 1.0)
        ys = np.append(tpr[inside], top) - bottom
        area += float(sk.auc(xs, ys)) * weight
    return area / float(np.dot(np.diff(np.array(bands)), np.array(weights)))


# --- Soft-count F1 (rsna-breast-cancer-detection) ---------------------------------------------------------------
# Probabilistic F-beta: every prediction, clipped to [0, 1], counts as that fraction of a positive call, so the true
# positive and false positive counts are sums of predictions over the positive and the negative answers. Sums run in
# row order, as the reference definition accumulates them, so scores agree to the last bit. The score is 0 where
# precision or recall is not positive, including NaN (a missing prediction, or no positive call at all).


def probabilistic_f1(y_true: np.ndarray, y_pred: np.ndarray, *, beta: float = 1.0) -> float:
    truth = np.asarray(y_true).reshape(-1).astype(bool)
    predicted = np.clip(np.asarray(y_pred, dtype=float).reshape(-1), 0.0, 1.0)
    positives = int(truth.sum())
    if positives == 0:
        raise ValueError("probabilistic F1 needs at least one positive answer (recall is undefined without one)")
    soft_tp = float(np.cumsum(predicted[truth])[-1])
    negatives = predicted[~truth]
    soft_fp = float(np.cumsum(negatives)[-1]) if len(negatives) else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.float64(soft_tp) / np.float64(soft_tp + soft_fp)
    recall = soft_tp / positives
    if not (precision > 0 and recall > 0):
        return 0.0
    beta2 = beta * beta
    return float((1 + beta2) * (precision * recall) / (beta2 * precision + recall))


# --- Kaggle's Kullback-Leibler divergence, micro-averaged (hms-harmful-brain-activity-classification) ---
# Rows of true probabilities and predictions (a 1-D input is one column). Predictions are clipped to
# [epsilon, 1 - epsilon]; each cell with a non-zero truth t adds t * ln(t / p), a zero truth adds 0 (scipy's rel_entr
# convention); a NaN term (an empty prediction) adds nothing, as pandas' row sum skips it; the score is the mean over
# rows of the row sums.


def kl_divergence(y_true: np.ndarray, y_pred: np.ndarray, *, epsilon: float = 1e-15) -> float:
    true = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    if true.ndim == 1:
        true, pred = true.reshape(-1, 1), pred.reshape(-1, 1)
    clipped = np.clip(pred, epsilon, 1 - epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(true != 0, true * np.log(true / clipped), 0.0)
    return float(np.mean(np.nansum(terms, axis=1)))


# --- weighted multi-label log loss (rsna-2022-cervical-spine-fracture-detection) ---------------------------------
# Rows are samples (studies), columns binary targets. Each cell's log loss (predictions clipped to [eps, 1 - eps])
# is weighted by its column's weight for a negative or for a positive answer; a row's loss is its weighted sum over
# its total weight, and the score is the mean over rows. Without weights every cell weighs 1.


def weighted_multilabel_log_loss(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    negative_weights: Sequence[float] | None = None,
    positive_weights: Sequence[float] | None = None,
    epsilon: float = 1e-15,
) -> float:
    true = np.asarray(y_true, dtype=float)
    pred = np.clip(np.asarray(y_pred, dtype=float), epsilon, 1 - epsilon)
    if true.ndim == 1:
        true, pred = true.reshape(-1, 1), pred.reshape(-1, 1)
    columns = true.shape[1]
    negative = np.ones(columns) if negative_weights is None else np.asarray(negative_weights, dtype=float)
    positive = np.ones(columns) if positive_weights is None else np.asarray(positive_weights, dtype=float)
    if negative.shape != (columns,) or positive.shape != (columns,):
        raise ValueError(f"weights must have one value per column ({columns})")
    cell_loss = -(true * np.log(pred) + (1 - true) * np.log(1 - pred))
    weights = true * positive + (1 - true) * negative
    return float(np.mean((cell_loss * weights).sum(axis=1) / weights.sum(axis=1)))
