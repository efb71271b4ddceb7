"""Upstream parity of kuzushiji-recognition and rsna-miccai-brain-tumor-radiogenomic-classification at the edges
that matter for them, plus the kuzushiji point-in-box F1 by hand.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade function (openai/mle-bench at 783b15a under pandas 2, both files read as its
`grade_csv` reads them, rounded to 5 decimals; any exception there means invalid, None here). pandas 3 gave the same.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.competitions.kuzushiji_recognition import grade as kuzushiji_grade
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import grading_context
from inspect_mlebench.grading.metrics import kuzushiji_f1
from upstream_parity import Mutation, assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
KUZUSHIJI = "kuzushiji-recognition"
RSNA = "rsna-miccai-brain-tumor-radiogenomic-classification"
Frame = pd.DataFrame


def _boxes(answers: Frame, gold: Frame) -> list[list[tuple[str, int, int, int, int]]]:
    """Each gold row's answer boxes, in the answer's order."""
    by_id = answers.set_index("image_id")["labels"]
    pages = []
    for image_id in gold["image_id"]:
        t = by_id[image_id].split()
        pages.append([(t[i], int(t[i + 1]), int(t[i + 2]), int(t[i + 3]), int(t[i + 4])) for i in range(0, len(t), 5)])
    return pages


def _points(point: Callable[[int, str, int, int, int, int], str]) -> Mutation:
    """Predictions made from the answer boxes: `point(i, c, x, y, w, h)` gives box i's points as text (or '')."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        texts = [" ".join(p for p in (point(i, *box) for i, box in enumerate(b)) if p) for b in _boxes(answers, gold)]
        return gold.assign(labels=texts)

    return mutate


def _first(text: str) -> Mutation:
    """The first row's prediction replaced; `{}` stands for its gold text."""

    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[0], "labels"] = text.format(out["labels"].iloc[0])
        return out

    return mutate


KUZUSHIJI_CASES: list[tuple[str, Mutation, float | None, bool]] = [
    # (case, mutation, upstream's score, warned here)
    ("gold", lambda g, a: g, 1.0, False),
    ("shuffled", lambda g, a: g.sample(frac=1, random_state=1), 1.0, False),
    ("extra_column", lambda g, a: g.assign(extra="x"), 1.0, False),
    ("centres", _points(lambda i, c, x, y, w, h: f"{c} {x + w / 2} {y + h / 2}"), 1.0, False),
    # strictly inside: a point on the box's left/top edge or on its far edge never hits
    ("on_top_left_edge", _points(lambda i, c, x, y, w, h: f"{c} {x} {y}"), 0.0, False),
    ("just_inside_far_corner", _points(lambda i, c, x, y, w, h: f"{c} {x + w - 0.001} {y + h - 0.001}"), 1.0, False),
    ("wrong_label", _points(lambda i, c, x, y, w, h: f"U+0000 {x + 1} {y + 1}"), 0.0, False),
    ("every_other_box", _points(lambda i, c, x, y, w, h: f"{c} {x + 1} {y + 1}" if i % 2 == 0 else ""), 0.67725, False),
    (
        "two_points_per_box",
        _points(lambda i, c, x, y, w, h: f"{c} {x + 1} {y + 1} {c} {x + 2} {y + 2}"),
        0.66667,
        False,
    ),
    ("sample_guess", lambda g, a: g.assign(labels="U+003F 1 1 U+FF2F 2 2"), 0.0, False),
    ("pages_rotated", lambda g, a: g.assign(labels=[*g["labels"].iloc[1:], g["labels"].iloc[0]]), 0.04, False),
    # empty predictions count as none; nan/inf coordinates never hit (warnings here)
    ("one_empty", _first(""), 0.86878, True),
    ("all_empty", lambda g, a: g.assign(labels=""), 0.0, True),
    ("nan_coordinate", _first("U+306F nan 5 {}"), 0.99602, True),
    ("inf_coordinate", _first("U+306F inf 5 {}"), 0.99602, True),
    ("fullwidth_digits", _first("U+306F \uff14 \uff15 {}"), 0.99602, False),
    # malformed texts and files
    ("text_coordinate", _first("U+306F abc 5 {}"), None, False),
    ("double_space", _first("{}  "), None, False),
    ("trailing_space", _first("{} "), None, False),
    ("tabs", _first("U+306F\t5\t5"), None, False),
    ("four_tokens", _first("U+306F 5 5 5"), None, False),
    ("numbers_only_column", lambda g, a: g.assign(labels="5"), None, False),
    ("missing_row", lambda g, a: g.iloc[1:], None, False),
    ("extra_row", lambda g, a: pd.concat([g, g.iloc[:1]]), None, False),
    ("repeated_id", lambda g, a: g.assign(image_id=[*g["image_id"].iloc[:-1], g["image_id"].iloc[0]]), None, False),
    ("spaced_ids", lambda g, a: g.assign(image_id=" " + g["image_id"]), None, False),
    ("renamed_labels", lambda g, a: g.rename(columns={"labels": "PredictionString"}), None, False),
]

RSNA_CASES: list[tuple[str, Mutation, float | None, bool]] = [
    ("gold", lambda g, a: g, 1.0, False),
    ("inverse", lambda g, a: g.assign(MGMT_value=1 - g["MGMT_value"].astype(int)), 0.0, False),
    ("ties", lambda g, a: g.assign(MGMT_value=0.5), 0.5, False),
    ("extra_column", lambda g, a: g.assign(extra=1), 1.0, False),
    # ids compare as parsed numbers: 00012, 12 and 12.0 are one id (a warning where not written as in the test set)
    ("unpadded_ids", lambda g, a: g.assign(BraTS21ID=g["BraTS21ID"].astype(int)), 1.0, True),
    ("float_ids", lambda g, a: g.assign(BraTS21ID=g["BraTS21ID"].astype(int).astype(str) + ".0"), 1.0, True),
    ("above_one", lambda g, a: g.assign(MGMT_value=["1.0000001", *g["MGMT_value"].iloc[1:]]), None, False),
    ("negative", lambda g, a: g.assign(MGMT_value=["-0.1", *g["MGMT_value"].iloc[1:]]), None, False),
    ("empty_value", lambda g, a: g.assign(MGMT_value=["", *g["MGMT_value"].iloc[1:]]), None, False),
    ("text_value", lambda g, a: g.assign(MGMT_value=["high", *g["MGMT_value"].iloc[1:]]), None, False),
    ("missing_row", lambda g, a: g.iloc[1:], None, False),
    ("repeated_id", lambda g, a: g.assign(BraTS21ID=[*g["BraTS21ID"].iloc[:-1], g["BraTS21ID"].iloc[0]]), None, False),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famP"), [KUZUSHIJI, RSNA], SIZE)


@pytest.mark.parametrize(
    ("case", "mutate", "expected", "lenient"), KUZUSHIJI_CASES, ids=[c[0] for c in KUZUSHIJI_CASES]
)
def test_kuzushiji_grades_as_upstream(
    data_dir: Path, tmp_path: Path, case: str, mutate: Mutation, expected: float | None, lenient: bool
) -> None:
    path = write_case(mutate, KUZUSHIJI, case, data_dir, tmp_path)
    assert_grades_as_upstream(KUZUSHIJI, path, data_dir, expected, lenient)


@pytest.mark.parametrize(("case", "mutate", "expected", "lenient"), RSNA_CASES, ids=[c[0] for c in RSNA_CASES])
def test_rsna_miccai_grades_as_upstream(
    data_dir: Path, tmp_path: Path, case: str, mutate: Mutation, expected: float | None, lenient: bool
) -> None:
    path = write_case(mutate, RSNA, case, data_dir, tmp_path)
    assert_grades_as_upstream(RSNA, path, data_dir, expected, lenient)


def test_kuzushiji_layout(data_dir: Path) -> None:
    public = data_dir / KUZUSHIJI / "prepared" / "public"
    train = pd.read_csv(public / "train.csv")
    sample = pd.read_csv(public / "sample_submission.csv")
    assert list(sample.columns) == ["image_id", "labels"]
    assert (sample["labels"] == "U+003F 1 1 U+FF2F 2 2").all()
    with zipfile.ZipFile(public / "train_images.zip") as z:
        assert sorted(z.namelist()) == sorted(f"{i}.jpg" for i in train["image_id"])
    with zipfile.ZipFile(public / "test_images.zip") as z:
        assert sorted(z.namelist()) == sorted(f"{i}.jpg" for i in sample["image_id"])
    assert (public / "unicode_translation.csv").is_file()


def test_rsna_miccai_layout(data_dir: Path) -> None:
    public = data_dir / RSNA / "prepared" / "public"
    train = pd.read_csv(public / "train_labels.csv", dtype=str)
    sample = pd.read_csv(public / "sample_submission.csv", dtype=str)
    assert train["BraTS21ID"].str.fullmatch(r"\d{5}").all()
    for side, ids in (("train", train["BraTS21ID"]), ("test", sample["BraTS21ID"])):
        assert sorted(p.name for p in (public / side).iterdir()) == sorted(ids)
        for series in ("FLAIR", "T1w", "T1wCE", "T2w"):
            assert any((public / side / ids.iloc[0] / series).glob("Image-*.dcm"))


# Upstream's grade on hand-made frames whose answers include a page without characters (measured the same way):
ANSWERS = pd.DataFrame({"image_id": ["page-001", "page-002"], "labels": ["A 0 0 10 10 B 20 20 5 5", np.nan]})


@pytest.mark.parametrize(
    ("labels", "expected", "warned"),
    [
        (["A 1 1", "B 3 3 C 4 4"], 0.4, False),  # TP 1, FP 2 (the blank page's points), FN 1
        ([np.nan, np.nan], 0.0, True),  # no prediction at all
        (["A 1 1 B 21 21", np.nan], 1.0, False),  # the blank page rightly left empty: no warning
        (["A 5 5 A 1 1 B 21 21", np.nan], 0.8, False),  # box A takes the first point inside it; "A 1 1" is a FP
        (["A 1 1", "x y z"], None, False),  # coordinates are parsed even on a page without characters
    ],
)
def test_kuzushiji_blank_answer_pages(labels: list[object], expected: float | None, warned: bool) -> None:
    submission = pd.DataFrame({"image_id": ["page-002", "page-001"], "labels": labels[::-1]})
    with grading_context("upstream") as warnings:
        if expected is None:
            with pytest.raises(InvalidSubmissionError):
                kuzushiji_grade(submission, ANSWERS.copy())
            return
        assert round(kuzushiji_grade(submission, ANSWERS.copy()), 5) == expected
    assert bool(warnings) is warned


def test_kuzushiji_f1_by_hand() -> None:
    truth = np.array(["A 0 0 10 10 A 5 5 10 10", "B 0 0 4 4"], dtype=object)
    # (6, 6) lies in both A boxes: the first box takes it, the second gets (12, 12); "B 4 2" is on the edge (x = 4)
    pred = np.array(["A 6 6 A 12 12", "B 4 2"], dtype=object)
    assert kuzushiji_f1(truth, pred) == pytest.approx(2 * (2 / 3) * (2 / 3) / (4 / 3))
    # no hit at all, or nothing predicted: 0
    assert kuzushiji_f1(truth, np.array(["A 50 50", np.nan], dtype=object)) == 0.0
    assert kuzushiji_f1(truth, np.array([np.nan, np.nan], dtype=object)) == 0.0
    with pytest.raises(ValueError, match="groups of 3"):
        kuzushiji_f1(truth, np.array(["A 1", "B 1 1"], dtype=object))
