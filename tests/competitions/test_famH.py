"""Upstream parity of whale-categorization-playground, alaska2-image-steganalysis, hotel-id-2021-fgvc8 and
imet-2020-fgvc7 at the edges that matter for each, plus hand-computed checks of their graders.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, read as its `grade_csv` reads them,
rounded to 5 decimals; any exception there means invalid, None here), under pandas 2.3.3: upstream was written for
pandas 2, and under pandas 3 its own graders crash on an empty prediction cell.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.grading.errors import InvalidSubmissionError
from upstream_parity import assert_grades_as_upstream, prepare_all, write_case

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame, Frame], Frame]  # (gold, answers), both read as text -> submission

WHALE = "whale-categorization-playground"
ALASKA = "alaska2-image-steganalysis"
HOTEL = "hotel-id-2021-fgvc8"
IMET = "imet-2020-fgvc7"


def _column(column: str, edit: Callable[[str], str]) -> Mutation:
    return lambda gold, answers: gold.assign(**{column: [edit(x) for x in gold[column]]})


def _first(column: str, value: str) -> Mutation:
    def mutate(gold: Frame, answers: Frame) -> Frame:
        out = gold.copy()
        out.loc[out.index[0], column] = value
        return out

    return mutate


def _all(column: str, value: str) -> Mutation:
    return lambda gold, answers: gold.assign(**{column: value})


def _duplicate_first(column: str) -> Mutation:
    return lambda gold, answers: gold.assign(**{column: [gold[column].iloc[1], *gold[column].iloc[1:]]})


def _missing_row(gold: Frame, answers: Frame) -> Frame:
    return gold.iloc[:-1]


def _shuffled(gold: Frame, answers: Frame) -> Frame:
    return gold.sample(frac=1, random_state=1)


def _noisy_labels(gold: Frame, answers: Frame) -> Frame:
    noise = np.random.default_rng(5).normal(0, 0.6, len(gold))
    return gold.assign(Label=[repr(float(x) + float(e)) for x, e in zip(gold["Label"], noise, strict=True)])


def _ties_every_other(gold: Frame, answers: Frame) -> Frame:
    return gold.assign(Label=[x if i % 2 else "0.5" for i, x in enumerate(gold["Label"])])


def _half_wrong_attributes(gold: Frame, answers: Frame) -> Frame:
    return gold.assign(attribute_ids=[x if i % 2 else "0 1" for i, x in enumerate(gold["attribute_ids"])])


# (competition, case): mutation, upstream's score (None: invalid there), and whether this project warns in default
# mode and refuses in strict mode (what upstream lets through although it is doubtful)
CASES: dict[tuple[str, str], tuple[Mutation, float | None, bool]] = {
    (WHALE, "gold_shuffled"): (_shuffled, 1.0, False),
    (WHALE, "answer_second"): (_column("Id", lambda x: f"w_0000000 {x}"), 0.5, False),
    (WHALE, "answer_fifth"): (_column("Id", lambda x: f"a b c d {x}"), 0.2, False),
    (WHALE, "answer_sixth"): (_column("Id", lambda x: f"a b c d e {x}"), 0.0, False),
    (WHALE, "answer_twice"): (_column("Id", lambda x: f"{x} {x}"), 1.0, False),
    (WHALE, "double_space"): (_column("Id", lambda x: f"a  {x}"), 0.33333, False),  # '' is a guess too
    # upstream under pandas 2 (what it was written for) reads the empty cell as the text 'nan': a wrong guess
    (WHALE, "empty_id"): (_first("Id", ""), 0.88889, True),
    (WHALE, "extra_column"): (lambda gold, answers: gold.assign(extra="1"), None, False),
    (WHALE, "duplicated_image"): (_duplicate_first("Image"), None, False),
    (WHALE, "missing_row"): (_missing_row, None, False),
    (ALASKA, "noisy"): (_noisy_labels, 0.94286, False),
    (ALASKA, "ties"): (_ties_every_other, 0.94286, False),
    (ALASKA, "inverted"): (_column("Label", lambda x: str(1 - int(x))), 0.0, False),
    (ALASKA, "booleans"): (_column("Label", lambda x: "True" if x == "1" else "False"), 1.0, False),
    (ALASKA, "underscore_number"): (_first("Label", "1_0"), 1.0, False),  # float('1_0') == 10.0
    (ALASKA, "negative"): (_first("Label", "-5"), 0.85714, False),  # no range check
    (ALASKA, "inf"): (_first("Label", "inf"), None, False),
    (ALASKA, "nan"): (_first("Label", ""), None, False),
    (ALASKA, "text"): (_first("Label", "abc"), None, False),
    (ALASKA, "duplicated_id"): (_duplicate_first("Id"), None, False),
    (ALASKA, "ids_without_extension"): (_column("Id", lambda x: x.removesuffix(".jpg")), None, False),
    (HOTEL, "image_and_hotel_only"): (lambda gold, answers: gold[["image", "hotel_id"]], 1.0, False),
    (HOTEL, "answer_fifth"): (_column("hotel_id", lambda x: f"1 2 3 4 {x}"), 0.2, False),
    (HOTEL, "float_hotel_ids"): (_column("hotel_id", lambda x: f"{x}.0"), 0.0, False),  # '123.0' is not '123'
    (HOTEL, "one_float_cell"): (_first("hotel_id", "1.5"), 0.0, False),  # the whole column reads as floats
    (HOTEL, "zero_padded"): (_column("hotel_id", lambda x: f"0{x}"), 1.0, False),  # parsed as the same integers
    # under pandas 2 the empty cell reads 'nan' and makes the column float, so every guess reads '123.0': 0.0
    (HOTEL, "empty_hotel"): (_first("hotel_id", ""), 0.0, True),
    (HOTEL, "extra_row"): (lambda gold, answers: pd.concat([gold, gold.iloc[[0]]]), None, False),
    (HOTEL, "missing_row"): (_missing_row, None, False),
    (IMET, "gold_shuffled"): (_shuffled, 1.0, False),
    (IMET, "half_wrong"): (_half_wrong_attributes, 0.55556, False),
    (IMET, "unknown_labels_ignored"): (_column("attribute_ids", lambda x: f"{x} 9999 abc"), 1.0, False),
    (IMET, "tab_separated"): (_column("attribute_ids", lambda x: x.replace(" ", "\t")), 1.0, False),
    (IMET, "float_labels"): (_column("attribute_ids", lambda x: x.replace(" ", ".0 ") + ".0"), 0.0, False),
    (IMET, "empty_first"): (_first("attribute_ids", ""), 0.88889, True),  # read as 'no label'
    (IMET, "all_empty"): (_all("attribute_ids", ""), 0.0, True),
    (IMET, "one_number_each"): (_all("attribute_ids", "3"), None, False),  # an int column has no .str
    (IMET, "booleans"): (_all("attribute_ids", "True"), None, False),
    (IMET, "duplicated_id"): (_duplicate_first("id"), None, False),
    (IMET, "missing_row"): (_missing_row, None, False),
}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return prepare_all(tmp_path_factory.mktemp("famH"), (cid for cid, _ in CASES), SIZE)


@pytest.mark.parametrize(("cid", "case"), sorted(CASES))
def test_grades_as_upstream(cid: str, case: str, data_dir: Path, tmp_path: Path) -> None:
    mutation, expected, lenient = CASES[cid, case]
    assert_grades_as_upstream(cid, write_case(mutation, cid, case, data_dir, tmp_path), data_dir, expected, lenient)


def test_whale_preparation_keeps_each_whale_on_both_sides(data_dir: Path) -> None:
    prepared = data_dir / WHALE / "prepared"
    train = pd.read_csv(prepared / "public" / "train.csv")
    answers = pd.read_csv(prepared / "private" / "test.csv")
    assert set(answers["Id"]) - set(train["Id"]) == set()  # unseen whales became new_whale
    assert "new_whale" in set(answers["Id"])
    assert sorted(p.name for p in (prepared / "public" / "test").iterdir()) == sorted(answers["Image"])


def test_alaska_test_set_mixes_covers_and_stego_images(data_dir: Path) -> None:
    prepared = data_dir / ALASKA / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    assert answers["Id"].tolist() == [f"{i:04d}.jpg" for i in range(1, len(answers) + 1)]
    assert set(answers["Label"]) == {0, 1}
    covers = sorted(p.name for p in (prepared / "public" / "Cover").iterdir())
    assert covers == [f"{i:05d}.jpg" for i in range(1, len(covers) + 1)]
    for alg in ("JMiPOD", "JUNIWARD", "UERD"):
        assert sorted(p.name for p in (prepared / "public" / alg).iterdir()) == covers


def test_hotel_preparation_drops_the_twice_listed_image(data_dir: Path) -> None:
    prepared = data_dir / HOTEL / "prepared"
    train = pd.read_csv(prepared / "public" / "train.csv")
    answers = pd.read_csv(prepared / "private" / "test.csv")
    assert "ce27d36c9147cc19.jpg" not in set(train["image"]) | set(answers["image"])
    assert sorted(p.name for p in (prepared / "public" / "test_images").iterdir()) == sorted(answers["image"])
    for chain, image in zip(train["chain"], train["image"], strict=True):
        assert (prepared / "public" / "train_images" / str(chain) / image).is_file()


def test_map_at_5_by_hand() -> None:
    from inspect_mlebench.competitions.whale_categorization_playground import grade as whale_grade

    answers = pd.DataFrame({"Image": ["a.jpg", "b.jpg"], "Id": ["w_1", "new_whale"]})
    # a: found 3rd -> 1/3; b: found 1st -> 1
    submission = pd.DataFrame({"Image": ["b.jpg", "a.jpg"], "Id": ["new_whale", "x y w_1"]})
    assert whale_grade(submission, answers) == pytest.approx((1 / 3 + 1) / 2)
    with pytest.raises(InvalidSubmissionError, match="'Image'"):
        whale_grade(submission.assign(Image=["b.jpg", "c.jpg"]), answers)


def test_imet_micro_f1_by_hand() -> None:
    from inspect_mlebench.competitions.imet_2020_fgvc7 import grade as imet_grade

    answers = pd.DataFrame({"id": ["p", "q"], "attribute_ids": ["1 2", "3"]})
    # TP 2, FP 1 ('2' on q), FN 1 ('2' on p); '4' is not in the answers' vocabulary and is ignored
    submission = pd.DataFrame({"id": ["q", "p"], "attribute_ids": ["3 2", "1 4"]})
    assert imet_grade(submission, answers) == pytest.approx(2 / 3)
    with pytest.raises(InvalidSubmissionError, match="attribute_ids"):
        imet_grade(submission.assign(attribute_ids=[3, 1]), answers)
