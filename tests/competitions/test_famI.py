"""Upstream parity of freesound-audio-tagging-2019, tensorflow-speech-recognition-challenge and
seti-breakthrough-listen at the edges that matter for each, plus the new metric by hand.

Every expected score below was measured on exactly these files (synthetic data of size 40, seed 0, the same
mutations) with upstream's own grade functions (openai/mle-bench at 783b15a, files read as its `grade_csv` reads
them, under pandas 2, rounded to 5 decimals; any exception there means invalid, None here).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from inspect_mlebench.data.prepare import prepare_synthetic
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.metrics import lwlrap

SIZE = 40
Frame = pd.DataFrame
Mutation = Callable[[Frame], Frame]  # gold (the answers, as read by pandas) -> submission

FREESOUND = "freesound-audio-tagging-2019"
SPEECH = "tensorflow-speech-recognition-challenge"
SETI = "seti-breakthrough-listen"
COMMANDS = {"yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"}


def _classes(gold: Frame) -> list[str]:
    return [str(c) for c in gold.columns[1:]]


def _noisy(gold: Frame) -> Frame:
    classes = _classes(gold)
    noise = np.random.default_rng(5).random((len(gold), len(classes)))
    return gold.assign(**{c: (gold[c] * 0.6 + noise[:, j] * 0.5).round(4) for j, c in enumerate(classes)})


def _scores(edit: Callable[[Frame, str, int], Any]) -> Mutation:
    return lambda gold: gold.assign(**{c: edit(gold, c, j) for j, c in enumerate(_classes(gold))})


def _cell(column: int, value: Any) -> Mutation:
    def mutate(gold: Frame) -> Frame:
        out = _noisy(gold)
        name = out.columns[column]
        out[name] = out[name].astype(object)
        out.loc[out.index[1], name] = value
        return out

    return mutate


FREESOUND_CASES: list[tuple[str, Mutation, float | None]] = [
    # lengths first, then fname then the 80 classes exactly, then ids once sorted, then numbers, then sklearn
    ("gold", lambda g: g, 1.0),
    ("shuffled", lambda g: g.sample(frac=1, random_state=1), 1.0),
    ("all_equal", _scores(lambda g, c, j: 0.5), 0.02132),
    ("reversed", _scores(lambda g, c, j: 1 - g[c]), 0.02132),
    ("first_class_only", _scores(lambda g, c, j: g[c] if j == 0 else 0.0), 0.1375),
    ("negative", lambda g: _noisy(g).assign(**{c: -_noisy(g)[c] * 3 for c in _classes(g)[:5]}), 0.88382),
    ("huge", lambda g: _noisy(g).assign(**{_classes(g)[0]: 1e300}), 0.61275),
    ("booleans_everywhere", _scores(lambda g, c, j: g[c].astype(bool)), None),  # numpy refuses -bool in sklearn
    ("booleans_half", _scores(lambda g, c, j: g[c].astype(bool) if j < 40 else g[c]), 1.0),
    ("text", _cell(3, "abc"), None),
    ("padded_number", _cell(3, " 0.5 "), 1.0),
    ("nan", _cell(3, np.nan), None),
    ("inf", _cell(3, np.inf), None),
    ("missing_row", lambda g: g.iloc[1:], None),
    ("repeated_row", lambda g: pd.concat([g.iloc[1:], g.iloc[1:2]]), None),
    ("unknown_id", lambda g: g.assign(fname=["x" + g["fname"].iloc[0], *g["fname"].iloc[1:]]), None),
    ("missing_class", lambda g: g.drop(columns=[_classes(g)[10]]), None),
    ("extra_column", lambda g: g.assign(extra=1), None),
    ("swapped_classes", lambda g: g[["fname", _classes(g)[1], _classes(g)[0], *_classes(g)[2:]]], None),
    ("fname_last", lambda g: g[[*_classes(g), "fname"]], None),
]


def _labels(edit: Callable[[int, str], Any]) -> Mutation:
    return lambda gold: gold.assign(label=[edit(i, v) for i, v in enumerate(gold["label"])])


SPEECH_CASES: list[tuple[str, Mutation, float | None]] = [
    # utils.prepare_for_accuracy_metric: same length, both columns, sorted ids equal, accuracy_score as parsed
    ("gold", lambda g: g, 1.0),
    ("sample_silence", _labels(lambda i, v: "silence"), 0.0),  # no test clip is labelled 'silence' (known issue)
    ("twelve_classes", _labels(lambda i, v: v if v in COMMANDS else "unknown"), 0.2),
    ("every_other_wrong", _labels(lambda i, v: v if i % 2 else "unknown"), 0.4),
    ("one_number_among_words", _labels(lambda i, v: 5 if i == 0 else v), 0.8),
    ("all_numbers", _labels(lambda i, v: i), None),
    ("true_false", _labels(lambda i, v: "True" if i % 2 else "False"), None),
    ("one_empty", _labels(lambda i, v: "" if i == 0 else v), None),
    ("upper_case", _labels(lambda i, v: v.upper()), 0.0),
    ("extra_column", lambda g: g.assign(extra=1), 1.0),
    ("shuffled", lambda g: g.sample(frac=1, random_state=1), 1.0),
    ("repeated_id", lambda g: pd.concat([g.iloc[1:], g.iloc[1:2]]), None),
    ("unpadded_ids", lambda g: g.assign(fname=[f"clip_{i}.wav" for i in range(len(g))]), None),
    ("missing_row", lambda g: g.iloc[1:], None),
]


def _target(edit: Callable[[int, Any], Any]) -> Mutation:
    return lambda gold: gold.assign(target=[edit(i, v) for i, v in enumerate(gold["target"])])


SETI_CASES: list[tuple[str, Mutation, float | None]] = [
    # utils.prepare_for_auroc_metric: both columns, same length, numeric, within [0, 1], sorted ids equal, sklearn AUC
    ("gold", lambda g: g, 1.0),
    ("sample_half", _target(lambda i, v: 0.5), 0.5),
    ("inverse", _target(lambda i, v: 1 - int(v)), 0.0),
    ("first_wrong", _target(lambda i, v: 1 - int(v) if i == 0 else v), 0.75),
    ("booleans", _target(lambda i, v: "True" if int(v) else "False"), 1.0),
    ("padded_number", _target(lambda i, v: " 0.5 " if i == 0 else v), 1.0),
    ("above_one", _target(lambda i, v: 1.0000001 if i == 0 else v), None),
    ("below_zero", _target(lambda i, v: -1e-9 if i == 0 else v), None),
    ("nan", _target(lambda i, v: np.nan if i == 0 else v), None),
    ("text", _target(lambda i, v: "abc" if i == 0 else v), None),
    ("extra_column", lambda g: g.assign(extra="x"), 1.0),
    ("repeated_id", lambda g: pd.concat([g.iloc[1:], g.iloc[1:2]]), None),
    ("upper_ids", lambda g: g.assign(id=g["id"].str.upper()), None),
    ("missing_row", lambda g: g.iloc[1:], None),
]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("famI")
    prepare_synthetic(FREESOUND, root, seed=0, size=SIZE)
    prepare_synthetic(SPEECH, root, seed=0, size=SIZE)
    prepare_synthetic(SETI, root, seed=0, size=SIZE)
    return root


def write_freesound_cases(data_dir: Path, out: Path) -> list[Path]:
    """The parity cases as files (also used to measure upstream's values)."""
    gold = pd.read_csv(data_dir / FREESOUND / "prepared" / "private" / "test.csv")
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, mutate, _ in FREESOUND_CASES:
        path = out / f"{name}.csv"
        mutate(gold).to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def freesound_cases(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("famI-cases")
    write_freesound_cases(data_dir, out)
    return out


@pytest.mark.parametrize(("name", "expected"), [(n, e) for n, _, e in FREESOUND_CASES])
def test_freesound_matches_upstream(data_dir: Path, freesound_cases: Path, name: str, expected: float | None) -> None:
    result = grade(FREESOUND, freesound_cases / f"{name}.csv", data_dir)
    assert result.valid_submission is (expected is not None), result.invalid_reason
    if expected is not None:
        assert result.score == pytest.approx(expected, abs=5e-6)
        assert not result.warnings


def write_speech_cases(data_dir: Path, out: Path) -> list[Path]:
    gold = pd.read_csv(data_dir / SPEECH / "prepared" / "private" / "test.csv").astype(object)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, mutate, _ in SPEECH_CASES:
        path = out / f"{name}.csv"
        mutate(gold).to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def speech_cases(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("famI-speech")
    write_speech_cases(data_dir, out)
    return out


@pytest.mark.parametrize(("name", "expected"), [(n, e) for n, _, e in SPEECH_CASES])
def test_speech_matches_upstream(data_dir: Path, speech_cases: Path, name: str, expected: float | None) -> None:
    result = grade(SPEECH, speech_cases / f"{name}.csv", data_dir)
    assert result.valid_submission is (expected is not None), result.invalid_reason
    if expected is not None:
        assert result.score == pytest.approx(expected, abs=5e-6)
        assert not result.warnings


def test_speech_split_keeps_raw_folder_labels(data_dir: Path) -> None:
    prepared = data_dir / SPEECH / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    clips = sorted(p.name for p in (prepared / "public" / "test" / "audio").iterdir())
    assert clips == [f"clip_{i:08d}.wav" for i in range(len(answers))]
    assert list(answers["fname"]) == clips
    assert {p.name for p in (prepared / "public").iterdir()} - {"description.md"} == {
        "sample_submission.csv",
        "train",
        "test",
    }


def write_seti_cases(data_dir: Path, out: Path) -> list[Path]:
    gold = pd.read_csv(data_dir / SETI / "prepared" / "private" / "test.csv").astype(object)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, mutate, _ in SETI_CASES:
        path = out / f"{name}.csv"
        mutate(gold).to_csv(path, index=False)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def seti_cases(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("famI-seti")
    write_seti_cases(data_dir, out)
    return out


@pytest.mark.parametrize(("name", "expected"), [(n, e) for n, _, e in SETI_CASES])
def test_seti_matches_upstream(data_dir: Path, seti_cases: Path, name: str, expected: float | None) -> None:
    result = grade(SETI, seti_cases / f"{name}.csv", data_dir)
    assert result.valid_submission is (expected is not None), result.invalid_reason
    if expected is not None:
        assert result.score == pytest.approx(expected, abs=5e-6)
        assert not result.warnings


def test_seti_arrays_keep_their_folders(data_dir: Path) -> None:
    prepared = data_dir / SETI / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    train = pd.read_csv(prepared / "public" / "train_labels.csv")
    for ids, part in ((answers["id"], "test"), (train["id"], "train")):
        arrays = [np.load(prepared / "public" / part / name[0] / f"{name}.npy") for name in ids]
        assert all(a.shape == (6, 16, 16) and a.dtype == np.float16 for a in arrays)
    assert (prepared / "public" / "old_leaky_data" / "train_labels_old.csv").is_file()
    assert set(answers["id"]).isdisjoint(train["id"])


def test_freesound_answers_are_zenodos_private_rows(data_dir: Path) -> None:
    prepared = data_dir / FREESOUND / "prepared"
    answers = pd.read_csv(prepared / "private" / "test.csv")
    sample = pd.read_csv(prepared / "public" / "sample_submission.csv")
    assert list(answers.columns) == list(sample.columns)
    assert len(answers.columns) == 81
    assert sorted(answers["fname"]) == sorted(sample["fname"])
    assert not any("FSDKaggle2019.meta" in p.name for p in (prepared / "public").iterdir())
    assert {p.name for p in (prepared / "public").iterdir()} >= {"train_curated.zip", "train_noisy.zip", "test.zip"}


def test_lwlrap_by_hand() -> None:
    # row 1: its one label is ranked 3rd of 3 -> 1/3 (weight 1); row 2: labels ranked 1st (precision 1) and 3rd
    # (2 of the top 3 are labels: 2/3) -> 5/6 (weight 2); a row with no label is left out: (1/3 + 2 * 5/6) / 3
    truth = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 0]])
    scores = np.array([[0.1, 0.5, 0.2], [0.3, 0.2, 0.9], [0.5, 0.1, 0.2]])
    assert lwlrap(truth, scores) == pytest.approx(2 / 3)
    assert lwlrap(truth[:2], truth[:2] * 0.9) == 1.0
