"""stanford-covid-vaccine: per-base degradation of mRNA sequences, mean column-wise RMSE (MCRMSE).

Kaggle's download is `train.json` and `test.json` (JSON lines, one RNA sequence per line, per-base targets as lists
over the first `seq_scored` bases) and `sample_submission.csv` (one row per base: `<id>_<position>`). Upstream picks
10% of the training sequences (`int(n * 0.1)`, only among those with `SN_filter` > 0, pandas' `sample` with
random_state 0) as the test set and writes one answer row per base of each: the first `seq_scored` bases with their
five targets and `keep` True, the rest of the sequence zeros with `keep` False (floats as `%.10f`).

Its grader requires as many rows as the answers and the six columns; sorts both files by `id_seqpos` and requires
equal ids at every position; then scores reactivity, deg_Mg_pH10 and deg_Mg_50C only (deg_pH10 and deg_50C must be
present but are never read) over the rows with `keep`. The `keep` mask is applied by pandas' index alignment: a
submission row is scored when the answers' row *at the same position in the file* is kept, and the scored rows are
then paired in sorted order. A submission in the answers' (sample submission's) row order is therefore scored by id;
any other order pairs other rows, which we reproduce, with a warning (invalid in strict mode).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng, write_csv

ID = "id_seqpos"
KEEP = "keep"
TARGETS = ["reactivity", "deg_Mg_pH10", "deg_pH10", "deg_Mg_50C", "deg_50C"]  # Kaggle's order
SCORED = ["reactivity", "deg_Mg_pH10", "deg_Mg_50C"]
FLOAT_FORMAT = "%.10f"
TEST_FRACTION = 0.1


def prepare(raw: Path, public: Path, private: Path) -> None:
    train = pd.read_json(raw / "train.json", lines=True)
    kaggle_test_columns = pd.read_json(raw / "test.json", lines=True).columns
    n_test = int(len(train) * TEST_FRACTION)
    picked = train[train["SN_filter"] > 0].sample(n=n_test, random_state=0).index
    is_test = train.index.isin(picked)
    new_train, new_test = train[~is_test].copy(), train[is_test].copy()

    ids: list[str] = []
    values: dict[str, list[float]] = {t: [] for t in TARGETS}
    keep: list[bool] = []
    records = new_test.to_dict("records")
    for row in records:
        seq_id, scored, length = row["id"], int(row["seq_scored"]), int(row["seq_length"])
        if scored >= length:
            raise ValueError(f"sequence {seq_id} scores all {length} bases; expected fewer")
        ids += [f"{seq_id}_{j}" for j in range(length)]
        for target in TARGETS:
            series = list(row[target])
            if len(series) != scored:
                raise ValueError(f"sequence {seq_id}: {target} has {len(series)} values, not {scored}")
            values[target] += series + [0.0] * (length - scored)
        keep += [True] * scored + [False] * (length - scored)
    answers = pd.DataFrame({ID: ids, **values, KEEP: keep})
    answers.to_csv(private / "test.csv", index=False, float_format=FLOAT_FORMAT)

    new_train["index"] = range(len(new_train))
    new_train.to_json(public / "train.json", orient="records", lines=True)
    public_test = new_test[kaggle_test_columns].copy()
    public_test["index"] = range(len(public_test))
    public_test.to_json(public / "test.json", orient="records", lines=True)
    sample = answers[[ID, *TARGETS]].copy()
    sample.loc[:, TARGETS] = 0.0
    sample.to_csv(public / "sample_submission.csv", index=False, float_format=FLOAT_FORMAT)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """MCRMSE over reactivity, deg_Mg_pH10 and deg_Mg_50C in the kept rows, paired as upstream pairs them."""
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, *TARGETS])
    checks.sorted_by_id(submission, answers, ID)  # same ids once sorted, else invalid
    submission = submission.reset_index(drop=True)
    answers = answers.reset_index(drop=True)
    keep = answers[KEEP].to_numpy(dtype=bool)
    sub_order = submission.sort_values(ID).index.to_numpy()
    ans_order = answers.sort_values(ID).index.to_numpy()
    # the mask is looked up by each row's place in its own file (pandas aligns it on the index), not by id
    sub_rows = sub_order[keep[sub_order]]
    ans_rows = ans_order[keep[ans_order]]
    scored_sub, scored_ans = submission.iloc[sub_rows], answers.iloc[ans_rows]
    if not np.array_equal(scored_sub[ID].to_numpy(), scored_ans[ID].to_numpy()):
        lenient(
            f"rows are not in the test file's order, so upstream's keep mask pairs other rows than the ids say (e.g. "
            f"'{ID}' {checks.examples(scored_sub[ID][scored_sub[ID].to_numpy() != scored_ans[ID].to_numpy()])}); "
            "scored as upstream scores them"
        )
    unkept = submission.drop(index=sub_rows)[TARGETS]
    unread = submission.iloc[sub_rows][["deg_pH10", "deg_50C"]]
    if not all(
        np.isfinite(cells.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)).all()
        for cells in (unkept, unread)
    ):
        lenient(
            "missing, infinite or non-numeric values in cells upstream never scores (unkept bases, deg_pH10, deg_50C)"
        )
    y_pred = np.column_stack([checks.sklearn_floats(scored_sub[c], c) for c in SCORED])
    y_true = scored_ans[SCORED].to_numpy(dtype=float)
    return metrics.mean_column_rmse(y_true, y_pred)


def _structure(gen: np.random.Generator, length: int) -> str:
    """A dot-bracket secondary structure: random stems of paired bases, nested or side by side."""
    chars = ["."] * length
    open_stack: list[int] = []
    for i in range(length - 5):
        u = gen.random()
        if u < 0.2:
            open_stack.append(i)
            chars[i] = "("
        elif u < 0.4 and open_stack and i - open_stack[-1] > 3:
            chars[open_stack.pop()] = "("
            chars[i] = ")"
    for i in open_stack:
        chars[i] = "."
    return "".join(chars)


def _loop_types(structure: str) -> str:
    """Kaggle's predicted_loop_type letters, simplified: S for paired bases, H inside a hairpin, E at the ends,
    I elsewhere."""
    paired = [c != "." for c in structure]
    first = paired.index(True) if True in paired else len(structure)
    last = len(structure) - 1 - paired[::-1].index(True) if True in paired else -1
    out = []
    for i, c in enumerate(structure):
        if c != ".":
            out.append("S")
        elif i < first or i > last:
            out.append("E")
        else:
            out.append("H" if structure[i - 1] == "(" or structure[i + 1 : i + 2] == ")" else "I")
    return "".join(out)


def _sequence(gen: np.random.Generator, seq_id: str, length: int, scored: int) -> dict[str, object]:
    bases = "".join(gen.choice(list("ACGU"), length))
    structure = _structure(gen, length)
    unpaired = np.array([c == "." for c in structure[:scored]], dtype=float)
    purine = np.array([b in "AG" for b in bases[:scored]], dtype=float)
    record: dict[str, object] = {
        "id": seq_id,
        "sequence": bases,
        "structure": structure,
        "predicted_loop_type": _loop_types(structure),
        "seq_length": length,
        "seq_scored": scored,
    }
    snr = float(np.round(gen.uniform(0.5, 10.0), 4))
    record["signal_to_noise"] = snr
    record["SN_filter"] = int(snr > 1.0)
    for target in TARGETS:
        base = 0.15 + 0.6 * unpaired + 0.25 * purine * unpaired
        values = np.round(np.clip(base + gen.normal(0, 0.15, scored), -0.5, 4.0), 4)
        record[target] = values.tolist()
        record[target.replace("deg_", "deg_error_") if target != "reactivity" else "reactivity_error"] = np.round(
            gen.uniform(0.05, 0.3, scored), 4
        ).tolist()
    return record


TRAIN_FIELDS = [
    "index", "id", "sequence", "structure", "predicted_loop_type", "signal_to_noise", "SN_filter", "seq_length",
    "seq_scored", "reactivity_error", "deg_error_Mg_pH10", "deg_error_pH10", "deg_error_Mg_50C", "deg_error_50C",
    *TARGETS,
]  # fmt: skip
TEST_FIELDS = ["index", "id", "sequence", "structure", "predicted_loop_type", "seq_length", "seq_scored"]


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's layout: `size` training sequences of 107 bases (68 scored), max(10, size // 4) test sequences of 107
    and 130 bases, and the sample submission over every test base."""
    gen = rng(seed, "stanford-covid-vaccine")
    n_test = max(10, size // 4)
    ids = [f"id_{h}" for h in (gen.bytes(5).hex()[:9] for _ in range(size + n_test))]
    train = pd.DataFrame([_sequence(gen, ids[i], 107, 68) for i in range(size)])
    train["index"] = range(size)
    out.mkdir(parents=True, exist_ok=True)
    train[TRAIN_FIELDS].to_json(out / "train.json", orient="records", lines=True)
    lengths = [107 if i % 2 == 0 else 130 for i in range(n_test)]
    test = pd.DataFrame([_sequence(gen, ids[size + i], n, n - 39) for i, n in enumerate(lengths)])
    test["index"] = range(n_test)
    test[TEST_FIELDS].to_json(out / "test.json", orient="records", lines=True)
    positions = [f"{sid}_{j}" for sid, n in zip(test["id"], lengths, strict=True) for j in range(n)]
    write_csv(pd.DataFrame({ID: positions, **{t: 0.0 for t in TARGETS}}), out / "sample_submission.csv")
