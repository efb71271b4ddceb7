"""rsna-miccai-brain-tumor-radiogenomic-classification: predict each patient's MGMT promoter methylation (0/1) from
four MRI series (FLAIR, T1w, T1wCE, T2w, one DICOM file per slice), scored by ROC AUC.

Upstream holds out 10% of Kaggle's labelled patients (`train_labels.csv`, ids kept as the five-digit text of the
folder names, random_state=0) and copies each patient's whole folder to public/train or public/test; Kaggle's own
test patients are not used. Grading is the declarative ROC AUC (upstream's shared AUROC checks: both columns, as
many rows as the answers, scores in [0, 1], sorted ids equal to the test set's).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.dicom import dicom_bytes
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "BraTS21ID"
TARGET = "MGMT_value"
SERIES = ("FLAIR", "T1w", "T1wCE", "T2w")
TEST_SIZE = 0.1
MR_IMAGE = "1.2.840.10008.5.1.4.1.1.4"  # SOP class of MR Image Storage


def _patient_files(folder: Path) -> list[str]:
    """Every file of a patient's folder (all series), relative to the folder holding the patients."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no scan folder for patient {folder.name} in {folder.parent}")
    return sorted(p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p.is_file())


def prepare(raw: Path, public: Path, private: Path) -> None:
    # ids stay text ("00012"), as upstream reads them, so the written files keep the folder names
    labels = read_csv(raw / "train_labels.csv", dtype={ID: str, TARGET: int})
    train, test = train_test_split(labels, test_size=TEST_SIZE, random_state=0)
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError(f"train and test share values of '{ID}'")

    for side, ids in (("train", train[ID]), ("test", test[ID])):
        files = [name for patient in ids for name in _patient_files(raw / "train" / patient)]
        (public / side).mkdir(exist_ok=True)
        place_files(raw / "train", files, public / side)

    train.to_csv(public / "train_labels.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    test.assign(**{TARGET: 0.5}).to_csv(public / "sample_submission.csv", index=False)


# Synthetic data: patients with five-digit ids (Kaggle's run from 00000 to 01010 with gaps), each with the four MRI
# series of a few tiny 16x16 slices. A methylated tumour (MGMT_value 1) shows as a brighter blob in FLAIR and T2w,
# so a model that reads the pixels can learn it. Kaggle's test patients (folders only) and its sample submission
# complete the layout.


def _labels(gen: np.random.Generator, n: int) -> np.ndarray:
    """About half methylated, adjusted so upstream's test split holds both classes (AUC needs both)."""
    values = (gen.random(n) < 0.5).astype(int)
    _, test_rows = train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=0)
    if len(test_rows) >= 2 and len(set(values[test_rows])) < 2:
        values[test_rows[0]], values[test_rows[1]] = 0, 1
    return values


def _slice(gen: np.random.Generator, series: str, methylated: int) -> np.ndarray:
    pixels = gen.normal(300, 40, (16, 16))
    if methylated and series in ("FLAIR", "T2w"):
        row, col = (int(v) for v in gen.integers(3, 10, 2))
        pixels[row : row + 4, col : col + 4] += 500
    return np.clip(pixels, 0, 4000).astype(np.uint16)


def _write_patient(gen: np.random.Generator, folder: Path, patient: str, methylated: int) -> None:
    for number, series in enumerate(SERIES, start=1):
        slices = int(gen.integers(2, 4))
        uid = f"2.25.{int(patient) + 1}.{number}"
        contents = (
            dicom_bytes(
                _slice(gen, series, methylated),
                sop_instance_uid=f"{uid}.{k}",
                patient_id=patient,
                modality="MR",
                sop_class_uid=MR_IMAGE,
                study_instance_uid=f"2.25.{int(patient) + 1}",
                series_instance_uid=uid,
                extra={(0x0008, 0x103E): ("LO", series), (0x0020, 0x0013): ("IS", str(k))},
            )
            for k in range(1, slices + 1)
        )
        write_files(folder / patient / series, [f"Image-{k}.dcm" for k in range(1, slices + 1)], contents)


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` labelled patients (at least 20, so the 10% test split holds two) and a few Kaggle test patients."""
    gen = rng(seed, "rsna-miccai-brain-tumor-radiogenomic-classification")
    n_train = max(20, size)
    n_test = max(3, n_train // 7)
    numbers = np.sort(gen.choice(1011, n_train + n_test, replace=False))
    ids = [f"{int(n):05d}" for n in numbers]
    is_test = np.zeros(len(ids), dtype=bool)
    is_test[gen.choice(len(ids), n_test, replace=False)] = True
    train_ids = [i for i, t in zip(ids, is_test, strict=True) if not t]
    test_ids = [i for i, t in zip(ids, is_test, strict=True) if t]
    values = _labels(gen, len(train_ids))

    write_csv(pd.DataFrame({ID: train_ids, TARGET: values}), out / "train_labels.csv")
    write_csv(pd.DataFrame({ID: test_ids, TARGET: 0.5}), out / "sample_submission.csv")
    for patient, value in zip(train_ids, values, strict=True):
        _write_patient(gen, out / "train", patient, int(value))
    for patient in test_ids:
        _write_patient(gen, out / "test", patient, int(gen.random() < 0.5))
