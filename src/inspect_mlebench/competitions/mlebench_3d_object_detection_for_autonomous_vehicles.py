"""3d-object-detection-for-autonomous-vehicles (Lyft Level 5): 3D boxes of nine object classes per lidar sample,
scored by the per-sample 3D mAP over IoU thresholds 0.5:0.95.

Kaggle's download: `train.csv` (Id = sample token, PredictionString = "cx cy cz width length height yaw class" per
annotated box), `train_data/*.json` (the nuScenes-style tables: log, scene, sample, sample_data, ego_pose,
calibrated_sensor, sensor, category, attribute, visibility, instance, sample_annotation, map), `train_images/*.jpeg`,
`train_lidar/*.bin`, `train_maps/map_raster_palo_alto.png`, and the same for Kaggle's unlabelled test set, which
MLE-bench does not use.

Preparation (upstream's rules): the logs of `train_data/log.json` are split 80/20 by scikit-learn
(`train_test_split`, random_state=0) and everything follows the logs: samples (by their `scene_token`, which upstream
compares with the log tokens: in Lyft's data a scene and its log share the token), scenes (by `log_token`),
train.csv rows, sample_data, calibrated sensors (first use, train then test), ego poses (one per sample_data),
annotations and instances (train only: the new test has none, as Kaggle's test). sensor, category, attribute and
visibility tables and the map raster go to both sides unchanged. In `map.json` upstream copies the list shallowly and
sets the log tokens for train, then for test on the same record, so both sides' map.json list the test logs.
The answers are the test rows of train.csv with a confidence of 1.0 before each box; the sample submission has
empty prediction strings. Images and lidar sweeps go to `{train,test}_images/` and `{train,test}_lidar/`
(hard-linked where the filesystem allows, else copied after a free-space check); the JSON files are written as
upstream writes them (`json.dump` defaults), so they are byte for byte the same.

Grading (upstream's checks): as many rows as the test set, columns Id and PredictionString (others ignored), the
same ids once both files are sorted by Id; an empty PredictionString is no box. Every prediction string must
parse (nine tokens a box, numbers by Python's float(), a finite yaw); a box that the Lyft evaluation builds (its
class is one of the sample's answer classes) must have no NaN, a size above 0 and a ground rectangle passing the
evaluation's right-angle check. Then `metrics.lyft_3d_map`.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.images import jpeg_bytes, png_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

ID = "Id"
PREDICTION = "PredictionString"
MAP_FILE = "map_raster_palo_alto.png"
SPLIT_TABLES = ("log", "sample", "sample_data", "calibrated_sensor", "ego_pose", "map", "scene")
SHARED_TABLES = ("attribute", "category", "sensor", "visibility")
TRAIN_ONLY_TABLES = ("sample_annotation", "instance")
MEDIA = {"jpeg": "train_images", "bin": "train_lidar"}  # sample_data fileformat -> raw folder


# ---------------------------------------------------------------------------------------------------- preparation


def _load(raw: Path, table: str) -> Any:
    with (raw / "train_data" / f"{table}.json").open() as f:
        return json.load(f)


def _dump(records: Any, path: Path) -> None:
    with path.open("w") as f:
        json.dump(records, f)


def _with_confidence(text: str) -> str:
    """Kaggle's 8-token boxes with a confidence of 1.0 in front of each, as the answers hold them."""
    tokens = text.split(" ")
    if len(tokens) % 8:
        raise ValueError(f"a train.csv PredictionString has {len(tokens)} tokens, not 8 per box")
    return " ".join(" ".join(["1.0", *tokens[i : i + 8]]) for i in range(0, len(tokens), 8))


def _side(token: str, train: set[str], test: set[str], what: str) -> bool:
    """True for the test side; anything on neither side is an error, as upstream's preparer raises."""
    if token in train:
        return False
    if token in test:
        return True
    raise ValueError(f"{what} {token} belongs to neither the new train nor the new test set")


def prepare(raw: Path, public: Path, private: Path) -> None:
    out = {"train": public / "train_data", "test": public / "test_data"}
    for folder in out.values():
        folder.mkdir(parents=True, exist_ok=True)

    logs = _load(raw, "log")
    log_ids = [log["token"] for log in logs]
    if len(set(log_ids)) != len(log_ids):
        raise ValueError("log tokens are not unique")
    train_logs, test_logs = train_test_split(log_ids, test_size=0.2, random_state=0)
    train_log_set, test_log_set = set(train_logs), set(test_logs)
    _dump([log for log in logs if log["token"] in train_log_set], out["train"] / "log.json")
    _dump([log for log in logs if log["token"] in test_log_set], out["test"] / "log.json")

    samples = _load(raw, "sample")
    train_samples = [s for s in samples if s["scene_token"] in train_log_set]
    test_samples = [s for s in samples if s["scene_token"] in test_log_set]
    if len(train_samples) + len(test_samples) != len(samples):
        raise ValueError("some samples' scene_token is not a log token")
    _dump(train_samples, out["train"] / "sample.json")
    _dump(test_samples, out["test"] / "sample.json")

    table = read_csv(raw / "train.csv")
    train_ids = {s["token"] for s in train_samples}
    test_ids = {s["token"] for s in test_samples}
    train_rows = table[table[ID].isin(train_ids)]
    test_rows = table[table[ID].isin(test_ids)].copy()
    if len(train_rows) + len(test_rows) != len(table) or len(train_rows) != len(train_samples):
        raise ValueError("train.csv rows do not match the samples one to one")
    if len(test_rows) != len(test_samples):
        raise ValueError("train.csv rows do not match the samples one to one")
    train_rows.to_csv(public / "train.csv", index=False)
    test_rows[PREDICTION] = test_rows[PREDICTION].map(_with_confidence)
    test_rows.to_csv(private / "test.csv", index=False)
    test_rows[[ID]].assign(**{PREDICTION: ""}).to_csv(public / "sample_submission.csv", index=False)
    # upstream tests membership in the split's Id column as written in train.csv
    row_train, row_test = set(train_rows[ID]), set(test_rows[ID])

    sample_data = _load(raw, "sample_data")
    data_on: dict[str, list[Any]] = {"train": [], "test": []}
    for datum in sample_data:
        test = _side(datum["sample_token"], row_train, row_test, "sample data of sample")
        data_on["test" if test else "train"].append(datum)
    for side, records in data_on.items():
        _dump(records, out[side] / "sample_data.json")

    # per side, each calibration once in order of first use; each sample datum's ego pose (repeats kept)
    for name, key, once in (
        ("calibrated_sensor", "calibrated_sensor_token", True),
        ("ego_pose", "ego_pose_token", False),
    ):
        by_token = {record["token"]: record for record in _load(raw, name)}
        used: set[str] = set()
        for side, records in data_on.items():
            tokens = [d[key] for d in records]
            tokens = list(dict.fromkeys(tokens)) if once else tokens
            used.update(tokens)
            _dump([by_token[token] for token in tokens], out[side] / f"{name}.json")
        if len(used) != len(by_token):
            raise ValueError(f"{name}.json has records that no sample datum uses")

    maps = _load(raw, "map")
    if len(maps) != 1:
        raise ValueError(f"expected one map in map.json, found {len(maps)}")
    # upstream's shallow copy: train's and test's map record is one object, last set to the test logs
    maps[0]["log_tokens"] = test_logs
    _dump(maps, out["train"] / "map.json")
    _dump(maps, out["test"] / "map.json")

    scenes = _load(raw, "scene")
    scenes_on: dict[str, list[Any]] = {"train": [], "test": []}
    for scene in scenes:
        test = _side(scene["log_token"], train_log_set, test_log_set, "scene log")
        scenes_on["test" if test else "train"].append(scene)
    for side, records in scenes_on.items():
        _dump(records, out[side] / "scene.json")

    for name in SHARED_TABLES:  # copied as they are
        for folder in out.values():
            shutil.copyfile(raw / "train_data" / f"{name}.json", folder / f"{name}.json")

    annotations = _load(raw, "sample_annotation")
    train_annotations = [a for a in annotations if not _side(a["sample_token"], row_train, row_test, "annotation")]
    _dump(train_annotations, out["train"] / "sample_annotation.json")
    train_instances = {a["instance_token"] for a in train_annotations}
    test_instances = {a["instance_token"] for a in annotations} - train_instances
    instances = _load(raw, "instance")
    kept = [i for i in instances if not _side(i["token"], train_instances, test_instances, "instance")]
    _dump(kept, out["train"] / "instance.json")

    for side in ("train", "test"):
        place_files(raw / "train_maps", [MAP_FILE], public / f"{side}_maps")
        for media in MEDIA.values():
            (public / media.replace("train", side)).mkdir(parents=True, exist_ok=True)
    placed: dict[tuple[str, str], list[str]] = {}
    for datum in sample_data:
        fileformat = datum["fileformat"]
        if fileformat not in MEDIA:
            raise ValueError(f"unexpected fileformat {fileformat!r} in sample_data.json")
        side = "test" if datum["sample_token"] in row_test else "train"
        placed.setdefault((fileformat, side), []).append(Path(datum["filename"]).name)
    for (fileformat, side), names in placed.items():
        media = MEDIA[fileformat]
        place_files(raw / media, list(dict.fromkeys(names)), public / media.replace("train", side))


# -------------------------------------------------------------------------------------------------------- grading


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, PREDICTION])
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    column = sub[PREDICTION]
    empty = column.isna().to_numpy()
    texts = np.array(column.astype(object).tolist(), dtype=object)
    texts[empty] = ""
    not_text = np.flatnonzero([not isinstance(v, str) for v in texts])
    if len(not_text):
        raise InvalidSubmissionError(
            f"column '{PREDICTION}' must hold text (boxes of nine space-separated tokens); not text for Id "
            f"{checks.examples(sub[ID].iloc[not_text])}"
        )
    try:
        return metrics.lyft_3d_map(ans[PREDICTION].to_numpy(dtype=object), texts)
    except metrics.LyftBoxError as err:
        raise InvalidSubmissionError(f"column '{PREDICTION}' for Id {sub[ID].iloc[err.row]!r}: {err}") from err


# ------------------------------------------------------------------------------------------------ synthetic data

# Lyft's nine classes with typical (width, length, height) in metres
CLASSES = {
    "car": (1.9, 4.7, 1.7),
    "pedestrian": (0.7, 0.8, 1.8),
    "truck": (2.8, 10.0, 3.4),
    "bicycle": (0.6, 1.8, 1.4),
    "other_vehicle": (2.7, 8.0, 3.2),
    "bus": (2.9, 12.0, 3.4),
    "motorcycle": (0.9, 2.3, 1.5),
    "emergency_vehicle": (2.4, 6.5, 2.4),
    "animal": (0.4, 0.8, 0.6),
}
COMMON = ("car", "car", "car", "pedestrian", "truck", "bicycle", "other_vehicle", "bus")
ATTRIBUTES = ("object_action_parked", "object_action_driving_straight_forward", "object_action_walking")
SENSORS = (("CAM_FRONT", "camera"), ("LIDAR_TOP", "lidar"))
IMAGE_SHAPE = (24, 32)
MAP_SHAPE = (48, 48)
POINTS_PER_BOX = 24


def _yaw_quaternion(yaw: float) -> list[float]:
    return [math.cos(yaw / 2), 0.0, 0.0, math.sin(yaw / 2)]


def _lidar_sweep(
    gen: np.random.Generator, boxes: list[tuple[list[float], list[float], float]], ego: list[float]
) -> bytes:
    """Lyft's lidar format: float32 (x, y, z, intensity, ring) per point, in the sensor frame (here the ego's
    position, no rotation): points inside each box plus ground returns."""
    parts = []
    for centre, size, yaw in boxes:
        local = (gen.random((POINTS_PER_BOX, 3)) - 0.5) * np.array([size[1], size[0], size[2]])
        cos, sin = math.cos(yaw), math.sin(yaw)
        world = np.column_stack(
            [
                centre[0] + local[:, 0] * cos - local[:, 1] * sin,
                centre[1] + local[:, 0] * sin + local[:, 1] * cos,
                centre[2] + local[:, 2],
            ]
        )
        parts.append(world - np.array(ego))
    ground = np.column_stack([gen.uniform(-60, 60, (40, 2)), np.full(40, -1.8)])
    points = np.vstack([*parts, ground])
    extra = np.column_stack([gen.uniform(0, 100, len(points)), gen.integers(0, 32, len(points))])
    return np.hstack([points, extra]).astype("<f4").tobytes()


def _camera_image(gen: np.random.Generator, n_objects: int) -> bytes:
    pixels = np.zeros((*IMAGE_SHAPE, 3))
    pixels[:] = np.linspace(60, 200, IMAGE_SHAPE[0])[:, None, None]
    for k in range(n_objects):
        left = int(gen.integers(0, IMAGE_SHAPE[1] - 6))
        pixels[12:20, left : left + 6] = (180 - 20 * k % 160, 40, 40)
    return jpeg_bytes(np.clip(pixels + gen.normal(0, 6, pixels.shape), 0, 255), quality=90)


def _write_side(
    gen: np.random.Generator, root: Path, prefix: str, n_logs: int, per_log: list[int], *, labelled: bool
) -> list[str]:
    """One side of the download (`train_*` or `test_*`): its JSON tables, images and lidar sweeps. Returns the
    train.csv rows (labelled side) or the sample tokens (test side), in sample order."""
    data, images, lidar = root / f"{prefix}_data", root / f"{prefix}_images", root / f"{prefix}_lidar"
    data.mkdir(parents=True, exist_ok=True)
    log_tokens = hex_ids(gen, n_logs, 32)
    category_tokens = dict(zip(CLASSES, hex_ids(gen, len(CLASSES), 16), strict=True))
    attribute_tokens = hex_ids(gen, len(ATTRIBUTES), 16)
    visibility_tokens = [str(level) for level in range(1, 5)]
    sensor_tokens = hex_ids(gen, len(SENSORS), 32)
    tables: dict[str, list[Any]] = {name: [] for name in (*SPLIT_TABLES, *TRAIN_ONLY_TABLES) if name != "map"}
    rows: list[str] = []
    for log_index, log_token in enumerate(log_tokens):
        host = f"host-a{int(gen.integers(4, 120)):03d}"
        start = int(gen.integers(1_230_000_000, 1_260_000_000)) * 1_000_000
        tables["log"].append(
            {
                "date_captured": "2019-05-24",
                "location": "Palo Alto",
                "token": log_token,
                "vehicle": host.removeprefix("host-"),
                "logfile": f"{host}-{start}",
            }
        )
        calibration = {}
        for (_channel, modality), sensor in zip(SENSORS, sensor_tokens, strict=True):
            token = hex_ids(gen, 1, 32)[0]
            calibration[modality] = token
            tables["calibrated_sensor"].append(
                {
                    "token": token,
                    "sensor_token": sensor,
                    "translation": [1.2, 0.0, 1.8] if modality == "lidar" else [1.5, 0.0, 1.6],
                    "rotation": [1.0, 0.0, 0.0, 0.0],
                    "camera_intrinsic": [[880.0, 0.0, 16.0], [0.0, 880.0, 12.0], [0.0, 0.0, 1.0]]
                    if modality == "camera"
                    else [],
                }
            )
        # the log's objects: a class, a size, a start position spaced along x (no two boxes overlap), a heading
        n_objects = int(gen.integers(2, 6)) if labelled else 0
        names = [str(gen.choice(COMMON)) for _ in range(n_objects)]
        sizes = [[round(s * float(gen.uniform(0.9, 1.1)), 3) for s in CLASSES[n]] for n in names]
        origin = [float(v) for v in gen.uniform(500, 2500, 2)]
        starts = [[origin[0] + 16.0 * k, origin[1] + float(gen.uniform(-3, 3)), -18.0] for k in range(n_objects)]
        yaws = [float(gen.uniform(-math.pi, math.pi)) for _ in range(n_objects)]
        instances = hex_ids(gen, n_objects, 32)
        samples = hex_ids(gen, per_log[log_index], 32)
        annotation_tokens = [hex_ids(gen, n_objects, 32) for _ in samples]
        for k, instance in enumerate(instances):
            tables["instance"].append(
                {
                    "token": instance,
                    "nbr_annotations": len(samples),
                    "category_token": category_tokens[names[k]],
                    "first_annotation_token": annotation_tokens[0][k],
                    "last_annotation_token": annotation_tokens[-1][k],
                }
            )
        tables["scene"].append(
            {
                "description": "",
                "token": log_token,  # Lyft's scenes share their log's token (upstream's split relies on it)
                "name": f"{host}-{start}-{start + 25_000_000}",
                "first_sample_token": samples[0],
                "nbr_samples": len(samples),
                "log_token": log_token,
                "last_sample_token": samples[-1],
            }
        )
        for j, sample in enumerate(samples):
            stamp = start + 200_000 * j
            tables["sample"].append(
                {
                    "next": samples[j + 1] if j + 1 < len(samples) else "",
                    "prev": samples[j - 1] if j else "",
                    "token": sample,
                    "timestamp": float(stamp),
                    "scene_token": log_token,
                }
            )
            boxes = []
            for k in range(n_objects):
                step = 0.4 * j if names[k] != "pedestrian" else 0.1 * j
                centre = [
                    round(starts[k][0] + step * math.cos(yaws[k]) * 0.2, 6),
                    round(starts[k][1] + step * math.sin(yaws[k]), 6),
                    round(starts[k][2] + float(gen.normal(0, 0.05)), 6),
                ]
                boxes.append((centre, sizes[k], yaws[k]))
                tables["sample_annotation"].append(
                    {
                        "token": annotation_tokens[j][k],
                        "num_lidar_pts": POINTS_PER_BOX,
                        "size": sizes[k],
                        "sample_token": sample,
                        "rotation": _yaw_quaternion(yaws[k]),
                        "prev": annotation_tokens[j - 1][k] if j else "",
                        "translation": centre,
                        "num_radar_pts": 0,
                        "attribute_tokens": [attribute_tokens[int(gen.integers(len(attribute_tokens)))]],
                        "next": annotation_tokens[j + 1][k] if j + 1 < len(samples) else "",
                        "instance_token": instances[k],
                        "visibility_token": str(int(gen.integers(1, 5))),
                        "category_name": names[k],
                    }
                )
            ego = [origin[0] + 8.0 + 0.5 * j, origin[1] - 10.0, -20.0]
            data_tokens = hex_ids(gen, 2, 32)
            pose_tokens = hex_ids(gen, 2, 32)
            for (_channel, modality), token, pose in zip(SENSORS, data_tokens, pose_tokens, strict=True):
                stamp_here = stamp + (0 if modality == "lidar" else 7_000)
                tables["ego_pose"].append(
                    {"rotation": [1.0, 0.0, 0.0, 0.0], "translation": ego, "token": pose, "timestamp": stamp_here}
                )
                entry: tuple[str, str, int | None, int | None]
                if modality == "lidar":
                    name = f"{host}_lidar1_{stamp_here}.bin"
                    write_files(lidar, [name], [_lidar_sweep(gen, boxes, ego)])
                    entry = ("bin", f"lidar/{name}", None, None)
                else:
                    name = f"{host}_cam0_{stamp_here}.jpeg"
                    write_files(images, [name], [_camera_image(gen, n_objects)])
                    entry = ("jpeg", f"images/{name}", IMAGE_SHAPE[1], IMAGE_SHAPE[0])
                tables["sample_data"].append(
                    {
                        "width": entry[2],
                        "height": entry[3],
                        "calibrated_sensor_token": calibration[modality],
                        "token": token,
                        "sample_token": sample,
                        "is_key_frame": True,
                        "prev": "",
                        "fileformat": entry[0],
                        "ego_pose_token": pose,
                        "timestamp": stamp_here,
                        "next": "",
                        "filename": entry[1],
                    }
                )
            if labelled:
                rows.append(
                    " ".join(
                        f"{c[0]!r} {c[1]!r} {c[2]!r} {s[0]!r} {s[1]!r} {s[2]!r} {y!r} {n}"
                        for (c, s, y), n in zip(boxes, names, strict=True)
                    )
                )
            else:
                rows.append(sample)
    if not labelled:
        del tables["sample_annotation"], tables["instance"]
    tables["sensor"] = [
        {"token": token, "channel": channel, "modality": modality}
        for (channel, modality), token in zip(SENSORS, sensor_tokens, strict=True)
    ]
    tables["category"] = [{"token": category_tokens[n], "name": n, "description": ""} for n in CLASSES]
    tables["attribute"] = [
        {"token": token, "name": name, "description": ""}
        for name, token in zip(ATTRIBUTES, attribute_tokens, strict=True)
    ]
    tables["visibility"] = [
        {"token": token, "level": level, "description": ""}
        for token, level in zip(visibility_tokens, ("v0-40", "v40-60", "v60-80", "v80-100"), strict=True)
    ]
    tables["map"] = [
        {
            "log_tokens": log_tokens,
            "category": "semantic_prior",
            "filename": f"maps/{MAP_FILE}",
            "token": hex_ids(gen, 1, 16)[0],
        }
    ]
    for name, records in tables.items():
        _dump(records, data / f"{name}.json")
    raster = np.where(gen.random(MAP_SHAPE) < 0.3, 255, 40).astype(np.uint8)
    write_files(root / f"{prefix}_maps", [MAP_FILE], [png_bytes(np.stack([raster] * 3, axis=2))])
    return rows


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` labelled samples over logs of about 12 samples (at least 5 logs, so the 80/20 split of logs has a test
    side), then a small unlabelled Kaggle test set. Each log has 2-5 objects of common classes moving slowly; the
    lidar sweeps hold points inside every box, so the boxes can be found from the points."""
    gen = rng(seed, "3d-object-detection-for-autonomous-vehicles")
    n_logs = max(5, round(size / 12))
    per_log = [size // n_logs + (1 if k < size % n_logs else 0) for k in range(n_logs)]
    if min(per_log) < 1:
        raise ValueError(f"size {size} is too small for {n_logs} logs")
    labels = _write_side(gen, out, "train", n_logs, per_log, labelled=True)
    samples = json.loads((out / "train_data" / "sample.json").read_text())
    write_csv(pd.DataFrame({ID: [s["token"] for s in samples], PREDICTION: labels}), out / "train.csv")
    test_samples = _write_side(gen, out, "test", 2, [3, 3], labelled=False)
    write_csv(pd.DataFrame({ID: test_samples, PREDICTION: ""}), out / "sample_submission.csv")
