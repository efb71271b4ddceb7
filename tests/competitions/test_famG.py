"""Upstream parity of statoil-iceberg-classifier-challenge, petfinder-pawpularity-score, plant-pathology-2021-fgvc8
and cassava-leaf-disease-classification at the edges that matter for each, plus the new metric by hand.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals; any exception there means invalid, None here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.config import get_competition
from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.metrics import multilabel_micro_f1

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame], Frame]  # gold (the answers' id and target columns, read as text) -> submission

STATOIL = "statoil-iceberg-classifier-challenge"
PET = "petfinder-pawpularity-score"
PLANT = "plant-pathology-2021-fgvc8"
CASSAVA = "cassava-leaf-disease-classification"
TARGETS = {STATOIL: "is_iceberg", PET: "Pawpularity", PLANT: "labels", CASSAVA: "label"}


def _set(column: str, values: Callable[[Frame], Any]) -> Mutation:
    return lambda gold: gold.assign(**{column: values(gold)})


def _cell(column: str, value: str) -> Mutation:
    def mutate(gold: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[0], column] = value
        return out

    return mutate


def _noisy_probabilities(gold: Frame) -> Frame:
    y = gold["is_iceberg"].astype(int).to_numpy()
    noise = np.random.default_rng(3).normal(0, 0.05, len(y))
    return gold.assign(is_iceberg=np.clip(y * 0.8 + 0.1 + noise, 0, 1).round(4))


def _noisy_scores(gold: Frame) -> Frame:
    y = gold["Pawpularity"].astype(float).to_numpy()
    noise = np.random.default_rng(3).normal(0, 5, len(y))
    return gold.assign(Pawpularity=np.clip(y + noise, 1, 100).round(3))


def _labels(edit: Callable[[str], str]) -> Mutation:
    return lambda gold: gold.assign(labels=[edit(x) for x in gold["labels"]])


CASES: list[tuple[str, str, Mutation, float | None]] = [
    # statoil: ids compared as a set, values in [0, 1], then sklearn's log_loss (which refuses other lengths)
    (STATOIL, "gold", lambda g: g, 0.0),
    (STATOIL, "noisy", _noisy_probabilities, 0.1447),
    (STATOIL, "all_one", _set("is_iceberg", lambda g: 1), 18.02183),
    (STATOIL, "bools", _set("is_iceberg", lambda g: np.where(g["is_iceberg"] == "1", "True", "False")), 0.0),
    (STATOIL, "above_one", _set("is_iceberg", lambda g: np.where(g["is_iceberg"] == "1", 1.0000001, 0.2)), None),
    (STATOIL, "text", _cell("is_iceberg", "abc"), None),
    (STATOIL, "repeated_id", lambda g: pd.concat([g, g.iloc[:1]]), None),
    (STATOIL, "missing_row", lambda g: g.iloc[1:], None),
    (STATOIL, "extra_column", lambda g: g.assign(extra="foo"), 0.0),
    # petfinder: every value in [1, 100] (True reads as 1), sorted ids equal to the test ids, RMSE
    (PET, "gold", lambda g: g, 0.0),
    (PET, "noisy", _noisy_scores, 8.36432),
    (PET, "all_one", _set("Pawpularity", lambda g: 1), 45.13037),
    (PET, "all_true", _set("Pawpularity", lambda g: "True"), 45.13037),
    (
        PET,
        "above_100",
        _set("Pawpularity", lambda g: np.where(g["Pawpularity"].astype(float) > 50, 100.0000001, g["Pawpularity"])),
        None,
    ),
    (
        PET,
        "below_one",
        _set("Pawpularity", lambda g: np.where(g["Pawpularity"].astype(float) > 50, 0.9999999, g["Pawpularity"])),
        None,
    ),
    (PET, "nan", _cell("Pawpularity", "nan"), None),
    (PET, "repeated_id", lambda g: pd.concat([g.iloc[:-1], g.iloc[:1]]), None),
    (PET, "one_row", lambda g: g.iloc[:1], None),
    # plant-pathology-2021: micro-F1 over label sets, vocabulary from the answers
    (PLANT, "gold", lambda g: g, 1.0),
    (PLANT, "first_label_only", _labels(lambda x: x.split()[0]), 0.94118),
    (PLANT, "extra_label", _labels(lambda x: x + " rust"), 0.75),
    (PLANT, "unknown_labels_ignored", _labels(lambda x: x + " zzz"), 1.0),
    (PLANT, "only_unknown", _labels(lambda x: "zzz"), 0.0),
    (PLANT, "repeated_label", _labels(lambda x: x + " " + x), 1.0),
    (PLANT, "upper_case", _labels(str.upper), 0.0),
    (PLANT, "all_empty", _labels(lambda x: ""), 0.0),
    (PLANT, "one_empty", _cell("labels", ""), 0.94118),
    (PLANT, "numbers", lambda g: g.assign(labels=[str(i) for i in range(len(g))]), None),
    (PLANT, "one_number_among_text", _cell("labels", "1"), 0.94118),
    (PLANT, "float_among_empty", lambda g: _cell("labels", "2.5")(g.assign(labels="")), None),
    (PLANT, "missing_row", lambda g: g.iloc[1:], None),
    (PLANT, "repeated_row", lambda g: pd.concat([g, g.iloc[:1]]), None),
    # cassava: same length, sorted ids equal, sklearn accuracy on labels as parsed
    (CASSAVA, "gold", lambda g: g, 1.0),
    (
        CASSAVA,
        "half_right",
        lambda g: g.assign(label=[v if i % 2 == 0 else str((int(v) + 1) % 5) for i, v in enumerate(g["label"])]),
        0.5,
    ),
    (CASSAVA, "float_labels", _set("label", lambda g: g["label"] + ".0"), 1.0),
    (CASSAVA, "fractional_labels", _set("label", lambda g: g["label"] + ".5"), None),
    (CASSAVA, "text_labels", _set("label", lambda g: "Healthy"), None),
    (CASSAVA, "one_inf", _cell("label", "inf"), None),
    (CASSAVA, "one_empty", _cell("label", ""), None),
    (CASSAVA, "booleans", _set("label", lambda g: np.where(g["label"].astype(int) > 2, "True", "False")), 0.0),
    (CASSAVA, "repeated_id", lambda g: g.assign(image_id=[*g["image_id"].iloc[:-1], g["image_id"].iloc[0]]), None),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("famG")
    for cid in TARGETS:
        prepare_synthetic(cid, root, seed=0, size=SIZE)
    return root


def _gold(data_dir: Path, cid: str) -> Frame:
    answers = data_dir / cid / get_competition(cid).dataset.answers
    frame = pd.read_csv(answers, dtype=str, keep_default_na=False)
    return frame[[get_competition(cid).grading.id_column or "", TARGETS[cid]]]


@pytest.mark.parametrize(("cid", "name", "mutate", "expected"), CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_matches_upstream(
    data_dir: Path, tmp_path: Path, cid: str, name: str, mutate: Mutation, expected: float | None
) -> None:
    path = tmp_path / "submission.csv"
    mutate(_gold(data_dir, cid)).to_csv(path, index=False)
    report = grade(cid, path, data_dir)
    assert report.score == expected, report.invalid_reason


def test_plant_empty_label_is_lenient(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "submission.csv"
    _cell("labels", "")(_gold(data_dir, PLANT)).to_csv(path, index=False)
    assert grade(PLANT, path, data_dir).warnings
    assert not grade(PLANT, path, data_dir, mode="strict").valid_submission


def test_statoil_sample_submission_is_public(data_dir: Path) -> None:
    public = data_dir / STATOIL / "prepared" / "public"
    assert (public / "sample_submission.csv").is_file()
    assert {"train.json.7z", "test.json.7z", "sample_submission.csv.7z"} <= {p.name for p in public.iterdir()}


def test_micro_f1_label_sets_matches_sklearn_definition() -> None:
    # vocabulary {x, y}: TP 2 (x, y), FP 1 (x in row 2), FN 1 (y in row 3); 'q' is outside the vocabulary
    truth = np.array(["x", "y", "y"], dtype=object)
    pred = np.array(["x q", "x y", ""], dtype=object)
    assert multilabel_micro_f1(truth, pred) == pytest.approx(2 * 2 / (2 * 2 + 1 + 1))
