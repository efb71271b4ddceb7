"""iWildCam (FGVC6 2019, FGVC7 2020): camera-trap JPEGs, one animal class per image, the hold-out made of whole
camera locations.

Facts from openai/mle-bench at commit 783b15a. Kaggle's 2019 download holds `train.csv` (category_id, date_captured,
file_name, frame_num, id, location, rights_holder, seq_id, seq_num_frames, width, height), `test.csv`,
`sample_submission.csv`, `train_images.zip` and `test_images.zip` (JPEGs named `<id>.jpg` at the archive's root).
Upstream keeps only the labelled train images: it splits their distinct locations (in order of first appearance)
with `train_test_split(test_size=0.1, random_state=8)`, so no camera site is on both sides, and re-zips the images.

The 2020 download is COCO-style: `iwildcam2020_train_annotations.json` (annotations, images, categories, info),
`iwildcam2020_test_information.json` (images, categories, info), `iwildcam2020_megadetector_results.json`,
`sample_submission.csv` and the folders `train/` and `test/` of `<id>.jpg`. Upstream splits the train images'
locations with `train_test_split(test_size=0.22, random_state=0)`, then moves locations one at a time (the last of
one side to the end of the other) until the test images, over all images plus the test images, are at most 22%,
and rewrites both JSON files for the new sides; the answers are the test images' annotations, graded by accuracy.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import write_zip
from inspect_mlebench.formats.images import jpeg_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files, rezip
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID, TARGET = "Id", "Category"
YEARS = (2019, 2020)
COMPETITION = {2019: "iwildcam-2019-fgvc6", 2020: "iwildcam-2020-fgvc7"}
# 2019: 10% of the locations go to the test side (upstream's seed 8 was picked for a share of images near 44%).
LOCATION_TEST_SIZE_2019, LOCATION_SEED_2019 = 0.1, 8
COLUMNS_2019 = [
    "category_id",
    "date_captured",
    "file_name",
    "frame_num",
    "id",
    "location",
    "rights_holder",
    "seq_id",
    "seq_num_frames",
    "width",
    "height",
]
# 2020: the test share targeted by moving locations, the split's seed, and the sample's uniform guesses in [0, 676).
TEST_SHARE_2020, LOCATION_SEED_2020, SAMPLE_CLASSES_2020 = 0.22, 0, 676
TRAIN_JSON_2020 = "iwildcam2020_train_annotations.json"
TEST_JSON_2020 = "iwildcam2020_test_information.json"
MEGADETECTOR_2020 = "iwildcam2020_megadetector_results.json"
# Kaggle's 2019 classes: 0 means an empty frame; the other ids are the species seen in the training locations.
CATEGORIES_2019 = [0, 1, 3, 8, 10, 11, 13, 14, 16, 17, 18, 19, 22]


def _check_year(year: int) -> None:
    if year not in YEARS:
        raise ValueError(f"iwildcam: unknown year {year}; known: {YEARS}")


# --- preparation -------------------------------------------------------------------------------------------------


def _split_locations_2019(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, test) rows in file order; the test side holds the rows of the held-out locations."""
    locations = table["location"].unique()
    _, test_locations = train_test_split(locations, test_size=LOCATION_TEST_SIZE_2019, random_state=LOCATION_SEED_2019)
    held_out = table["location"].isin(test_locations).to_numpy()
    return table[~held_out], table[held_out]


def _prepare_2019(raw: Path, public: Path, private: Path) -> None:
    original = read_csv(raw / "train.csv")
    train, answers = _split_locations_2019(original)
    test = answers.drop(columns=["category_id"])
    assert set(train["id"]).isdisjoint(test["id"]), "train and test ids overlap"
    assert set(train["location"]).isdisjoint(test["location"]), "a location is on both sides"

    answers.to_csv(private / "test.csv", index=False)
    answers[["id", "category_id"]].rename(columns={"id": ID, "category_id": TARGET}).to_csv(
        private / "answers.csv", index=False
    )
    train.to_csv(public / "train.csv", index=False)
    test.to_csv(public / "test.csv", index=False)
    # Upstream writes the sample with the row labels of Kaggle's train.csv as a first, unnamed column.
    sample = pd.DataFrame({ID: test["id"], TARGET: 0})
    sample.to_csv(public / "sample_submission.csv", index=True)

    # Images are streamed from Kaggle's zip into the new archives (never extracted: the real one is about 45 GB).
    with zipfile.ZipFile(raw / "train_images.zip") as source:
        for ids, name in ((train["id"], "train_images.zip"), (test["id"], "test_images.zip")):
            # Kaggle's train.csv repeats a few rows (16 more rows than images): one image per id in the archive
            rezip(source, ((f"{i}.jpg", f"{i}.jpg") for i in pd.unique(ids)), public / name)


def _locations_2020(images: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(train, test) locations: the split, then whole locations moved across until the test images are at most
    the target share of all images plus the test images (upstream's measure of the share)."""
    train_locs, test_locs = train_test_split(
        images["location"].unique(), test_size=TEST_SHARE_2020, random_state=LOCATION_SEED_2020
    )
    location = images["location"]

    def share(test: np.ndarray) -> float:
        held = int(location.isin(test).sum())
        return held / (len(images) + held)

    while share(test_locs) < TEST_SHARE_2020:
        train_locs, test_locs = train_locs[:-1], np.append(test_locs, train_locs[-1])
    while share(test_locs) > TEST_SHARE_2020:
        test_locs, train_locs = test_locs[:-1], np.append(train_locs, test_locs[-1])
    return train_locs, test_locs


def _records(frame: pd.DataFrame) -> list[dict[Any, Any]]:
    """Rows as JSON objects, as upstream writes them (pandas boxes numpy scalars as Python ones)."""
    return frame.to_dict(orient="records")


def _prepare_2020(raw: Path, public: Path, private: Path) -> None:
    train_json = json.loads((raw / TRAIN_JSON_2020).read_text())
    test_json = json.loads((raw / TEST_JSON_2020).read_text())
    # Through data frames, as upstream does: records missing a key get it back as NaN, in the frames' column order.
    annotations = pd.DataFrame(train_json["annotations"])
    images = pd.DataFrame(train_json["images"])
    train_locs, test_locs = _locations_2020(images)
    train_images = images[images["location"].isin(train_locs)]
    test_images = images[images["location"].isin(test_locs)]
    train_ids, test_ids = train_images["id"].unique(), test_images["id"].unique()
    train_annotations = annotations[annotations["image_id"].isin(train_ids)]
    test_annotations = annotations[annotations["image_id"].isin(test_ids)]
    assert set(train_annotations["image_id"]).isdisjoint(test_images["id"]), "a test image is annotated in train"
    assert set(train_images["location"]).isdisjoint(test_images["location"]), "a location is on both sides"

    answers = test_annotations[["image_id", "category_id"]].rename(columns={"image_id": ID, "category_id": TARGET})
    answers.to_csv(private / "answers.csv", index=False)
    guesses = np.random.RandomState(0).randint(0, SAMPLE_CLASSES_2020, size=len(answers))
    answers.assign(**{TARGET: guesses}).to_csv(public / "sample_submission.csv", index=False)

    new_train = {
        "annotations": _records(train_annotations),
        "images": _records(train_images),
        "categories": _records(pd.DataFrame(train_json["categories"])),
        "info": train_json["info"],
    }
    new_test = {
        "images": _records(test_images),
        "categories": _records(pd.DataFrame(test_json["categories"])),
        "info": test_json["info"],
    }
    with (public / TRAIN_JSON_2020).open("w") as f:
        json.dump(new_train, f)
    with (public / TEST_JSON_2020).open("w") as f:
        json.dump(new_test, f)
    place_files(raw, [MEGADETECTOR_2020], public)
    # Test images come from Kaggle's train/ folder too (the real one is about 90 GB: linked where possible).
    place_files(raw / "train", train_ids, public / "train", name="{id}.jpg")
    place_files(raw / "train", test_ids, public / "test", name="{id}.jpg")


def prepare(raw: Path, public: Path, private: Path, *, year: int) -> None:
    _check_year(year)
    if year == 2019:
        _prepare_2019(raw, public, private)
    else:
        _prepare_2020(raw, public, private)


def gold(public: Path, private: Path, *, year: int) -> pd.DataFrame:
    """The answers are already a submission (Id, Category); the sample adds an unnamed index column."""
    _check_year(year)
    return read_csv(private / "answers.csv")


# --- grading -----------------------------------------------------------------------------------------------------


def _as_python_ints(values: pd.Series, ids: pd.Series) -> np.ndarray:
    """Each label through Python's `int()`, as upstream converts them: whole-number floats and digit strings pass,
    fractions are truncated (with a warning; invalid in strict mode), anything `int()` refuses is invalid."""
    if pd.api.types.is_integer_dtype(values) or pd.api.types.is_bool_dtype(values):
        return np.asarray([int(v) for v in values.to_numpy()]) if len(values) else np.asarray([], dtype=int)
    converted = []
    for position, value in enumerate(values.tolist()):
        try:
            converted.append(int(value))
        except (ValueError, TypeError, OverflowError) as err:
            raise InvalidSubmissionError(
                f"column '{TARGET}' must hold whole-number class ids; {value!r} (id {ids.iloc[position]!r}) is not"
            ) from err
    if pd.api.types.is_float_dtype(values):
        numbers = values.to_numpy(dtype=float)
        fractional = numbers != np.trunc(numbers)
        if fractional.any():
            lenient(
                f"column '{TARGET}' holds fractional class ids, e.g. for {checks.examples(ids[fractional])}; "
                "truncated to whole numbers, as upstream's int() does"
            )
    return np.asarray(converted)


def _note_ignored_columns(submission: pd.DataFrame) -> None:
    """Upstream grades Id and Category and ignores every other column. The sample's own unnamed row-label column
    passes silently; any other extra column, or that one with empty cells, is a warning (invalid in strict mode)."""
    ignored = [
        str(c)
        for c in submission.columns
        if c not in (ID, TARGET) and not (str(c).startswith("Unnamed:") and submission[c].notna().all())
    ]
    if ignored:
        lenient(f"column(s) {checks.examples(ignored)} are not graded (only '{ID}' and '{TARGET}' are), as upstream")


def grade(submission: pd.DataFrame, answers: pd.DataFrame, *, year: int) -> float:
    """2019's grader (2020 is graded by its YAML alone: upstream's shared accuracy helper)."""
    if year != 2019:
        raise ValueError(f"iwildcam: grade() is 2019's grader; {year} is graded declaratively")
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, TARGET])
    _note_ignored_columns(submission)
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    y_true = np.asarray([int(v) for v in ans[TARGET]])
    y_pred = _as_python_ints(sub[TARGET], sub[ID])
    return metrics.macro_f1(y_true, y_pred)


# --- synthetic data ----------------------------------------------------------------------------------------------

WIDTH, HEIGHT = 32, 24


def _frame(gen: np.random.Generator, category: int, palette: dict[int, np.ndarray]) -> bytes:
    """A dim background with noise; an animal is a blob whose colour tells its class (0: nothing there)."""
    pixels = np.full((HEIGHT, WIDTH, 3), 90.0) + gen.normal(0, 12, (HEIGHT, WIDTH, 3))
    if category != 0:
        top, left = int(gen.integers(0, HEIGHT - 10)), int(gen.integers(0, WIDTH - 12))
        pixels[top : top + 10, left : left + 12] = palette[category] + gen.normal(0, 8, 3)
    return jpeg_bytes(pixels)


def _uuid_ids(gen: np.random.Generator, n: int) -> list[str]:
    """Ids in the download's form, e.g. `5998cfa4-23d2-11e8-a6a3-ec086b02610b` (only the first block varies)."""
    firsts = gen.choice(16**8, size=n, replace=False)
    return [f"{int(f):08x}-23d2-11e8-a6a3-ec086b02610b" for f in firsts]


def _synthesize_2019(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, COMPETITION[2019])
    n_locations = max(20, size // 6)
    n_test = max(6, size // 5)
    ids = _uuid_ids(gen, size + n_test)
    palette = {c: gen.uniform(20, 235, 3) for c in CATEGORIES_2019}
    # Every location sees empty frames and a few species, so the held-out locations hold several classes.
    categories = np.where(gen.random(size) < 0.3, 0, gen.choice(CATEGORIES_2019[1:], size))
    locations = gen.integers(0, n_locations * 4, n_locations)[gen.integers(0, n_locations, size)]

    def table(rows: slice, cats: np.ndarray | None, locs: np.ndarray) -> pd.DataFrame:
        chosen = ids[rows]
        n = len(chosen)
        frame = pd.DataFrame(
            {
                "date_captured": [
                    f"20{int(y):02d}-{int(m):02d}-{int(d):02d} {int(h):02d}:{int(mi):02d}:{int(s):02d}"
                    for y, m, d, h, mi, s in zip(
                        gen.integers(11, 15, n),
                        gen.integers(1, 13, n),
                        gen.integers(1, 29, n),
                        gen.integers(0, 24, n),
                        gen.integers(0, 60, n),
                        gen.integers(0, 60, n),
                        strict=True,
                    )
                ],
                "file_name": [f"{i}.jpg" for i in chosen],
                "frame_num": gen.integers(1, 4, n),
                "id": chosen,
                "location": locs,
                "rights_holder": gen.choice(["Justin Brown", "Erin Boydston"], n),
                "seq_id": [f"{int(v):08x}-5567-11e8-9be7-dca9047ef277" for v in gen.integers(0, 16**8, n)],
                "seq_num_frames": 3,
                "width": 1024,
                "height": 747,
            }
        )
        if cats is not None:
            frame.insert(0, "category_id", cats)
        return frame

    train = table(slice(0, size), categories, locations)
    # as in Kaggle's file, a few rows appear twice (the same image id)
    write_csv(pd.concat([train, train.iloc[[1]]]).sort_values("date_captured", kind="stable"), out / "train.csv")
    test_locations = gen.integers(1000, 1100, n_test)
    test = table(slice(size, size + n_test), None, test_locations)
    write_csv(test, out / "test.csv")
    write_csv(pd.DataFrame({"Id": test["id"], "Predicted": 0}), out / "sample_submission.csv")
    test_cats = gen.choice(CATEGORIES_2019, n_test)
    parts = (("train_images.zip", ids[:size], categories), ("test_images.zip", ids[size:], test_cats))
    for name, chosen, cats in parts:
        write_zip(out / name, ((f"{i}.jpg", _frame(gen, int(c), palette)) for i, c in zip(chosen, cats, strict=True)))


# 2020: a few of Kaggle's 676 category ids (0 is 'empty').
CATEGORIES_2020 = {0: "empty", 2: "tayassu pecari", 3: "dasyprocta punctata", 6: "bos taurus", 72: "puma concolor"}


def _synthesize_2020(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, COMPETITION[2020])
    n_locations = max(20, size // 6)
    n_test = max(6, size // 5)
    ids = [f"{int(f):08x}-21bc-11ea-a13a-137349068a90" for f in gen.choice(16**8, size=size + n_test, replace=False)]
    classes = list(CATEGORIES_2020)
    palette = {c: gen.uniform(20, 235, 3) for c in classes}
    categories = np.where(gen.random(size) < 0.3, 0, gen.choice(classes[1:], size))
    site = gen.choice(n_locations * 3, n_locations, replace=False)[gen.integers(0, n_locations, size)]

    def image(i: str, location: int) -> dict[str, Any]:
        return {
            "seq_num_frames": int(gen.integers(1, 11)),
            "location": int(location),
            "datetime": f"2013-{int(gen.integers(1, 13)):02d}-{int(gen.integers(1, 29)):02d} "
            f"{int(gen.integers(0, 24)):02d}:{int(gen.integers(0, 60)):02d}:{int(gen.integers(0, 60)):02d}.000",
            "id": i,
            "frame_num": int(gen.integers(1, 4)),
            "seq_id": f"{int(gen.integers(0, 16**8)):08x}-7d42-11eb-8fb5-0242ac1c0002",
            "width": 1920,
            "height": 1080,
            "file_name": f"{i}.jpg",
        }

    train_images = [image(i, loc) for i, loc in zip(ids[:size], site, strict=True)]
    test_images = [image(i, loc) for i, loc in zip(ids[size:], gen.integers(500, 520, n_test), strict=True)]
    annotations = [
        {
            "count": 1,
            "image_id": i,
            "id": f"{int(gen.integers(0, 16**8)):08x}-21bc-11ea-a13a-137349068a90",
            "category_id": int(c),
        }
        for i, c in zip(ids[:size], categories, strict=True)
    ]
    cats = [{"count": int((categories == c).sum()), "id": c, "name": name} for c, name in CATEGORIES_2020.items()]
    info = {"version": "3.0", "description": "iWildCam 2020 (synthetic)", "year": 2020, "contributor": "synthetic"}
    (out / TRAIN_JSON_2020).write_text(
        json.dumps({"annotations": annotations, "images": train_images, "categories": cats, "info": info})
    )
    (out / TEST_JSON_2020).write_text(json.dumps({"images": test_images, "categories": cats, "info": info}))
    detections = [
        {
            "id": i,
            "max_detection_conf": 0.9,
            "detections": [{"category": "1", "bbox": [0.1, 0.2, 0.3, 0.4], "conf": 0.9}],
        }
        for i in ids
    ]
    (out / MEGADETECTOR_2020).write_text(
        json.dumps(
            {"info": {"detector": "megadetector_v3"}, "detection_categories": {"1": "animal"}, "images": detections}
        )
    )
    write_csv(pd.DataFrame({ID: ids[size:], TARGET: 0}), out / "sample_submission.csv")
    test_cats = gen.choice(classes, n_test)
    for folder, chosen, labels in (("train", ids[:size], categories), ("test", ids[size:], test_cats)):
        (out / folder).mkdir(parents=True, exist_ok=True)
        for i, c in zip(chosen, labels, strict=True):
            (out / folder / f"{i}.jpg").write_bytes(_frame(gen, int(c), palette))


def synthesize(out: Path, seed: int, size: int, *, year: int) -> None:
    _check_year(year)
    if year == 2019:
        _synthesize_2019(out, seed, size)
    else:
        _synthesize_2020(out, seed, size)
