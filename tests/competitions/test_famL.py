"""Upstream parity of the herbarium competitions (2020 FGVC7, 2021 FGVC8, 2022 FGVC9) at the edges that matter.

The expected scores were measured with upstream's own grade functions (openai/mle-bench at 783b15a, files read as
its `grade_csv` reads them, rounded to 5 decimals, any exception = invalid = None) under pandas 2.3.3; the three
years' graders give the same values (these files parse alike with or without round_trip precision). The md5s of the
prepared files were measured on upstream's `prepare` run on exactly this synthetic raw data (seed 0, size 40); our
preparer wrote byte-identical files (images included).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.competitions import herbarium
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import grading_context

ANSWERS = "Id,Predicted\n0,101\n1,101\n2,205\n3,205\n4,1530\n5,1530\n"
ROWS = "1,101\n2,205\n3,205\n4,1530\n5,1530\n"

# name -> (submission, upstream's score, whether we warn (and strict mode refuses))
CASES: dict[str, tuple[str, float | None, bool]] = {
    "mixed": ("Id,Predicted\n0,101\n1,205\n2,205\n3,205\n4,1530\n5,101\n", 0.65556, False),
    "shuffled_float_ids": ("Id,Predicted\n5.0,1530\n1.0,101\n0.0,101\n3.0,205\n2.0,205\n4.0,1530\n", 1.0, True),
    "fractional": ("Id,Predicted\n0,101.9\n1,101.2\n2,205.5\n3,205\n4,1530.99\n5,1530\n", 1.0, True),
    "unseen_label": ("Id,Predicted\n0,101\n1,7\n2,205\n3,205\n4,1530\n5,1530\n", 0.66667, False),
    "int64_max": ("Id,Predicted\n0,9223372036854775807\n" + ROWS, 0.66667, False),
    "extra_column": ("Id,Predicted,x\n0,101,a\n1,101,a\n2,205,a\n3,205,a\n4,1530,a\n5,101,a\n", 0.82222, False),
    "nan": ("Id,Predicted\n0,\n" + ROWS, None, False),
    "inf": ("Id,Predicted\n0,inf\n" + ROWS, None, False),
    "text": ("Id,Predicted\n0,abc\n" + ROWS, None, False),
    "huge": ("Id,Predicted\n0,1e300\n" + ROWS, None, False),
    "too_few": ("Id,Predicted\n0,101\n1,101\n2,205\n3,205\n4,1530\n", None, False),
    "duplicate": ("Id,Predicted\n0,101\n0,101\n2,205\n3,205\n4,1530\n5,1530\n", None, False),
    "renamed": ("Id,Prediction\n0,101\n" + ROWS, None, False),
}


def _read(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text))


@pytest.mark.parametrize("case", sorted(CASES))
def test_grade_matches_upstream(case: str) -> None:
    text, expected, warns = CASES[case]
    if expected is None:
        with pytest.raises(InvalidSubmissionError):
            herbarium.grade(_read(text), _read(ANSWERS))
        return
    with grading_context("upstream") as warnings:
        assert round(herbarium.grade(_read(text), _read(ANSWERS)), 5) == expected
    assert bool(warnings) == warns
    if warns:
        with grading_context("strict"), pytest.raises(InvalidSubmissionError):
            herbarium.grade(_read(text), _read(ANSWERS))


# year -> {prepared file: md5 of upstream's output on synthesize(seed=0, size=40)}
PREPARED = {
    2020: {
        "private/answers.csv": "7253bd1abb3c7f9c34f26d96c13b12e4",
        "public/sample_submission.csv": "50f64b809b5ab3c76b0b43dfaf1350da",
        "public/nybg2020/train/metadata.json": "0385fe07ea8ecaaa34e7eff95c648981",
        "public/nybg2020/test/metadata.json": "11f921c91bf6f33e85767a2a707794b3",
    },
    2021: {
        "private/answers.csv": "78808a851c939ec40b2b22b7de9b79df",
        "public/sample_submission.csv": "c5c2f62c0ed6af33e3b51a49601e24f7",
        "public/train/metadata.json": "07581a31a888cd3cc3b5e622a9589d85",
        "public/test/metadata.json": "0ab48b8880075be17f5e21bd7b1ee9b5",
    },
    2022: {
        "private/answers.csv": "69399fd549febd1b0169a0b1fa517024",
        "public/sample_submission.csv": "35b708ab1477b528626a29aacac54d40",
        "public/train_metadata.json": "d4a9eb64120924a5000157fdf79171db",
        "public/test_metadata.json": "64ac571ce4e0030aa766a814462a46d3",
    },
}


@pytest.mark.parametrize("year", sorted(PREPARED))
def test_prepare_matches_upstream(tmp_path: Path, year: int) -> None:
    raw, public, private = tmp_path / "raw", tmp_path / "public", tmp_path / "private"
    for folder in (raw, public, private):
        folder.mkdir()
    herbarium.synthesize(raw, 0, 40, year=year)
    herbarium.prepare(raw, public, private, year=year)
    for name, md5 in PREPARED[year].items():
        assert hashlib.md5((tmp_path / name).read_bytes()).hexdigest() == md5, name
    answers = pd.read_csv(private / "answers.csv")
    test_meta = json.loads((tmp_path / next(n for n in PREPARED[year] if "test" in n)).read_text())
    images = test_meta if isinstance(test_meta, list) else test_meta["images"]
    assert len(images) == len(answers)
    assert answers["Predicted"].nunique() > 2
    assert "category_id" not in json.dumps(test_meta)  # the public test metadata names no species
    raw_meta = raw / ("train_metadata.json" if year == 2022 else f"{herbarium.ROOTS[year]}train/metadata.json")
    n_raw = len(json.loads(raw_meta.read_text(encoding="utf-8"))["images"])
    assert len(list(public.rglob("*.jpg"))) == n_raw  # every training image placed once, in train or test


def test_prepare_links_images_and_copies_where_it_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    herbarium.synthesize(raw, 0, 40, year=2022)
    for name in ("linked", "copied"):
        public, private = tmp_path / name / "public", tmp_path / name / "private"
        public.mkdir(parents=True)
        private.mkdir()
        if name == "copied":

            def refuse(src: object, dst: object) -> None:
                raise OSError("no hard links here")

            monkeypatch.setattr("os.link", refuse)
        herbarium.prepare(raw, public, private, year=2022)
        links = {p.stat().st_nlink for p in public.rglob("*.jpg")}
        assert links == ({2} if name == "linked" else {1})
    linked = sorted(p.relative_to(tmp_path / "linked") for p in (tmp_path / "linked").rglob("*"))
    copied = sorted(p.relative_to(tmp_path / "copied") for p in (tmp_path / "copied").rglob("*"))
    assert linked == copied
