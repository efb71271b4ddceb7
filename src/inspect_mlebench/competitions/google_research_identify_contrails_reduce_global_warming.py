"""google-research-identify-contrails-reduce-global-warming: contrail masks on GOES-16 infrared crops.

Kaggle's download holds one folder per record (`train/`, `validation/`, `test/`), each with nine brightness
temperature bands `band_08.npy` .. `band_16.npy` of shape (height, width, 8 time steps) and, for labelled records,
`human_pixel_masks.npy` (height, width, 1) and (train only) `human_individual_masks.npy` (height, width, 1, R
labellers); `train_metadata.json` and `validation_metadata.json` list the records. Upstream holds out as many
training records as the validation set has (a random split, seed 0); their masks, run-length encoded down the
columns, become the answers, and the validation set stays public as it is.

Scored with the Dice coefficient of all test pixels pooled (not a mean over records); '-' is an empty mask.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.grading.rle import RleError, rle_decode, rle_encode
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv

COMPETITION = "google-research-identify-contrails-reduce-global-warming"
BANDS = tuple(f"band_{i:02d}.npy" for i in range(8, 17))
PIXEL_MASK = "human_pixel_masks.npy"
INDIVIDUAL_MASKS = "human_individual_masks.npy"
EMPTY = "-"
SAMPLE_GUESSES = ("1 3 10 5", EMPTY)  # upstream's sample submission picks one of these per record
ANSWER_COLUMNS = ["record_id", "encoded_pixels", "height", "width"]
SUBMISSION_COLUMNS = ["record_id", "encoded_pixels"]


# ----------------------------------------------------------------------------------------------------------- prepare


def _encode(mask_file: Path) -> str:
    """The record's mask run-length encoded down the columns (pixels equal to 1), or '-' when empty."""
    mask = np.load(mask_file)
    plane = mask.reshape(mask.shape[0], mask.shape[1], -1)[:, :, 0] if mask.ndim > 2 else mask
    return rle_encode(plane == 1, "F") or EMPTY


def _link_tree(source: Path, dest: Path) -> None:
    """Every file under `source` at the same relative path under `dest` (hard-linked where possible)."""
    dest.mkdir(parents=True, exist_ok=True)
    files = sorted(str(p.relative_to(source)) for p in source.rglob("*") if p.is_file())
    if files:
        place_files(source, files, dest)


def prepare(raw: Path, public: Path, private: Path) -> None:
    from sklearn.model_selection import train_test_split

    train_records = json.loads((raw / "train_metadata.json").read_text())
    validation_records = json.loads((raw / "validation_metadata.json").read_text())
    new_train, new_test = train_test_split(train_records, test_size=len(validation_records), random_state=0)

    answers = []
    for record in new_test:
        folder = raw / "train" / record["record_id"]
        height, width = np.load(folder / "band_08.npy", mmap_mode="r").shape[:2]
        encoded = _encode(folder / PIXEL_MASK)
        answers.append({"record_id": record["record_id"], "encoded_pixels": encoded, "height": height, "width": width})
    answer_frame = pd.DataFrame(answers, columns=ANSWER_COLUMNS)

    for side, records, names in (
        ("train", new_train, (*BANDS, INDIVIDUAL_MASKS, PIXEL_MASK)),
        ("test", new_test, BANDS),
    ):
        for record in records:
            place_files(raw / "train" / record["record_id"], names, public / side / record["record_id"])
    (public / "train").mkdir(exist_ok=True)
    (public / "test").mkdir(exist_ok=True)

    if (raw / "validation").is_dir():
        _link_tree(raw / "validation", public / "validation")
    (public / "validation").mkdir(exist_ok=True)
    shutil.copyfile(raw / "validation_metadata.json", public / "validation_metadata.json")
    (public / "train_metadata.json").write_text(json.dumps(new_train))
    answer_frame.to_csv(private / "answers.csv", index=False)

    guesses = random.Random(0)
    sample = answer_frame.assign(encoded_pixels=[guesses.choice(SAMPLE_GUESSES) for _ in range(len(answer_frame))])
    sample.to_csv(public / "sample_submission.csv", index=False)

    assert len(list((public / "train").rglob("band_*.npy"))) == 9 * len(new_train)
    assert len(list((public / "test").rglob("band_*.npy"))) == 9 * len(new_test)
    assert not list((public / "test").rglob("human_*.npy")), "test records must not carry masks"


# ------------------------------------------------------------------------------------------------------------- grade


def _masks(texts: np.ndarray, heights: np.ndarray, widths: np.ndarray, ids: pd.Series) -> list[np.ndarray]:
    masks = []
    for text, height, width, record_id in zip(texts, heights, widths, ids, strict=True):
        if not isinstance(text, str):
            raise InvalidSubmissionError(
                f"column 'encoded_pixels' must hold run-length text or '-' for every record; record {record_id!r} "
                f"has {checks.examples([text])}"
            )
        try:
            masks.append(rle_decode("" if text == EMPTY else text, int(height), int(width), "F"))
        except RleError as err:
            raise InvalidSubmissionError(
                f"column 'encoded_pixels' of record {record_id!r} is not a valid run-length encoding: {err}"
            ) from err
    return masks


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Upstream's rules: the two columns present (others ignored), one row per test record, the same record ids once
    both are sorted (compared as parsed, so `123.0` matches 123), every mask valid run-length text or '-'."""
    checks.require_columns(submission, SUBMISSION_COLUMNS)
    checks.require_row_count(submission, answers)
    try:
        sub = submission.sort_values("record_id")
    except TypeError as err:
        raise InvalidSubmissionError("column 'record_id' mixes numbers and text, so it cannot be sorted") from err
    ans = answers.sort_values("record_id")
    differ = np.asarray(sub["record_id"].to_numpy() != ans["record_id"].to_numpy())
    if differ.any():
        raise InvalidSubmissionError(
            f"column 'record_id' does not hold the test records once sorted: e.g. "
            f"{checks.examples(sub['record_id'][differ])} where the test set has "
            f"{checks.examples(ans['record_id'][differ])}"
        )
    if not pd.api.types.is_integer_dtype(sub["record_id"]):
        lenient(
            "record ids in column 'record_id' are not written as whole numbers (e.g. 123.0); upstream compares "
            "parsed numbers"
        )
    absent = [c for c in ("height", "width") if c not in submission.columns]
    if absent:
        lenient(f"submission lacks the sample submission's column(s) {checks.examples(absent)}; upstream ignores them")
    heights, widths = ans["height"].to_numpy(), ans["width"].to_numpy()
    truth = _masks(ans["encoded_pixels"].to_numpy(), heights, widths, ans["record_id"])
    predicted = _masks(sub["encoded_pixels"].to_numpy(), heights, widths, sub["record_id"])
    return metrics.global_dice(truth, predicted)


# -------------------------------------------------------------------------------------------------------- synthetic

SYNTH_SIDE = 32  # Kaggle's crops are 256 x 256; the synthetic ones keep the layout at a tiny size
TIME_STEPS = 8  # 4 before the labelled frame, the labelled frame, 3 after (as Kaggle's)
LABELLED_FRAME = 4
BAND_BASE_K = {8: 233.0, 9: 243.0, 10: 251.0, 11: 271.0, 12: 255.0, 13: 273.0, 14: 272.0, 15: 270.0, 16: 259.0}
WKT = (
    'PROJCS["unknown",GEOGCS["unknown",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
    'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]],PROJECTION["Geostationary_Satellite"],'
    'PARAMETER["central_meridian",-75],PARAMETER["satellite_height",35786023],PARAMETER["false_easting",0],'
    'PARAMETER["false_northing",0],UNIT["metre",1],EXTENSION["PROJ4","+proj=geos +lon_0=-75 +h=35786023 +x_0=0 '
    '+y_0=0 +ellps=GRS80 +units=m +no_defs +sweep=x"]]'
)


def _record_ids(gen: np.random.Generator, n: int) -> list[str]:
    """Kaggle's record ids: distinct 19-digit numbers written as text (some above the int64 range, as there)."""
    ids: set[str] = set()
    while len(ids) < n:
        ids.add(str(int(gen.integers(10**18, 10**19 - 1, dtype=np.uint64))))
    return sorted(ids)


def _contrail_mask(gen: np.random.Generator, lines: int) -> np.ndarray:
    """Thin straight streaks, two pixels wide, crossing the crop at random angles."""
    mask = np.zeros((SYNTH_SIDE, SYNTH_SIDE), dtype=bool)
    rows, cols = np.mgrid[0:SYNTH_SIDE, 0:SYNTH_SIDE]
    for _ in range(lines):
        angle = gen.uniform(0, np.pi)
        r0, c0 = gen.uniform(4, SYNTH_SIDE - 4, size=2)
        length = gen.uniform(8, SYNTH_SIDE)
        along = (rows - r0) * np.sin(angle) + (cols - c0) * np.cos(angle)
        across = -(rows - r0) * np.cos(angle) + (cols - c0) * np.sin(angle)
        mask |= (np.abs(across) < 1.0) & (np.abs(along) < length / 2)
    return mask


def _write_record(folder: Path, gen: np.random.Generator, mask: np.ndarray, individual: bool, labels: bool) -> None:
    """The nine bands (float32 kelvin, contrails colder in band 14 than 15 around the labelled frame) and masks."""
    folder.mkdir(parents=True, exist_ok=True)
    scene = gen.normal(0, 4, (SYNTH_SIDE, SYNTH_SIDE, 1)) + gen.normal(0, 1.5, (SYNTH_SIDE, SYNTH_SIDE, TIME_STEPS))
    weight = np.exp(-0.5 * (np.arange(TIME_STEPS) - LABELLED_FRAME) ** 2)  # the streak fades in and out
    streak = mask[:, :, None] * weight[None, None, :]
    for band, base in BAND_BASE_K.items():
        cooling = {14: 6.0, 15: 3.0, 13: 4.0, 11: 4.0}.get(band, 1.0)
        values = base + scene - cooling * streak + gen.normal(0, 0.3, scene.shape)
        np.save(folder / f"band_{band:02d}.npy", values.astype(np.float32))
    if not labels:
        return
    np.save(folder / PIXEL_MASK, mask.astype(np.int32)[:, :, None])
    if individual:
        votes = [mask & (gen.random(mask.shape) < 0.9) for _ in range(int(gen.integers(4, 8)))]
        np.save(folder / INDIVIDUAL_MASKS, np.stack(votes, axis=-1).astype(np.int32)[:, :, None, :])


def _metadata(gen: np.random.Generator, record_id: str) -> dict[str, object]:
    return {
        "record_id": record_id,
        "projection_wkt": WKT,
        "row_min": float(gen.uniform(-4e6, 4e6)),
        "row_size": 2004.0,
        "col_min": float(gen.uniform(-4e6, 4e6)),
        "col_size": 2004.0,
        "timestamp": float(1.555e9 + gen.integers(0, 10**7) * 600),
    }


def synthesize(out: Path, seed: int, size: int) -> None:
    from sklearn.model_selection import train_test_split

    gen = rng(seed, COMPETITION)
    n_validation = max(6, size // 10)  # upstream holds out as many training records as validation has
    n_train = size + n_validation
    ids = _record_ids(gen, n_train + n_validation + 2)
    train_ids, validation_ids, test_ids = ids[:n_train], ids[n_train:-2], ids[-2:]
    # most records show contrails; some held-out ones are sure to (and one sure not to), so Dice is defined
    held_out = set(train_test_split(list(range(n_train)), test_size=n_validation, random_state=0)[1])
    forced = sorted(held_out)
    for split, split_ids in (("train", train_ids), ("validation", validation_ids), ("test", test_ids)):
        for i, record_id in enumerate(split_ids):
            lines = int(gen.integers(1, 4)) if gen.random() < 0.65 else 0
            if split == "train" and i in forced[:3]:
                lines = max(lines, 1)
            if split == "train" and i == forced[-1]:
                lines = 0
            mask = _contrail_mask(gen, lines)
            _write_record(out / split / record_id, gen, mask, individual=split == "train", labels=split != "test")
    for name, split_ids in (("train_metadata.json", train_ids), ("validation_metadata.json", validation_ids)):
        (out / name).write_text(json.dumps([_metadata(gen, i) for i in split_ids]))
    sample = pd.DataFrame({"record_id": test_ids, "encoded_pixels": list(SAMPLE_GUESSES)})
    write_csv(sample, out / "sample_submission.csv")
