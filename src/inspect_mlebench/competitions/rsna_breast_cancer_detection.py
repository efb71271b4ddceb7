"""rsna-breast-cancer-detection: screening mammograms (DICOM, several per breast) -> P(cancer) per patient and side,
scored by probabilistic F1.

Upstream holds out 10% of Kaggle's training patients (whole patients, in the order train.csv first lists them,
random_state=42). The public test.csv keeps the held-out images' metadata with a `prediction_id` of
`<patient_id>_<laterality>`; the answers hold one row per prediction_id (its first image's label, sorted by id) and
the sample submission predicts the training set's cancer rate everywhere. Each patient's DICOM folder goes to
public/train_images or public/test_images; Kaggle's own test patients are not used.

Upstream's grader wants the prediction_id and cancer columns and as many rows as the answers, with the same ids once
both sides are sorted. Every prediction is clipped to [0, 1]; text is refused, and so is a column of only negative
values (upstream's metric then divides zero by zero in integers); an empty prediction makes the score 0 (scored with
a warning here, invalid in strict mode).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.dicom import dicom_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

COMPETITION = "rsna-breast-cancer-detection"
ID = "prediction_id"
TARGET = "cancer"
PATIENT = "patient_id"
TRAIN_COLUMNS = [
    "site_id",
    PATIENT,
    "image_id",
    "laterality",
    "view",
    "age",
    TARGET,
    "biopsy",
    "invasive",
    "BIRADS",
    "implant",
    "density",
    "machine_id",
    "difficult_negative_case",
]
TEST_COLUMNS = ["site_id", PATIENT, "image_id", "laterality", "view", "age", "implant", "machine_id", ID]


def split_patients(patients: np.ndarray) -> tuple[set[object], set[object]]:
    """(train, test) patients: upstream's split of the patients in first-listed order."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(patients, test_size=0.1, random_state=42)
    return set(train), set(test)


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train_patients, test_patients = split_patients(table[PATIENT].unique())
    train = table[table[PATIENT].isin(train_patients)]
    held_out = table[table[PATIENT].isin(test_patients)]

    test = held_out[TEST_COLUMNS[:-1]].copy()
    test[ID] = held_out[PATIENT].astype(str) + "_" + held_out["laterality"]
    # one answer per patient and side: the first image's label (all images of a side share it), sorted by id
    answers = pd.DataFrame({ID: test[ID], TARGET: held_out[TARGET]}).groupby(ID).first().reset_index()
    sample = answers.assign(**{TARGET: train[TARGET].mean()})

    train.to_csv(public / "train.csv", index=False)
    test.to_csv(public / "test.csv", index=False)
    answers.to_csv(private / "answers.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)

    for folder, rows in (("train_images", train), ("test_images", test)):
        names = [f"{patient}/{image}.dcm" for patient, image in zip(rows[PATIENT], rows["image_id"], strict=True)]
        place_files(raw / "train_images", names, public / folder)

    assert set(train[PATIENT]).isdisjoint(test[PATIENT]), "a patient is on both sides of the split"
    assert len(test) + len(train) == len(table)


def _predictions(submission: pd.DataFrame) -> np.ndarray:
    """The cancer column as numbers the way upstream's metric reads it: numbers and booleans (as 1/0) go through,
    any text fails there, an empty cell (NaN) turns the whole score to 0."""
    column = submission[TARGET]
    if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
        values = column.to_numpy(dtype=object)
        text = [v for v in values if isinstance(v, str)]
        if text:
            raise InvalidSubmissionError(
                f"column '{TARGET}' must hold probabilities; non-numeric values such as {checks.examples(text)}"
            )
    predictions = column.to_numpy(dtype=float)
    if len(predictions) and (predictions < 0).all():
        # upstream clips a negative prediction to the integer 0, so with every one negative its precision is 0 / 0
        # in plain Python integers, which raises
        raise InvalidSubmissionError(f"every value in column '{TARGET}' is negative; upstream's metric cannot score it")
    empty = np.isnan(predictions)
    if empty.any():
        lenient(
            f"column '{TARGET}' has {int(empty.sum())} empty value(s), e.g. for "
            f"{checks.examples(submission[ID][empty])}; upstream scores the whole submission 0"
        )
    return predictions


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, TARGET])
    checks.require_row_count(submission, answers)
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    return metrics.probabilistic_f1(ans[TARGET].to_numpy(), _predictions(sub))


# --- synthetic data ----------------------------------------------------------------------------------------------
# Patients with four screening images (CC and MLO of each breast, now and then a fifth), metadata as Kaggle's, and
# tiny 16-bit DICOM mammograms in which a breast with cancer shows a bright spot. Kaggle's own test.csv, sample
# submission and test_images (one patient) complete the layout. Labels are set so that the held-out patients
# (upstream's split) hold sides with and without cancer, as the metric needs.

ROWS, COLS = 64, 48
MACHINES = [21, 29, 48, 49, 93, 170, 190, 197, 210, 216]
DENSITY = ["A", "B", "C", "D"]
MAMMOGRAPHY = "1.2.840.10008.5.1.4.1.1.1.2"  # Digital Mammography X-Ray Image Storage - For Presentation


def _mammogram(gen: np.random.Generator, laterality: str, cancer: int) -> np.ndarray:
    rows, cols = np.mgrid[0:ROWS, 0:COLS]
    edge = cols if laterality == "L" else COLS - 1 - cols  # the breast lies against the chest wall side
    tissue = np.clip(1.0 - ((edge / (COLS * 0.9)) ** 2 + ((rows - ROWS / 2) / (ROWS * 0.55)) ** 2), 0, 1)
    image = 1800 * tissue + gen.normal(0, 60, (ROWS, COLS))
    if cancer:
        r, c = gen.integers(16, ROWS - 16), gen.integers(8, COLS // 2)
        c = c if laterality == "L" else COLS - 1 - c
        image += 1500 * np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / 18.0)
    clipped: np.ndarray = np.clip(image, 0, 4095).astype(np.uint16)
    return clipped


def _patients(gen: np.random.Generator, n: int, low: int, high: int) -> pd.DataFrame:
    patient_ids = np.sort(gen.choice(np.arange(low, high), n, replace=False))
    rows = []
    for patient in patient_ids:
        site, machine = int(gen.integers(1, 3)), int(gen.choice(MACHINES))
        age = float(gen.integers(38, 90)) if gen.random() > 0.05 else np.nan
        implant = int(gen.random() < 0.03)
        density = str(gen.choice(DENSITY)) if gen.random() > 0.3 else np.nan
        views = [("L", "CC"), ("L", "MLO"), ("R", "MLO"), ("R", "CC")]
        if gen.random() < 0.15:
            views.insert(int(gen.integers(0, 4)), (str(gen.choice(["L", "R"])), "MLO"))
        for side, view in views:
            rows.append(
                {
                    "site_id": site,
                    PATIENT: int(patient),
                    "image_id": int(gen.integers(10**5, 2**31 - 1)),
                    "laterality": side,
                    "view": view,
                    "age": age,
                    "implant": implant,
                    "density": density,
                    "machine_id": machine,
                }
            )
    return pd.DataFrame(rows)


def _label(train: pd.DataFrame, gen: np.random.Generator) -> pd.DataFrame:
    """Cancer per patient and side (about one side in four), guaranteeing both labels among the held-out sides."""
    sides = train[[PATIENT, "laterality"]].drop_duplicates()
    cancer = {(p, s): int(gen.random() < 0.25) for p, s in zip(sides[PATIENT], sides["laterality"], strict=True)}
    _, test_patients = split_patients(train[PATIENT].unique())
    held = [key for key in cancer if key[0] in test_patients]
    if not any(cancer[k] for k in held):
        cancer[held[0]] = 1
    if all(cancer[k] for k in held):
        cancer[held[-1]] = 0
    labels = np.array([cancer[(p, s)] for p, s in zip(train[PATIENT], train["laterality"], strict=True)])
    birads = np.where(labels == 1, 0.0, gen.choice([1.0, 2.0, np.nan], len(train)))
    biopsy = np.where(labels == 1, 1, (gen.random(len(train)) < 0.04).astype(int))
    return train.assign(
        cancer=labels,
        biopsy=biopsy,
        invasive=np.where(labels == 1, (gen.random(len(train)) < 0.7).astype(int), 0),
        BIRADS=birads,
        difficult_negative_case=(labels == 0) & (biopsy == 1),
    )[TRAIN_COLUMNS]


def _write_images(out: Path, frame: pd.DataFrame, gen: np.random.Generator) -> None:
    labels = frame[TARGET] if TARGET in frame.columns else pd.Series(0, index=frame.index)
    for row, cancer in zip(frame.itertuples(index=False), labels, strict=True):
        folder = out / str(row.patient_id)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row.image_id}.dcm").write_bytes(
            dicom_bytes(
                _mammogram(gen, str(row.laterality), int(cancer)),
                sop_instance_uid=f"1.2.840.10009.1.2.3.{row.patient_id}.{row.image_id}",
                patient_id=str(row.patient_id),
                modality="MG",
                sop_class_uid=MAMMOGRAPHY,
                extra={(0x0018, 0x5101): ("CS", str(row.view)), (0x0020, 0x0062): ("CS", str(row.laterality))},
            )
        )


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, COMPETITION)
    train = _label(_patients(gen, max(10, size // 4), 10000, 65535), gen)
    test = _patients(gen, 1, 1000, 10000)  # Kaggle's test.csv: one patient outside the training range
    test[ID] = test[PATIENT].astype(str) + "_" + test["laterality"]
    write_csv(train, out / "train.csv")
    write_csv(test[TEST_COLUMNS], out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID].unique(), TARGET: 0.021}), out / "sample_submission.csv")
    _write_images(out / "train_images", train, gen)
    _write_images(out / "test_images", test, gen)
