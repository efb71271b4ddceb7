"""nfl-player-contact-detection: say, for every pair of players (and every player with the ground) at every 0.1 s
step of a play, whether they are in contact; scored by the Matthews correlation coefficient of the 0/1 labels.

Upstream holds out whole plays: `train_test_split` over the distinct `game_play` values of Kaggle's train_labels.csv
(in the order they first appear, test_size=0.1, random_state=0). Every per-play table (labels, baseline helmets,
player tracking, video metadata) is filtered by play into its train_ and test_ version (the test labels are the
answers), and each play's three videos (`<game_play>_<All29|Endzone|Sideline>.mp4`) go to public/train or
public/test. The sample submission predicts no contact for every held-out contact_id. Kaggle's own test files (mock
plays copied from train) are unused.

Upstream's grader needs the columns contact_id and contact, the answers' contact_ids as a set, as many rows as the
answers, and then scores scikit-learn's `matthews_corrcoef` on the labels as parsed (no thresholding: anything
sklearn refuses, such as probabilities or empty cells, makes the submission invalid).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.video import write_mp4
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "contact_id"
TARGET = "contact"
PLAY = "game_play"
VIEWS = ("All29", "Endzone", "Sideline")
# the per-play tables split like the labels: (raw train file, public train name, public test name)
PLAY_TABLES = ("baseline_helmets", "player_tracking", "video_metadata")


def prepare(raw: Path, public: Path, private: Path) -> None:
    labels = read_csv(raw / "train_labels.csv")
    # as a numpy array, as pandas 2 returns it (pandas 3's string array cannot be indexed by train_test_split)
    plays = np.asarray(labels[PLAY].unique(), dtype=object)
    train_plays, test_plays = train_test_split(plays, test_size=0.1, random_state=0)
    train = labels[labels[PLAY].isin(train_plays)]
    test = labels[labels[PLAY].isin(test_plays)]
    if not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError(f"train and test share values of '{ID}'")
    train.to_csv(public / "train_labels.csv", index=False)
    test.to_csv(private / "test.csv", index=False)
    for table in PLAY_TABLES:
        frame = read_csv(raw / f"train_{table}.csv")
        frame[frame[PLAY].isin(train_plays)].to_csv(public / f"train_{table}.csv", index=False)
        frame[frame[PLAY].isin(test_plays)].to_csv(public / f"test_{table}.csv", index=False)
    for view in VIEWS:
        name = f"{{id}}_{view}.mp4"
        place_files(raw / "train", train[PLAY].unique(), public / "train", name=name)
        place_files(raw / "train", test[PLAY].unique(), public / "test", name=name)
    pd.DataFrame({ID: test[ID], TARGET: 0}).to_csv(public / "sample_submission.csv", index=False)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """MCC of the submitted labels against the answers', rows paired by contact_id (upstream sorts both files by
    contact_id after checking that they hold the same ids, which pairs the same rows)."""
    checks.require_columns(submission, [ID, TARGET])
    # with as many rows as the answers (whose ids are unique), holding the same set of ids means holding each id
    # once, which is what pairing by id checks (hashing, not Python sets: fast on half a million ids)
    checks.require_row_count(submission, answers)
    sub, ans = checks.align_by_id(submission, answers, ID)
    predicted = sub[TARGET].to_numpy()
    try:
        score = metrics.mcc(ans[TARGET].to_numpy(), predicted)
    except (ValueError, TypeError) as err:  # sklearn refuses non-label values, as upstream's call does
        detail = str(err).strip().splitlines()[0][:160] if str(err).strip() else type(err).__name__
        raise InvalidSubmissionError(f"column '{TARGET}' must hold 0/1 labels: {detail}") from err
    # what sklearn accepted is numbers or booleans; labels other than 0 and 1 (e.g. -1/1, 1/2) are still scored
    other = ~np.isin(predicted.astype(float), (0.0, 1.0))
    if other.any():
        lenient(
            f"column '{TARGET}' holds labels other than 0 and 1, e.g. {checks.examples(np.unique(predicted[other]))} "
            f"for {checks.examples(sub[ID][other])}; scored as sklearn's matthews_corrcoef takes them, as upstream does"
        )
    return score


# Synthetic data. Each play has a few players moving on the field, tracked at 10 Hz; a pair is in contact when the
# two are within a yard of each other, and a player touches the ground when he decelerates hard (signed acceleration
# below -2). Every play has a player pair running into each other, so each play holds contacts. Videos are a few tiny
# frames with a dot per player; helmets are boxes around those dots in the Endzone and Sideline views.
PLAYERS = 4
STEPS = 3
POSITIONS = ("WR", "CB", "TE", "OLB", "RB", "SS")
START = datetime(2020, 9, 11, 3, 1, 48, tzinfo=UTC)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _play(gen: np.random.Generator, game_key: int, play_id: int, moment: datetime) -> dict[str, pd.DataFrame]:
    game_play = f"{game_key}_{play_id:06d}"
    ids = np.sort(gen.choice(np.arange(37000, 55000), PLAYERS, replace=False))
    teams = ["home" if k % 2 == 0 else "away" for k in range(PLAYERS)]
    jerseys = gen.choice(np.arange(1, 99), PLAYERS, replace=False)
    start = np.column_stack([gen.uniform(20, 100, PLAYERS), gen.uniform(5, 48, PLAYERS)])
    start[1] = start[0] + gen.uniform(-0.5, 0.5, 2)  # players 0 and 1 start in contact
    velocity = gen.normal(0, 0.6, (PLAYERS, 2))
    tracking, labels = [], []
    for step in range(STEPS):
        when = _stamp(moment + timedelta(milliseconds=100 * step))
        where = start + velocity * step
        speed = np.hypot(*velocity.T) + gen.uniform(0, 0.3, PLAYERS)
        sa = gen.normal(0, 2, PLAYERS).round(2)
        for k in range(PLAYERS):
            tracking.append(
                {
                    PLAY: game_play,
                    "game_key": game_key,
                    "play_id": play_id,
                    "nfl_player_id": int(ids[k]),
                    "datetime": when,
                    "step": step,
                    "team": teams[k],
                    "position": POSITIONS[int(gen.integers(len(POSITIONS)))],
                    "jersey_number": int(jerseys[k]),
                    "x_position": round(float(where[k, 0]), 2),
                    "y_position": round(float(where[k, 1]), 2),
                    "speed": round(float(speed[k]), 2),
                    "distance": round(float(speed[k]) / 10, 2),
                    "direction": round(float(gen.uniform(0, 360)), 2),
                    "orientation": round(float(gen.uniform(0, 360)), 2),
                    "acceleration": round(float(abs(sa[k]) + gen.uniform(0, 0.5)), 2),
                    "sa": float(sa[k]),
                }
            )
        for a, b in itertools.combinations(range(PLAYERS), 2):
            near = float(np.hypot(*(where[a] - where[b]))) < 1.0
            labels.append((f"{game_play}_{step}_{ids[a]}_{ids[b]}", game_play, when, step, ids[a], ids[b], near))
        for k in range(PLAYERS):
            labels.append((f"{game_play}_{step}_{ids[k]}_G", game_play, when, step, ids[k], "G", sa[k] < -2))
    label_frame = pd.DataFrame(
        labels, columns=[ID, PLAY, "datetime", "step", "nfl_player_id_1", "nfl_player_id_2", TARGET]
    ).astype({"nfl_player_id_1": int, "nfl_player_id_2": str, TARGET: int})
    helmets = []
    for view, frame in itertools.product(VIEWS[1:], range(2)):
        for k in range(PLAYERS):
            helmets.append(
                {
                    PLAY: game_play,
                    "game_key": game_key,
                    "play_id": play_id,
                    "view": view,
                    "video": f"{game_play}_{view}.mp4",
                    "frame": frame,
                    "nfl_player_id": int(ids[k]),
                    "player_label": f"{'H' if teams[k] == 'home' else 'V'}{jerseys[k]}",
                    "left": int(start[k, 0] * 10),
                    "width": int(gen.integers(18, 30)),
                    "top": int(start[k, 1] * 10),
                    "height": int(gen.integers(18, 30)),
                }
            )
    snap = moment - timedelta(seconds=0.8)
    metadata = [
        {
            PLAY: game_play,
            "game_key": game_key,
            "play_id": play_id,
            "view": view,
            "start_time": snap.isoformat().replace("+00:00", "Z"),
            "end_time": (snap + timedelta(seconds=12)).isoformat().replace("+00:00", "Z"),
            "snap_time": (snap + timedelta(seconds=5)).isoformat().replace("+00:00", "Z"),
        }
        for view in VIEWS[1:]
    ]
    return {
        "labels": label_frame,
        "player_tracking": pd.DataFrame(tracking),
        "baseline_helmets": pd.DataFrame(helmets),
        "video_metadata": pd.DataFrame(metadata),
        "positions": pd.DataFrame(start, columns=["x", "y"]),
    }


def _video(gen: np.random.Generator, positions: pd.DataFrame) -> np.ndarray:
    """A few 32x32 frames: a dot per player on green grass."""
    frames = np.zeros((3, 32, 32, 3), dtype=np.uint8)
    frames[..., 1] = 110
    for t in range(len(frames)):
        for x, y in positions.to_numpy():
            col, row = int(x / 120 * 30) + int(gen.integers(0, 2)), int(y / 53.3 * 30)
            frames[t, max(row - 1, 0) : row + 1, max(col - 1, 0) : col + 1] = 240
    return frames


def _write_plays(out: Path, split: str, plays: list[dict[str, pd.DataFrame]], gen: np.random.Generator) -> None:
    for table in PLAY_TABLES:
        write_csv(pd.concat([p[table] for p in plays], ignore_index=True), out / f"{split}_{table}.csv")
    (out / split).mkdir(parents=True, exist_ok=True)
    for play in plays:
        game_play = str(play["labels"][PLAY].iloc[0])
        for view in VIEWS:
            write_mp4(out / split / f"{game_play}_{view}.mp4", _video(gen, play["positions"]), fps=60)


def synthesize(out: Path, seed: int, size: int) -> None:
    """About `size` labelled contact rows (10 per play and step: 6 player pairs and 4 ground rows) in at least ten
    plays, plus one mock test play as Kaggle ships it."""
    gen = rng(seed, "nfl-player-contact-detection")
    rows_per_play = STEPS * (PLAYERS * (PLAYERS - 1) // 2 + PLAYERS)
    n_plays = max(10, -(-size // rows_per_play))
    game_keys = gen.choice(np.arange(57500, 58600), n_plays + 1, replace=False)
    plays = []
    for k, key in enumerate(game_keys):
        play_id = int(gen.integers(100, 4000))
        kickoff = START + timedelta(days=7 * k, seconds=int(gen.integers(600)))
        plays.append(_play(gen, int(key), play_id, kickoff))
    train, mock = plays[:-1], plays[-1:]
    write_csv(pd.concat([p["labels"] for p in train], ignore_index=True), out / "train_labels.csv")
    _write_plays(out, "train", train, gen)
    _write_plays(out, "test", mock, gen)
    sample = mock[0]["labels"][[ID]].assign(**{TARGET: 0})
    write_csv(sample, out / "sample_submission.csv")
