"""Grading cost per competition on a large synthetic submission, next to what pandas alone needs to read it.

For each competition whose grader, preparer and synthetic data are implemented: prepare tiny synthetic data, then
scale the answers and the gold submission up to the row count of the real test set (at least 1M rows where the real
test set is that large) by repeating rows under new ids, and measure in a fresh subprocess each:
  - `read`: pandas reading the submission and the answers (`read_csv`, or `read_json` for JSONL answers): the
    floor any grader pays, and the goal's yardstick;
  - `grade`: `inspect_mlebench.grading.grader` (reads answers and submission, checks, metric, report), once with
    the answers parsed from CSV (first call) and once with them loaded from the parse cache (every later call, e.g.
    each validation of the same sample).
Peak memory is the child's peak RSS growth over its RSS after imports (Linux: the peak mark is reset through
/proc/self/clear_refs). Goal (the issues' definition): grade with the answers cached <= 2x read.

Competitions whose grader rejects re-keyed ids (or that declare no id column) are measured at their synthetic size
and marked "not scaled".

Run: python benchmarks/grading.py [--competitions ID ...] [--rows N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.config import competitions
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
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
import json, sys, time
mode, cid, sub, data = sys.argv[1:5]
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

with open("/proc/self/clear_refs", "w") as fh:  # reset the peak-RSS mark left by the imports
    fh.write("5")
base = status_kib("VmRSS")
t = time.perf_counter()
if mode == "read":
    read_csv(sub)
    answers = competitions()[cid].dataset.answers
    path = f"{data}/{cid}/{answers}"
    pd.read_json(path, lines=True) if answers.endswith(".jsonl") else read_csv(path)
else:
    report = grade(cid, sub, data)
    assert report.valid_submission, report.invalid_reason
elapsed = time.perf_counter() - t
peak = status_kib("VmHWM") - base
print(json.dumps({"seconds": elapsed, "peak_mib": peak / 1024}))
"""


def measure(mode: str, cid: str, submission: Path, data_dir: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, mode, cid, str(submission), str(data_dir)],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def scale(frame: pd.DataFrame, id_col: str, rows: int) -> pd.DataFrame:
    """`frame` repeated to `rows` rows with fresh ids: integer ids are offset by a power of ten above the largest
    (so structure such as rec_id*100+species survives), other ids get a suffix."""
    reps = int(np.ceil(rows / len(frame)))
    tiled = pd.concat([frame] * reps, ignore_index=True).iloc[:rows].copy()
    copy_no = np.repeat(np.arange(reps), len(frame))[:rows]
    ids = tiled[id_col].astype(str)
    if ids.str.fullmatch(r"\d+").all():
        step = 10 ** len(str(int(ids.astype(int).max())))
        tiled[id_col] = (ids.astype(np.int64) + copy_no * step).astype(str)
    else:
        tiled[id_col] = ids + "_r" + copy_no.astype(str)
    return tiled


@dataclass(frozen=True)
class Result:
    rows: int
    scaled: bool
    read_s: float
    cold_s: float
    warm_s: float
    read_peak_mib: float
    grade_peak_mib: float


def bench(cid: str, rows_default: int, work: Path, *, rows_override: bool = False) -> Result:
    comp = competitions()[cid]
    data_dir = work / cid
    prepare_synthetic(cid, data_dir, seed=0, size=120)
    private = data_dir / cid / "prepared" / "private"
    answers_path = data_dir / cid / comp.dataset.answers
    gold_path = private / GOLD_SUBMISSION
    id_col = comp.grading.id_column or SCALE_ID_COLUMNS.get(cid)
    rows = rows_default if rows_override else REAL_TEST_ROWS.get(cid, rows_default)
    originals = {p: p.read_bytes() for p in (answers_path, gold_path)}
    scaled = False
    if id_col is not None and answers_path.suffix == ".csv":  # JSONL answers are measured as prepared
        # the same re-keying on both sides, so answers scaled to fewer rows keep ids the submission has
        for path, count in ((answers_path, ANSWER_ROWS.get(cid, rows)), (gold_path, rows)):
            scale(read_csv(path, dtype={id_col: str}), id_col, count).to_csv(path, index=False)
        scaled = True
    try:
        cold = measure("grade", cid, gold_path, data_dir)  # parses the answers and caches them
    except subprocess.CalledProcessError:  # this grader's ids do not survive re-keying: measure it as prepared
        for path, content in originals.items():
            path.write_bytes(content)
        scaled = False
        cold = measure("grade", cid, gold_path, data_dir)
    warm = measure("grade", cid, gold_path, data_dir)
    read = measure("read", cid, gold_path, data_dir)
    return Result(
        rows=len(read_csv(gold_path)),
        scaled=scaled,
        read_s=read["seconds"],
        cold_s=cold["seconds"],
        warm_s=warm["seconds"],
        read_peak_mib=read["peak_mib"],
        grade_peak_mib=max(cold["peak_mib"], warm["peak_mib"]),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--competitions", nargs="*", default=None)
    parser.add_argument("--rows", type=int, default=None, help="rows for every competition (default: real test size)")
    args = parser.parse_args()
    ready = [cid for cid, c in competitions().items() if all(c.status.model_dump().values())]
    chosen = args.competitions or ready
    print(
        "| competition | rows | pandas read, submission + answers (s) | grade, answers parsed (s) "
        "| grade, answers cached (s) "
        "| cached / read | grade peak (MiB) | read peak (MiB) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="mlebench-bench-") as tmp:
        for cid in chosen:
            r = bench(cid, args.rows or DEFAULT_ROWS, Path(tmp), rows_override=args.rows is not None)
            rows = f"{r.rows:,}" + ("" if r.scaled else " (not scaled)")
            print(f"| {cid} | {rows} | {r.read_s:.3f} | {r.cold_s:.3f} | {r.warm_s:.3f} | {r.warm_s / r.read_s:.2f}x | "
                  f"{r.grade_peak_mib:.0f} | {r.read_peak_mib:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
