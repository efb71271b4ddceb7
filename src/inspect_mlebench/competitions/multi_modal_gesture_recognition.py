"""multi-modal-gesture-recognition (ChaLearn 2013): name the sequence of Italian gestures (labels 1-20) performed in
each recorded sample; scored by the summed edit distance between predicted and true gesture sequences over the total
number of true gestures (an error rate, lower is better, which can exceed 1).

Kaggle ships the samples as tar.gz archives of per-sample zips (`Sample00300.zip`: color, depth and user-mask videos,
audio, and a MATLAB file with the skeleton and, for training samples, the labels); a sample's id is the last four
digits of its name ("0300"). Upstream keeps training1-3 and validation1-3 as they are and makes training4 the test set:
its ids leave training.csv for the answers, public/test.csv lists them, training4.tar.gz is published as
test.tar.gz, and randomPredictions.csv (the sample submission) gives each test id a random ordering of the 20 labels
(Python's `random` seeded with 0). The two 7z archives and the sample code zip are copied unchanged. The test
samples' MATLAB files still hold their labels (known issue test-mat-label-leak; reproduced, as upstream).

Upstream's grader reads both files without dtypes, so ids are compared as parsed numbers ("0300" is 300): it needs
as many rows as the answers, the columns Id and Sequence, and the same ids once both are sorted; every sequence must
be integers separated by whitespace (an empty cell is invalid).
"""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import tarfile
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
import pandas as pd

from inspect_mlebench.formats.archives import write_7z_folder, write_zip, zip_member
from inspect_mlebench.formats.audio import wav_bytes
from inspect_mlebench.formats.video import write_mp4
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import ensure_free_space
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "Id"
TARGET = "Sequence"
GESTURES = 20
TRAIN_PARTS = ("training1.tar.gz", "training2.tar.gz", "training3.tar.gz")
TEST_PART = "training4.tar.gz"
VALIDATION_PARTS = ("validation1.tar.gz", "validation2.tar.gz", "validation3.tar.gz")
OTHER_FILES = ("devel01-40.7z", "valid_all_files_combined.7z", "sample_code_mmrgc.zip")


def _sample_ids(archive: Path) -> list[str]:
    """The ids of the sample zips at the top level of a tar.gz (names only; nothing is extracted)."""
    ids = []
    with tarfile.open(archive) as tar:
        for member in tar:
            path = PurePosixPath(member.name)
            if member.isfile() and path.suffix == ".zip" and str(path.parent) in (".", ""):
                ids.append(path.stem[-4:])
    return sorted(ids)


def _link_or_copy(source: Path, dest: Path) -> None:
    """`source` at `dest` (another name allowed): hard-linked on one filesystem, else copied after a space check."""
    try:
        os.link(source, dest)
    except OSError:
        ensure_free_space(dest.parent, source.stat().st_size, f"copying {source.name}")
        shutil.copyfile(source, dest)


def random_predictions(ids: list[str]) -> pd.DataFrame:
    """Upstream's sample submission: per id, a random ordering of the labels 1-20 from Python's `random` seeded 0."""
    draw = random.Random(0)
    sequences = [" ".join(str(x) for x in draw.sample(range(1, GESTURES + 1), GESTURES)) for _ in ids]
    return pd.DataFrame({ID: ids, TARGET: sequences})


def prepare(raw: Path, public: Path, private: Path) -> None:
    test_ids = _sample_ids(raw / TEST_PART)
    training = read_csv(raw / "training.csv", dtype={ID: str, TARGET: str})
    held_out = training[ID].isin(test_ids)
    train, answers = training[~held_out], training[held_out]
    if len(answers) != len(test_ids) or len(train) != len(training) - len(test_ids):
        raise ValueError(f"training.csv lists {len(answers)} row(s) for the {len(test_ids)} samples of {TEST_PART}")
    train.to_csv(public / "training.csv", index=False)
    answers.to_csv(private / "test.csv", index=False)
    pd.DataFrame({ID: test_ids}).to_csv(public / "test.csv", index=False)
    random_predictions(test_ids).to_csv(public / "randomPredictions.csv", index=False)
    _link_or_copy(raw / TEST_PART, public / "test.tar.gz")
    for name in (*TRAIN_PARTS, *VALIDATION_PARTS, *OTHER_FILES):
        _link_or_copy(raw / name, public / name)


def _sequences(values: pd.Series, side: str) -> list[list[int]]:
    """Each cell as upstream reads it: the text of the parsed value split on whitespace, every token through int()."""
    if values.isna().any():  # pandas 2 makes the text 'nan' (int() fails), pandas 3 keeps NaN (split() fails)
        raise InvalidSubmissionError(f"column '{TARGET}' has {int(values.isna().sum())} empty {side} sequence(s)")
    try:
        return [[int(token) for token in text.split()] for text in values.astype(str)]
    except ValueError as err:
        raise InvalidSubmissionError(
            f"column '{TARGET}' must hold integers separated by spaces: {str(err)[:120]}"
        ) from err


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Upstream's checks in its order, then the summed edit distance over the number of true gestures."""
    checks.require_row_count(submission, answers)
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.sorted_by_id(submission.astype({ID: object}), answers.astype({ID: object}), ID)
    checks.warn_unless_integer_ids(submission, ID)
    truth = _sequences(ans[TARGET], "true")
    predicted = _sequences(sub[TARGET], "predicted")
    return metrics.normalized_levenshtein(truth, predicted)


# Synthetic data. Each sample is a short recording in which the performer makes two to four gestures; the skeleton
# in the MATLAB file carries them (the right hand's height follows the gesture's label during its frames), and so do
# the color video (a bar whose brightness is the label) and the audio (a tone whose pitch is the label).
FRAMES = 16
SIDE = 16
RATE = 4000
JOINTS = 20
FIXED_TIME = 1370000000  # file times in the archives (June 2013), so the same data gives the same bytes


def _mat_bytes(contents: dict[str, object]) -> bytes:
    """A MATLAB 5 file; the 116-byte text header scipy stamps with the current time is replaced by a fixed one, so
    the same contents give the same bytes."""
    from scipy.io import savemat

    buffer = io.BytesIO()
    savemat(buffer, contents, do_compression=True)
    data = buffer.getvalue()
    header = b"MATLAB 5.0 MAT-file, Platform: posix, Created on: Thu Jan  1 00:00:00 2013".ljust(116, b" ")
    return header + data[116:]


def _sample_files(gen: np.random.Generator, name: str, gestures: list[int], labelled: bool) -> list[tuple[str, bytes]]:
    bounds = np.linspace(0, FRAMES, len(gestures) + 1).astype(int)
    level = np.zeros(FRAMES)
    labels = np.zeros(len(gestures), dtype=[("Name", object), ("Begin", object), ("End", object)])
    for k, gesture in enumerate(gestures):
        begin, end = int(bounds[k]) + 1, int(bounds[k + 1]) - 1
        level[begin : end + 1] = gesture / GESTURES
        labels[k] = (f"gesture{gesture:02d}", begin + 1, end + 1)
    skeleton = np.zeros(FRAMES, dtype=[("Skeleton", object)])
    for t in range(FRAMES):
        world = gen.normal(0, 0.02, (JOINTS, 3)).round(3)
        world[11, 1] += level[t]  # the right hand
        skeleton[t] = (
            {
                "WorldPosition": world,
                "WorldRotation": gen.normal(0, 1, (JOINTS, 4)).round(2),
                "JointType": np.array([f"joint{j}" for j in range(JOINTS)], dtype=object),
                "PixelPosition": (world[:, :2] * 100 + 50).round(),
            },
        )
    video = {
        "NumFrames": FRAMES,
        "FrameRate": 20,
        "MaxDepth": 4000,
        "Frames": skeleton,
        "Labels": labels if labelled else np.zeros(0, dtype=labels.dtype),
    }
    frames = np.zeros((FRAMES, SIDE, SIDE, 3), dtype=np.uint8)
    frames[:, 4:12, 6:10, :] = (level * 240).astype(np.uint8)[:, None, None, None]
    depth = np.repeat(frames.max(axis=3, keepdims=True), 3, axis=3)
    user = (depth > 0).astype(np.uint8) * 255
    tone = np.concatenate(
        [np.sin(np.arange(RATE // 20) * 2 * np.pi * (200 + 400 * v) / RATE) * 8000 * (v > 0) for v in level]
    )
    out: list[tuple[str, bytes]] = [(f"{name}_audio.wav", wav_bytes(tone.astype(np.int16), RATE))]
    out.append((f"{name}_data.mat", _mat_bytes({"Video": video})))
    for kind, clip in (("color", frames), ("depth", depth), ("user", user)):
        out.append((f"{name}_{kind}.mp4", _mp4_bytes(clip)))
    return out


def _mp4_bytes(frames: np.ndarray) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "clip.mp4"
        write_mp4(path, frames, fps=20)
        return path.read_bytes()


def _write_tar(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A tar.gz of in-memory files with fixed times and owners, so the same members give the same bytes."""
    with (
        path.open("wb") as raw,
        gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), FIXED_TIME, 0o644
            tar.addfile(info, io.BytesIO(data))


def _write_7z(path: Path, folder_name: str, files: dict[str, bytes], scratch: Path) -> None:
    folder = scratch / folder_name
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
        os.utime(folder / name, (FIXED_TIME, FIXED_TIME))
    os.utime(folder, (FIXED_TIME, FIXED_TIME))
    write_7z_folder(folder, path)


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` labelled samples (numbered from 1, in four training archives; the fourth becomes the test set) and six
    unlabelled validation samples, in Kaggle's layout."""
    gen = rng(seed, "multi-modal-gesture-recognition")
    out.mkdir(parents=True, exist_ok=True)
    n_train = max(8, size)
    parts = np.array_split(np.arange(1, n_train + 1), 4)
    rows = []
    for part, numbers in zip((*TRAIN_PARTS, TEST_PART), parts, strict=True):
        members = []
        for number in numbers:
            gestures = [int(g) for g in gen.choice(np.arange(1, GESTURES + 1), int(gen.integers(2, 5)), replace=False)]
            name = f"Sample{number:05d}"
            members.append((f"{name}.zip", _zip_bytes(_sample_files(gen, name, gestures, labelled=True))))
            rows.append((f"{number:04d}", " ".join(map(str, gestures))))
        _write_tar(out / part, members)
    validation_ids = []
    for k, part in enumerate(VALIDATION_PARTS):
        members = []
        for j in range(2):
            number = n_train + 100 + 2 * k + j
            gestures = [int(g) for g in gen.choice(np.arange(1, GESTURES + 1), 3, replace=False)]
            name = f"Sample{number:05d}"
            members.append((f"{name}.zip", _zip_bytes(_sample_files(gen, name, gestures, labelled=False))))
            validation_ids.append(f"{number:04d}")
        _write_tar(out / part, members)
    write_csv(pd.DataFrame(rows, columns=[ID, TARGET]), out / "training.csv")
    write_csv(pd.DataFrame({ID: validation_ids}), out / "test.csv")
    write_csv(random_predictions(validation_ids), out / "randomPredictions.csv")
    scratch = out / ".scratch"
    _write_7z(out / "devel01-40.7z", "devel01", {"devel01_train.csv": b"Sample,Labels\n1,3 5\n"}, scratch)
    _write_7z(out / "valid_all_files_combined.7z", "valid", {"README.txt": b"validation samples\n"}, scratch)
    shutil.rmtree(scratch)
    write_zip(
        out / "sample_code_mmrgc.zip",
        {
            "sample_code_mmrgc/main.m": "% a sample's labels\nlabels = getLabels('Sample00001.zip');\n",
            "sample_code_mmrgc/README.txt": "Matlab sample code for the ChaLearn multi-modal gesture challenge.\n",
        },
    )


def _zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """A sample's zip in memory, every entry with the fixed time of `formats.archives`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            archive.writestr(zip_member(name), data)
    return buffer.getvalue()
