"""Upstream parity of 3d-object-detection-for-autonomous-vehicles (Lyft 3D mAP) at the edges that matter for it,
and its prepared layout.

Every expected score below was measured on exactly these files (synthetic data of size 60, seed 0, the same
mutations) with upstream's own grade function (openai/mle-bench at 783b15a, under pandas 2 and pandas 3 alike, read
as its `grade_csv` reads them, rounded to 5 decimals; any exception there means invalid, None here). The metric's
hand-computed value is in tests/grading/test_metrics.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade

CID = "3d-object-detection-for-autonomous-vehicles"
SIZE = 60
Frame = pd.DataFrame
Mutation = Callable[[Frame], Frame]  # gold (Id, PredictionString, read as text) -> submission
Box = list[str]  # confidence cx cy cz width length height yaw class


def _boxes(text: str) -> list[Box]:
    tokens = text.split(" ")
    return [tokens[i : i + 9] for i in range(0, len(tokens), 9)] if text.strip() else []


def _join(boxes: list[Box]) -> str:
    return " ".join(" ".join(box) for box in boxes)


def _per_row(change: Callable[[int, list[Box]], list[Box]]) -> Mutation:
    def mutate(gold: Frame) -> Frame:
        texts = [_join(change(i, _boxes(text))) for i, text in enumerate(gold["PredictionString"])]
        return gold.assign(PredictionString=texts)

    return mutate


def _shift(metres: float, every: int = 1) -> Mutation:
    """Every `every`-th box moved `metres` along x (confidence lowered with its index, so ranks vary)."""

    def change(_: int, boxes: list[Box]) -> list[Box]:
        return [
            [f"{0.9 - 0.1 * (k % 5):.1f}", repr(float(b[1]) + metres), *b[2:]] if k % every == 0 else b
            for k, b in enumerate(boxes)
        ]

    return _per_row(change)


def _token(position: int, value: str, rows: int = 1) -> Mutation:
    """The first box of the first `rows` rows gets `value` at `position` (0 confidence ... 7 yaw, 8 class)."""

    def change(i: int, boxes: list[Box]) -> list[Box]:
        if i >= rows:
            return boxes
        first = list(boxes[0])
        first[position] = value
        return [first, *boxes[1:]]

    return _per_row(change)


def _extra_box(box: str, rows: int = 1) -> Mutation:
    return _per_row(lambda i, boxes: [*boxes, box.split(" ")] if i < rows else boxes)


def _text(row: int, change: Callable[[str], str]) -> Mutation:
    def mutate(gold: Frame) -> Frame:
        texts = list(gold["PredictionString"])
        texts[row] = change(texts[row])
        return gold.assign(PredictionString=texts)

    return mutate


CASES: list[tuple[str, Mutation, float | None]] = [
    # same row count, Id and PredictionString present, equal ids once sorted; an empty cell is no box
    ("gold", lambda g: g, 1.0),
    ("shuffled", lambda g: g.sample(frac=1, random_state=1), 1.0),
    ("all_empty", lambda g: g.assign(PredictionString=""), 0.0),
    ("text_nan_is_empty", lambda g: g.assign(PredictionString="nan"), 0.0),
    (
        "half_empty",
        lambda g: g.assign(PredictionString=[t if i % 2 else "" for i, t in enumerate(g["PredictionString"])]),
        0.5,
    ),
    # partial overlaps: IoU between the thresholds
    ("shifted_half_metre", _shift(0.5), 0.14167),
    ("shifted_one_metre", _shift(1.0), 0.03333),
    ("every_second_shifted_one_metre", _shift(1.0, every=2), 0.4),
    ("far_away", _shift(500.0), 0.0),
    ("wrong_class", _per_row(lambda _, boxes: [[*b[:8], "animal"] for b in boxes]), 0.0),
    ("boxes_twice", _per_row(lambda _, boxes: boxes + boxes), 1.0),
    ("confident_false_positive", _per_row(lambda _, b: [["2", "0", "0", "0", "1", "1", "1", "0", b[0][8]], *b]), 0.75),
    ("first_box_dropped", _per_row(lambda _, boxes: boxes[1:]), 0.5),
    # numbers by Python's float(); boxes of classes the sample's answers lack are never built
    ("underscore_number", _token(0, "1_0"), 1.0),
    ("nan_confidence", _token(0, "nan", rows=60), 1.0),
    ("negative_confidence", _token(0, "-3", rows=60), 1.0),
    ("unknown_class_nan_centre", _extra_box("0.5 nan 0 0 1 1 1 0 unicorn"), 1.0),
    ("huge_yaw", _token(7, "1e300"), 0.95833),
    ("tiny_width", _token(4, "1e-300"), 0.95833),
    ("infinite_height_centre", _token(3, "inf"), 0.95833),
    ("huge_axis_aligned_box", _extra_box("0.1 0 0 0 1e200 1e200 1 0 car"), 1.0),
    ("nan_centre", _token(1, "nan"), None),
    ("nan_size", _token(4, "nan"), None),
    ("nan_yaw", _token(7, "nan"), None),
    ("zero_size", _token(5, "0"), None),
    ("negative_size", _token(6, "-1.5"), None),
    ("huge_centre_fails_right_angles", _token(1, "1e15"), None),
    ("infinite_yaw", _token(7, "inf"), None),
    ("infinite_yaw_unknown_class", _extra_box("0.5 1 1 1 1 1 1 inf unicorn"), None),
    ("text_confidence", _token(0, "high"), None),
    ("eight_tokens", _per_row(lambda i, boxes: [b[1:] for b in boxes] if i == 0 else boxes), None),
    ("trailing_space", _text(3, lambda t: t + " "), None),
    ("tab_separated", _text(0, lambda t: t.replace(" ", "\t")), None),
    ("whitespace_only_is_empty", _text(2, lambda t: "   "), 0.91667),
    ("numbers_only", lambda g: g.assign(PredictionString=[str(i) for i in range(len(g))]), None),
    ("booleans", lambda g: g.assign(PredictionString="True"), None),
    ("extra_column", lambda g: g.assign(extra=1), 1.0),
    ("columns_swapped", lambda g: g[["PredictionString", "Id"]], 1.0),
    ("missing_row", lambda g: g.iloc[1:], None),
    ("extra_row", lambda g: pd.concat([g, g.iloc[:1]]), None),
    ("repeated_id", lambda g: g.assign(Id=[*g["Id"].iloc[:-1], g["Id"].iloc[0]]), None),
    ("upper_case_ids", lambda g: g.assign(Id=g["Id"].str.upper()), None),
    ("padded_id", lambda g: g.assign(Id=[" " + g["Id"].iloc[0], *g["Id"].iloc[1:]]), None),
    ("renamed_prediction", lambda g: g.rename(columns={"PredictionString": "Prediction"}), None),
    ("lower_case_id_column", lambda g: g.rename(columns={"Id": "id"}), None),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("famN")
    prepare_synthetic(CID, root, seed=0, size=SIZE)
    return root


def _gold(data_dir: Path) -> Frame:
    return pd.read_csv(data_dir / CID / "prepared/private/test.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_lyft_matches_upstream(
    data_dir: Path, tmp_path: Path, name: str, mutate: Mutation, expected: float | None
) -> None:
    path = tmp_path / "submission.csv"
    mutate(_gold(data_dir)).to_csv(path, index=False)
    report = grade(CID, path, data_dir)
    assert report.score == expected, report.invalid_reason
    assert not report.warnings
    if expected is None:
        assert report.invalid_reason
        assert "\n" not in report.invalid_reason


def test_lyft_prepared_layout(data_dir: Path) -> None:
    public = data_dir / CID / "prepared" / "public"
    train_logs = [log["token"] for log in json.loads((public / "train_data/log.json").read_text())]
    test_logs = [log["token"] for log in json.loads((public / "test_data/log.json").read_text())]
    assert train_logs
    assert test_logs
    assert set(train_logs).isdisjoint(test_logs)
    # upstream's shallow copy: both map.json files list the test logs
    for side in ("train_data", "test_data"):
        assert json.loads((public / side / "map.json").read_text())[0]["log_tokens"] == test_logs
    assert not (public / "test_data/sample_annotation.json").exists()
    assert not (public / "test_data/instance.json").exists()
    test_samples = {s["token"] for s in json.loads((public / "test_data/sample.json").read_text())}
    sample = pd.read_csv(public / "sample_submission.csv")
    assert set(sample["Id"]) == test_samples
    assert sample["PredictionString"].isna().all()
    annotated = {a["sample_token"] for a in json.loads((public / "train_data/sample_annotation.json").read_text())}
    assert annotated.isdisjoint(test_samples)
    for side in ("train", "test"):
        data = json.loads((public / f"{side}_data/sample_data.json").read_text())
        listed = {Path(d["filename"]).name for d in data}
        placed = {p.name for p in (public / f"{side}_images").iterdir()} | {
            p.name for p in (public / f"{side}_lidar").iterdir()
        }
        assert listed == placed
        assert (public / f"{side}_maps/map_raster_palo_alto.png").is_file()
