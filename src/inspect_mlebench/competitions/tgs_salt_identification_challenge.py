"""tgs-salt-identification-challenge: salt masks of 101x101 seismic images as run-length encodings, scored by the
mean over images of the share of IoU thresholds 0.5..0.95 the predicted mask passes (library `iou_threshold_precision`).

Kaggle's download nests everything in `competition_data.zip` (`competition_data/train.csv`, `train/images/*.png`,
`train/masks/*.png`, `test/images/*.png`) next to `depths.csv`. Upstream holds out a quarter of the labelled images
(random_state 0) as the test set and publishes depths for the training ids only.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.archives import write_zip
from inspect_mlebench.formats.images import png_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.rle import RleError, rle_encode, rle_runs
from inspect_mlebench.kit.raw import read_zipped_csv
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

CID = "tgs-salt-identification-challenge"
SIDE = 101  # every image is 101 x 101 pixels, numbered down the columns first
COLUMNS = ["id", "rle_mask"]
FOLDER = "competition_data"


# --- preparation -----------------------------------------------------------------------------------------------


def _extract(archive: zipfile.ZipFile, members: dict[str, Path]) -> None:
    for member, target in members.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(archive.read(member))


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    labelled = read_zipped_csv(raw / f"{FOLDER}.zip", f"{FOLDER}/train.csv").fillna("")
    with zipfile.ZipFile(raw / f"{FOLDER}.zip") as archive:
        images = {
            Path(name).stem: name
            for name in archive.namelist()
            if name.startswith(f"{FOLDER}/train/images/") and name.endswith(".png")
        }
        if len(images) != len(labelled) or set(images) != set(labelled["id"]):
            raise ValueError(f"{FOLDER}/train/images does not hold one image per row of {FOLDER}/train.csv")
        train, test = train_test_split(labelled, test_size=0.25, random_state=0)
        train.sort_values(by="id").to_csv(public / "train.csv", index=False)
        test.sort_values(by="id").to_csv(private / "test.csv", index=False)

        members: dict[str, Path] = {}
        for image_id in train["id"]:
            members[images[image_id]] = public / "train" / "images" / f"{image_id}.png"
            members[f"{FOLDER}/train/masks/{image_id}.png"] = public / "train" / "masks" / f"{image_id}.png"
        for image_id in test["id"]:
            members[images[image_id]] = public / "test" / "images" / f"{image_id}.png"
        _extract(archive, members)

    sample = test.drop(columns=["rle_mask"]).assign(rle_mask="1 1")
    sample.sort_values(by="id").to_csv(public / "sample_submission.csv", index=False)
    depths = read_csv(raw / "depths.csv")
    depths[depths["id"].isin(set(train["id"]))].sort_values(by="id").to_csv(public / "depths.csv", index=False)
    assert set(train["id"]).isdisjoint(test["id"])


# --- grading -----------------------------------------------------------------------------------------------------


def _runs(encodings: pd.Series, column: str, ids: pd.Series) -> list[np.ndarray]:
    out = []
    for image_id, text in zip(ids, encodings, strict=True):
        try:
            out.append(rle_runs(text, SIDE, SIDE))
        except RleError as err:
            raise InvalidSubmissionError(
                f"column '{column}' of id {image_id!r} is not a valid encoding: {err}"
            ) from None
    return out


def _empty_as_text(column: pd.Series) -> pd.Series:
    """Empty cells as empty text, other values as read (upstream's `fillna("")`, without pandas' dtype warning)."""
    return column.astype(object).where(column.notna(), "")


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    # upstream's order of checks: exactly the two columns, the row count, every cell text (empty cells count as
    # empty text), then the sorted ids equal to the test set's, then every encoding decodable
    checks.require_exact_columns(submission, COLUMNS)
    checks.require_row_count(submission, answers)
    sub = pd.DataFrame({column: _empty_as_text(submission[column]) for column in COLUMNS})
    for column in COLUMNS:
        odd = sub[column][[not isinstance(value, str) for value in sub[column]]]
        if len(odd):
            raise InvalidSubmissionError(
                f"column '{column}' must hold text (run-length encodings, empty for no salt); it has values such "
                f"as {checks.examples(odd.unique())}"
            )
    sub = sub.sort_values(by="id")
    ans = pd.DataFrame({column: _empty_as_text(answers[column]) for column in COLUMNS}).sort_values(by="id")
    if (sub["id"].to_numpy() != ans["id"].to_numpy()).any():
        unknown = sorted(set(sub["id"]) - set(ans["id"]))
        missing = sorted(set(ans["id"]) - set(sub["id"]))
        detail = [f"{len(missing)} missing, e.g. {checks.examples(missing)}"] if missing else []
        detail += [f"{len(unknown)} unknown, e.g. {checks.examples(unknown)}"] if unknown else []
        detail = detail or ["some repeated"]
        raise InvalidSubmissionError(f"column 'id' does not hold the test set's ids once each: {'; '.join(detail)}")
    predicted = _runs(sub["rle_mask"], "rle_mask", sub["id"])
    truth = [rle_runs(text, SIDE, SIDE) for text in ans["rle_mask"]]
    return metrics.iou_threshold_precision(truth, predicted, pixels=SIDE * SIDE)


# --- synthetic data ----------------------------------------------------------------------------------------------


def _ids(gen: np.random.Generator, n: int) -> list[str]:
    """Kaggle's 10-hex-digit ids, each with a letter other than 'e' so no id column ever reads as numbers."""
    ids: list[str] = []
    while len(ids) < n:
        candidate = gen.bytes(5).hex()
        if any(c in "abcdf" for c in candidate) and candidate not in ids:
            ids.append(candidate)
    return ids


def _scene(gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A seismic-like section (horizontal reflectors) with a salt body (quiet, bright) below a wavy top; some
    images have no salt at all and a few are entirely salt."""
    rows, cols = np.mgrid[0:SIDE, 0:SIDE]
    kind = gen.random()
    if kind < 0.3:
        top = np.full(SIDE, SIDE + 10.0)
    elif kind < 0.4:
        top = np.full(SIDE, -10.0)
    else:
        top = gen.uniform(10, 90) + gen.uniform(5, 25) * np.sin(cols[0] / gen.uniform(8, 30) + gen.uniform(0, 6))
    salt = rows >= top[None, :]
    reflectors = 60 * np.sin(rows / gen.uniform(2, 5) + 0.05 * cols * gen.uniform(-1, 1))
    pixels = np.where(salt, 170 + gen.normal(0, 6, salt.shape), 110 + reflectors + gen.normal(0, 12, salt.shape))
    gray = np.clip(pixels, 0, 255).astype(np.uint8)
    return np.repeat(gray[:, :, None], 3, axis=2), salt


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, CID)
    n_train, n_test = max(size, 12), max(4, size // 4)
    ids = _ids(gen, n_train + n_test)
    members: list[tuple[str, bytes | str]] = []
    rows = []
    for index, image_id in enumerate(ids):
        image, salt = _scene(gen)
        part = "train" if index < n_train else "test"
        members.append((f"{FOLDER}/{part}/images/{image_id}.png", png_bytes(image)))
        if part == "train":
            members.append((f"{FOLDER}/train/masks/{image_id}.png", png_bytes(salt * 65535, bits=16)))
            rows.append({"id": image_id, "rle_mask": rle_encode(salt, "F")})
    train = pd.DataFrame(rows)
    sample = pd.DataFrame({"id": ids[n_train:], "rle_mask": "1 1"})
    depths = pd.DataFrame({"id": ids, "z": gen.integers(51, 960, len(ids))}).sample(frac=1, random_state=seed)
    members += [
        (f"{FOLDER}/train.csv", train.to_csv(index=False)),
        (f"{FOLDER}/depths.csv", depths.to_csv(index=False)),
    ]
    members.append((f"{FOLDER}/sample_submission.csv", sample.to_csv(index=False)))
    out.mkdir(parents=True, exist_ok=True)
    write_zip(out / f"{FOLDER}.zip", sorted(members))
    write_csv(train, out / "train.csv")
    write_csv(depths, out / "depths.csv")
    write_csv(sample, out / "sample_submission.csv")
