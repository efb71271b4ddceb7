"""siim-covid19-detection: classify chest X-ray studies (negative for pneumonia, typical, indeterminate or atypical
for COVID-19) and draw boxes around lung opacities on each image, scored by one detection mAP over both levels.

Upstream holds out 10% of Kaggle's training studies (`train_test_split` of train_study_level.csv, random_state=0);
each side's rows are sorted by id, and the images follow their study (train_image_level.csv rows whose
StudyInstanceUID + '_study' is on that side). The studies' DICOM folders (<study>/<series>/<image>.dcm) go to
public/train and public/test; Kaggle's own test studies are not used. The answers have one row per held-out study
('<label> 1 0 0 1 1', the label of its first 1 among the four class columns) and then one per image (its Kaggle
label: 'opacity <confidence> <box>' per box, or 'none 1 0 0 1 1'); the sample submission says 'negative 1 0 0 1 1'
and 'none 1 0 0 1 1'.

Upstream's grader wants as many rows as the answers, the columns `id` and `PredictionString`, and the same ids once
both files are sorted by id; each PredictionString must be text of whitespace-separated groups of six (a label,
then five numbers Python's float() reads). Anything else is invalid. The score is `siim_covid_map` of the library.
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
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
PREDICTION = "PredictionString"
STUDY_COLUMNS = ["Negative for Pneumonia", "Typical Appearance", "Indeterminate Appearance", "Atypical Appearance"]
STUDY_LABELS = ["negative", "typical", "indeterminate", "atypical"]
NO_BOX = "1 0 0 1 1"  # confidence 1 and the one-pixel box Kaggle asks for with study labels and 'none'


def _study_files(folder: Path) -> list[str]:
    """Every file under a study's folder (series folders, images), relative to the folder holding the studies."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no image folder for study {folder.name} in {folder.parent}")
    return sorted(p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p.is_file())


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    studies = read_csv(raw / "train_study_level.csv")
    train_studies, test_studies = train_test_split(studies, test_size=0.1, random_state=0)
    train_studies = train_studies.sort_values(by=ID)
    test_studies = test_studies.sort_values(by=ID)
    train_studies.to_csv(public / "train_study_level.csv", index=False)

    images = read_csv(raw / "train_image_level.csv")
    study_of_image = images["StudyInstanceUID"] + "_study"
    train_images = images[study_of_image.isin(train_studies[ID])].sort_values(by=ID)
    test_images = images[study_of_image.isin(test_studies[ID])].sort_values(by=ID)
    if len(train_images) + len(test_images) != len(images):
        raise ValueError("train_image_level.csv has images whose study is not in train_study_level.csv")
    train_images.to_csv(public / "train_image_level.csv", index=False)

    for side, side_studies in (("train", train_studies), ("test", test_studies)):
        folders = [str(s).removesuffix("_study") for s in side_studies[ID]]
        files = [name for folder in folders for name in _study_files(raw / "train" / folder)]
        (public / side).mkdir(exist_ok=True)
        place_files(raw / "train", files, public / side)

    # the study label: the first of the columns after the id holding the row's largest value
    picked = test_studies.iloc[:, 1:].to_numpy().argmax(axis=1)
    study_answers = [f"{STUDY_LABELS[k]} {NO_BOX}" for k in picked]
    answers = pd.DataFrame(
        {ID: [*test_studies[ID], *test_images[ID]], PREDICTION: [*study_answers, *test_images["label"]]}
    )
    answers.to_csv(private / "test.csv", index=False)
    sample = pd.DataFrame(
        {
            ID: [*test_studies[ID], *test_images[ID]],
            PREDICTION: [f"negative {NO_BOX}"] * len(test_studies) + [f"none {NO_BOX}"] * len(test_images),
        }
    )
    sample.to_csv(public / "sample_submission.csv", index=False)


Prediction = tuple[str, float, float, float, float, float]


def parse_predictions(text: Any, row_id: Any) -> list[Prediction]:
    """'label confidence x_min y_min x_max y_max' groups of a PredictionString, numbers read by Python's float()."""
    if not isinstance(text, str):
        raise InvalidSubmissionError(f"column '{PREDICTION}' must be text; id {row_id!r} has {text!r}")
    tokens = text.split()
    if len(tokens) % 6:
        raise InvalidSubmissionError(
            f"column '{PREDICTION}' of id {row_id!r} has {len(tokens)} values, not groups of six (label, confidence, "
            "x_min, y_min, x_max, y_max)"
        )
    try:
        return [
            (tokens[i], *(float(tokens[i + k]) for k in range(1, 6)))  # type: ignore[misc]
            for i in range(0, len(tokens), 6)
        ]
    except ValueError as err:
        raise InvalidSubmissionError(f"column '{PREDICTION}' of id {row_id!r}: {err}") from err


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, PREDICTION])
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    predicted = [parse_predictions(text, row_id) for text, row_id in zip(sub[PREDICTION], sub[ID], strict=True)]
    truth = [parse_predictions(text, row_id) for text, row_id in zip(ans[PREDICTION], ans[ID], strict=True)]
    try:
        return metrics.voc_map_iou50(truth, predicted)
    except ValueError as err:  # scikit-learn refusing NaN or infinite confidences of a scored class
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise InvalidSubmissionError(f"column '{PREDICTION}' cannot be scored: {detail}") from err


# Synthetic data: studies of one or two chest X-rays (tiny 16-bit DICOMs in <study>/<series>/<image>.dcm). Negative
# studies' images show no opacity ('none'); most images of the other classes show one or two bright opacities, which
# are the boxes, drawn into the pixels. Typical studies have more and larger opacities than atypical ones. Kaggle's
# own test studies (folders under test/ and the sample submission) complete the layout.
CLASS_SHARES = [0.27, 0.47, 0.17, 0.09]
OPACITY_CHANCE = [0.0, 0.95, 0.75, 0.6]


def _boxes(gen: np.random.Generator, cls: int, rows: int, cols: int) -> list[tuple[float, float, float, float]]:
    if gen.random() >= OPACITY_CHANCE[cls]:
        return []
    count = 2 if cls == 1 or gen.random() < 0.3 else 1
    boxes = []
    for side in gen.permutation(2)[:count]:
        width, height = gen.uniform(0.18, 0.32) * cols, gen.uniform(0.3, 0.5) * rows
        x = (0.08 + 0.5 * side) * cols + gen.uniform(0, 0.08) * cols
        y = gen.uniform(0.15, 0.4) * rows
        boxes.append((round(float(x), 5), round(float(y), 5), round(float(width), 5), round(float(height), 5)))
    return boxes


def _image_pixels(
    gen: np.random.Generator, rows: int, cols: int, boxes: list[tuple[float, float, float, float]]
) -> np.ndarray:
    pixels = gen.normal(900, 120, (rows, cols))
    for x, y, width, height in boxes:
        pixels[int(y) : int(y + height), int(x) : int(x + width)] += 1400
    return np.clip(pixels, 0, 4095).astype(np.uint16)


def _write_study(gen: np.random.Generator, root: Path, study: str, cls: int | None) -> list[tuple[str, str, str]]:
    """The study's images as DICOM files; returns (image id, boxes text, label) per image."""
    n_images = 2 if gen.random() < 0.2 else 1
    series = hex_ids(gen, 1, 6)[0]
    written = []
    for image in hex_ids(gen, n_images, 6):
        rows, cols = int(gen.integers(72, 97)), int(gen.integers(64, 89))
        boxes = _boxes(gen, cls, rows, cols) if cls is not None else _boxes(gen, int(gen.integers(0, 4)), rows, cols)
        folder = root / study / series
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{image}.dcm").write_bytes(
            dicom_bytes(
                _image_pixels(gen, rows, cols, boxes),
                sop_instance_uid=image,
                study_instance_uid=study,
                series_instance_uid=series,
                patient_id=hex_ids(gen, 1, 6)[0],
                patient_sex="M" if gen.random() < 0.55 else "F",
                modality="DX" if gen.random() < 0.5 else "CR",
                sop_class_uid=SECONDARY_CAPTURE,
            )
        )
        text = repr([{"x": x, "y": y, "width": w, "height": h} for x, y, w, h in boxes]) if boxes else ""
        label = (
            " ".join(f"opacity 1 {x} {y} {round(x + w, 5)} {round(y + h, 5)}" for x, y, w, h in boxes)
            if boxes
            else f"none {NO_BOX}"
        )
        written.append((f"{image}_image", text, label))
    return written


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training studies (at least 40, so the 10% test split holds several) and a few Kaggle test studies."""
    gen = rng(seed, "siim-covid19-detection")
    n_train, n_test = max(40, size), max(4, size // 10)
    studies = hex_ids(gen, n_train + n_test, 6)
    study_rows, image_rows = [], []
    for study in studies[:n_train]:
        cls = int(gen.choice(4, p=CLASS_SHARES))
        study_rows.append({ID: f"{study}_study", **{c: int(k == cls) for k, c in enumerate(STUDY_COLUMNS)}})
        for image, boxes, label in _write_study(gen, out / "train", study, cls):
            image_rows.append({ID: image, "boxes": boxes or None, "label": label, "StudyInstanceUID": study})
    sample_ids, sample_predictions = [], []
    for study in studies[n_train:]:
        images = _write_study(gen, out / "test", study, None)
        sample_ids += [f"{study}_study", *(image for image, _, _ in images)]
        sample_predictions += [f"negative {NO_BOX}", *(f"none {NO_BOX}" for _ in images)]
    write_csv(pd.DataFrame(study_rows, columns=[ID, *STUDY_COLUMNS]), out / "train_study_level.csv")
    image_columns = [ID, "boxes", "label", "StudyInstanceUID"]
    write_csv(pd.DataFrame(image_rows, columns=image_columns), out / "train_image_level.csv")
    write_csv(pd.DataFrame({ID: sample_ids, PREDICTION: sample_predictions}), out / "sample_submission.csv")
