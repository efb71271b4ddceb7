"""hms-harmful-brain-activity-classification: expert votes over six EEG patterns, Kaggle's KL divergence.

Kaggle's download is `train.csv` (15 columns: one row per labelled window, several per `eeg_id`), one parquet per
EEG under `train_eegs/` and per spectrogram under `train_spectrograms/` (and `test_*` twins), `test.csv`,
`sample_submission.csv` and `example_figures/`. Upstream splits the unique `spectrogram_id`s (in order of first
appearance; scikit-learn, test_size 0.1, random_state 0), keeps every row of a spectrogram on its side, copies each
side's EEGs and spectrograms from the train folders, copies `example_figures/`, and writes a gold submission (votes
divided by their row sum) and a sample (1/6 everywhere).

Its grader (Kaggle's KL divergence, micro-averaged) requires eeg_id and the six vote columns, as many rows as the
answers, every row's six predictions summing to 1 after Python's `round(sum, 5)` (pandas' sum: an empty cell counts
as 0), the same *set* of eeg_ids; sorts both by eeg_id (eeg_ids repeat, so rows of one EEG pair in the order pandas'
sort leaves them, reproduced by sorting the same way); then checks every non-id column of the submission (extra ones
included) is numeric, in [0, 1] and sums to 1 by `np.allclose`; clips predictions to [1e-15, 1 - 1e-15] and sums
`t * log(t / p)` over the answers' non-zero cells, where a NaN term counts as 0 (pandas' row sum).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import write_image
from inspect_mlebench.formats.parquet import write_parquet
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "eeg_id"
TARGETS = ["seizure_vote", "lpd_vote", "gpd_vote", "lrda_vote", "grda_vote", "other_vote"]
EPSILON = 1e-15
COLUMNS = [
    "eeg_id", "eeg_sub_id", "eeg_label_offset_seconds", "spectrogram_id", "spectrogram_sub_id",
    "spectrogram_label_offset_seconds", "label_id", "patient_id", "expert_consensus", *TARGETS,
]  # fmt: skip
CHANNELS = [
    "Fp1", "F3", "C3", "P3", "F7", "T3", "T5", "O1", "Fz", "Cz", "Pz", "Fp2", "F4", "C4", "P4", "F8", "T4", "T6",
    "O2", "EKG",
]  # fmt: skip
CONSENSUS = ["Seizure", "LPD", "GPD", "LRDA", "GRDA", "Other"]


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train_specs, test_specs = train_test_split(table["spectrogram_id"].unique(), test_size=0.1, random_state=0)
    train = table[table["spectrogram_id"].isin(train_specs)]
    test = table[table["spectrogram_id"].isin(test_specs)]
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError("an eeg_id spans spectrograms on both sides of the split")
    train.to_csv(public / "train.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test[["spectrogram_id", ID, "patient_id"]].to_csv(public / "test.csv", index=False)
    gold_votes = test[[ID, *TARGETS]].copy()
    gold_votes[TARGETS] = gold_votes[TARGETS].div(gold_votes[TARGETS].sum(axis=1), axis=0)
    gold_votes.to_csv(private / "gold_submission.csv", index=False)
    sample = gold_votes.copy()
    sample[TARGETS] = 1 / len(TARGETS)
    sample.to_csv(public / "sample_submission.csv", index=False)
    shutil.copytree(raw / "example_figures", public / "example_figures")
    for side, part in (("train", train), ("test", test)):
        place_files(raw / "train_eegs", part[ID].unique(), public / f"{side}_eegs", name="{id}.parquet")
        place_files(
            raw / "train_spectrograms",
            part["spectrogram_id"].unique(),
            public / f"{side}_spectrograms",
            name="{id}.parquet",
        )


def gold(public: Path, private: Path) -> pd.DataFrame:
    """Upstream's gold submission: each test row's votes divided by their sum."""
    return read_csv(private / "gold_submission.csv")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Kaggle's micro-averaged KL divergence of the normalised votes from the predictions, rows paired as upstream
    pairs them."""
    checks.require_columns(submission, [ID])
    checks.require_columns(submission, TARGETS)
    checks.require_row_count(submission, answers)
    try:
        sums = submission[TARGETS].sum(axis=1)
        ok = sums.apply(lambda x: round(x, 5) == 1)
    except TypeError as err:
        raise InvalidSubmissionError(f"columns {checks.examples(TARGETS, 6)} must be numeric") from err
    if not ok.all():
        bad = submission.loc[~ok.to_numpy(), ID]
        raise InvalidSubmissionError(
            f"each row's six votes must sum to 1 (to 5 decimals); eeg_id(s) {checks.examples(bad)} do not"
        )
    checks.require_id_set(submission, answers, ID)
    checks.warn_unless_integer_ids(submission, ID)
    sub = submission.sort_values(ID).reset_index(drop=True)
    ans = answers.sort_values(ID).reset_index(drop=True)
    differ = sub[ID].to_numpy() != ans[ID].to_numpy()
    if differ.any():
        lenient(
            f"eeg_id repeats in other counts than in the test set (e.g. "
            f"{checks.examples(sub.loc[differ, ID].unique())}); rows are paired by position after sorting, as upstream "
            "does"
        )
    truth = ans[TARGETS].div(ans[TARGETS].sum(axis=1), axis=0).astype(float)
    pred = sub.drop(columns=[ID])
    if not pd.api.types.is_numeric_dtype(pred.values):
        raise InvalidSubmissionError("every column other than eeg_id must be numeric (extra columns included)")
    if pred.min().min() < 0 or pred.max().max() > 1:
        raise InvalidSubmissionError("predictions must lie in [0, 1] (every column other than eeg_id)")
    if not np.allclose(pred.sum(axis=1), 1):
        raise InvalidSubmissionError("the columns other than eeg_id must sum to 1 in every row (np.allclose)")
    if pred[TARGETS].isna().any().any():
        lenient("empty predictions count as 0 in the row sums and add nothing to the divergence, as upstream does")
    if len(pred.columns) != len(TARGETS):
        lenient("extra columns are checked as probabilities with the votes, as upstream does")
    return metrics.kl_divergence(truth.to_numpy(), pred[TARGETS].to_numpy(dtype=float), epsilon=EPSILON)


def synthesize(out: Path, seed: int, size: int) -> None:
    """Kaggle's layout at a tiny size: about `size` labelled rows over spectrograms of one or two EEGs, each EEG
    labelled in one to three windows; the dominant vote sets the EEG's rhythm (the signal to learn)."""
    gen = rng(seed, "hms-harmful-brain-activity-classification")
    rows: list[dict[str, object]] = []
    label_id = 1_000_000
    eegs: dict[int, int] = {}
    specs: list[int] = []
    while len(rows) < size:
        spec_id = int(gen.integers(10_000_000, 2_000_000_000))
        patient = int(gen.integers(1000, 65000))
        specs.append(spec_id)
        spec_sub = 0
        for _ in range(int(gen.integers(1, 3))):
            eeg_id = int(gen.integers(10_000_000, 4_000_000_000))
            cls = int(gen.integers(0, 6))
            eegs[eeg_id] = cls
            for sub in range(int(gen.integers(1, 4))):
                votes = gen.integers(0, 2, 6)
                votes[cls] += int(gen.integers(1, 8))
                rows.append(
                    {
                        "eeg_id": eeg_id,
                        "eeg_sub_id": sub,
                        "eeg_label_offset_seconds": float(sub * 2),
                        "spectrogram_id": spec_id,
                        "spectrogram_sub_id": spec_sub,
                        "spectrogram_label_offset_seconds": float(spec_sub * 2),
                        "label_id": label_id,
                        "patient_id": patient,
                        "expert_consensus": CONSENSUS[int(np.argmax(votes))],
                        **{t: int(v) for t, v in zip(TARGETS, votes, strict=True)},
                    }
                )
                label_id += int(gen.integers(1, 1000))
                spec_sub += 1
    write_csv(pd.DataFrame(rows, columns=COLUMNS), out / "train.csv")
    _media(gen, out, "train", eegs, specs)
    test_eegs = {int(gen.integers(10_000_000, 4_000_000_000)): int(gen.integers(0, 6))}
    test_spec = [int(gen.integers(10_000_000, 2_000_000_000))]
    _media(gen, out, "test", test_eegs, test_spec)
    eeg_id = next(iter(test_eegs))
    write_csv(
        pd.DataFrame({"spectrogram_id": test_spec, "eeg_id": [eeg_id], "patient_id": [int(gen.integers(1000, 65000))]}),
        out / "test.csv",
    )
    write_csv(pd.DataFrame({"eeg_id": [eeg_id], **{t: [1 / 6] for t in TARGETS}}), out / "sample_submission.csv")
    (out / "example_figures").mkdir(parents=True, exist_ok=True)
    for name in CONSENSUS[:2]:
        write_image(out / "example_figures" / f"{name}.png", gen.integers(0, 256, (32, 48, 3), dtype=np.uint8))


def _media(gen: np.random.Generator, out: Path, side: str, eegs: dict[int, int], specs: list[int]) -> None:
    """One EEG parquet per eeg_id (20 channels, 200 Hz: a rhythm whose frequency follows the class) and one
    spectrogram parquet per spectrogram_id (time, then 4 regions x 100 frequencies)."""
    (out / f"{side}_eegs").mkdir(parents=True, exist_ok=True)
    (out / f"{side}_spectrograms").mkdir(parents=True, exist_ok=True)
    t = np.arange(400) / 200.0
    for eeg_id, cls in eegs.items():
        wave = 40 * np.sin(2 * np.pi * (1.5 + 2.5 * cls) * t)
        data = {ch: (wave + gen.normal(0, 10, len(t))).astype(np.float32) for ch in CHANNELS}
        write_parquet(pd.DataFrame(data), out / f"{side}_eegs" / f"{eeg_id}.parquet")
    freqs = [f"{f:.2f}" for f in np.linspace(0.59, 19.92, 100)]
    spec_columns = [f"{region}_{f}" for region in ("LL", "RL", "LP", "RP") for f in freqs]
    for spec_id in specs:
        frame = pd.DataFrame(gen.gamma(1.0, 5.0, (5, len(spec_columns))).astype(np.float32), columns=spec_columns)
        frame.insert(0, "time", np.arange(1, 11, 2, dtype=np.int64))
        write_parquet(frame, out / f"{side}_spectrograms" / f"{spec_id}.parquet")
