"""Ranked and multi-label predictions: MAP@k, micro F1 of label sets, label-weighted label-ranking precision,
and Kendall tau of predicted orders."""

from __future__ import annotations

from typing import Any

import numpy as np

from inspect_mlebench.grading.metrics._shared import all_ascii, first_column, sklearn_metrics

# --- Ranked and multi-label text predictions (whale-categorization-playground, hotel-id-2021-fgvc8,
# imet-2020-fgvc7) ---
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
    rows_true = (
        first_column(y_true) if isinstance(y_true, np.ndarray) else list(y_true)
    )  # a list may hold lists: no array
    rows_pred = first_column(y_pred) if isinstance(y_pred, np.ndarray) else list(y_pred)
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


def map_at_k_texts(y_true: Any, y_pred: Any, *, k: int) -> float:
    """`map_at_k` for rows given as texts (str, or missing: the text 'nan'), paired row by row, computed over
    Arrow arrays instead of a Python list per row: the same float, since each row's precisions are added in the
    same order and the rows' scores averaged in the same order. For a million rows of a dozen labels each."""
    return float(np.mean(map_at_k_text_rows(y_true, y_pred, k=k)))


def map_at_k_text_rows(y_true: Any, y_pred: Any, *, k: int) -> np.ndarray:
    """Each row's average precision at k, as `map_at_k_texts` computes it before averaging (a caller that scores
    rows in another order than the one it averages in puts them in order first)."""
    import pyarrow.compute as pc

    truths, preds = _arrow_texts(y_true), _arrow_texts(y_pred)
    rows = len(truths)
    if len(preds) != rows:
        raise ValueError(f"{rows} answers but {len(preds)} predictions")
    if not rows:
        return np.zeros(0)
    true_lists = pc.split_pattern(truths, pattern=" ")
    # splitting stops after k labels: a (k+1)th piece holds the rest of the text, and is never counted
    pred_lists = pc.split_pattern(preds, pattern=" ", max_splits=k)
    true_labels, pred_labels = pc.list_flatten(true_lists), pc.list_flatten(pred_lists)
    # one integer per distinct label of the answers, then one per (row, label) pair; a predicted label that no answer
    # has is never a hit, and only its position counts (on a poor submission, most labels: they go no further)
    true_codes = true_labels.dictionary_encode()
    labels = np.int64(len(true_codes.dictionary))
    true_rows = pc.list_parent_indices(true_lists).to_numpy().astype(np.int64)
    true_pairs = _distinct(true_rows * labels + true_codes.indices.to_numpy().astype(np.int64))
    right = np.bincount(true_pairs // labels, minlength=rows)
    pred_rows = pc.list_parent_indices(pred_lists).to_numpy().astype(np.int64)
    offsets = pred_lists.offsets.to_numpy().astype(np.int64)
    starts = offsets[:-1] - offsets[0]  # each row's first label among the flattened ones
    position = np.arange(len(pred_rows)) - starts[pred_rows] + 1
    pred_codes = np.asarray(
        pc.index_in(pred_labels, value_set=true_codes.dictionary).fill_null(-1).to_numpy(), dtype=np.int64
    )
    known = np.flatnonzero((pred_codes >= 0) & (position <= k))
    hit = np.zeros(len(pred_codes), dtype=bool)
    hit[known] = _first_matches(true_pairs, pred_rows[known] * labels + pred_codes[known])
    hits_so_far = np.cumsum(hit)
    hits_in_row = hits_so_far - np.concatenate([[0], hits_so_far])[starts][pred_rows]
    # np.bincount adds each row's weights in input order, from 0.0: the same sums as the loop in `map_at_k`
    totals = np.bincount(pred_rows[hit], weights=hits_in_row[hit] / position[hit].astype(np.float64), minlength=rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(right > 0, totals / np.minimum(right, k), 0.0)


def _first_matches(distinct: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """For each of `keys`, whether it is in `distinct` (distinct values) and is the first of the keys equal to it.
    One stable sort of both together: `distinct` first, so a run of equal values that holds one of them starts
    with it, and the key right after it is the first such key (cheaper than a binary search of every key)."""
    both = np.concatenate([distinct, keys])
    order = np.argsort(both, kind="stable")
    ordered = both[order]
    run_start = np.empty(len(both), dtype=bool)
    run_start[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=run_start[1:])
    heads = np.flatnonzero(run_start & (order < len(distinct)))
    follows_head = np.zeros(len(both), dtype=bool)
    follows_head[heads[heads + 1 < len(both)] + 1] = True
    hit = np.zeros(len(keys), dtype=bool)
    hit[order[follows_head & ~run_start] - len(distinct)] = True
    return hit


def _arrow_texts(values: Any) -> Any:
    """A column of texts as an Arrow string array, a missing value as the text 'nan'."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    elif not isinstance(values, pa.Array):
        values = pa.array(np.asarray(values, dtype=object), type=pa.string(), from_pandas=True)
    return pc.fill_null(values.cast(pa.string()), "nan")


# --- Micro-averaged F1 over label sets (facebook-recruiting-iii, imet-2020-fgvc7, plant-pathology-2021-fgvc8) ---
# Each row holds a space-separated set of labels. The vocabulary is every label the answers use; a predicted label
# outside it is ignored (as scikit-learn's MultiLabelBinarizer with fixed classes does). Over all (row, label) pairs,
# micro F1 = 2 TP / (2 TP + FP + FN), and 0 when there is nothing to count (scikit-learn's zero_division default).


_ROW_MARK = "\x01"  # not whitespace; and not NUL, which numpy strips from str scalars


def _tag_pairs(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row number, tag) for each tag of each row, split on whitespace as `str.split` does; a missing (non-str)
    text has no tags. All rows are split in one call, a marker token between rows (hundreds of thousands of small
    lists would cost more in allocation and garbage collection than the splitting itself)."""
    import pandas as pd

    values = first_column(np.asarray(texts, dtype=object))
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
    """The distinct values, sorted. A stable sort (timsort, or radix for small integers): keys built row by row
    come nearly sorted, which it sorts in a few passes (5 ms for 3M keys against 170 ms for quicksort)."""
    keys = np.sort(keys, kind="stable")
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def multilabel_micro_f1(y_true: Any, y_pred: Any) -> float:
    """Micro-averaged F1 of multi-label predictions, each row's labels a whitespace-separated text (missing: none);
    numpy arrays, or pandas text arrays (split in Arrow when both are, and all ASCII).
    The label vocabulary is the answers' labels: a predicted label no answer has is ignored (neither a true nor a
    false positive), and a label repeated within a row counts once. 2 TP / (predicted + true labels); 0 when both
    are empty."""
    import pandas as pd

    fast = _ascii_tag_pairs(y_true, y_pred)
    if fast is not None:
        return _micro_f1_of_pairs(*fast)
    truths = first_column(np.asarray(y_true, dtype=object))
    preds = first_column(np.asarray(y_pred, dtype=object))
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


def _ascii_tag_pairs(y_true: Any, y_pred: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """(true rows, true label codes, predicted rows, predicted label codes), labels numbered alike on both sides,
    split in Arrow, for two Arrow-backed text columns of ASCII text (Arrow splits ASCII whitespace exactly as
    `str.split` does, the separators \x1c-\x1f included); None for anything else."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for values in (y_true, y_pred):
        if not (isinstance(values, pd.api.extensions.ExtensionArray) and isinstance(values.dtype, pd.StringDtype)):
            return None
        column = pa.array(values)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if not all_ascii(column):
            return None
        columns.append(column)
    pairs = []
    for column in columns:
        lists = pc.utf8_split_whitespace(column)  # a missing text: no list, so no labels
        pairs.append((pc.list_parent_indices(lists), pc.list_flatten(lists)))
    (true_rows, true_labels), (pred_rows, pred_labels) = pairs
    encoded = pa.concat_arrays([true_labels, pred_labels]).dictionary_encode()
    codes = encoded.indices.to_numpy().astype(np.int64)
    rows = np.concatenate([true_rows.to_numpy(), pred_rows.to_numpy()]).astype(np.int64)
    # Arrow keeps an empty piece at either end of a text with outer whitespace; str.split drops it
    empty = encoded.dictionary.index("").as_py()
    kept = codes != empty
    split = len(true_labels)
    return (
        rows[:split][kept[:split]],
        codes[:split][kept[:split]],
        rows[split:][kept[split:]],
        codes[split:][kept[split:]],
    )


def _micro_f1_of_pairs(
    true_rows: np.ndarray, true_codes: np.ndarray, pred_rows: np.ndarray, pred_codes: np.ndarray
) -> float:
    """Micro F1 from (row, label code) pairs: predicted labels no answer uses are ignored, repeats count once."""
    size = np.int64(max(int(true_codes.max(initial=-1)), int(pred_codes.max(initial=-1))) + 1)
    in_answers = np.zeros(int(size), dtype=bool)
    in_answers[true_codes] = True
    known = in_answers[pred_codes]
    true_keys = _distinct(true_rows * size + true_codes)
    pred_keys = _distinct(pred_rows[known] * size + pred_codes[known])
    total = len(true_keys) + len(pred_keys)
    if total == 0:
        return 0.0
    # each side distinct: a value seen twice in both together is a hit
    both = np.sort(np.concatenate([true_keys, pred_keys]), kind="stable")
    hits = int(np.count_nonzero(both[1:] == both[:-1]))
    return 2.0 * hits / total


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
        sklearn_metrics().label_ranking_average_precision_score(truth[rows], scores[rows], sample_weight=weight[rows])
    )


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
    truths, predictions = first_column(np.asarray(y_true, dtype=object)), first_column(np.asarray(y_pred, dtype=object))
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
