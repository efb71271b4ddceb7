"""Grading cost per competition on a large synthetic submission, next to what pandas alone needs to read it.

For each competition whose grader, preparer and synthetic data are implemented: prepare tiny synthetic data, then
scale the answers, the gold submission and the sample submission up to the row count of the real test set (at least
1M rows where the real test set is that large) by repeating rows under new ids, and measure:
  - `read`: pandas reading the submission and the answers (`read_csv`, or `read_json` for JSONL answers): the
    floor any grader pays, and the goal's yardstick;
  - `grade, answers parsed`: the first grade in a fresh process (answers read from CSV, then cached);
  - `grade, answers cached`: every later grade in a long-lived process (an eval's scorer, the validator), both for
    the gold submission (every row right) and the sample submission (nearly every row wrong: no shortcut for
    right answers helps it), each next to pandas reading that submission and the answers.
Steady-state figures are medians of 5 rounds in one process that has already graded and read once, the rounds
alternating reads and grades so that background load hits them alike. Peak memory is the process's peak
RSS growth over its RSS after imports (Linux: the peak mark is reset through /proc/self/clear_refs). Goal (the
issues' definition): grade with the answers cached <= 2x read, for both submissions.

Competitions whose grader rejects re-keyed ids (or that declare no id column) are measured at their synthetic size
and marked "not scaled".

Run: python benchmarks/grading.py [--competitions ID ...] [--rows N]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.config import competitions
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic, public_sample_submission
from inspect_mlebench.tables import read_csv

# Approximate rows in upstream's prepared test set: the Kaggle file's size times the split in each prepare.py
# (e.g. aerial-cactus 17,500 x 0.19). Competitions whose real test set has a million rows or more use DEFAULT_ROWS.
REAL_TEST_ROWS: dict[str, int] = {
    "aerial-cactus-identification": 3_325,
    "aptos2019-blindness-detection": 367,
    "detecting-insults-in-social-commentary": 2_647,
    "dog-breed-identification": 1_023,
    "dogs-vs-cats-redux-kernels-edition": 2_500,
    "google-quest-challenge": 608,
    "histopathologic-cancer-detection": 45_561,
    "invasive-species-monitoring": 459,
    "jigsaw-toxic-comment-classification-challenge": 153_164,
    "leaf-classification": 99,
    "learning-agency-lab-automated-essay-scoring-2": 1_731,
    "ml2021spring-hw2": 451_552,
    "mlsp-2013-birds": 1_216,  # 64 recordings x 19 species
    "movie-review-sentiment-analysis-kernels-only": 46_818,
    "new-york-city-taxi-fare-prediction": 9_914,
    "nomad2018-predict-transparent-conductors": 240,
    "paddy-disease-classification": 2_602,
    "plant-pathology-2020-fgvc7": 183,
    "plant-seedlings-classification": 665,
    "playground-series-s3e18": 1_484,
    "random-acts-of-pizza": 1_163,
    "ranzcr-clip-catheter-line-classification": 3_009,
    "siim-isic-melanoma-classification": 4_142,
    "spaceship-titanic": 870,
    "spooky-author-identification": 1_958,
    "tabular-playground-series-dec-2021": 400_000,
    "tabular-playground-series-may-2022": 100_000,
    "us-patent-phrase-to-phrase-matching": 3_648,
    "ventilator-pressure-prediction": 603_600,  # 7,545 of 75,450 breaths x 80 time steps
    "champs-scalar-coupling": 465_815,  # about 10% of 4,658,147 couplings (the split is by molecule)
    "bms-molecular-translation": 484_838,  # 20% of 2,424,186 labelled images
    "AI4Code": 20_000,  # upstream's fixed number of test notebooks
    "h-and-m-personalized-fashion-recommendations": 1_371_980,  # the sample lists every customer (see ANSWER_ROWS)
    "tensorflow2-question-answering": 61_474,  # 2 rows per test record, ~30,737 records; JSONL answers: not scaled
    "billion-word-imputation": 303_000,  # about 1% of 30,301,028 sentences (those of more than two words)
    "facebook-recruiting-iii-keyword-extraction": 603_420,  # 10% of 6,034,195 questions
    "alaska2-image-steganalysis": 5_000,  # upstream holds out 5,000 covers
    "cassava-leaf-disease-classification": 2_140,  # 10% of 21,397 images
    "hotel-id-2021-fgvc8": 9_756,  # the held-out share of 97,556 images
    "imet-2020-fgvc7": 21_318,  # the held-out share of 142,119 images
    "petfinder-pawpularity-score": 992,  # 10% of 9,912 photos
    "plant-pathology-2021-fgvc8": 3_727,  # 20% of 18,632 images
    "statoil-iceberg-classifier-challenge": 321,  # 20% of 1,604 labelled images
    "whale-categorization-playground": 2_536,  # 10% of 25,361 images
    "osic-pulmonary-fibrosis-progression": 2_600,  # about 18 patients' weekly rows, as upstream holds them out
    "icecube-neutrinos-in-deep-ice": 13_195_392,  # 66 of 660 batches: about 10% of 131,953,924 events
    "herbarium-2020-fgvc7": 206_000,  # about 20% of 1,030,747 training sheets (split per category)
    "herbarium-2021-fgvc8": 452_000,  # about 20% of 2,257,759 training sheets (split per category)
    "herbarium-2022-fgvc9": 168_000,  # about 20% of 839,772 training sheets (split per category)
    "cdiscount-image-classification-challenge": 706_990,  # 10% of 7,069,896 products (train_test_split rounds up)
    "nfl-player-contact-detection": 472_000,  # about 10% of the plays behind 4.7M labelled contact rows
    # the detection, segmentation and medical-imaging competitions, sizes from their helpers' reading of upstream
    "3d-object-detection-for-autonomous-vehicles": 4_500,  # sample tokens (10% of the scenes' samples)
    "siim-covid19-detection": 1_300,  # studies + images
    "vinbigdata-chest-xray-abnormalities-detection": 1_500,
    "kuzushiji-recognition": 389,  # pages
    "google-research-identify-contrails-reduce-global-warming": 1_856,  # records
    "vesuvius-challenge-ink-detection": 1,  # one fragment, one run-length row
    "hubmap-kidney-segmentation": 3,  # slides
    "tgs-salt-identification-challenge": 1_000,
    "uw-madison-gi-tract-image-segmentation": 17_000,  # slices x 3 classes of the held-out days
    "rsna-2022-cervical-spine-fracture-detection": 14_536,  # 1,817 studies x 8 rows
    "rsna-breast-cancer-detection": 2_400,  # patient_laterality ids
    "rsna-miccai-brain-tumor-radiogenomic-classification": 59,
    "multi-modal-gesture-recognition": 100,
    "freesound-audio-tagging-2019": 4_481,  # the released test set, one row per clip
    "tensorflow-speech-recognition-challenge": 6_473,  # 10% of 64,727 training clips
    "seti-breakthrough-listen": 6_000,  # 10% of 60,000
    "iwildcam-2019-fgvc6": 19_616,  # about 10% of 196,157 images (split by location)
}
# Where the answers hold fewer rows than the submission (a subset of its ids): the answers' row count. H&M: only the
# customers who bought in the last 8 days (about 80,000) are scored, out of the 1,371,980 the submission lists.
ANSWER_ROWS: dict[str, int] = {"h-and-m-personalized-fashion-recommendations": 80_000}
# Custom graders that declare no grading.id_column but take re-keyed ids: the column to re-key.
SCALE_ID_COLUMNS: dict[str, str] = {
    "ventilator-pressure-prediction": "id",
    "champs-scalar-coupling": "id",
    "h-and-m-personalized-fashion-recommendations": "customer_id",
    "billion-word-imputation": "id",
    "facebook-recruiting-iii-keyword-extraction": "Id",
    "icecube-neutrinos-in-deep-ice": "event_id",
    "herbarium-2020-fgvc7": "Id",
    "herbarium-2021-fgvc8": "Id",
    "herbarium-2022-fgvc9": "Id",
}
DEFAULT_ROWS = 1_000_000

CHILD = r"""
import json, statistics, sys, time
mode, cid, gold, sample, data = sys.argv[1:6]
import pandas as pd
from inspect_mlebench.grading import grade
from inspect_mlebench.config import competitions
from inspect_mlebench.tables import read_csv
competitions()  # a long-lived eval process has the registry loaded already
# ... and the metric libraries and the competition's grader module imported (the validator warms them at start;
# scikit-learn's import alone takes about a second and is paid once per process, not per grade)
import scipy.stats, sklearn.metrics
from inspect_mlebench.config.references import resolve
if competitions()[cid].grading.grader is not None:
    resolve(competitions()[cid].grading.grader)

def status_kib(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])

def read(submission):
    read_csv(submission)
    answers = competitions()[cid].dataset.answers
    path = f"{data}/{cid}/{answers}"
    pd.read_json(path, lines=True) if answers.endswith(".jsonl") else read_csv(path)

def grade_one(path):
    report = grade(cid, path, data)
    assert report.valid_submission, f"{path}: {report.invalid_reason}"

def timed(action, *args):
    t = time.perf_counter()
    action(*args)
    return time.perf_counter() - t

with open("/proc/self/clear_refs", "w") as fh:  # reset the peak-RSS mark left by the imports
    fh.write("5")
base = status_kib("VmRSS")
if mode == "first":
    out = {"first": timed(grade_one, gold)}
else:
    grade_one(gold), grade_one(sample), read(gold)  # what a long-lived process has done before
    keys = ("read_gold", "gold", "read_sample", "sample")
    rounds = [(timed(read, gold), timed(grade_one, gold), timed(read, sample), timed(grade_one, sample))
              for _ in range(5)]
    out = {key: statistics.median(r[i] for r in rounds) for i, key in enumerate(keys)}
out["peak_mib"] = (status_kib("VmHWM") - base) / 1024
print(json.dumps(out))
"""


def measure(mode: str, cid: str, gold: Path, sample: Path, data_dir: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, cid, str(gold), str(sample), str(data_dir)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def scale(frame: pd.DataFrame, id_col: str, rows: int, step: int | None = None) -> pd.DataFrame:
    """`frame` repeated to `rows` rows with fresh ids: integer ids are offset by `step` (default: `id_step` of the
    frame), other ids get a suffix. Files that share ids must be scaled with the same `step`."""
    reps = int(np.ceil(rows / len(frame)))
    tiled = pd.concat([frame] * reps, ignore_index=True).iloc[:rows].copy()
    copy_no = np.repeat(np.arange(reps), len(frame))[:rows]
    ids = tiled[id_col].astype(str)
    own_step = id_step(frame, id_col)
    if own_step is not None:
        tiled[id_col] = (ids.astype(np.int64) + copy_no * (step or own_step)).astype(str)
    else:
        tiled[id_col] = ids + "_r" + copy_no.astype(str)
    return tiled


def id_step(frame: pd.DataFrame, id_col: str) -> int | None:
    """For integer ids, a power of ten above the largest (so structure such as rec_id*100+species survives the
    offset); None for other ids."""
    ids = frame[id_col].astype(str)
    return 10 ** len(str(int(ids.astype(int).max()))) if ids.str.fullmatch(r"\d+").all() else None


@dataclass(frozen=True)
class Result:
    rows: int
    scaled: bool
    read_s: float
    read_sample_s: float
    first_s: float
    gold_s: float
    sample_s: float
    peak_mib: float


def bench(cid: str, rows_default: int, work: Path, *, rows_override: bool = False) -> Result:
    comp = competitions()[cid]
    data_dir = work / cid
    prepare_synthetic(cid, data_dir, seed=0, size=120)
    root = data_dir / cid
    answers_path = root / comp.dataset.answers
    gold_path = root / "prepared" / "private" / GOLD_SUBMISSION
    # a copy of the agent's sample submission, so scaling it leaves the public file as prepared
    sample_path = root / "prepared" / "private" / "bench_sample_submission.csv"
    shutil.copyfile(root / public_sample_submission(comp), sample_path)
    id_col = comp.grading.id_column or SCALE_ID_COLUMNS.get(cid)
    rows = rows_default if rows_override else REAL_TEST_ROWS.get(cid, rows_default)
    originals = {p: p.read_bytes() for p in (answers_path, gold_path, sample_path)}
    scaled = False
    if id_col is not None and answers_path.suffix == ".csv":  # JSONL answers are measured as prepared
        answers = read_csv(answers_path, dtype={id_col: str})
        step = id_step(answers, id_col)
        # the same re-keying on every side, so answers scaled to fewer rows keep ids the submissions have
        for path, count in ((answers_path, ANSWER_ROWS.get(cid, rows)), (gold_path, rows), (sample_path, rows)):
            scale(read_csv(path, dtype={id_col: str}), id_col, count, step).to_csv(path, index=False)
        scaled = True
    try:
        first = measure("first", cid, gold_path, sample_path, data_dir)  # parses the answers and caches them
    except subprocess.CalledProcessError:  # this grader's ids do not survive re-keying: measure it as prepared
        for path, content in originals.items():
            path.write_bytes(content)
        shutil.rmtree(root / ".cache", ignore_errors=True)
        scaled = False
        first = measure("first", cid, gold_path, sample_path, data_dir)
    steady = measure("steady", cid, gold_path, sample_path, data_dir)
    return Result(
        rows=len(read_csv(gold_path)),
        scaled=scaled,
        read_s=steady["read_gold"],
        read_sample_s=steady["read_sample"],
        first_s=first["first"],
        gold_s=steady["gold"],
        sample_s=steady["sample"],
        peak_mib=max(first["peak_mib"], steady["peak_mib"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--competitions", nargs="*", default=None)
    parser.add_argument("--rows", type=int, default=None, help="rows for every competition (default: real test size)")
    args = parser.parse_args()
    ready = [cid for cid, c in competitions().items() if all(c.status.model_dump().values())]
    chosen = args.competitions or ready
    print(
        "| competition | rows | first grade, answers parsed (s) | gold: pandas read, submission + answers (s) "
        "| gold: grade, answers cached (s) | sample: pandas read (s) | sample: grade (s) "
        "| grade / read (gold, sample) | peak (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="mlebench-bench-") as tmp:
        for cid in chosen:
            r = bench(cid, args.rows or DEFAULT_ROWS, Path(tmp), rows_override=args.rows is not None)
            rows = f"{r.rows:,}" + ("" if r.scaled else " (not scaled)")
            print(f"| {cid} | {rows} | {r.first_s:.3f} | {r.read_s:.3f} | {r.gold_s:.3f} | {r.read_sample_s:.3f} | "
                  f"{r.sample_s:.3f} | {r.gold_s / r.read_s:.2f}x, {r.sample_s / r.read_sample_s:.2f}x | "
                  f"{r.peak_mib:.0f} |",
                  flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
