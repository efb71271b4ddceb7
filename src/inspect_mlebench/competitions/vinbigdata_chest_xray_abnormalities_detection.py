"""vinbigdata-chest-xray-abnormalities-detection: find and box 14 kinds of abnormality on chest X-rays (class 14,
'No finding', for a normal image), scored by COCO box mAP at IoU 0.4.

Upstream holds out 10% of Kaggle's training images (`train_test_split` of train.csv's unique image ids,
random_state=0). The public train.csv keeps the other images' rows as they are (one per radiologist and finding);
the answers keep, for each held-out image and class, the first value of each column over its rows (pandas'
`groupby(...).first()`, which skips empty cells; Kaggle's real test set has one consensus box per image and class),
empty cells become 0 and 'No finding' gets the box 0 0 1 1. The gold submission joins an image's answers into
'class 1.0 x_min y_min x_max y_max' groups; the sample submission says '14 1 0 0 1 1' for every test image. The
DICOM files go to public/train and public/test; Kaggle's own test images are not used.

Upstream's grader wants the columns image_id and PredictionString and exactly the test images' ids as a set (rows
may repeat an image, in any order: every row's boxes count). Each PredictionString is split on single spaces into
numbers Python's float() reads, in groups of six (class, confidence, box); the class is the number truncated to an
integer. Anything else is invalid. The score is `coco_map_iou40` of the library.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from inspect_mlebench.formats.dicom import SECONDARY_CAPTURE, dicom_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "image_id"
PREDICTION = "PredictionString"
NO_FINDING = 14
BOX = ["x_min", "y_min", "x_max", "y_max"]
CLASSES = [
    "Aortic enlargement",
    "Atelectasis",
    "Calcification",
    "Cardiomegaly",
    "Consolidation",
    "ILD",
    "Infiltration",
    "Lung Opacity",
    "Nodule/Mass",
    "Other lesion",
    "Pleural effusion",
    "Pleural thickening",
    "Pneumothorax",
    "Pulmonary fibrosis",
    "No finding",
]


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    table = read_csv(raw / "train.csv")
    # the unique ids as a numpy array (pandas 2's `unique()`; pandas 3 may give an Arrow array scikit-learn can't index)
    unique_ids = np.asarray(table[ID].unique(), dtype=object)
    train_ids, test_ids = train_test_split(unique_ids, test_size=0.1, random_state=0)
    train = table[table[ID].isin(train_ids)]
    held_out = table[table[ID].isin(test_ids)]
    sample = pd.DataFrame({ID: test_ids, PREDICTION: f"{NO_FINDING} 1 0 0 1 1"})

    # one row per image and class: each column's first non-empty value over the radiologists' rows
    answers = held_out.groupby(by=[ID, "class_id"]).first().reset_index().fillna(0)
    answers.loc[answers["class_id"] == NO_FINDING, ["x_max", "y_max"]] = 1.0
    groups = [
        f"{class_id} 1.0 {x_min} {y_min} {x_max} {y_max}"
        for class_id, x_min, y_min, x_max, y_max in answers[["class_id", *BOX]].itertuples(index=False)
    ]
    gold = pd.DataFrame({ID: answers[ID], PREDICTION: groups}).groupby(ID)[PREDICTION].agg(" ".join).reset_index()

    train.to_csv(public / "train.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    answers.to_csv(private / "answers.csv", index=False)
    gold.to_csv(private / "gold_submission.csv", index=False)
    place_files(raw / "train", train_ids, public / "train", name="{id}.dicom")
    place_files(raw / "train", test_ids, public / "test", name="{id}.dicom")


def gold(public: Path, private: Path) -> pd.DataFrame:
    """The gold submission the preparer wrote (upstream's), as written."""
    return pd.read_csv(private / "gold_submission.csv", dtype=str, keep_default_na=False)


def parse_detections(text: Any, image: Any) -> list[tuple[Any, int, float, float, float, float, float]]:
    """(image, class, confidence, x_min, y_min, x_max, y_max) per group of six numbers of a PredictionString."""
    if not isinstance(text, str):
        raise InvalidSubmissionError(f"column '{PREDICTION}' must be text; image {image!r} has {text!r}")
    try:
        values = [float(token) for token in text.split(" ")]
    except ValueError as err:
        raise InvalidSubmissionError(
            f"column '{PREDICTION}' of image {image!r} must be numbers separated by single spaces: {err}"
        ) from err
    if len(values) % 6:
        raise InvalidSubmissionError(
            f"column '{PREDICTION}' of image {image!r} has {len(values)} numbers, not groups of six (class, "
            "confidence, x_min, y_min, x_max, y_max)"
        )
    detections = []
    for i in range(0, len(values), 6):
        try:
            category = int(values[i])
        except (ValueError, OverflowError) as err:
            raise InvalidSubmissionError(f"column '{PREDICTION}' of image {image!r} has class {values[i]}") from err
        detections.append((image, category, *values[i + 1 : i + 6]))
    return detections


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, PREDICTION])
    checks.require_id_set(submission, answers, ID)
    detections = [
        detection
        for text, image in zip(submission[PREDICTION], submission[ID], strict=True)
        for detection in parse_detections(text, image)
    ]
    truth = list(answers[[ID, "class_id", *BOX]].itertuples(index=False, name=None))
    return metrics.coco_map_iou40(truth, detections)


# Synthetic data: tiny 16-bit DICOM chest X-rays. About 60% are normal: three radiologists each write one 'No finding'
# row with empty box cells. The others hold one to three findings, each a bright patch at its box (a class's patches
# sit in a typical region), which each of the three radiologists boxes with a little jitter (sometimes one misses
# it). Kaggle's test images and sample submission complete the layout.
Box = tuple[float, float, float, float]
Finding = tuple[int, Box]


def _finding_box(gen: np.random.Generator, cls: int, rows: int, cols: int) -> tuple[float, float, float, float]:
    x = (0.1 + 0.05 * (cls % 7)) * cols + gen.uniform(0, 0.1) * cols
    y = (0.1 + 0.04 * (cls % 9)) * rows + gen.uniform(0, 0.1) * rows
    width, height = gen.uniform(0.12, 0.3) * cols, gen.uniform(0.12, 0.3) * rows
    return (
        float(round(x)),
        float(round(y)),
        float(round(min(x + width, cols - 1))),
        float(round(min(y + height, rows - 1))),
    )


def _image(gen: np.random.Generator, image: str, findings: list[Finding], shape: tuple[int, int]) -> bytes:
    pixels = gen.normal(1200, 150, shape)
    for _, (x_min, y_min, x_max, y_max) in findings:
        pixels[int(y_min) : int(y_max), int(x_min) : int(x_max)] += 1500
    return dicom_bytes(
        np.clip(pixels, 0, 4095).astype(np.uint16),
        sop_instance_uid=f"2.25.{int(image, 16)}",
        modality="DX",
        sop_class_uid=SECONDARY_CAPTURE,
        patient_sex="M" if gen.random() < 0.5 else "F",
    )


def _annotations(gen: np.random.Generator, image: str) -> tuple[list[dict[str, Any]], list[Finding]]:
    rads = [f"R{r}" for r in sorted(gen.choice(np.arange(1, 18), 3, replace=False))]
    if gen.random() < 0.6:
        normal = [{ID: image, "class_name": CLASSES[NO_FINDING], "class_id": NO_FINDING, "rad_id": r} for r in rads]
        return normal, []
    shape = (96, 96)
    classes = sorted(gen.choice(NO_FINDING, int(gen.integers(1, 4)), replace=False))
    findings = [(int(c), _finding_box(gen, int(c), *shape)) for c in classes]
    rows: list[dict[str, Any]] = []
    for rad in rads:
        for cls, box in findings:
            if gen.random() < 0.15:
                continue
            jitter = [float(round(v + gen.normal(0, 1.5), 1)) for v in box]
            rows.append(
                {
                    ID: image,
                    "class_name": CLASSES[cls],
                    "class_id": cls,
                    "rad_id": rad,
                    **dict(zip(BOX, jitter, strict=True)),
                }
            )
    if not rows:
        rows = [{ID: image, "class_name": CLASSES[NO_FINDING], "class_id": NO_FINDING, "rad_id": rads[0]}]
    return rows, findings


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training images (at least 40, so the 10% test split holds several) and a few Kaggle test images."""
    gen = rng(seed, "vinbigdata-chest-xray-abnormalities-detection")
    n_train, n_test = max(40, size), max(4, size // 10)
    images = hex_ids(gen, n_train + n_test, 16)
    rows: list[dict[str, Any]] = []
    contents = []
    for image in images[:n_train]:
        annotations, findings = _annotations(gen, image)
        rows += annotations
        contents.append(_image(gen, image, findings, (96, 96)))
    write_files(out / "train", [f"{i}.dicom" for i in images[:n_train]], contents)
    test_contents = [_image(gen, image, _annotations(gen, image)[1], (96, 96)) for image in images[n_train:]]
    write_files(out / "test", [f"{i}.dicom" for i in images[n_train:]], test_contents)
    columns = [ID, "class_name", "class_id", "rad_id", *BOX]
    write_csv(pd.DataFrame(rows, columns=columns), out / "train.csv")
    sample = pd.DataFrame({ID: images[n_train:], PREDICTION: f"{NO_FINDING} 1 0 0 1 1"})
    write_csv(sample, out / "sample_submission.csv")
