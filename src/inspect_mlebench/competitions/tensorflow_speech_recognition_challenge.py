"""tensorflow-speech-recognition-challenge: which spoken word (or background noise) is a one-second WAV clip
(accuracy).

Kaggle's test labels were never released, so upstream holds out 10% of the labelled training clips
(`train.7z`: `train/audio/<label>/<speaker>_nohash_<n>.wav`), chosen at random with `random_state=0` from the clips
sorted by `<label>_<file name>`. Test clips are renamed `clip_<8-digit index>.wav` (names repeat across labels);
their label is the raw folder's name (e.g. `bed`, `_background_noise_`), not Kaggle's 12 submission classes, and
speakers are not kept apart (both are known issues of upstream, reproduced here).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import extract, write_7z_folder
from inspect_mlebench.formats.audio import wav_bytes
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv, write_files

ID = "fname"
TARGET = "label"
TEST_SIZE = 0.1
SEED = 0


# ---------------------------------------------------------------------------------------------------------------
# Preparation


def _place(source: Path, dest: Path) -> None:
    """Hard-link one clip (the extracted training set is ~2 GB), copying it where linking fails."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, dest)
    except OSError:
        shutil.copyfile(source, dest)


def prepare(raw: Path, public: Path, private: Path) -> None:
    extract(raw / "train.7z", raw)  # into the raw folder, as upstream does
    audio = raw / "train" / "audio"
    clips = sorted(((path.parent.name, path) for path in audio.rglob("*.wav")), key=lambda c: f"{c[0]}_{c[1].name}")
    train_idx, test_idx = train_test_split(np.arange(len(clips)), test_size=TEST_SIZE, random_state=SEED)

    for i in train_idx:
        label, path = clips[i]
        _place(path, public / "train" / "audio" / label / path.name)
    (public / "test" / "audio").mkdir(parents=True, exist_ok=True)
    names = [f"clip_{k:08d}.wav" for k in range(len(test_idx))]
    for name, i in zip(names, test_idx, strict=True):
        _place(clips[i][1], public / "test" / "audio" / name)

    answers = pd.DataFrame({ID: names, TARGET: [clips[i][0] for i in test_idx]})
    answers.to_csv(private / "test.csv", index=False)
    answers.assign(**{TARGET: "silence"}).to_csv(public / "sample_submission.csv", index=False)
    assert len(list((public / "test" / "audio").glob("*.wav"))) == len(answers), "test clips and sample rows differ"


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data

RATE = 16_000
N_SAMPLES = 1_600  # 0.1 s; the real clips are 1 s at the same rate
COMMANDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
AUXILIARY = ["bed", "bird", "cat", "dog", "happy", "house"]  # words outside the 10 commands ("unknown")
NOISE = "_background_noise_"
PINNED_MTIME = 1_511_136_000  # 2017-11-20, the competition's era


def _clip(gen: np.random.Generator, freq: float | None, n: int = N_SAMPLES) -> bytes:
    """Noise, plus a word's two-tone 'formant' pattern; background-noise files are noise only."""
    t = np.arange(n) / RATE
    signal = gen.normal(0, 0.15 if freq else 0.4, n)
    if freq:
        envelope = np.hanning(n)
        signal += envelope * (0.7 * np.sin(2 * np.pi * freq * t) + 0.4 * np.sin(2 * np.pi * 1.5 * freq * t))
    return wav_bytes(np.clip(signal * 12000, -32768, 32767).astype(np.int16), RATE)


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "tensorflow-speech-recognition-challenge")
    out.mkdir(parents=True, exist_ok=True)
    words = COMMANDS + AUXILIARY
    freqs = dict(zip(words, np.linspace(200, 3000, len(words)), strict=True))
    n_total = max(len(words) * 2, round(size / (1 - TEST_SIZE)))
    speakers = hex_ids(gen, max(4, n_total // 4), 4)  # a few clips per speaker, as in the real set

    staging = out / "_staging"
    audio = staging / "train" / "audio"
    listed: list[str] = []
    for k in range(n_total):
        word = words[k % len(words)] if k < 2 * len(words) else str(gen.choice(words))
        speaker = str(gen.choice(speakers))
        repeat = 0
        while (audio / word / f"{speaker}_nohash_{repeat}.wav").exists():
            repeat += 1
        name = f"{speaker}_nohash_{repeat}.wav"
        write_files(audio / word, [name], [_clip(gen, freqs[word])])
        listed.append(f"{word}/{name}")
    write_files(
        audio / NOISE,
        ["white_noise.wav", "running_tap.wav", "README.md"],
        [_clip(gen, None, 4 * N_SAMPLES), _clip(gen, None, 4 * N_SAMPLES), b"Background noise recordings.\n"],
    )
    order = gen.permutation(len(listed))
    (staging / "train" / "validation_list.txt").write_text("".join(f"{listed[i]}\n" for i in order[:3]))
    (staging / "train" / "testing_list.txt").write_text("".join(f"{listed[i]}\n" for i in order[3:6]))
    (staging / "train" / "LICENSE").write_text("Creative Commons BY 4.0\n")
    (staging / "train" / "README.md").write_text("Speech Commands Data Set v0.01\n")

    # Kaggle's own unlabelled test set (upstream's preparer does not use it)
    test_names = [f"clip_{h}.wav" for h in hex_ids(gen, max(4, size // 10), 4)]
    write_files(staging / "test" / "audio", test_names, [_clip(gen, freqs[str(gen.choice(words))]) for _ in test_names])
    for path in [staging, *staging.rglob("*")]:  # archives record file times: pinned, the download is reproducible
        os.utime(path, (PINNED_MTIME, PINNED_MTIME))
    for part in ("train", "test"):
        write_7z_folder(staging / part, out / f"{part}.7z")
    shutil.rmtree(staging)
    write_csv(pd.DataFrame({ID: sorted(test_names), TARGET: "silence"}), out / "sample_submission.csv")
    (out / "link_to_gcp_credits_form.txt").write_text("https://cloud.google.com/\n")
