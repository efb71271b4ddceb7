"""osic-pulmonary-fibrosis-progression: forecast each patient's FVC (lung capacity) week by week, with a
confidence, scored by a clipped Laplace log likelihood.

Upstream holds out 10% of Kaggle's training patients (whole patients). The public test.csv keeps each held-out
patient's earliest visit; the answers hold one row per patient and week over the whole week range of the held-out
visits (unmeasured weeks have an empty FVC), and the sample submission lists every one of those Patient_Week ids.
Each patient's CT scan folder (DICOM slices) goes to public/train or public/test; Kaggle's own test patients are not
used.

Upstream's grader refuses Patient_Week ids outside the answers and non-numeric FVC or Confidence columns, then
scores only the last three measured weeks of each patient, pairing the rows after sorting both sides by id. It has
no row count check: weeks the submission leaves out are skipped, an empty Confidence counts as 0 (so 70, the clip),
an empty FVC makes the score NaN, and a repeated id only scores (every repeat against the one answer) when it is
the only scored id present; otherwise the arrays do not line up and the submission is invalid.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.dicom import CT_IMAGE, dicom_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.holdout import split_by_group
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

PATIENT = "Patient"
WEEKS = "Weeks"
ID = "Patient_Week"
FVC = "FVC"
CONFIDENCE = "Confidence"
TRAIN_COLUMNS = [PATIENT, WEEKS, FVC, "Percent", "Age", "Sex", "SmokingStatus"]
SCORED_WEEKS = 3  # upstream scores each patient's last three measured weeks


def _scan_files(folder: Path) -> list[str]:
    """Every file under a patient's scan folder, as paths relative to the folder holding the patients."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no scan folder for patient {folder.name} in {folder.parent}")
    return sorted(p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p.is_file())


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, held_out = split_by_group(table, PATIENT, test_size=0.1, random_state=0)
    if held_out.duplicated([PATIENT, WEEKS]).any():
        raise ValueError("a held-out patient has two visits in one week; the answers grid needs one row per week")

    # the public test file: each held-out patient's earliest visit (pandas' own sort and first(), as upstream)
    first_visits = held_out.sort_values(by=WEEKS).groupby(PATIENT).first().reset_index()

    # the answers: every held-out patient crossed with every week from the earliest to the latest held-out visit
    patients = held_out[PATIENT].unique()
    weeks = np.arange(int(held_out[WEEKS].min()), int(held_out[WEEKS].max()) + 1)
    grid = pd.DataFrame({PATIENT: np.repeat(patients, len(weeks)), WEEKS: np.tile(weeks, len(patients))})
    answers = grid.merge(held_out, on=[PATIENT, WEEKS], how="left")
    answers[ID] = answers[PATIENT] + "_" + answers[WEEKS].astype(str)
    answers[CONFIDENCE] = 100
    sample = pd.DataFrame({ID: answers[ID], FVC: 2000, CONFIDENCE: 100})

    train.to_csv(public / "train.csv", index=False)
    first_visits.to_csv(public / "test.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)

    for side, group_patients in (("train", train[PATIENT].unique()), ("test", patients)):
        files = [name for patient in group_patients for name in _scan_files(raw / "train" / str(patient))]
        (public / side).mkdir(exist_ok=True)
        place_files(raw / "train", files, public / side)


def gold(public: Path, private: Path) -> pd.DataFrame:
    """The answers' FVC at the tightest confidence the metric rewards (70); unmeasured weeks get the sample's 2000."""
    answers = read_csv(private / "test.csv")
    return pd.DataFrame({ID: answers[ID], FVC: answers[FVC].fillna(2000), CONFIDENCE: 70})


def _scored_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Each patient's last three measured weeks (the rows upstream scores)."""
    measured = answers[answers[FVC].notna()]
    week = measured[ID].map(lambda pw: int(str(pw).split("_")[-1]))
    ranked = week.groupby(measured[PATIENT]).rank(method="first", ascending=False)
    return measured[ranked <= SCORED_WEEKS]


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean clipped Laplace log likelihood over the scored weeks the submission covers."""
    checks.require_columns(submission, [ID, FVC, CONFIDENCE])
    known = pd.Index(answers[ID])
    unknown = submission[ID][known.get_indexer(pd.Index(submission[ID])) < 0] if len(submission) else []
    if len(unknown):
        raise InvalidSubmissionError(
            f"column '{ID}' has {len(unknown)} id(s) that are not in the test set, e.g. {checks.examples(unknown)}"
        )
    for column in (FVC, CONFIDENCE):
        # upstream's test: the column as pandas parsed it is numeric (booleans count as numbers there)
        if not pd.api.types.is_numeric_dtype(submission[column]):
            bad = submission[column][pd.to_numeric(submission[column], errors="coerce").isna()].dropna()
            raise InvalidSubmissionError(
                f"column '{column}' must be numeric; non-numeric values such as {checks.examples(bad.unique())}"
            )
    if submission[ID].duplicated().any():
        lenient(
            f"column '{ID}' repeats ids, e.g. {checks.examples(submission[ID][submission[ID].duplicated()].unique())}"
        )
    if submission[CONFIDENCE].isna().any():
        lenient(f"column '{CONFIDENCE}' has {int(submission[CONFIDENCE].isna().sum())} empty value(s), read as 0")
    if submission[FVC].isna().any():
        lenient(f"column '{FVC}' has {int(submission[FVC].isna().sum())} empty value(s); a scored one makes it NaN")

    scored = _scored_answers(answers)
    covered = submission[submission[ID].isin(scored[ID])]
    missing = scored[ID][~scored[ID].isin(covered[ID])]
    if len(missing):
        lenient(
            f"{len(missing)} scored week(s) missing from column '{ID}', e.g. {checks.examples(missing)}; upstream "
            "scores the others"
        )
    truth = scored.set_index(ID)[FVC]
    n_ids = covered[ID].nunique()
    if len(covered) != n_ids and n_ids != 1:
        raise InvalidSubmissionError(
            f"column '{ID}' repeats scored ids, e.g. {checks.examples(covered[ID][covered[ID].duplicated()].unique())}"
            "; upstream cannot pair them with the answers"
        )
    # rows pair by id (upstream sorts both sides by id); a single scored id repeated is scored once per repeat
    actual = truth.loc[covered[ID]].to_numpy(dtype=float)
    predicted = np.column_stack(
        [covered[FVC].to_numpy(dtype=float), covered[CONFIDENCE].fillna(0).to_numpy(dtype=float)]
    ).reshape(len(covered), 2)
    return metrics.laplace_log_likelihood(actual, predicted)


# Synthetic data: patients whose FVC falls roughly linearly from a baseline set by age and sex, measured at 6 to 10
# visits between week -5 and week 80; each has a short CT scan (a few tiny DICOM slices). Kaggle's test.csv and
# sample submission (5 patients with a first visit, every week from -12 to 133) and their scans complete the layout.
SMOKING = ["Ex-smoker", "Never smoked", "Currently smokes"]


def _patient_ids(gen: np.random.Generator, n: int) -> list[str]:
    numbers = gen.choice(10**12, n, replace=False)
    return sorted(f"ID{int(x):012d}{int(y):011d}" for x, y in zip(numbers, gen.integers(0, 10**11, n), strict=True))


def _visits(gen: np.random.Generator, patient: str) -> pd.DataFrame:
    n = int(gen.integers(6, 11))
    weeks = np.sort(gen.choice(np.arange(-5, 81), n, replace=False))
    age = int(gen.integers(50, 86))
    sex = "Male" if gen.random() < 0.75 else "Female"
    baseline = (4200 if sex == "Male" else 3000) - 25 * (age - 50) + gen.normal(0, 300)
    slope = -gen.uniform(2, 12)
    fvc = np.round(baseline + slope * weeks + gen.normal(0, 60, n)).astype(int)
    expected = (4500 if sex == "Male" else 3300) - 20 * (age - 50)
    return pd.DataFrame(
        {
            PATIENT: patient,
            WEEKS: weeks,
            FVC: fvc,
            "Percent": fvc / expected * 100,
            "Age": age,
            "Sex": sex,
            "SmokingStatus": SMOKING[int(gen.choice(3, p=[0.65, 0.3, 0.05]))],
        }
    )


def _write_scan(gen: np.random.Generator, folder: Path, patient: str, number: int) -> None:
    slices = int(gen.integers(2, 4))
    names = [f"{k}.dcm" for k in range(1, slices + 1)]
    contents = (
        dicom_bytes(
            gen.integers(0, 2000, (16, 16)).astype(np.uint16),
            sop_instance_uid=f"2.25.{number + 1}.{k}",
            patient_id=patient,
            modality="CT",
            sop_class_uid=CT_IMAGE,
            extra={(0x0020, 0x0013): ("IS", str(k))},
        )
        for k in range(1, slices + 1)
    )
    write_files(folder / patient, names, contents)


def synthesize(out: Path, seed: int, size: int) -> None:
    """About `size` training visits (at least 12 patients, so the 10% test split holds two), five Kaggle test
    patients, and a scan folder per patient."""
    gen = rng(seed, "osic-pulmonary-fibrosis-progression")
    patients = _patient_ids(gen, max(12, size // 8) + 5)
    train_ids, test_ids = patients[:-5], patients[-5:]
    train = pd.concat([_visits(gen, p) for p in train_ids], ignore_index=True)
    test = pd.concat([_visits(gen, p) for p in test_ids], ignore_index=True).groupby(PATIENT).head(1)
    write_csv(train[TRAIN_COLUMNS], out / "train.csv")
    write_csv(test[TRAIN_COLUMNS], out / "test.csv")
    weeks = np.arange(-12, 134)
    sample_ids = [f"{p}_{w}" for p in test_ids for w in weeks]
    write_csv(pd.DataFrame({ID: sample_ids, FVC: 2000, CONFIDENCE: 100}), out / "sample_submission.csv")
    for number, patient in enumerate(patients):
        _write_scan(gen, out / ("test" if patient in test_ids else "train"), patient, number)
