"""hubmap-kidney-segmentation: glomeruli masks of giant kidney-slide TIFFs as run-length encodings, scored by the mean
per-image Dice coefficient (library `dice`, 1 where both masks are empty).

Kaggle's download holds `train.csv` (id, encoding), `HuBMAP-20-dataset_information.csv` (one row per slide, with its
size) and `train/` and `test/` folders of `{id}.tiff`, `{id}.json` (the glomeruli as GeoJSON polygons) and
`{id}-anatomical-structure.json`. Upstream splits the 15 labelled slides into 12 for training and 3 for testing
(random_state 0), and copies the test slides' glomerulus JSON files into `public/test/` too: they give the answers
away (known issue `test-json-leak`, kept as upstream has it). Masks are scored from their runs, never drawn, since a
slide has up to ~1.6 billion pixels.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.images import tiff_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.rle import RleError, rle_encode, rle_runs
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

CID = "hubmap-kidney-segmentation"
INFO = "HuBMAP-20-dataset_information.csv"
SLIDE_FILES = ("{id}.tiff", "{id}.json", "{id}-anatomical-structure.json")


# --- preparation -----------------------------------------------------------------------------------------------


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    labelled = read_csv(raw / "train.csv")
    info = read_csv(raw / INFO)
    train, test = train_test_split(labelled, train_size=12, test_size=3, random_state=0)
    if len(train) + len(test) != len(labelled):
        raise ValueError(f"train.csv has {len(labelled)} slides; upstream's 12 + 3 split needs exactly 15")
    info_ids = info["image_file"].str.replace(".tiff", "", regex=False)
    info = info[info_ids.isin(set(labelled["id"]))]
    sizes = info[["width_pixels", "height_pixels"]].assign(id=info_ids[info.index])
    answers = test.merge(sizes[["id", "width_pixels", "height_pixels"]], on="id")

    info.to_csv(public / INFO, index=False)
    train.to_csv(public / "train.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    sample = pd.DataFrame({"id": answers["id"], "predicted": ""})
    sample.to_csv(public / "sample_submission.csv", index=False)
    sample.assign(predicted=answers["encoding"]).to_csv(private / "gold_submission.csv", index=False)

    for part, ids in (("train", train["id"]), ("test", answers["id"])):
        for name in SLIDE_FILES:
            place_files(raw / "train", ids, public / part, name=name)
    shutil.copyfile(public / "sample_submission.csv", public / "test" / "sample_submission.csv")
    assert set(train["id"]).isdisjoint(answers["id"])


# --- grading -----------------------------------------------------------------------------------------------------


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    # upstream's order: both columns present (others ignored), the row count, the set of ids, then every encoding
    # decodable with the answers' slide sizes; rows pair by id
    checks.require_columns(submission, ["id", "predicted"])
    checks.require_row_count(submission, answers)
    checks.require_id_set(submission, answers, "id")
    sub = submission.sort_values("id").reset_index(drop=True)
    ans = answers.sort_values("id").reset_index(drop=True)
    predicted = sub["predicted"].astype(object).where(sub["predicted"].notna(), "").tolist()
    guesses: list[np.ndarray] = []
    truths: list[np.ndarray] = []
    shapes = zip(ans["height_pixels"].tolist(), ans["width_pixels"].tolist(), strict=True)
    for image_id, text, truth, (height, width) in zip(
        ans["id"], predicted, ans["encoding"].tolist(), shapes, strict=True
    ):
        if not isinstance(text, str):
            raise InvalidSubmissionError(
                f"column 'predicted' of id {image_id!r} is not a run-length encoding: {text!r}"
            )
        try:
            guesses.append(rle_runs(text, int(height), int(width)))
        except RleError as err:
            reason = f"column 'predicted' of id {image_id!r} is not a valid encoding: {err}"
            raise InvalidSubmissionError(reason) from None
        truths.append(rle_runs(truth, int(height), int(width)))
    return metrics.dice(truths, guesses, both_empty=1.0)


def gold(public: Path, private: Path) -> pd.DataFrame:
    """The preparer's own gold submission (upstream writes one), as written."""
    return pd.read_csv(private / "gold_submission.csv", dtype=str, keep_default_na=False)


# --- synthetic data ----------------------------------------------------------------------------------------------


def _ids(gen: np.random.Generator, n: int) -> list[str]:
    """Kaggle's 9-hex-digit slide ids, each with a letter other than 'e' (no id ever reads as a number)."""
    ids: list[str] = []
    while len(ids) < n:
        candidate = gen.bytes(5).hex()[:9]
        if any(c in "abcdf" for c in candidate) and candidate not in ids:
            ids.append(candidate)
    return ids


def _polygon(cx: float, cy: float, radius: float, points: int = 12) -> list[list[int]]:
    angles = np.linspace(0, 2 * np.pi, points, endpoint=False)
    ring = [[round(cx + radius * np.cos(a)), round(cy + radius * np.sin(a))] for a in angles]
    return [*ring, ring[0]]


def _feature(ring: list[list[int]], name: str, color: int, locked: bool) -> dict[str, object]:
    return {
        "type": "Feature",
        "id": "PathAnnotationObject",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {"classification": {"name": name, "colorRGB": color}, "isLocked": locked, "measurements": []},
    }


Features = list[dict[str, object]]


def _slide(gen: np.random.Generator, height: int, width: int) -> tuple[np.ndarray, np.ndarray, Features, Features]:
    """A PAS-stained-looking slide: pale pink tissue with darker round glomeruli (the mask), their polygons, and a
    cortex/medulla split of the tissue."""
    rows, cols = np.mgrid[0:height, 0:width]
    mask = np.zeros((height, width), dtype=bool)
    glomeruli: Features = []
    for _ in range(int(gen.integers(2, 7))):
        radius = float(gen.uniform(3, 6))
        cy, cx = float(gen.uniform(radius, height - radius)), float(gen.uniform(radius, width - radius))
        mask |= (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2
        glomeruli.append(_feature(_polygon(cx, cy, radius), "glomerulus", -3140401, True))
    tissue = np.stack([225 - 10 * gen.random((height, width)), 190 - 15 * gen.random((height, width)), 215 + 0 * rows])
    tissue = tissue.transpose(1, 2, 0)
    tissue[mask] = np.array([150.0, 60.0, 140.0]) + gen.normal(0, 8, (int(mask.sum()), 3))
    split = int(gen.integers(height // 3, 2 * height // 3))
    structures = [
        _feature([[0, 0], [width, 0], [width, split], [0, split], [0, 0]], "Cortex", -745031, False),
        _feature([[0, split], [width, split], [width, height], [0, height], [0, split]], "Medulla", -5111997, False),
    ]
    return tissue, mask, glomeruli, structures


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, CID)
    ids = _ids(gen, 20)  # 15 labelled slides (upstream's split needs exactly 15) and 5 unlabelled test slides
    side = max(32, size // 2)
    rows, info = [], []
    for index, slide_id in enumerate(ids):
        height, width = side + int(gen.integers(-8, 9)), side + int(gen.integers(0, 24))
        image, mask, glomeruli, structures = _slide(gen, height, width)
        folder = out / ("train" if index < 15 else "test")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{slide_id}.tiff").write_bytes(tiff_bytes(image))
        (folder / f"{slide_id}.json").write_text(json.dumps(glomeruli, indent=2))
        (folder / f"{slide_id}-anatomical-structure.json").write_text(json.dumps(structures, indent=2))
        if index < 15:
            rows.append({"id": slide_id, "encoding": rle_encode(mask, "F")})
        weight, height_cm = round(float(gen.uniform(55, 120)), 1), round(float(gen.uniform(150, 195)), 1)
        cortex = round(float(gen.uniform(40, 95)), 1)
        info.append(
            {
                "image_file": f"{slide_id}.tiff",
                "width_pixels": width,
                "height_pixels": height,
                "anatomical_structures_segmention_file": f"{slide_id}-anatomical-structure.json",
                "glomerulus_segmentation_file": f"{slide_id}.json",
                "patient_number": 67000 + int(gen.integers(0, 1000)),
                "race": str(gen.choice(["White", "Black or African American"])),
                "ethnicity": str(gen.choice(["Not Hispanic or Latino", "Hispanic or Latino"])),
                "sex": str(gen.choice(["Male", "Female"])),
                "age": int(gen.integers(30, 80)),
                "weight_kilograms": weight,
                "height_centimeters": height_cm,
                "bmi_kg/m^2": round(weight / (height_cm / 100) ** 2, 1),
                "laterality": str(gen.choice(["Left", "Right"])),
                "percent_cortex": cortex,
                "percent_medulla": round(100 - cortex, 1),
            }
        )
    write_csv(pd.DataFrame(rows), out / "train.csv")
    write_csv(pd.DataFrame(info), out / INFO)
    write_csv(pd.DataFrame({"id": ids[15:], "predicted": ""}), out / "sample_submission.csv")
