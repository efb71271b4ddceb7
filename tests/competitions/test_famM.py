"""Upstream parity of iwildcam-2019-fgvc6, iwildcam-2020-fgvc7 and inaturalist-2019-fgvc6 at the edges that matter
for them, plus top1_error by hand.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade function (openai/mle-bench at 783b15a under pandas 2, read as its `grade_csv`
reads them, rounded to 5 decimals; any exception there means invalid, None here).
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade

SIZE = 40
IWILDCAM_2019 = "iwildcam-2019-fgvc6"
IWILDCAM_2020 = "iwildcam-2020-fgvc7"
INATURALIST = "inaturalist-2019-fgvc6"
Frame = pd.DataFrame
Mutation = Callable[[Frame], Frame]  # gold (Id, Category, read as text) -> submission


def _set(values: Callable[[Frame], Any]) -> Mutation:
    return lambda gold: gold.assign(Category=values(gold))


def _cell(value: str) -> Mutation:
    def mutate(gold: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[0], "Category"] = value
        return out

    return mutate


def _half_wrong(gold: Frame) -> Frame:
    return gold.assign(Category=[v if i % 2 == 0 else "0" for i, v in enumerate(gold["Category"])])


CASES: list[tuple[str, Mutation, float | None]] = [
    # rows must number as the test set's, Id and Category present, sorted ids equal; labels through int()
    ("gold", lambda g: g, 1.0),
    ("shuffled", lambda g: g.sample(frac=1, random_state=1), 1.0),
    ("half_wrong", _half_wrong, 0.66667),
    ("all_empty_class", _set(lambda g: "0"), 0.08889),
    ("float_labels", _set(lambda g: g["Category"] + ".0"), 1.0),
    ("fractions_truncated", _set(lambda g: g["Category"] + ".9"), 1.0),
    ("padded_digits", _set(lambda g: " " + g["Category"]), 1.0),
    ("float_text_among_ints", _cell("3.0"), 0.86667),  # the column reads as floats,
    ("unknown_class", _cell("99"), 0.77778),
    ("negative_class", _cell("-5"), 0.77778),
    ("one_empty", _cell(""), None),
    ("one_inf", _cell("inf"), None),
    ("one_huge", _cell("1e30"), None),
    ("text", _cell("deer"), None),
    ("extra_column", lambda g: g.assign(extra="x"), 1.0),
    ("missing_row", lambda g: g.iloc[1:], None),
    ("extra_row", lambda g: pd.concat([g, g.iloc[:1]]), None),
    ("repeated_id", lambda g: g.assign(Id=[*g["Id"].iloc[:-1], g["Id"].iloc[0]]), None),
    ("upper_case_ids", lambda g: g.assign(Id=g["Id"].str.upper()), None),
    ("renamed_category", lambda g: g.rename(columns={"Category": "Predicted"}), None),
]


CASES_2020: list[tuple[str, Mutation, float | None]] = [
    # upstream's shared accuracy helper: same length, both columns, sorted ids equal; sklearn's accuracy as parsed
    ("gold", lambda g: g, 1.0),
    ("half_wrong", _half_wrong, 0.5),
    ("float_labels", _set(lambda g: g["Category"] + ".0"), 1.0),
    ("fractions", _set(lambda g: g["Category"] + ".9"), None),
    ("text", _cell("deer"), None),
    ("one_empty", _cell(""), None),
    ("unknown_class", _cell("675"), 0.9),
    ("extra_column", lambda g: g.assign(extra="x"), 1.0),
    ("repeated_id", lambda g: g.assign(Id=[*g["Id"].iloc[:-1], g["Id"].iloc[0]]), None),
    ("missing_row", lambda g: g.iloc[1:], None),
]


CASES_INAT: list[tuple[str, Mutation, float | None]] = [
    # same length, id and predicted, sorted ids equal; a Python int as is, text by its first token; 1 - accuracy
    ("gold", lambda g: g, 0.0),
    ("top5_text", lambda g: g.assign(predicted=[f"{v} 5 7" for v in g["predicted"]]), 0.0),
    ("wrong_first_of_five", lambda g: g.assign(predicted=[f"5 {v}" for v in g["predicted"]]), 1.0),
    ("half_wrong", lambda g: g.assign(predicted=[v if i % 2 else "5" for i, v in enumerate(g["predicted"])]), 0.55556),
    ("float_labels", lambda g: g.assign(predicted=g["predicted"] + ".0"), None),
    ("one_empty", lambda g: g.assign(predicted=["", *g["predicted"].iloc[1:]]), None),
    ("text_first_token", lambda g: g.assign(predicted=["x 3", *g["predicted"].iloc[1:]]), None),
    ("float_ids", lambda g: g.assign(id=g["id"] + ".0"), 0.0),
    ("zero_padded_ids", lambda g: g.assign(id=["00" + v for v in g["id"]]), 0.0),
    ("repeated_id", lambda g: g.assign(id=[*g["id"].iloc[:-1], g["id"].iloc[0]]), None),
    ("missing_row", lambda g: g.iloc[1:], None),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("famM")
    prepare_synthetic(IWILDCAM_2019, root, seed=0, size=SIZE)
    prepare_synthetic(IWILDCAM_2020, root, seed=0, size=SIZE)
    prepare_synthetic(INATURALIST, root, seed=0, size=SIZE)
    return root


def _gold(data_dir: Path, cid: str = IWILDCAM_2019) -> Frame:
    return pd.read_csv(data_dir / cid / "prepared/private/answers.csv", dtype=str, keep_default_na=False)


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES, ids=[c[0] for c in CASES])
def test_iwildcam_2019_matches_upstream(
    data_dir: Path, tmp_path: Path, name: str, mutate: Mutation, expected: float | None
) -> None:
    path = tmp_path / "submission.csv"
    mutate(_gold(data_dir)).to_csv(path, index=False)
    report = grade(IWILDCAM_2019, path, data_dir)
    assert report.score == expected, report.invalid_reason


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES_2020, ids=[c[0] for c in CASES_2020])
def test_iwildcam_2020_matches_upstream(
    data_dir: Path, tmp_path: Path, name: str, mutate: Mutation, expected: float | None
) -> None:
    path = tmp_path / "submission.csv"
    mutate(_gold(data_dir, IWILDCAM_2020)).to_csv(path, index=False)
    report = grade(IWILDCAM_2020, path, data_dir)
    assert report.score == expected, report.invalid_reason


@pytest.mark.parametrize(("name", "mutate", "expected"), CASES_INAT, ids=[c[0] for c in CASES_INAT])
def test_inaturalist_matches_upstream(
    data_dir: Path, tmp_path: Path, name: str, mutate: Mutation, expected: float | None
) -> None:
    path = tmp_path / "submission.csv"
    mutate(_gold(data_dir, INATURALIST)).to_csv(path, index=False)
    report = grade(INATURALIST, path, data_dir)
    assert report.score == expected, report.invalid_reason


def test_inaturalist_tars_and_json(data_dir: Path) -> None:
    public = data_dir / INATURALIST / "prepared" / "public"
    test = json.loads((public / "test2019.json").read_text())
    assert sorted(test) == ["images", "info", "licenses"]
    names = {im["file_name"] for im in test["images"]}
    assert all(n.startswith("test2019/") for n in names)
    with tarfile.open(public / "test2019.tar.gz") as tar:  # a plain tar despite the name, as upstream writes it
        assert {"test2019/" + m for m in tar.getnames()} == names
    train = json.loads((public / "train2019.json").read_text())
    with tarfile.open(public / "train_val2019.tar.gz") as tar:
        assert {"train_val2019/" + m for m in tar.getnames()} == {im["file_name"] for im in train["images"]}


def test_iwildcam_2020_json_sides(data_dir: Path) -> None:
    public = data_dir / IWILDCAM_2020 / "prepared" / "public"
    train = json.loads((public / "iwildcam2020_train_annotations.json").read_text())
    test = json.loads((public / "iwildcam2020_test_information.json").read_text())
    assert list(train) == ["annotations", "images", "categories", "info"]
    assert list(test) == ["images", "categories", "info"]
    test_ids = {image["id"] for image in test["images"]}
    assert test_ids.isdisjoint(a["image_id"] for a in train["annotations"])
    assert {p.stem for p in (public / "test").iterdir()} == test_ids
    assert {i["location"] for i in train["images"]}.isdisjoint(i["location"] for i in test["images"])


def test_iwildcam_2019_sloppy_but_scored_is_lenient(data_dir: Path, tmp_path: Path) -> None:
    for name, mutate in (("fractions", _set(lambda g: g["Category"] + ".9")), ("extra", lambda g: g.assign(x=1))):
        path = tmp_path / f"{name}.csv"
        mutate(_gold(data_dir)).to_csv(path, index=False)
        assert grade(IWILDCAM_2019, path, data_dir).warnings
        assert not grade(IWILDCAM_2019, path, data_dir, mode="strict").valid_submission


def test_iwildcam_2019_sample_keeps_upstreams_index_column(data_dir: Path) -> None:
    public = data_dir / IWILDCAM_2019 / "prepared" / "public"
    sample = pd.read_csv(public / "sample_submission.csv")
    assert list(sample.columns) == ["Unnamed: 0", "Id", "Category"]
    assert (sample["Category"] == 0).all()
    report = grade(IWILDCAM_2019, public / "sample_submission.csv", data_dir, mode="strict")
    assert report.valid_submission
    assert not report.warnings
    test = pd.read_csv(public / "test.csv")
    with zipfile.ZipFile(public / "test_images.zip") as z:
        assert sorted(z.namelist()) == sorted(f"{i}.jpg" for i in test["id"])
    train = pd.read_csv(public / "train.csv")
    assert set(train["location"]).isdisjoint(test["location"])


def test_top1_error_by_hand() -> None:
    from inspect_mlebench.grading.metrics import top1_error

    assert top1_error(np.array([1, 2, 3, 4, 5]), np.array([1, 2, 0, 4, 0])) == pytest.approx(2 / 5)


def test_macro_f1_by_hand() -> None:
    from inspect_mlebench.grading.metrics import macro_f1

    # class 0: TP 1, FP 1, FN 0 -> F1 2/3; class 1: TP 1, FP 0, FN 1 -> F1 2/3; class 2: TP 1 -> 1
    truth = np.array([0, 1, 1, 2])
    pred = np.array([0, 0, 1, 2])
    assert macro_f1(truth, pred) == pytest.approx((2 / 3 + 2 / 3 + 1) / 3)
