"""Grading cost per competition on a large synthetic submission, next to what pandas alone needs to read it.

For each competition whose grader, preparer and synthetic data are implemented: prepare tiny synthetic data, then
scale the answers and the gold submission up to the row count of the real test set (at least 1M rows where the real
test set is that large) by repeating rows under new ids, and measure in a fresh subprocess each:
  - `read`: `pandas.read_csv` of the submission;
  - `grade`: `inspect_mlebench.grading.grade` (reads answers and submission, checks, metric, report).
Peak memory is the child's peak RSS growth over its RSS after imports (Linux: the peak mark is reset through
/proc/self/clear_refs). Goal: grade <= 2x read.

Competitions with a custom grader whose ids carry structure (pixels, flattened species) are measured at their
synthetic size and marked "not scaled".

Run: python benchmarks/grading.py [--competitions ID ...] [--rows N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench import competitions
from inspect_mlebench.data.prepare import GOLD_SUBMISSION, prepare_synthetic
from inspect_mlebench.tables import read_csv

# Rows in upstream's prepared test set (from the split parameters in each prepare.py); None -> use --rows.
REAL_TEST_ROWS: dict[str, int] = {
    "spaceship-titanic": 870,
    "new-york-city-taxi-fare-prediction": 9914,
    "tabular-playground-series-may-2022": 100_000,
    "tabular-playground-series-dec-2021": 400_000,
}
DEFAULT_ROWS = 1_000_000

CHILD = r"""
import json, sys, time
mode, cid, sub, data = sys.argv[1:5]
import pandas as pd
from inspect_mlebench.grading import grade
from inspect_mlebench.registry import competitions
from inspect_mlebench.tables import read_csv
competitions()  # a long-lived eval process has the registry loaded already

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
    reps = int(np.ceil(rows / len(frame)))
    tiled = pd.concat([frame] * reps, ignore_index=True).iloc[:rows].copy()
    copy_no = np.repeat(np.arange(reps), len(frame))[:rows]
    tiled[id_col] = tiled[id_col].astype(str) + "_r" + copy_no.astype(str)
    return tiled


def bench(cid: str, rows_default: int, work: Path, *, rows_override: bool = False) -> dict[str, object]:
    comp = competitions()[cid]
    data_dir = work / cid
    prepare_synthetic(cid, data_dir, seed=0, size=120)
    private = data_dir / cid / "prepared" / "private"
    answers_path = data_dir / cid / comp.dataset.answers
    gold_path = private / GOLD_SUBMISSION
    id_col = comp.grading.id_column
    scalable = id_col is not None and comp.grading.grader is None
    rows = rows_default if rows_override else REAL_TEST_ROWS.get(cid, rows_default)
    if scalable:
        assert id_col is not None
        scale(read_csv(answers_path, dtype={id_col: str}), id_col, rows).to_csv(answers_path, index=False)
        scale(read_csv(gold_path, dtype={id_col: str}), id_col, rows).to_csv(gold_path, index=False)
    n = len(read_csv(gold_path))
    read = measure("read", cid, gold_path, data_dir)
    graded = measure("grade", cid, gold_path, data_dir)
    return {
        "competition": cid,
        "rows": n,
        "scaled": scalable,
        "read_s": read["seconds"],
        "grade_s": graded["seconds"],
        "ratio": graded["seconds"] / read["seconds"] if read["seconds"] else float("nan"),
        "read_peak_mib": read["peak_mib"],
        "grade_peak_mib": graded["peak_mib"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--competitions", nargs="*", default=None)
    parser.add_argument("--rows", type=int, default=None, help="rows for every competition (default: real test size)")
    args = parser.parse_args()
    ready = [cid for cid, c in competitions().items() if all(c.status.model_dump().values())]
    chosen = args.competitions or ready
    print("| competition | rows | grade (s) | pandas read (s) | grade / read | grade peak (MiB) | read peak (MiB) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="mlebench-bench-") as tmp:
        for cid in chosen:
            r = bench(cid, args.rows or DEFAULT_ROWS, Path(tmp), rows_override=args.rows is not None)
            rows = f"{r['rows']:,}" + ("" if r["scaled"] else " (not scaled)")
            print(f"| {cid} | {rows} | {r['grade_s']:.3f} | {r['read_s']:.3f} | {r['ratio']:.2f}x | "
                  f"{r['grade_peak_mib']:.0f} | {r['read_peak_mib']:.0f} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
