"""Errors and correlations of continuous predictions: RMSE and MAE variants, log-MAE by group, OSIC's Laplace
log likelihood, Pearson and Spearman correlations."""

from __future__ import annotations

import numpy as np

from inspect_mlebench.grading.metrics._shared import first_column, sklearn_metrics


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(sklearn_metrics().root_mean_squared_error(y_true, y_pred))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(sklearn_metrics().mean_absolute_error(y_true, y_pred))


def rmsle_mean_columns(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean over target columns of each column's root mean squared log error."""
    y_true, y_pred = np.atleast_2d(y_true.T).T, np.atleast_2d(y_pred.T).T
    return float(
        np.mean(
            [sklearn_metrics().root_mean_squared_log_error(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])]
        )
    )


# --- Mean column-wise RMSE (stanford-covid-vaccine's MCRMSE) ---
# One RMSE per target column (scikit-learn's, as upstream computes each), then their plain mean; a 1-D input is a
# single column.


def mean_column_rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    true = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    if true.ndim == 1:
        true, pred = true.reshape(-1, 1), pred.reshape(-1, 1)
    rmse_of = sklearn_metrics().root_mean_squared_error
    return float(np.mean([rmse_of(true[:, j], pred[:, j]) for j in range(true.shape[1])]))


# --- ventilator-pressure-prediction (mae), champs-scalar-coupling, lmsys-chatbot-arena (multiclass_log_loss)


def mean_log_mae_by_group(y_true: np.ndarray, y_pred: np.ndarray, *, groups: np.ndarray | None = None) -> float:
    """Mean over groups (e.g. coupling types) of log(MAE within the group); one group when `groups` is None. No
    floor on the MAE, as upstream's champs-scalar-coupling grader: a group predicted exactly gives -inf."""
    import pandas as pd

    y_true, y_pred = first_column(np.asarray(y_true)), first_column(np.asarray(y_pred))
    # group numbers by hashing, not sorting: sorting half a million text labels costs most of the grading time
    group_of = np.zeros(len(y_true), dtype=np.int64) if groups is None else pd.factorize(np.asarray(groups))[0]
    with np.errstate(divide="ignore"):
        logs = [
            np.log(sklearn_metrics().mean_absolute_error(y_true[group_of == g], y_pred[group_of == g]))
            for g in range(int(group_of.max(initial=-1)) + 1)
        ]
    return float(np.mean(logs))


# --- osic-pulmonary-fibrosis-progression (clipped Laplace log likelihood) ---------------------------------------
# OSIC's metric: per row, sigma = max(confidence, 70) and delta = min(|FVC - predicted FVC|, 1000) give
# -sqrt(2) * delta / sigma - ln(sqrt(2) * sigma); the score is the mean over rows (NaN for no rows). The best row
# is an exact prediction at the tightest confidence, 70: -ln(70 * sqrt(2)).
LAPLACE_MIN_SIGMA = 70.0
LAPLACE_MAX_DELTA = 1000.0


def laplace_log_likelihood(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """`y_true`: the FVC answers; `y_pred`: rows of (predicted FVC, confidence), or predicted FVC alone (1-D), then
    at the tightest confidence."""
    y_pred = np.asarray(y_pred, dtype=float)
    if y_pred.ndim == 1:
        y_pred = np.column_stack([y_pred, np.full(len(y_pred), LAPLACE_MIN_SIGMA)])
    sigma = np.maximum(y_pred[:, 1], LAPLACE_MIN_SIGMA)
    delta = np.minimum(np.abs(np.asarray(y_true, dtype=float).reshape(-1) - y_pred[:, 0]), LAPLACE_MAX_DELTA)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = -np.sqrt(2) * delta / sigma - np.log(np.sqrt(2) * sigma)
    return float(values.mean()) if len(values) else float("nan")


def pearson(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from scipy.stats import pearsonr

    return float(pearsonr(first_column(y_true), first_column(y_pred)).statistic)


# --- Rank correlations (google-quest-challenge) ---------------------------------------------------------------------


def spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """scipy's Spearman rank correlation of one column, called as upstream's graders call it (predictions first).
    NaN where either side is constant or holds NaN (scipy's default `nan_policy="propagate"`)."""
    from scipy.stats import spearmanr

    return float(spearmanr(y_pred, y_true).correlation)


def mean_column_spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean over target columns of each column's Spearman correlation (NaN if any column's is)."""
    y_true, y_pred = np.atleast_2d(y_true.T).T, np.atleast_2d(y_pred.T).T
    return float(np.mean([spearman(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])]))
