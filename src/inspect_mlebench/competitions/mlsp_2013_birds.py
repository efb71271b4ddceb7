"""mlsp-2013-birds: multi-label bird species detection in 10 s recordings, one pooled ROC AUC over (recording, species).

Kaggle's download holds `mlsp_contest_dataset.zip` (folders `essential_data/` and `supplemental_data/`). The original
test labels are hidden, so the new test set is 20% of the original training fold; recordings are renumbered 0..n-1 in
the order of the training fold. Submissions have one row per (test recording, species) with `Id = rec_id * 100 +
species` and a `Probability`.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from inspect_mlebench.formats.audio import wav_bytes
from inspect_mlebench.formats.images import bmp_bytes
from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.synth import rng
from inspect_mlebench.tables import read_csv

ID = "Id"
TARGET = "Probability"
N_SPECIES = 19
DATASET = "mlsp_contest_dataset"
# Per-recording images the preparer copies; segmentation examples exist only for some recordings.
REQUIRED_IMAGES = ("filtered_spectrograms", "spectrograms", "supervised_segmentation")
OPTIONAL_IMAGES = ("segmentation_examples",)
SEGMENT_TABLES = ("histogram_of_segments.txt", "segment_features.txt", "segment_rectangles.txt")
# Upstream writes this one header for all three segment tables.
SEGMENT_TABLE_HEADER = "rec_id,[histogram of segment features]"

SPECIES = (
    ("BRCR", "Brown Creeper"),
    ("PAWR", "Pacific Wren"),
    ("PSFL", "Pacific-slope Flycatcher"),
    ("RBNU", "Red-breasted Nuthatch"),
    ("DEJU", "Dark-eyed Junco"),
    ("OSFL", "Olive-sided Flycatcher"),
    ("HETH", "Hermit Thrush"),
    ("CBCH", "Chestnut-backed Chickadee"),
    ("VATH", "Varied Thrush"),
    ("HEWA", "Hermit Warbler"),
    ("SWTH", "Swainson's Thrush"),
    ("HAFL", "Hammond's Flycatcher"),
    ("WETA", "Western Tanager"),
    ("BHGB", "Black-headed Grosbeak"),
    ("GCKI", "Golden Crowned Kinglet"),
    ("WAVI", "Warbling Vireo"),
    ("MGWA", "MacGillivray's Warbler"),
    ("STJA", "Stellar's Jay"),
    ("CONI", "Common Nighthawk"),
)


# ---------------------------------------------------------------------------------------------------------------
# Preparation


@contextmanager
def _dataset_root(raw: Path, scratch: Path) -> Iterator[Path]:
    """The extracted `mlsp_contest_dataset` folder; the zip is unpacked into scratch space so `raw` stays as is."""
    archive = raw / f"{DATASET}.zip"
    if not archive.is_file() and (raw / DATASET).is_dir():
        yield raw / DATASET
        return
    with tempfile.TemporaryDirectory(prefix=".mlsp-raw-", dir=scratch) as tmp, zipfile.ZipFile(archive) as zf:
        zf.extractall(tmp)
        yield Path(tmp) / DATASET


def _parse_rec_lines(path: Path) -> list[tuple[int, str]]:
    """Rows of a `rec_id,rest...` text file (header skipped) as (rec_id, rest); rest is '' where the line is bare."""
    rows = []
    for line in path.read_text().splitlines()[1:]:
        rec_id, _, rest = line.partition(",")
        rows.append((int(rec_id), rest))
    return rows


def _split_folds(src: Path) -> tuple[pd.DataFrame, dict[int, int]]:
    """The original training fold with 20% (random_state=0) moved to fold 1, renumbered 0..n-1 in file order."""
    folds = read_csv(src / "essential_data" / "CVfolds_2.txt")
    folds = folds[folds["fold"] == 0].reset_index(drop=True)
    folds.loc[folds.sample(frac=0.2, random_state=0).index, "fold"] = 1
    old_to_new = {int(old): new for new, old in enumerate(folds["rec_id"].to_numpy())}
    folds["rec_id"] = folds.index
    return folds, old_to_new


def _write_public_labels(path: Path, labels: Sequence[tuple[int, str]], test_ids: set[int]) -> None:
    lines = ["rec_id,[labels]"]
    for rec_id, rest in labels:
        text = "?" if rec_id in test_ids else rest
        lines.append(f"{rec_id},{text}" if text else f"{rec_id}")
    path.write_text("".join(f"{line}\n" for line in lines))


def _answers(labels: Sequence[tuple[int, str]], test_ids: set[int]) -> pd.DataFrame:
    """One row per (test recording, species), recordings in label-file order."""
    ids, values = [], []
    for rec_id, rest in labels:
        if rec_id not in test_ids:
            continue
        present = {int(s) for s in rest.split(",") if s != ""}
        for species in range(N_SPECIES):
            ids.append(rec_id * 100 + species)
            values.append(int(species in present))
    return pd.DataFrame({ID: ids, TARGET: values})


def _filter_segment_table(src: Path, dst: Path, old_to_new: dict[int, int]) -> None:
    rows = [(old_to_new[rec], rest) for rec, rest in _parse_rec_lines(src) if rec in old_to_new]
    dst.write_text(SEGMENT_TABLE_HEADER + "\n" + "".join(f"{rec},{rest}\n" for rec, rest in rows))


def _copy_media(src: Path, public: Path, filenames: Sequence[str]) -> None:
    wavs = public / "essential_data" / "src_wavs"
    wavs.mkdir()
    for folder in (*REQUIRED_IMAGES, *OPTIONAL_IMAGES):
        (public / "supplemental_data" / folder).mkdir()
    for name in filenames:
        shutil.copyfile(src / "essential_data" / "src_wavs" / f"{name}.wav", wavs / f"{name}.wav")
        for folder in REQUIRED_IMAGES:
            shutil.copyfile(
                src / "supplemental_data" / folder / f"{name}.bmp",
                public / "supplemental_data" / folder / f"{name}.bmp",
            )
        for folder in OPTIONAL_IMAGES:
            image = src / "supplemental_data" / folder / f"{name}.bmp"
            if image.is_file():
                shutil.copyfile(image, public / "supplemental_data" / folder / f"{name}.bmp")
    for name in ("segment_clusters.bmp", "segment_mosaic.bmp"):
        shutil.copyfile(src / "supplemental_data" / name, public / "supplemental_data" / name)


def prepare(raw: Path, public: Path, private: Path) -> None:
    with _dataset_root(raw, public.parent) as src:
        _prepare_from(src, public, private)


def _prepare_from(src: Path, public: Path, private: Path) -> None:
    essential = public / "essential_data"
    essential.mkdir()
    (public / "supplemental_data").mkdir()

    folds, old_to_new = _split_folds(src)
    folds.to_csv(essential / "CVfolds_2.txt", index=False)
    test_ids = [int(i) for i in folds.loc[folds["fold"] == 1, "rec_id"]]
    assert test_ids, "the new test fold is empty"  # upstream's real data gives 64 test recordings

    files = read_csv(src / "essential_data" / "rec_id2filename.txt")
    files = files[files["rec_id"].isin(old_to_new.keys())].copy()
    files["rec_id"] = files["rec_id"].map(old_to_new)
    files.to_csv(essential / "rec_id2filename.txt", index=False)
    assert len(files) == len(folds), f"{len(folds)} recordings but {len(files)} file names"

    labels = [
        (old_to_new[rec], rest)
        for rec, rest in _parse_rec_lines(src / "essential_data" / "rec_labels_test_hidden.txt")
        if rec in old_to_new
    ]
    _write_public_labels(essential / "rec_labels_test_hidden.txt", labels, set(test_ids))

    answers = _answers(labels, set(test_ids))
    assert len(answers) == len(test_ids) * N_SPECIES, "every test recording needs one label row per species"
    answers.to_csv(private / "answers.csv", index=False)
    sample = pd.DataFrame({ID: [r * 100 + s for r in test_ids for s in range(N_SPECIES)], TARGET: 0})
    sample.to_csv(public / "sample_submission.csv", index=False)

    shutil.copyfile(src / "essential_data" / "species_list.txt", essential / "species_list.txt")
    _copy_media(src, public, [str(name) for name in files["filename"]])
    for table in SEGMENT_TABLES:
        _filter_segment_table(src / "supplemental_data" / table, public / "supplemental_data" / table, old_to_new)


# ---------------------------------------------------------------------------------------------------------------
# Grading


def _integer_ids(frame: pd.DataFrame) -> pd.DataFrame:
    """Ids as canonical integer strings: upstream reads them as numbers, so `0100` or `100.0` still mean 100."""
    parsed = pd.to_numeric(frame[ID], errors="coerce")
    bad = parsed.isna() | (parsed % 1 != 0)
    if bad.any():
        raise InvalidSubmissionError(
            f"column '{ID}' must hold integer ids (rec_id*100+species); got {checks.examples(frame.loc[bad, ID])}"
        )
    return frame.assign(**{ID: parsed.astype("int64").astype(str)})


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """One ROC AUC over all (recording, species) rows pooled together."""
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.align_by_id(_integer_ids(submission), _integer_ids(answers), ID)
    y_score = checks.numeric_columns(sub, [TARGET])
    checks.check_probabilities(y_score, [TARGET], sum_to_one=False)
    return float(roc_auc_score(ans[TARGET].to_numpy(dtype=float), y_score[:, 0]))


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data

RATE = 16_000
N_SAMPLES = 1024
FRAME, HOP = 128, 64
N_CLUSTERS = 100


class _Archive:
    """Writes members of `mlsp_contest_dataset.zip` straight from memory (no temporary files: they are slow)."""

    def __init__(self, zf: zipfile.ZipFile) -> None:
        self.zf = zf

    def folder(self, rel: str) -> None:
        self.zf.writestr(f"{DATASET}/{rel}/", b"")

    def bytes(self, rel: str, data: bytes) -> None:
        self.zf.writestr(f"{DATASET}/{rel}", data)

    def lines(self, rel: str, lines: Sequence[str]) -> None:
        self.bytes(rel, "".join(f"{line}\n" for line in lines).encode())

    def image(self, rel: str, pixels: np.ndarray) -> None:
        self.bytes(rel, bmp_bytes(pixels))

    def wav(self, rel: str, samples: np.ndarray) -> None:
        self.bytes(rel, wav_bytes(samples, RATE))


def _species_freq(species: int) -> float:
    return 900.0 + 360.0 * species


def _waveform(gen: np.random.Generator, present: Sequence[int]) -> np.ndarray:
    t = np.arange(N_SAMPLES) / RATE
    signal = gen.normal(0, 0.08, N_SAMPLES)
    for species in present:
        signal += 0.3 * np.sin(2 * np.pi * _species_freq(species) * t + gen.uniform(0, 2 * np.pi))
    return np.clip(signal * 32767 / max(1.0, float(np.abs(signal).max())), -32768, 32767).astype("<i2")


def _spectrogram(samples: np.ndarray) -> np.ndarray:
    """Magnitude spectrogram as 8-bit pixels, low frequencies at the bottom (sqrt contrast as in the real images)."""
    starts = range(0, N_SAMPLES - FRAME + 1, HOP)
    frames = np.stack([samples[s : s + FRAME].astype(float) * np.hamming(FRAME) for s in starts], axis=1)
    magnitude = np.abs(np.fft.rfft(frames, axis=0))[1:]
    pixels = np.sqrt(magnitude / max(float(magnitude.max()), 1e-9)) * 255
    return np.flipud(pixels).astype(np.uint8)


def _images(archive: _Archive, name: str, spec: np.ndarray, with_example: bool) -> None:
    archive.image(f"supplemental_data/spectrograms/{name}.bmp", spec)
    archive.image(f"supplemental_data/filtered_spectrograms/{name}.bmp", (spec > 60).astype(np.uint8) * spec)
    outlined = np.stack([np.maximum(spec, (spec > 150) * 255), spec, spec], axis=-1).astype(np.uint8)
    archive.image(f"supplemental_data/supervised_segmentation/{name}.bmp", outlined)
    if with_example:
        marks = np.zeros((*spec.shape, 3), dtype=np.uint8)
        marks[spec > 150, 0] = 255
        archive.image(f"supplemental_data/segmentation_examples/{name}.bmp", marks)


def _segment_rows(gen: np.random.Generator, rec_id: int, present: Sequence[int]) -> tuple[list[str], list[str], str]:
    """Segment features, rectangles and the cluster histogram of one recording; each species has its own clusters."""
    features, rectangles = [], []
    histogram = np.zeros(N_CLUSTERS)
    for seg, species in enumerate(present):
        vector = gen.normal(species / N_SPECIES, 0.05, 38)
        features.append(f"{rec_id},{seg}," + ",".join(f"{v:.6f}" for v in vector))
        x0 = int(gen.integers(0, 10))
        y = 63 - int(_species_freq(species) / (RATE / FRAME))
        rectangles.append(f"{rec_id},{seg},{x0},{x0 + 4},{max(0, y - 2)},{y + 2},")
        histogram[5 * species + int(gen.integers(0, 5))] += 1
    if histogram.sum():
        histogram /= histogram.sum()
    return features, rectangles, f"{rec_id}," + ",".join(f"{v:.6f}" for v in histogram)


def _filename(gen: np.random.Generator, rec_id: int) -> str:
    """Like `PC1_20090606_050012_0010`: site, date, time of day, rec_id."""
    site = int(gen.integers(1, 14))
    day = 20090601 + int(gen.integers(0, 29)) + 10000 * int(gen.integers(0, 2))
    clock = int(gen.integers(5, 8)) * 10000 + int(gen.integers(0, 60)) * 100 + int(gen.integers(0, 60))
    return f"PC{site}_{day}_{clock:06d}_{rec_id:04d}"


def _species_sets(gen: np.random.Generator, n: int) -> list[list[int]]:
    popularity = gen.dirichlet(np.full(N_SPECIES, 2.0))
    counts = gen.choice([0, 1, 2, 3], size=n, p=[0.1, 0.45, 0.3, 0.15])
    return [sorted(int(s) for s in gen.choice(N_SPECIES, size=k, replace=False, p=popularity)) for k in counts]


def _recordings(archive: _Archive, gen: np.random.Generator, fold: np.ndarray, species: list[list[int]]) -> None:
    """Audio, images and segment tables; the species' tones carry the labels."""
    names = [_filename(gen, rec_id) for rec_id in range(len(fold))]
    features, rectangles, histograms = [], [], []
    examples_left = 20  # the real set has pixel annotations for 20 training recordings
    for rec_id, name in enumerate(names):
        samples = _waveform(gen, species[rec_id])
        archive.wav(f"essential_data/src_wavs/{name}.wav", samples)
        with_example = bool(fold[rec_id] == 0) and examples_left > 0 and bool(species[rec_id])
        examples_left -= int(with_example)
        _images(archive, name, _spectrogram(samples), with_example)
        seg_features, seg_rects, hist = _segment_rows(gen, rec_id, species[rec_id])
        features += seg_features
        rectangles += seg_rects
        histograms.append(hist)
    archive.lines("essential_data/rec_id2filename.txt", ["rec_id,filename", *(f"{i},{n}" for i, n in enumerate(names))])
    archive.lines("supplemental_data/histogram_of_segments.txt", [SEGMENT_TABLE_HEADER, *histograms])
    archive.lines("supplemental_data/segment_features.txt", ["rec_id,segment_id,[feature vector]", *features])
    archive.lines(
        "supplemental_data/segment_rectangles.txt", ["rec_id,segment_id,min_x,max_x,min_y,max_y", *rectangles]
    )


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "mlsp-2013-birds")
    n_train_fold = max(10, round(size / 0.8))  # upstream keeps 80% of the original training fold for training
    n_total = n_train_fold + max(4, size // 4)
    fold = gen.permutation(np.r_[np.zeros(n_train_fold, int), np.ones(n_total - n_train_fold, int)])
    species = _species_sets(gen, n_total)

    out.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out / f"{DATASET}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        archive = _Archive(zf)
        for folder in ("essential_data", "essential_data/src_wavs", "supplemental_data"):
            archive.folder(folder)
        for folder in (*REQUIRED_IMAGES, *OPTIONAL_IMAGES):
            archive.folder(f"supplemental_data/{folder}")
        _recordings(archive, gen, fold, species)
        archive.lines("essential_data/CVfolds_2.txt", ["rec_id,fold", *(f"{i},{f}" for i, f in enumerate(fold))])
        labels = [f"{i},?" if fold[i] else ",".join(str(v) for v in [i, *species[i]]) for i in range(n_total)]
        archive.lines("essential_data/rec_labels_test_hidden.txt", ["rec_id,[labels]", *labels])
        archive.lines(
            "essential_data/species_list.txt",
            ["class_id,code,species", *(f"{i},{code},{name}" for i, (code, name) in enumerate(SPECIES))],
        )
        for name in ("segment_clusters.bmp", "segment_mosaic.bmp"):
            archive.image(f"supplemental_data/{name}", gen.integers(0, 256, (16, 32, 3), dtype=np.uint8))
