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


# --- famF: billion-word-imputation (levenshtein_mean), facebook-recruiting-iii-keyword-extraction (tag_micro_f1) ---
# Mean character-level edit distance between texts, and micro-F1 over whitespace-separated tags whose vocabulary
# is the answers' tags only. Both are written here (python-Levenshtein is not a dependency) and vectorised where
# the rows allow it: the real test sets have 300k and 600k rows.


def _common_prefix_length(a: str, b: str) -> int:
    """Length of the longest common prefix, by bisection over C-level slice comparisons."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def _myers_distance(a: str, b: str) -> int:
    """Levenshtein distance by Hyyro's bit-parallel form of Myers' algorithm (one Python integer as the bit
    vector over the shorter text): one pass over the longer text."""
    if len(a) > len(b):
        a, b = b, a
    if not a:
        return len(b)
    m = len(a)
    match: dict[str, int] = {}
    for i, char in enumerate(a):
        match[char] = match.get(char, 0) | (1 << i)
    full = (1 << m) - 1
    top = 1 << (m - 1)
    plus, minus, score = full, 0, m
    for char in b:
        eq = match.get(char, 0)
        xv = eq | minus
        xh = (((eq & plus) + plus) ^ plus) | eq
        hp = minus | ~(xh | plus)
        hm = plus & xh
        if hp & top:
            score += 1
        elif hm & top:
            score -= 1
        hp = (hp << 1) | 1
        hm <<= 1
        plus = (hm | ~(xv | hp)) & full
        minus = hp & xv & full
    return score


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions, each costing 1) between two texts, over their
    Unicode code points. The common prefix and suffix are removed first: they never change the distance."""
    if a == b:
        return 0
    start = _common_prefix_length(a, b)
    a, b = a[start:], b[start:]
    end = _common_prefix_length(a[::-1], b[::-1])
    return _myers_distance(a[: len(a) - end], b[: len(b) - end])


# Pairs compared side by side as code-point matrices, a block of rows of similar length at a time; texts longer
# than the widest block are handled one by one.
_BLOCK_ROWS = 4096
_BLOCK_WIDTH = 2048


def _first_difference(differ: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """Per row of a (rows, width) mask, the first True column (width where none), at most `limit`."""
    first = np.where(differ.any(axis=1), differ.argmax(axis=1), differ.shape[1])
    return np.asarray(np.minimum(first, limit))


def _common_ends(a: np.ndarray, b: np.ndarray, len_a: np.ndarray, len_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair of texts (object arrays of str), the lengths of the common prefix and of the common suffix that
    does not overlap it."""
    shortest, longest = np.minimum(len_a, len_b), np.maximum(len_a, len_b)
    head, tail = np.zeros(len(a), dtype=np.int64), np.zeros(len(a), dtype=np.int64)
    order = np.argsort(longest, kind="stable")
    wide = longest[order] > _BLOCK_WIDTH
    for i in order[wide]:
        head[i] = _common_prefix_length(a[i], b[i])
        tail[i] = _common_prefix_length(a[i][::-1], b[i][::-1])
    narrow = order[~wide]
    for begin in range(0, len(narrow), _BLOCK_ROWS):
        rows = narrow[begin : begin + _BLOCK_ROWS]
        width, common = int(longest[rows].max(initial=0)), int(shortest[rows].max(initial=0))
        if common == 0:
            continue
        # code points, zero-padded on the right
        left = a[rows].astype(f"<U{width}").view(np.uint32).reshape(len(rows), width)
        right = b[rows].astype(f"<U{width}").view(np.uint32).reshape(len(rows), width)
        head[rows] = _first_difference(left[:, :common] != right[:, :common], shortest[rows])
        # the k-th code point from each end (positions past the start are clipped: beyond `shortest`, ignored)
        back = np.arange(1, common + 1)
        from_end_a = np.maximum(len_a[rows, None] - back, 0)
        from_end_b = np.maximum(len_b[rows, None] - back, 0)
        differ = np.take_along_axis(left, from_end_a, axis=1) != np.take_along_axis(right, from_end_b, axis=1)
        tail[rows] = _first_difference(differ, shortest[rows])
    return head, np.minimum(tail, shortest - head)


def _texts(values: Any) -> np.ndarray:
    """An object array of the values (a numpy or pandas array of str)."""
    if isinstance(values, np.ndarray):
        return values.astype(object, copy=False)
    return np.asarray(values.to_numpy(dtype=object))


def levenshtein_mean(y_true: Any, y_pred: Any) -> float:
    """Mean over rows of the edit distance between the answer text and the predicted text (both str; numpy arrays
    or pandas arrays). Equal rows cost one vectorised comparison; for the others the common prefix and suffix are
    found block-wise, a difference inside a single gap is its length, and only the rest runs Myers' algorithm."""
    truths = _column(y_true) if isinstance(y_true, np.ndarray) else y_true
    preds = _column(y_pred) if isinstance(y_pred, np.ndarray) else y_pred
    if len(truths) == 0:
        return float("nan")  # numpy's mean of nothing
    rows = np.flatnonzero(~np.asarray(truths == preds, dtype=bool))
    a, b = _texts(truths[rows]), _texts(preds[rows])
    len_a = np.fromiter(map(len, a), dtype=np.int64, count=len(a))
    len_b = np.fromiter(map(len, b), dtype=np.int64, count=len(b))
    head, tail = _common_ends(a, b, len_a, len_b)
    gap_a, gap_b = len_a - head - tail, len_b - head - tail
    distances = np.maximum(gap_a, gap_b)  # where one side's gap is empty: insert or delete the other's
    for i in np.flatnonzero((gap_a > 0) & (gap_b > 0)):
        distances[i] = _myers_distance(a[i][head[i] : len_a[i] - tail[i]], b[i][head[i] : len_b[i] - tail[i]])
    return float(distances.sum() / len(truths))


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


def tag_micro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
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
    # famF: mean character edit distance of texts; micro-F1 of whitespace-separated tags (answers' vocabulary)
    "levenshtein_mean": Metric(levenshtein_mean, best=0.0),
    "tag_micro_f1": Metric(tag_micro_f1, best=1.0),
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
