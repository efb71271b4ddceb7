"""rsna-2022-cervical-spine-fracture-detection: from a CT scan of the neck (a folder of DICOM slices per study),
give the probability that each vertebra C1..C7 is fractured and that the patient has any fracture.

Upstream keeps 10% of Kaggle's training studies as the new train set (picked with Python's `random.Random(0)` so
that the share of studies with bounding boxes, with segmentations and with both stays as in the original) and makes
the other 90% the test set. The labels of the test studies are melted into one row per study and prediction type
(`<StudyInstanceUID>_<patient_overall|C1..C7>`); the studies' slice folders go to public `train_images/` and
`test_images/`, the chosen NIfTI segmentations to `segmentations/`, and the bounding boxes of the chosen studies to
`train_bounding_boxes.csv`. Kaggle's own three test studies are not used.

Upstream's grader requires `row_id` and `fractured`, every `fractured` value in [0, 1] (so no NaN, no text), and
exactly the test set's row ids (compared after sorting both sides, so a missing, repeated or unknown id is invalid).
The score is the competition's weighted log loss: per study, the log losses of the eight predictions (clipped to
[1e-15, 1 - 1e-15]) weighted 1 (negative) / 2 (positive) for a vertebra and 7 / 14 for `patient_overall`, divided by
the study's total weight, then averaged over studies.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.dicom import CT_IMAGE, dicom_bytes
from inspect_mlebench.formats.nifti import write_nifti
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

STUDY = "StudyInstanceUID"
TYPE = "prediction_type"
ROW_ID = "row_id"
TARGET = "fractured"
VERTEBRAE = [f"C{k}" for k in range(1, 8)]
PREDICTION_TYPES = ["patient_overall", *VERTEBRAE]  # the order of the weights below
TRAIN_COLUMNS = [STUDY, *PREDICTION_TYPES]
BOX_COLUMNS = [STUDY, "x", "y", "width", "height", "slice_number"]
NEGATIVE_WEIGHTS = (7.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)
POSITIVE_WEIGHTS = (14.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0)
TRAIN_SHARE = 0.1  # upstream's share of Kaggle's training studies kept for training
SAMPLE_VALUE = 0.5


def _pick(gen: random.Random, population: list[str], k: int) -> list[str]:
    """`k` of `population` drawn by `random.Random.sample` (the draw sequence upstream's split is defined by)."""
    return gen.sample(population, k)


def split_studies(
    studies: list[str], box_studies: list[str], segmented: list[str]
) -> tuple[list[str], list[str], list[str]]:
    """(new train studies, studies whose boxes are kept, studies whose segmentations are kept), drawn as upstream
    draws them: the overlap first, then segmentation-only and box-only studies, then the rest of the training
    studies, every count a rounded 10% of the original's."""
    gen = random.Random(0)
    segmented_set = set(segmented)
    overlap = [s for s in box_studies if s in segmented_set]
    n_train = round(len(studies) * TRAIN_SHARE)
    n_boxes = round(len(box_studies) * TRAIN_SHARE)
    n_segmented = round(len(segmented) * TRAIN_SHARE)
    n_overlap = round(len(overlap) * TRAIN_SHARE)

    both = _pick(gen, overlap, n_overlap)
    overlap_set = set(overlap)
    only_segmented = _pick(gen, [s for s in segmented if s not in overlap_set], n_segmented - n_overlap)
    only_boxes = _pick(gen, [s for s in box_studies if s not in overlap_set], n_boxes - n_overlap)
    chosen = both + only_segmented + only_boxes
    chosen_set = set(chosen)
    rest = _pick(gen, [s for s in studies if s not in chosen_set], n_train - len(chosen))
    return chosen + rest, both + only_boxes, both + only_segmented


def _slice_files(folder: Path) -> list[str]:
    """Every file of a study's folder, as paths relative to the folder holding the studies."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no image folder for study {folder.name} in {folder.parent}")
    return sorted(p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p.is_file())


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    boxes = read_csv(raw / "train_bounding_boxes.csv")
    segmented = sorted(p.stem for p in (raw / "segmentations").glob("*.nii"))
    box_studies = sorted(boxes[STUDY].unique())
    train_ids, box_ids, segmentation_ids = split_studies(list(table[STUDY]), box_studies, segmented)

    in_train = table[STUDY].isin(train_ids)
    train = table[in_train]
    held_out = table[~in_train]
    answers = held_out.melt(id_vars=STUDY, var_name=TYPE, value_name=TARGET)
    answers[ROW_ID] = answers[STUDY] + "_" + answers[TYPE]
    if list(train.columns) != TRAIN_COLUMNS:
        raise ValueError(f"train.csv has columns {list(train.columns)}, expected {TRAIN_COLUMNS}")
    if list(boxes.columns) != BOX_COLUMNS:
        raise ValueError(f"train_bounding_boxes.csv has columns {list(boxes.columns)}, expected {BOX_COLUMNS}")

    train.to_csv(public / "train.csv", index=False)
    boxes[boxes[STUDY].isin(box_ids)].to_csv(public / "train_bounding_boxes.csv", index=False)
    answers.to_csv(private / "answers.csv", index=False)
    pd.DataFrame({ROW_ID: answers[ROW_ID], TARGET: SAMPLE_VALUE}).to_csv(public / "sample_submission.csv", index=False)
    answers.drop(columns=[TARGET]).to_csv(public / "test.csv", index=False)

    place_files(raw / "segmentations", segmentation_ids, public / "segmentations", name="{id}.nii")
    images = raw / "train_images"
    for side, side_studies in (("train_images", train[STUDY]), ("test_images", held_out[STUDY])):
        files = [name for study in side_studies for name in _slice_files(images / str(study))]
        (public / side).mkdir(exist_ok=True)
        place_files(images, files, public / side)


def _cells(answers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, int]:
    """Where each answer row sits in the (studies, 8) matrix: study and prediction-type positions, from the row id
    split at its first '_' as upstream unmelts it, and the number of studies."""
    parts = answers[ROW_ID].astype(str).str.split("_", n=1, expand=True)
    studies, study_index = np.unique(parts[0].to_numpy(dtype=str), return_inverse=True)
    type_index = pd.Index(PREDICTION_TYPES).get_indexer(pd.Index(parts[1]))
    if (type_index < 0).any():
        unknown = checks.examples(parts[1][type_index < 0].unique())
        raise ValueError(f"answers have row ids of unknown prediction types: {unknown}")
    return study_index, type_index, len(studies)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """The competition's weighted log loss, with upstream's checks."""
    checks.require_columns(submission, [ROW_ID, TARGET])
    predicted = checks.numeric_columns(submission, [TARGET])[:, 0]
    outside = (predicted < 0) | (predicted > 1)
    if outside.any():
        raise InvalidSubmissionError(
            f"column '{TARGET}' must be within [0, 1]; {int(outside.sum())} value(s) are not, e.g. for "
            f"{checks.examples(submission.loc[outside, ROW_ID])}"
        )
    sub, ans = checks.align_by_id(submission.assign(**{TARGET: predicted}), answers, ROW_ID)
    study_index, type_index, n_studies = _cells(ans)
    y_true = np.full((n_studies, len(PREDICTION_TYPES)), np.nan)
    y_pred = y_true.copy()
    y_true[study_index, type_index] = ans[TARGET].to_numpy(dtype=float)
    y_pred[study_index, type_index] = sub[TARGET].to_numpy(dtype=float)
    return metrics.weighted_multilabel_log_loss(
        y_true, y_pred, negative_weights=NEGATIVE_WEIGHTS, positive_weights=POSITIVE_WEIGHTS
    )


# Synthetic data: Kaggle's layout with studies named like the real ones (1.2.826.0.1.3680043.<n>). Each study's
# scan is a few tiny int16 CT slices in which a fractured vertebra shows as a bright band at its height; some
# studies have bounding boxes of the fractures (one row per slice), some a NIfTI segmentation of the vertebrae
# (labels 1..7 for C1..C7), some both. Kaggle's test.csv, sample submission and three test studies complete it.
SLICES = 7  # one slice per vertebra, so a fracture's band lands on its vertebra's slice
SIDE = 16


def _study_ids(gen: np.random.Generator, n: int) -> list[str]:
    numbers = gen.choice(np.arange(1000, 33000), n, replace=False)
    return [f"1.2.826.0.1.3680043.{int(x)}" for x in numbers]


def _scan(gen: np.random.Generator, labels: np.ndarray) -> list[np.ndarray]:
    """One slice per vertebra: soft tissue noise, bone in the middle, brighter where the vertebra is fractured."""
    slices = []
    for k in range(SLICES):
        pixels = gen.normal(40, 20, (SIDE, SIDE))
        pixels[4:12, 4:12] += 700 + (900 if labels[k] else 0)
        slices.append(np.clip(pixels, -1024, 3071).astype(np.int16))
    return slices


def _write_study(gen: np.random.Generator, folder: Path, study: str, labels: np.ndarray) -> None:
    slices = _scan(gen, labels)
    names = [f"{k}.dcm" for k in range(1, SLICES + 1)]
    contents = (
        dicom_bytes(
            pixels,
            sop_instance_uid=f"{study}.1.{k}",
            patient_id=study.rsplit(".", 1)[-1],
            modality="CT",
            sop_class_uid=CT_IMAGE,
            study_instance_uid=study,
            series_instance_uid=f"{study}.1",
            extra={(0x0020, 0x0013): ("IS", str(k))},
        )
        for k, pixels in enumerate(slices, start=1)
    )
    write_files(folder / study, names, contents)


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training studies (at least 40): about a sixth with bounding boxes, a tenth segmented, half of those
    both, so every group keeps a member in upstream's 10% train split."""
    gen = rng(seed, "rsna-2022-cervical-spine-fracture-detection")
    n = max(40, size)
    studies = _study_ids(gen, n + 3)
    train_studies, kaggle_test = studies[:n], studies[n:]
    fractured = gen.random((n, len(VERTEBRAE))) < 0.12
    labels = pd.DataFrame(fractured.astype(int), columns=VERTEBRAE)
    labels.insert(0, "patient_overall", fractured.any(axis=1).astype(int))
    labels.insert(0, STUDY, train_studies)
    write_csv(labels[TRAIN_COLUMNS], out / "train.csv")

    n_boxes, n_segmented = max(15, n // 6), max(10, n // 10)
    n_overlap = n_segmented // 2
    order = gen.permutation(n)
    segmented_rows = order[:n_segmented]
    box_rows = np.concatenate([order[:n_overlap], order[n_segmented : n_segmented + n_boxes - n_overlap]])
    box_frames = []
    for row in sorted(box_rows):
        for k in np.flatnonzero(fractured[row]) if fractured[row].any() else [int(gen.integers(0, SLICES))]:
            box_frames.append(
                {
                    STUDY: train_studies[row],
                    "x": round(float(gen.uniform(2, 6)), 5),
                    "y": round(float(gen.uniform(2, 6)), 5),
                    "width": round(float(gen.uniform(6, 9)), 5),
                    "height": round(float(gen.uniform(6, 9)), 5),
                    "slice_number": int(k) + 1,
                }
            )
    write_csv(pd.DataFrame(box_frames, columns=BOX_COLUMNS), out / "train_bounding_boxes.csv")

    (out / "segmentations").mkdir(parents=True, exist_ok=True)
    for row in segmented_rows:
        volume = np.zeros((SIDE, SIDE, SLICES), dtype=np.uint8)
        for k in range(SLICES):
            volume[4:12, 4:12, k] = k + 1  # C1..C7, one per slice
        write_nifti(out / "segmentations" / f"{train_studies[row]}.nii", volume)

    for row, study in enumerate(train_studies):
        _write_study(gen, out / "train_images", study, fractured[row])
    for study in kaggle_test:
        _write_study(gen, out / "test_images", study, np.zeros(SLICES, dtype=bool))
    kaggle_rows = [(f"{s}_{t}", s, t) for s in kaggle_test for t in VERTEBRAE]
    write_csv(pd.DataFrame(kaggle_rows, columns=[ROW_ID, STUDY, TYPE]), out / "test.csv")
    sample = pd.DataFrame({ROW_ID: [r[0] for r in kaggle_rows], TARGET: SAMPLE_VALUE})
    write_csv(sample, out / "sample_submission.csv")
