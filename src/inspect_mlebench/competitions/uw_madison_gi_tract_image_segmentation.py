"""uw-madison-gi-tract-image-segmentation: MRI slices (16-bit PNG) -> run-length masks of the stomach, small bowel
and large bowel, scored by 0.4 * Dice + 0.6 * (1 - Hausdorff distance).

Upstream holds out 10% of Kaggle's training cases (whole cases, in the order train.csv first lists them,
random_state=42) and, of each remaining case with more than four scan days, the days after the fourth (by day
number). The scan folders `<case>/<case>_<day>/scans/slice_<nnnn>_<width>_<height>_<sx>_<sy>.png` go to public/train
or public/test accordingly. The answers keep Kaggle's rows (`id`, `class`, the mask as `predicted`) with the image
width and height read from the slice file names, which the grader needs to decode the masks.

Upstream's grader wants the id, class and predicted columns and nothing else of the file: the masks are decoded and
paired with the answers row by row, by position (with the answers' image sizes); the rows are grouped into 3-D scans
by the submission's own ids. So rows in another order, other ids or classes, and fewer or more rows than the answers
(the extra ones are ignored) are all scored, with a warning here (invalid in strict mode); an encoding upstream's
decoder refuses, a non-text mask, or rows whose masks cannot be stacked into one scan are invalid.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import overload

import numpy as np
import pandas as pd

from inspect_mlebench.formats.images import png_bytes
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.grading.rle import RleError, rle_decode, rle_encode
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv, write_files
from inspect_mlebench.tables import read_csv

COMPETITION = "uw-madison-gi-tract-image-segmentation"
ID, CLASS, MASK, PREDICTED = "id", "class", "segmentation", "predicted"
WIDTH, HEIGHT = "image_width", "image_height"
CLASSES = ["large_bowel", "small_bowel", "stomach"]
KEPT_DAYS = 4  # a training case keeps its first four scan days; later ones are test days


def _day_number(day: str) -> int:
    return int(day[len("day") :])


def _split(table: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(case, day, in_test) per row: upstream's case split, then the days after the fourth of each training case."""
    from sklearn.model_selection import train_test_split

    parts = table[ID].str.split("_")
    case, day = parts.str[0], parts.str[1]
    _, test_cases = train_test_split(case.unique(), test_size=0.1, random_state=42)
    in_test = case.isin(set(test_cases))
    for name, days in day[~in_test].groupby(case[~in_test]):
        later = sorted(set(days), key=_day_number)[KEPT_DAYS:]
        in_test |= (case == name) & day.isin(later)
    return case, day, in_test


def _slice_sizes(scans: Path) -> dict[str, tuple[int, int]]:
    """Slice number -> (width, height), from the file names of one scan folder."""
    sizes: dict[str, list[tuple[int, int]]] = {}
    for path in scans.glob("slice_*.png"):
        parts = path.stem.split("_")
        sizes.setdefault(parts[1], []).append((int(parts[2]), int(parts[3])))
    duplicated = [number for number, found in sizes.items() if len(found) != 1]
    if duplicated:
        raise ValueError(f"{scans} has several images of slice(s) {duplicated[:3]}")
    return {number: found[0] for number, found in sizes.items()}


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    case, day, in_test = _split(table)
    train, test = table[~in_test], table[in_test].copy()

    # every file of a case's scan folders, to the side its day is on (the whole case folder, as upstream copies it)
    test_days = set(zip(case[in_test], day[in_test], strict=True))
    train_cases = set(case[~in_test])
    sides: dict[str, list[str]] = {"train": [], "test": []}
    for name in case.unique():
        for path in sorted((raw / "train" / name).rglob("*")):
            if path.is_file():
                relative = path.relative_to(raw / "train")
                day_name = relative.parts[1].split("_")[1] if len(relative.parts) > 2 else ""
                on_test = name not in train_cases or (name, day_name) in test_days
                sides["test" if on_test else "train"].append(relative.as_posix())
    for side, names in sides.items():
        (public / side).mkdir(exist_ok=True)
        place_files(raw / "train", names, public / side)

    # the test images' sizes, from the slice file names (as floats, as upstream's row-by-row assignment leaves them)
    sizes: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    width, height = [], []
    for row_case, row_day, row_id in zip(case[in_test], day[in_test], test[ID], strict=True):
        folder = sizes.setdefault(
            (row_case, row_day), _slice_sizes(raw / "train" / row_case / f"{row_case}_{row_day}" / "scans")
        )
        found = folder.get(row_id.split("_")[-1])
        if found is None:
            raise FileNotFoundError(f"no slice image for {row_id}")
        width.append(float(found[0]))
        height.append(float(found[1]))
    test[WIDTH], test[HEIGHT] = width, height

    answers = test.rename(columns={MASK: PREDICTED})
    sample = test[[ID, CLASS]].assign(**{PREDICTED: "1 1 5 2"})
    sample.to_csv(public / "sample_submission.csv", index=False, na_rep="")
    answers.to_csv(private / "test.csv", index=False, na_rep="")
    train.to_csv(public / "train.csv", index=False, na_rep="")
    test[[ID, CLASS]].to_csv(public / "test.csv", index=False, na_rep="")
    assert len(train) + len(test) == len(table)


def gold(public: Path, private: Path) -> pd.DataFrame:
    return read_csv(private / "test.csv")[[ID, CLASS, PREDICTED]]


class PackedMasks(Sequence[np.ndarray]):
    """Decoded masks kept bit-packed (an empty one as None), unpacked on access: a test set's masks fit in memory
    many times over, and the metric reads each one twice (Dice per row, then in its scan)."""

    def __init__(self, texts: Sequence[object], heights: Sequence[int], widths: Sequence[int], ids: pd.Series) -> None:
        self._shapes = [(int(h), int(w)) for h, w in zip(heights, widths, strict=False)][: len(texts)]
        self._bits: list[np.ndarray | None] = []
        for i, (text, shape) in enumerate(zip(texts, self._shapes, strict=False)):
            if not isinstance(text, str):
                raise InvalidSubmissionError(
                    f"column '{PREDICTED}' must hold run-length encodings (text); row {i} ({ids.iloc[i]!r}) holds "
                    f"{text!r}"
                )
            if not text.strip():  # an empty mask, the most common row
                self._bits.append(None)
                continue
            try:
                mask = rle_decode(text, *shape)
            except RleError as err:
                raise InvalidSubmissionError(
                    f"column '{PREDICTED}', row {i} ({ids.iloc[i]!r}): the encoding is not valid: {err}"
                ) from None
            self._bits.append(np.packbits(mask) if mask.any() else None)

    def __len__(self) -> int:
        return len(self._bits)

    @overload
    def __getitem__(self, index: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, index: slice) -> list[np.ndarray]: ...

    def __getitem__(self, index: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(index, slice):
            return [self[i] for i in range(len(self))[index]]
        shape, bits = self._shapes[index], self._bits[index]
        if bits is None:
            return np.zeros(shape, dtype=bool)
        return np.unpackbits(bits, count=shape[0] * shape[1]).reshape(shape).astype(bool)


def _texts(column: pd.Series) -> list[object]:
    """The cells as read, an empty one as "" (upstream's fillna): anything else that is not text stays as it is."""
    values = column.astype(object)
    return values.where(values.notna(), "").tolist()


def _positional_warnings(submission: pd.DataFrame, answers: pd.DataFrame) -> None:
    if len(submission) != len(answers):
        lenient(
            f"submission has {len(submission)} rows but the test set has {len(answers)}; upstream pairs rows by "
            "position and scores the first ones"
        )
    count = min(len(submission), len(answers))
    for column in (ID, CLASS):
        given = submission[column].iloc[:count].astype(str).to_numpy()
        expected = answers[column].iloc[:count].astype(str).to_numpy()
        differ = np.flatnonzero(given != expected)
        if len(differ):
            lenient(
                f"column '{column}' differs from the test set's at {len(differ)} row(s), e.g. row {int(differ[0])} "
                f"has {given[differ[0]]!r} where the test set has {expected[differ[0]]!r}; upstream pairs masks with "
                "the answers by position"
            )


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    checks.require_columns(submission, [ID, CLASS, PREDICTED])
    heights = answers[HEIGHT].astype(int).tolist()
    widths = answers[WIDTH].astype(int).tolist()
    count = min(len(submission), len(answers))
    pred_masks = PackedMasks(_texts(submission[PREDICTED].iloc[:count]), heights, widths, submission[ID])
    true_masks = PackedMasks(_texts(answers[PREDICTED]), heights, widths, answers[ID])
    _positional_warnings(submission, answers)
    try:
        return metrics.dice_hausdorff(
            true_masks, pred_masks, true_ids=answers[ID].tolist(), pred_ids=submission[ID].iloc[:count].tolist()
        )
    except (ValueError, TypeError) as err:  # ids that are not text or cannot be sorted, scans that do not stack
        raise InvalidSubmissionError(f"the masks cannot be grouped into scans by column '{ID}': {err}") from err


# --- synthetic data ----------------------------------------------------------------------------------------------
# A few cases, each scanned on one to six days (some train cases on more than four, so upstream's day rule moves
# days to the test set), each day a short stack of small 16-bit MRI slices of one size per case. The stomach is a
# bright disc, the large bowel a ring and the small bowel a dimmer blob, each present on some slices only; train.csv
# holds Kaggle's three rows per slice (large_bowel, small_bowel, stomach) with the mask encoded down the columns.

SIZES = [(40, 40), (48, 40), (36, 36)]  # (width, height), cut down from Kaggle's 266x266, 360x310, 276x276
SPACING = ["1.50_1.50", "1.63_1.63"]


def _organs(gen: np.random.Generator, height: int, width: int, depth: float) -> dict[str, np.ndarray]:
    rows, cols = np.mgrid[0:height, 0:width]
    masks = {}
    cy, cx = height * (0.35 + 0.05 * gen.standard_normal()), width * (0.62 + 0.04 * gen.standard_normal())
    radius = max(0.0, (0.18 - 0.2 * abs(depth - 0.3)) * min(height, width))
    masks["stomach"] = (rows - cy) ** 2 + (cols - cx) ** 2 <= radius**2
    ry, rx = height * 0.62, width * 0.45
    distance = np.sqrt((rows - ry) ** 2 + (cols - rx) ** 2)
    outer = (0.28 if depth > 0.2 else 0.0) * min(height, width)
    masks["large_bowel"] = (distance <= outer) & (distance >= outer * 0.7)
    by, bx = height * (0.6 + 0.03 * gen.standard_normal()), width * 0.45
    small = (0.12 if 0.3 < depth < 0.9 else 0.0) * min(height, width)
    masks["small_bowel"] = (rows - by) ** 2 + (cols - bx) ** 2 <= small**2
    return masks


def _slice_image(gen: np.random.Generator, masks: dict[str, np.ndarray]) -> np.ndarray:
    image = gen.normal(300, 80, masks["stomach"].shape)
    image[masks["large_bowel"]] += 1800
    image[masks["small_bowel"]] += 1000
    image[masks["stomach"]] += 2600
    return np.clip(image, 0, 65535).astype(np.uint16)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, COMPETITION)
    n_cases = 6
    case_numbers = gen.choice(np.arange(2, 157), n_cases, replace=False)
    day_counts = [6, 5, *gen.integers(1, 5, n_cases - 2).tolist()]
    total_days = sum(day_counts)
    depth = max(3, round(size / (3 * total_days)))
    rows: list[dict[str, str]] = []
    for number, n_days in zip(case_numbers, day_counts, strict=True):
        case = f"case{int(number)}"
        width, height = SIZES[int(gen.integers(len(SIZES)))]
        spacing = SPACING[int(gen.integers(len(SPACING)))]
        days = sorted(gen.choice(np.arange(0, 40), n_days, replace=False).tolist())
        for day in days:
            folder = out / "train" / case / f"{case}_day{day}" / "scans"
            names, images = [], []
            for s in range(1, depth + 1):
                masks = _organs(gen, height, width, (s - 0.5) / depth)
                names.append(f"slice_{s:04d}_{width}_{height}_{spacing}.png")
                images.append(png_bytes(_slice_image(gen, masks), bits=16))
                for organ in CLASSES:
                    rows.append(
                        {ID: f"{case}_day{day}_slice_{s:04d}", CLASS: organ, MASK: rle_encode(masks[organ], "F")}
                    )
            write_files(folder, names, images)
    write_csv(pd.DataFrame(rows), out / "train.csv")
    write_csv(pd.DataFrame(columns=[ID, CLASS, PREDICTED]), out / "sample_submission.csv")
