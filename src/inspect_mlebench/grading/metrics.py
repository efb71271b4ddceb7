"""The shared metric library: scikit-learn/scipy wherever they have the metric.

Every metric takes the answers and the submission's predictions already aligned row by row (see
`checks.align_by_id`) as arrays: 1-D for one target column, 2-D `(rows, columns)` for several. `METRICS` maps the
names used in `grading.metric` of the competition configs to a `Metric`, which also records the best possible value
(what a perfect submission scores) and which checks the predictions need before scoring.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from inspect_mlebench.errors import MLEBenchError

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


def top1_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Share of wrong class labels, 1 - accuracy (iNaturalist 2019's top-1 error)."""
    return 1.0 - accuracy(y_true, y_pred)


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


# --- ventilator-pressure-prediction (mae), champs-scalar-coupling, lmsys-chatbot-arena (multiclass_log_loss)


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


# --- bms-molecular-translation (mean Levenshtein distance) -------------------------------------------------------
# Character edit distance (insertions, deletions, substitutions, each 1) between each answer and prediction, averaged
# over rows, with the `Levenshtein` package upstream's grader uses.


def levenshtein_mean(y_true: Any, y_pred: Any) -> float:
    """Mean edit distance between the answers' and the predictions' texts (numpy or pandas arrays; values compared
    as `str`); NaN for no rows."""
    from Levenshtein import distance

    pairs = zip(_column(np.asarray(y_true, dtype=object)), _column(np.asarray(y_pred, dtype=object)), strict=True)
    values = [distance(str(a), str(b)) for a, b in pairs]
    return float(np.mean(values)) if values else float("nan")


# --- multi-modal-gesture-recognition (normalized edit distance of gesture sequences) ------------------------------
# Each answer and prediction is a sequence of labels; the edit distance (insertions, deletions, substitutions, each 1)
# counts whole labels, not characters. The distances are summed over rows and divided by the total number of true
# labels: an error rate that can exceed 1. Upstream's grader computes it with the `Levenshtein` package on label lists.


def normalized_levenshtein(y_true: Any, y_pred: Any) -> float:
    """Sum over rows of the label-level edit distance between each true and predicted sequence (sequences of
    hashable labels, e.g. lists of ints), over the total length of the true sequences; NaN when that is 0 and no
    edits are needed, infinite when it is 0 and some are."""
    from Levenshtein import distance

    edits = sum(distance(list(a), list(b)) for a, b in zip(y_true, y_pred, strict=True))
    total = sum(len(a) for a in y_true)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(edits) / np.float64(total))


# --- AI4Code (global Kendall tau of cell orders) --------------------------------------------------------------
# Kaggle's variant: inversions and pair counts are summed over all notebooks before dividing, 1 - 4 * (sum of
# inversions) / (sum of n(n - 1)), not a mean of per-notebook taus. An inversion is a pair of cells that the
# prediction puts in the opposite order to the truth.


def _inversions(ranks: np.ndarray) -> int:
    return int(np.count_nonzero(np.triu(ranks[:, None] > ranks[None, :], 1)))


def kendall_tau_orders(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Each element a notebook's cell ids in order (space-separated text or a list); every prediction must be a
    permutation of its truth (ValueError otherwise, and when no notebook has two cells)."""
    inversions = pairs = 0
    truths, predictions = _column(np.asarray(y_true, dtype=object)), _column(np.asarray(y_pred, dtype=object))
    for truth, predicted in zip(truths, predictions, strict=True):
        true_cells = truth.split() if isinstance(truth, str) else list(truth)
        position = {cell: k for k, cell in enumerate(predicted.split() if isinstance(predicted, str) else predicted)}
        if len(position) != len(true_cells) or any(cell not in position for cell in true_cells):
            raise ValueError("a predicted order is not a permutation of the true cells")
        inversions += _inversions(np.array([position[cell] for cell in true_cells], dtype=np.int64))
        pairs += len(true_cells) * (len(true_cells) - 1)
    if not pairs:
        raise ValueError("no notebook has two cells to order")
    return 1 - 4 * inversions / pairs


# --- Ranked and multi-label text predictions (whale-categorization-playground, hotel-id-2021-fgvc8,
# imet-2020-fgvc7) and the band-weighted ROC area of alaska2-image-steganalysis ---
# Answers and predictions are strings of labels separated by spaces, one string per row, already paired by id.


def _ranked_labels(value: Any) -> list[Any]:
    """A row's labels: a sequence as it is, anything else as text split on single spaces (Kaggle's format)."""
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return list(value)
    return str(value).split(" ")


def map_at_k(y_true: Any, y_pred: Any, *, k: int = 5) -> float:
    """Mean average precision at k. Per row, the answer's labels are the right ones and the prediction's labels a
    ranked list of which the first k count; a label counts at its first position only, and the row's precision sum
    is divided by min(number of right labels, k) (0 for a row with no right label). Rows are labels as text
    separated by single spaces, or sequences (see `_ranked_labels`); extra rows on the longer side are ignored."""
    scores = []
    rows_true = _column(y_true) if isinstance(y_true, np.ndarray) else list(y_true)  # a list may hold lists: no array
    rows_pred = _column(y_pred) if isinstance(y_pred, np.ndarray) else list(y_pred)
    for truth, guess in zip(rows_true, rows_pred, strict=False):
        right = set(_ranked_labels(truth))
        if not right:
            scores.append(0.0)
            continue
        hits = 0
        total = 0.0
        seen: set[Any] = set()
        for position, label in enumerate(_ranked_labels(guess)[:k], start=1):
            if label in right and label not in seen:
                hits += 1
                total += hits / position
            seen.add(label)
        scores.append(total / min(len(right), k))
    return float(np.mean(scores))


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
    sk = _sklearn()
    fpr, tpr, _ = sk.roc_curve(_column(y_true), _column(y_pred), pos_label=1)
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


_ROW_MARK = "\x01"  # not whitespace; and not NUL, which numpy strips from str scalars


def _tag_pairs(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row number, tag) for each tag of each row, split on whitespace as `str.split` does; a missing (non-str)
    text has no tags. All rows are split in one call, a marker token between rows (hundreds of thousands of small
    lists would cost more in allocation and garbage collection than the splitting itself)."""
    import pandas as pd

    values = _column(np.asarray(texts, dtype=object))
    values = np.where(pd.isna(values), "", values)
    try:
        joined = f" {_ROW_MARK} ".join(values)
    except TypeError:  # a value that is neither text nor missing: no tags, as a missing one
        values = np.array([value if isinstance(value, str) else "" for value in values], dtype=object)
        joined = f" {_ROW_MARK} ".join(values)
    if joined.count(_ROW_MARK) != max(len(values) - 1, 0):  # a text holding the marker itself: row by row
        split = [text.split() for text in values]
        counts = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
        rows = np.repeat(np.arange(len(split), dtype=np.int64), counts)
        return rows, np.array([tag for tags in split for tag in tags], dtype=object)
    tokens = np.array(joined.split(), dtype=object)
    marks = tokens == _ROW_MARK
    return np.cumsum(marks)[~marks], tokens[~marks]


def _distinct(keys: np.ndarray) -> np.ndarray:
    """The distinct values, sorted."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def multilabel_micro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Micro-averaged F1 of multi-label predictions, each row's labels a whitespace-separated text (missing: none).
    The label vocabulary is the answers' labels: a predicted label no answer has is ignored (neither a true nor a
    false positive), and a label repeated within a row counts once. 2 TP / (predicted + true labels); 0 when both
    are empty."""
    import pandas as pd

    truths = _column(np.asarray(y_true, dtype=object))
    preds = _column(np.asarray(y_pred, dtype=object))
    # a row whose prediction is its answer's text exactly predicts exactly the answer's labels: only the other
    # rows' predictions need splitting
    same = np.asarray(truths == preds, dtype=bool)
    true_rows, true_tags = _tag_pairs(truths)
    other = np.flatnonzero(~same)
    pred_rows, pred_tags = _tag_pairs(preds[other])
    pred_rows = other[pred_rows]
    # one number per distinct label of either side (hashing); the vocabulary is the labels the answers use
    codes, labels = pd.factorize(np.concatenate([true_tags, pred_tags]))
    codes = np.asarray(codes, dtype=np.int64)
    true_codes, pred_codes = codes[: len(true_tags)], codes[len(true_tags) :]
    in_answers = np.zeros(len(labels), dtype=bool)
    in_answers[true_codes] = True
    known = in_answers[pred_codes]
    size = max(len(labels), 1)
    # one integer per (row, label): row * size + label number
    true_keys = _distinct(true_rows * size + true_codes)
    pred_keys = _distinct(pred_rows[known] * size + pred_codes[known])
    copied = int(np.count_nonzero(same[true_keys // size]))  # labels of the rows predicted verbatim
    total = len(true_keys) + copied + len(pred_keys)
    if total == 0:
        return 0.0
    where = np.minimum(np.searchsorted(true_keys, pred_keys), len(true_keys) - 1)
    hits = int(np.count_nonzero(true_keys[where] == pred_keys)) if len(true_keys) else 0
    return 2.0 * (hits + copied) / total


# --- Micro-averaged F1 over label sets (plant-pathology-2021-fgvc8) ---
# Each row holds a space-separated set of labels. The vocabulary is every label the answers use; a predicted label
# outside it is ignored (as scikit-learn's MultiLabelBinarizer with fixed classes does). Over all (row, label) pairs,
# micro F1 = 2 TP / (2 TP + FP + FN), and 0 when there is nothing to count (scikit-learn's zero_division default).


# --- Mean angular error of directions (icecube-neutrinos-in-deep-ice) ---
# Each row is a direction given as (azimuth, zenith) in radians. Both directions become unit vectors
# (sin z cos a, sin z sin a, cos z); the angle between them is arccos of their dot product, clipped to [-1, 1]
# against rounding; the score is the mean angle over rows (0: every direction exact, pi: every one opposite).


def mean_angular_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean angle in radians between true and predicted directions; columns (azimuth, zenith)."""
    az_t, zen_t = y_true[:, 0], y_true[:, 1]
    az_p, zen_p = y_pred[:, 0], y_pred[:, 1]
    dot = np.sin(zen_t) * np.sin(zen_p) * (np.cos(az_t) * np.cos(az_p) + np.sin(az_t) * np.sin(az_p)) + np.cos(
        zen_t
    ) * np.cos(zen_p)
    return float(np.mean(np.arccos(np.clip(dot, -1.0, 1.0))))


# --- Per-trip haversine percentiles (smartphone-decimeter-2022) ---
# Rows are (latitude, longitude) in degrees. Each row's error is the great-circle (haversine) distance in metres on
# a sphere of radius 6,371,000 m; each trip scores the mean of the 50th and 95th percentiles of its errors (numpy's
# linear interpolation); the score is the mean over trips, in their order of first appearance. Any missing or
# infinite coordinate makes its trip's score, and so the score, NaN.
HAVERSINE_RADIUS_M = 6_371_000.0


def haversine_p50_p95_by_trip(y_true: np.ndarray, y_pred: np.ndarray, *, groups: np.ndarray | None = None) -> float:
    """Mean over groups (trips; one group when None) of (P50 + P95) / 2 of the haversine errors in metres."""
    import pandas as pd

    lat_t, lon_t = np.deg2rad(y_true[:, 0]), np.deg2rad(y_true[:, 1])
    lat_p, lon_p = np.deg2rad(y_pred[:, 0]), np.deg2rad(y_pred[:, 1])
    h = np.sin((lat_t - lat_p) / 2) ** 2 + np.cos(lat_p) * np.cos(lat_t) * np.sin((lon_t - lon_p) / 2) ** 2
    errors = 2 * HAVERSINE_RADIUS_M * np.arcsin(np.sqrt(h))
    group_of = np.zeros(len(errors), dtype=np.int64) if groups is None else pd.factorize(np.asarray(groups))[0]
    scores = [
        np.mean([np.quantile(errors[group_of == g], 0.5), np.quantile(errors[group_of == g], 0.95)])
        for g in range(int(group_of.max(initial=-1)) + 1)
    ]
    return float(np.mean(scores))


# --- label-weighted label-ranking average precision (freesound-audio-tagging-2019) --------------------------


def lwlrap(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Label-weighted label-ranking average precision: scikit-learn's label-ranking average precision with each row
    weighted by its number of true labels (so every true label counts once); rows with no true label are left out.
    `y_true` is a 0/1 matrix (rows x classes), `y_pred` the scores in the same layout."""
    truth = np.asarray(y_true, dtype=float) > 0
    scores = np.asarray(y_pred, dtype=float)
    weight = truth.sum(axis=1)
    rows = np.flatnonzero(weight > 0)
    return float(
        _sklearn().label_ranking_average_precision_score(truth[rows], scores[rows], sample_weight=weight[rows])
    )


# --- Mean column-wise RMSE (stanford-covid-vaccine's MCRMSE) ---
# One RMSE per target column (scikit-learn's, as upstream computes each), then their plain mean; a 1-D input is a
# single column.


def mean_column_rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    true = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    if true.ndim == 1:
        true, pred = true.reshape(-1, 1), pred.reshape(-1, 1)
    rmse_of = _sklearn().root_mean_squared_error
    return float(np.mean([rmse_of(true[:, j], pred[:, j]) for j in range(true.shape[1])]))


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
        precisions.append(_sklearn().average_precision_score(labels, scores))
    return float(np.mean(precisions)) if precisions else 0.0


# --- famS: soft-count F1 (rsna-breast-cancer-detection) and Dice + Hausdorff of masks (uw-madison-gi-tract) ------
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
    truths = _column(np.asarray(y_true, dtype=object))
    preds = _column(np.asarray(y_pred, dtype=object))
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
    # ranked / multi-label text predictions and the TPR-band weighted ROC area (see their block above)
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
    # segmentation masks given as pixel runs (see their block above): mean Dice, and TGS's IoU-threshold precision
    "dice": Metric(dice, best=1.0),
    "iou_threshold_precision": Metric(iou_threshold_precision, best=1.0),
    # segmentation masks: Dice over all pixels of all masks pooled; binary pixel F-beta (see their block above)
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
    # Lyft's per-sample 3D mAP over IoU 0.5:0.95 of PredictionString texts (see its block above)
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
