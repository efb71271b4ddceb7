"""freesound-audio-tagging-2019: which of 80 sound classes does each WAV clip hold (label-weighted label-ranking
average precision, "lwlrap").

Kaggle never split its test labels out, so upstream keeps Kaggle's download as the public data and takes the answers
from the labels released after the competition on Zenodo (record 3612637, `FSDKaggle2019.meta.zip`): the rows of
`test_post_competition.csv` whose `usage` is `Private`, one 0/1 column per class in the sample submission's order.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import urllib.request
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.formats.archives import write_zip
from inspect_mlebench.formats.audio import wav_bytes
from inspect_mlebench.grading import checks
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.metrics import lwlrap
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv

ID = "fname"
META = "FSDKaggle2019.meta"
META_URL = "https://zenodo.org/records/3612637/files/FSDKaggle2019.meta.zip?download=1"
TEST_LABELS = "test_post_competition.csv"

# The 80 AudioSet classes in the order of Kaggle's sample submission (its columns after `fname`).
CLASSES = [
    "Accelerating_and_revving_and_vroom",
    "Accordion",
    "Acoustic_guitar",
    "Applause",
    "Bark",
    "Bass_drum",
    "Bass_guitar",
    "Bathtub_(filling_or_washing)",
    "Bicycle_bell",
    "Burping_and_eructation",
    "Bus",
    "Buzz",
    "Car_passing_by",
    "Cheering",
    "Chewing_and_mastication",
    "Child_speech_and_kid_speaking",
    "Chink_and_clink",
    "Chirp_and_tweet",
    "Church_bell",
    "Clapping",
    "Computer_keyboard",
    "Crackle",
    "Cricket",
    "Crowd",
    "Cupboard_open_or_close",
    "Cutlery_and_silverware",
    "Dishes_and_pots_and_pans",
    "Drawer_open_or_close",
    "Drip",
    "Electric_guitar",
    "Fart",
    "Female_singing",
    "Female_speech_and_woman_speaking",
    "Fill_(with_liquid)",
    "Finger_snapping",
    "Frying_(food)",
    "Gasp",
    "Glockenspiel",
    "Gong",
    "Gurgling",
    "Harmonica",
    "Hi-hat",
    "Hiss",
    "Keys_jangling",
    "Knock",
    "Male_singing",
    "Male_speech_and_man_speaking",
    "Marimba_and_xylophone",
    "Mechanical_fan",
    "Meow",
    "Microwave_oven",
    "Motorcycle",
    "Printer",
    "Purr",
    "Race_car_and_auto_racing",
    "Raindrop",
    "Run",
    "Scissors",
    "Screaming",
    "Shatter",
    "Sigh",
    "Sink_(filling_or_washing)",
    "Skateboard",
    "Slam",
    "Sneeze",
    "Squeak",
    "Stream",
    "Strum",
    "Tap",
    "Tick-tock",
    "Toilet_flush",
    "Traffic_noise_and_roadway_noise",
    "Trickle_and_dribble",
    "Walk_and_footsteps",
    "Water_tap_and_faucet",
    "Waves_and_surf",
    "Whispering",
    "Writing",
    "Yell",
    "Zipper_(clothing)",
]


# ---------------------------------------------------------------------------------------------------------------
# Preparation


def _link_tree(source: str, dest: str) -> None:
    """Hard-link one file of a copied folder (the download is ~24 GB), copying it where linking fails."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


def _test_labels(raw: Path) -> pd.DataFrame:
    """Zenodo's post-competition test labels: from `raw/FSDKaggle2019.meta.zip` (or its unpacked folder) when the
    raw folder has them, else downloaded as upstream does."""
    folder = raw / META / TEST_LABELS
    if folder.is_file():
        return pd.read_csv(folder)
    archive = raw / f"{META}.zip"
    if not archive.is_file():
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / f"{META}.zip"
            with urllib.request.urlopen(META_URL) as response, archive.open("wb") as out:
                shutil.copyfileobj(response, out)
            return _read_member(archive)
    return _read_member(archive)


def _read_member(archive: Path) -> pd.DataFrame:
    with zipfile.ZipFile(archive) as source:
        return pd.read_csv(io.BytesIO(source.read(f"{META}/{TEST_LABELS}")))


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Kaggle's download goes to the public folder unchanged; the Zenodo metadata does not.
    for item in raw.iterdir():
        if META in item.name:
            continue
        if item.is_dir():
            shutil.copytree(item, public / item.name, copy_function=_link_tree)
        else:
            place_files(raw, [item.name], public)

    labels = _test_labels(raw)
    test = labels[labels["usage"] == "Private"]
    pairs = zip(test[ID], test["labels"], strict=True)
    rows = [(name, *(int(c in text.split(",")) for c in CLASSES)) for name, text in pairs]
    answers = pd.DataFrame(rows, columns=[ID, *CLASSES])
    answers.to_csv(private / "test.csv", index=False)

    sample = pd.read_csv(public / "sample_submission.csv")
    assert list(sample.columns) == list(answers.columns), "sample submission columns differ from the classes"
    assert sorted(sample[ID]) == sorted(answers[ID]), "sample submission and private test labels differ in fname"


# ---------------------------------------------------------------------------------------------------------------
# Grading


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Rows paired by `fname` after sorting both sides; the 80 class columns exactly, in Kaggle's order."""
    checks.require_row_count(submission, answers)
    columns = [str(c) for c in submission.columns]
    if columns != [ID, *CLASSES]:
        missing = [c for c in [ID, *CLASSES] if c not in columns]
        extra = [c for c in columns if c not in [ID, *CLASSES]]
        detail = f"missing {checks.examples(missing)}" if missing else ""
        detail += ("; " if detail else "") + f"unexpected {checks.examples(extra)}" if extra else ""
        raise InvalidSubmissionError(
            f"columns must be '{ID}' then the 80 classes in the sample submission's order: {detail or 'order differs'}"
        )
    sub, ans = checks.sorted_by_id(submission, answers, ID)
    scores = np.empty((len(sub), len(CLASSES)))
    all_bool = True
    for j, column in enumerate(CLASSES):
        try:
            values = pd.to_numeric(sub[column])
        except (ValueError, TypeError) as err:
            bad = sub[ID][pd.to_numeric(sub[column], errors="coerce").isna() & sub[column].notna()]
            raise InvalidSubmissionError(
                f"column '{column}' holds values that are not numbers, e.g. for {checks.examples(bad)}"
            ) from err
        all_bool = all_bool and pd.api.types.is_bool_dtype(values)
        scores[:, j] = np.asarray(values, dtype=float)
    if all_bool:  # upstream's metric then negates a boolean array, which numpy refuses
        raise InvalidSubmissionError("every class column holds True/False rather than scores, which cannot be ranked")
    finite = np.isfinite(scores)
    if not finite.all():
        rows, cols = np.nonzero(~finite)
        raise InvalidSubmissionError(
            f"column '{CLASSES[cols[0]]}' holds a missing or infinite score, e.g. for {checks.examples(sub[ID][rows])}"
        )
    truth = ans[CLASSES].to_numpy(dtype=float)
    return lwlrap(truth, scores)


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data

RATE = 44_100
N_SAMPLES = 2_205  # 0.05 s; the real clips are 0.3 s to 30 s at the same rate
N_USED = 8  # classes that occur in the synthetic clips: a tiny training set cannot teach 80


def _clip(gen: np.random.Generator, labels: list[int], freqs: np.ndarray) -> bytes:
    """Noise plus one tone per label, at that class's frequency."""
    t = np.arange(N_SAMPLES) / RATE
    signal = gen.normal(0, 0.2, N_SAMPLES)
    for label in labels:
        signal += gen.uniform(0.5, 0.9) * np.sin(2 * np.pi * freqs[label] * t + gen.uniform(0, 2 * np.pi))
    return wav_bytes(np.clip(signal * 9000, -32768, 32767).astype(np.int16), RATE)


def _draw_labels(gen: np.random.Generator, used: np.ndarray, n: int) -> list[list[int]]:
    """One or two classes per clip (sorted by the class order), each used class at least once when n allows."""
    out = []
    for i in range(n):
        k = 1 if gen.random() < 0.7 else 2
        picked = set(gen.choice(used, size=k, replace=False).tolist())
        if i < len(used):
            picked = {int(used[i])} | (picked if k == 2 else set())
        out.append(sorted(picked))
    return out


def _text(labels: list[int]) -> str:
    return ",".join(CLASSES[i] for i in labels)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "freesound-audio-tagging-2019")
    out.mkdir(parents=True, exist_ok=True)
    used = np.sort(gen.choice(len(CLASSES), size=N_USED, replace=False))
    freqs = np.zeros(len(CLASSES))
    freqs[used] = np.linspace(300, 6000, N_USED)

    n_curated, n_noisy, n_test, n_public = size, max(4, size // 2), max(12, size // 4), 4
    names = hex_ids(gen, n_curated + n_noisy + n_test + n_public, 4, ".wav")
    curated = names[:n_curated]
    noisy = names[n_curated : n_curated + n_noisy]
    test = sorted(names[n_curated + n_noisy : n_curated + n_noisy + n_test])
    stage2 = names[n_curated + n_noisy + n_test :]

    for file_names, csv_name, zip_name, noise in (
        (curated, "train_curated.csv", "train_curated.zip", 0.0),
        (noisy, "train_noisy.csv", "train_noisy.zip", 0.3),
    ):
        labels = _draw_labels(gen, used, len(file_names))
        # the noisy subset's labels are sometimes wrong: the audio holds another class
        heard = [[int(gen.choice(used))] if gen.random() < noise else lab for lab in labels]
        write_csv(pd.DataFrame({ID: file_names, "labels": [_text(lab) for lab in labels]}), out / csv_name)
        write_zip(out / zip_name, [(n, _clip(gen, h, freqs)) for n, h in zip(file_names, heard, strict=True)])

    test_labels = _draw_labels(gen, used, n_test)
    write_zip(out / "test.zip", [(n, _clip(gen, lab, freqs)) for n, lab in zip(test, test_labels, strict=True)])
    sample = pd.DataFrame(0, index=range(n_test), columns=[ID, *CLASSES])
    sample[ID] = test
    write_csv(sample, out / "sample_submission.csv")

    # Zenodo's metadata: the test clips' labels, plus rows of another usage that upstream leaves out
    post = pd.DataFrame(
        {
            ID: [*test, *stage2],
            "labels": [_text(lab) for lab in test_labels] + [_text(lab) for lab in _draw_labels(gen, used, n_public)],
            "usage": ["Private"] * n_test + ["Public"] * n_public,
        }
    ).sort_values(ID)
    write_zip(out / f"{META}.zip", [(f"{META}/", b""), (f"{META}/{TEST_LABELS}", post.to_csv(index=False))])
