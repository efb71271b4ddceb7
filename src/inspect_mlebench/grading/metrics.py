"""The shared metric library: scikit-learn/scipy wherever they have the metric.

Every metric takes the answers and the submission's predictions already aligned row by row (see
`checks.align_by_id`) as arrays: 1-D for one target column, 2-D `(rows, columns)` for several. `METRICS` maps the
names used in `grading.metric` of the competition configs to a `Metric`, which also records the best possible value
(what a perfect submission scores) and which checks the predictions need before scoring.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

if TYPE_CHECKING:
    from types import ModuleType

MetricFn = Callable[..., float]


@dataclass(frozen=True)
class Metric:
    fn: MetricFn
    best: float
    # "numeric": predictions must be finite numbers; "label": class labels compared as parsed, as upstream
    kind: Literal["numeric", "label"] = "numeric"
    # "unit": each prediction in [0, 1]; "sum_to_one": rows of probabilities summing to 1 (upstream's rule)
    probabilities: Literal[None, "unit", "sum_to_one"] = None


def _sklearn() -> ModuleType:
    """scikit-learn's metrics, imported on first use: the registry imports this module to check metric keys, and
    must stay light."""
    from sklearn import metrics

    module: ModuleType = metrics
    return module


def _column(values: np.ndarray) -> np.ndarray:
    return values.reshape(len(values), -1)[:, 0] if values.ndim > 1 else values


def roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(_sklearn().roc_auc_score(_column(y_true), _column(y_pred)))


def mean_column_roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Unweighted mean of one ROC AUC per target column (Kaggle's 'mean column-wise AUC')."""
    y_true, y_pred = np.atleast_2d(y_true.T).T, np.atleast_2d(y_pred.T).T
    return float(np.mean([_sklearn().roc_auc_score(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])]))


def log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Binary log loss of P(positive)."""
    return float(_sklearn().log_loss(_column(y_true), _column(y_pred), labels=[0, 1]))


def multiclass_log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Log loss of one-hot (or soft) answers against per-class probability columns."""
    return float(_sklearn().log_loss(y_true, y_pred))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(_sklearn().root_mean_squared_error(y_true, y_pred))


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(_sklearn().mean_absolute_error(y_true, y_pred))


def rmsle_mean_columns(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean over target columns of each column's root mean squared log error."""
    y_true, y_pred = np.atleast_2d(y_true.T).T, np.atleast_2d(y_pred.T).T
    return float(
        np.mean([_sklearn().root_mean_squared_log_error(y_true[:, j], y_pred[:, j]) for j in range(y_true.shape[1])])
    )


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of exact matches. Written out because sklearn's label checks sort object arrays, which costs seconds
    on million-row submissions; the value is the same as `accuracy_score`."""
    return float(np.mean(_column(y_true) == _column(y_pred)))


def quadratic_weighted_kappa(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(_sklearn().cohen_kappa_score(_column(y_true), _column(y_pred), weights="quadratic"))


def micro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Micro-averaged F1 of single-label predictions. With one true and one predicted label per row, micro precision
    and recall both equal the share of correct rows, so this is accuracy: the same value as sklearn's
    `f1_score(average="micro")` without its object-array sort (seconds on a million rows)."""
    return accuracy(y_true, y_pred)


def macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(_sklearn().f1_score(_column(y_true), _column(y_pred), average="macro"))


def mcc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(_sklearn().matthews_corrcoef(_column(y_true), _column(y_pred)))


def pearson(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    from scipy.stats import pearsonr

    return float(pearsonr(_column(y_true), _column(y_pred)).statistic)


# --- Word-level Jaccard over text answers (tweet-sentiment-extraction, chaii-hindi-and-tamil-question-answering) ---
# Each answer and prediction is lowercased and split on whitespace into a set of words; a row scores
# |common words| / |all words|, and the score is the mean over rows.


def _word_set(text: str) -> set[str]:
    return set(text.lower().split())


def word_jaccard(y_true: np.ndarray, y_pred: np.ndarray, *, empty_pair: float | None = None) -> float:
    """Mean per-row Jaccard similarity of lowercased word sets (texts given as str). A row where both texts have no
    words is undefined: it scores `empty_pair`, or with `empty_pair=None` makes the metric raise ValueError."""
    scores: list[float] = []
    truths, preds = _column(np.asarray(y_true, dtype=object)), _column(np.asarray(y_pred, dtype=object))
    for truth, pred in zip(truths, preds, strict=True):
        a, b = _word_set(truth), _word_set(pred)
        union = len(a | b)
        if union:
            scores.append(len(a & b) / union)
        elif empty_pair is None:
            raise ValueError("a prediction and its answer are both empty: Jaccard similarity is undefined")
        else:
            scores.append(empty_pair)
    return float(np.mean(scores))


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
    roc_auc_score = _sklearn().roc_auc_score
    labels = np.asarray(y_true)[:, 0].astype(bool)
    groups = np.asarray(y_true)[:, 1:].astype(bool)
    scores = _column(np.asarray(y_pred))
    overall = float(roc_auc_score(labels, scores))
    bias: list[list[float]] = [[], [], []]
    for j in range(groups.shape[1]):
        member = groups[:, j]
        for k, rows in enumerate(
            (member, (member & ~labels) | (~member & labels), (member & labels) | (~member & ~labels))
        ):
            bias[k].append(float(roc_auc_score(labels[rows], scores[rows])))
    return weight * overall + sum(weight * _power_mean(aucs, power) for aucs in bias)


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


# --- famC: ventilator-pressure-prediction (mae), champs-scalar-coupling, lmsys-chatbot-arena (multiclass_log_loss)


def mean_log_mae_by_group(y_true: np.ndarray, y_pred: np.ndarray, *, groups: np.ndarray | None = None) -> float:
    """Mean over groups (e.g. coupling types) of log(MAE within the group); one group when `groups` is None. No
    floor on the MAE, as upstream's champs-scalar-coupling grader: a group predicted exactly gives -inf."""
    import pandas as pd

    y_true, y_pred = _column(np.asarray(y_true)), _column(np.asarray(y_pred))
    # group numbers by hashing, not sorting: sorting half a million text labels costs most of the grading time
    group_of = np.zeros(len(y_true), dtype=np.int64) if groups is None else pd.factorize(np.asarray(groups))[0]
    with np.errstate(divide="ignore"):
        logs = [
            np.log(_sklearn().mean_absolute_error(y_true[group_of == g], y_pred[group_of == g]))
            for g in range(int(group_of.max(initial=-1)) + 1)
        ]
    return float(np.mean(logs))


# --- Micro-averaged F1 over label sets (plant-pathology-2021-fgvc8) ---
# Each row holds a space-separated set of labels. The vocabulary is every label the answers use; a predicted label
# outside it is ignored (as scikit-learn's MultiLabelBinarizer with fixed classes does). Over all (row, label) pairs,
# micro F1 = 2 TP / (2 TP + FP + FN), and 0 when there is nothing to count (scikit-learn's zero_division default).


def micro_f1_label_sets(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    truths = [set(str(t).split()) for t in _column(np.asarray(y_true, dtype=object))]
    vocabulary = set().union(*truths)
    tp = fp = fn = 0
    for truth, pred in zip(truths, _column(np.asarray(y_pred, dtype=object)), strict=True):
        predicted = set(str(pred).split()) & vocabulary
        hits = len(truth & predicted)
        tp += hits
        fp += len(predicted) - hits
        fn += len(truth) - hits
    denominator = 2 * tp + fp + fn
    return 2 * tp / denominator if denominator else 0.0


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
    # multilabel micro F1 of space-separated label sets
    "micro_f1_label_sets": Metric(micro_f1_label_sets, best=1.0, kind="label"),
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
