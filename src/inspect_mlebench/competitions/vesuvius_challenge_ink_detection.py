"""vesuvius-challenge-ink-detection: find the ink on papyrus fragments from 3-D X-ray surface volumes.

Kaggle's download holds three labelled fragments `train/{1,2,3}/` (`surface_volume/00.tif` .. `64.tif`, 16-bit
slices; `mask.png`, the papyrus area; `ir.png`, an infrared photograph; `inklabels.png` and its run-length encoding
`inklabels_rle.csv`) and two unlabelled ones `test/{a,b}/`. Upstream keeps fragments 1 and 2 for training and makes
fragment 3 the one test fragment, renamed `a`, without its labels or infrared photograph.

A submission is one row per fragment, `Id,Predicted`, the ink mask run-length encoded along the rows (pixel 1 is the
top-left, pixel 2 its right neighbour). Scored with the pixel F0.5 of each fragment, averaged over fragments; rows are
paired with the answers by position, and each row's `Id` must be its fragment's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.images import png_bytes, tiff_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.rle import RleError, rle_decode, rle_encode
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

COMPETITION = "vesuvius-challenge-ink-detection"
TEST_FRAGMENT = "3"  # upstream's held-out fragment
TEST_ID = "a"  # its name in the prepared data
HIDDEN = ("inklabels.png", "inklabels_rle.csv", "ir.png")  # the test fragment's files the agent does not get
SAMPLE_PREDICTION = "1 1 5 1"
BETA = 0.5
COLUMNS = ["Id", "Predicted"]


# ----------------------------------------------------------------------------------------------------------- prepare


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def prepare(raw: Path, public: Path, private: Path) -> None:
    from PIL import Image

    for fragment in ("1", "2"):
        place_files(raw / "train" / fragment, _files(raw / "train" / fragment), public / "train" / fragment)

    test_raw = raw / "train" / TEST_FRAGMENT
    labels = read_csv(test_raw / "inklabels_rle.csv")
    if len(labels) != 1:
        raise ValueError(f"{test_raw / 'inklabels_rle.csv'} should hold one row, not {len(labels)}")
    with Image.open(test_raw / "ir.png") as photo:  # only the header is read
        width, height = photo.size
    labels["width"] = width
    labels["height"] = height
    labels["Id"] = TEST_ID
    labels.to_csv(private / "inklabels_rle.csv", index=False)
    labels.drop(columns=["width", "height"]).to_csv(private / "gold_submission.csv", index=False)

    test_files = _files(test_raw)
    unexpected = [name for name in test_files if Path(name).suffix not in (".png", ".csv", ".tif")]
    if unexpected:
        raise ValueError(f"unexpected files in {test_raw} (upstream takes only png, csv and tif): {unexpected[:3]}")
    place_files(test_raw, [n for n in test_files if Path(n).name not in HIDDEN], public / "test" / TEST_ID)

    pd.DataFrame({"Id": [TEST_ID], "Predicted": [SAMPLE_PREDICTION]}).to_csv(
        public / "sample_submission.csv", index=False
    )


# ------------------------------------------------------------------------------------------------------------- grade


def _mask(text: str, height: int, width: int, fragment: object) -> np.ndarray:
    try:
        return rle_decode(text, height, width, "C")
    except RleError as err:
        raise InvalidSubmissionError(
            f"column 'Predicted' of fragment {fragment!r} is not a valid run-length encoding: {err}"
        ) from err


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Upstream's rules: as many rows as fragments, paired by position; exactly the columns `Id` and `Predicted`;
    each row's `Id` the fragment's at that position; `Predicted` text that decodes as a run-length mask."""
    checks.require_row_count(submission, answers)
    if len(submission.columns) != len(COLUMNS):
        raise InvalidSubmissionError(
            f"submission must have exactly the columns {checks.examples(COLUMNS)}, got "
            f"{checks.examples(list(submission.columns), 6)}"
        )
    checks.require_columns(submission, COLUMNS)
    scores = []
    for (_, row), (_, answer) in zip(submission.iterrows(), answers.iterrows(), strict=True):
        if row["Id"] != answer["Id"]:
            raise InvalidSubmissionError(
                f"column 'Id' must list the fragments in the test set's order: {checks.examples([row['Id']])} where "
                f"the test set has {checks.examples([answer['Id']])}"
            )
        text = row["Predicted"]
        if not isinstance(text, str):
            raise InvalidSubmissionError(
                f"column 'Predicted' of fragment {answer['Id']!r} must be run-length text, got "
                f"{checks.examples([text])}"
            )
        height, width = int(answer["height"]), int(answer["width"])
        truth = _mask(answer["Predicted"], height, width, answer["Id"])
        predicted = _mask(text, height, width, answer["Id"])
        scores.append(metrics.fbeta(truth, predicted, beta=BETA))
    return float(np.mean(scores))


# -------------------------------------------------------------------------------------------------------- synthetic

SLICES = 65  # surface_volume/00.tif .. 64.tif, as Kaggle's
INK_SLICES = slice(24, 36)  # the papyrus surface, where ink shows


def _ink(gen: np.random.Generator, height: int, width: int) -> np.ndarray:
    """Letter-like strokes: short horizontal and vertical bars in rows of text, inside the papyrus."""
    ink = np.zeros((height, width), dtype=bool)
    for top in range(4, height - 6, 9):
        left = 3
        while left < width - 6:
            glyph = int(gen.integers(0, 3))
            if glyph == 0:
                ink[top : top + 6, left : left + 2] = True
            elif glyph == 1:
                ink[top + 2 : top + 4, left : left + 5] = True
            else:
                ink[top : top + 6, left : left + 2] = True
                ink[top : top + 2, left : left + 5] = True
            left += int(gen.integers(6, 10))
    return ink


def _fragment(out: Path, gen: np.random.Generator, height: int, width: int, labelled: bool) -> None:
    """One fragment folder: the papyrus mask, 65 16-bit slices (ink brighter on the surface slices) and, when
    labelled, the ink labels as PNG and run-length text plus the infrared photograph (ink dark)."""
    rows, cols = np.mgrid[0:height, 0:width]
    papyrus = ((rows - height / 2) / (height * 0.55)) ** 2 + ((cols - width / 2) / (width * 0.55)) ** 2 < 1
    ink = _ink(gen, height, width) & papyrus
    fibres = gen.normal(0, 1500, (height, width))
    (out / "surface_volume").mkdir(parents=True, exist_ok=True)
    for z in range(SLICES):
        surface = np.exp(-0.5 * ((z - 30) / 8) ** 2)
        level = 12000 + 20000 * surface * papyrus + fibres * papyrus
        if INK_SLICES.start <= z < INK_SLICES.stop:
            level = level + 6000 * ink
        pixels = level + gen.normal(0, 1200, (height, width))
        (out / "surface_volume" / f"{z:02d}.tif").write_bytes(tiff_bytes(pixels, bits=16))
    (out / "mask.png").write_bytes(png_bytes(papyrus * 255.0))
    if labelled:
        (out / "inklabels.png").write_bytes(png_bytes(ink * 255.0))
        (out / "ir.png").write_bytes(png_bytes(np.where(ink, 40.0, 170.0) + gen.normal(0, 12, ink.shape)))
        write_csv(pd.DataFrame({"Id": [out.name], "Predicted": [rle_encode(ink, "C")]}), out / "inklabels_rle.csv")


def synthesize(out: Path, seed: int, size: int) -> None:
    """Fragments a few dozen pixels across (Kaggle's are thousands), `size` setting the scale."""
    gen = rng(seed, COMPETITION)
    base = max(24, size // 2)
    for i, fragment in enumerate(("1", "2", "3")):
        _fragment(out / "train" / fragment, gen, base + 6 * i, base * 3 // 4 + 4 * i, labelled=True)
    for i, fragment in enumerate(("a", "b")):
        _fragment(out / "test" / fragment, gen, base - 4 * i, base * 3 // 4, labelled=False)
    write_csv(pd.DataFrame({"Id": ["a", "b"], "Predicted": SAMPLE_PREDICTION}), out / "sample_submission.csv")
