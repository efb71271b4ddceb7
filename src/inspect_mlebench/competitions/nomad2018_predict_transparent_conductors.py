"""nomad2018-predict-transparent-conductors: formation and bandgap energies, mean column-wise RMSLE.

Upstream scores rows by position (no id matching; ids that disagree are a warning here), and the test ids are
renumbered 1..n in the answers' order.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from inspect_mlebench.formats.archives import write_zip
from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.synth import rng
from inspect_mlebench.tables import read_csv

ID = "id"
TARGETS = ["formation_energy_ev_natom", "bandgap_energy_ev"]
SAMPLE_VALUES = {"formation_energy_ev_natom": 0.1779, "bandgap_energy_ev": 1.8892}
SPACEGROUPS = [12, 33, 167, 194, 206, 227]
ATOM_COUNTS = [10, 20, 30, 40, 60, 80]
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _renumber(frame: pd.DataFrame) -> dict[int, int]:
    """Old id -> new id, numbered from 1 in the frame's (shuffled) order, as upstream does for each split."""
    return {int(old): new for new, old in enumerate(frame[ID], start=1)}


def _copy_geometries(source: Path, mapping: dict[int, int], dest: Path) -> None:
    for src in sorted(source.glob("*/*.xyz")):
        old = int(src.parent.name)
        if old in mapping:
            target = dest / str(mapping[old])
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, target / "geometry.xyz")
    found = len(list(dest.glob("*/*.xyz")))
    assert found == len(mapping), f"expected {len(mapping)} geometry files in {dest.name}, found {found}"


def prepare(raw: Path, public: Path, private: Path) -> None:
    # Upstream extracts the nested zips inside raw/; a scratch directory gives the same layout without writing there.
    with tempfile.TemporaryDirectory(prefix="nomad2018-") as tmp:
        scratch = Path(tmp)
        with zipfile.ZipFile(raw / "train.zip") as archive:
            archive.extractall(scratch / "train")
        with zipfile.ZipFile(raw / "train.csv.zip") as archive:
            archive.extractall(scratch / "train.csv")

        original = read_csv(scratch / "train.csv" / "train.csv")
        train, test = train_test_split(original, test_size=0.1, random_state=0)
        train_ids, test_ids = _renumber(train), _renumber(test)
        train[ID] = train[ID].map(train_ids)
        test[ID] = test[ID].map(test_ids)

        train.to_csv(public / "train.csv", index=False)
        test.to_csv(private / "test.csv", index=False)
        test.drop(columns=TARGETS).to_csv(public / "test.csv", index=False)
        # Both splits' geometries come from Kaggle's train archive (the test split is carved out of train).
        _copy_geometries(scratch / "train" / "train", train_ids, public / "train")
        _copy_geometries(scratch / "train" / "train", test_ids, public / "test")

    sample = pd.DataFrame({ID: test[ID], **SAMPLE_VALUES})
    sample.to_csv(public / "sample_submission.csv", index=False)
    assert len(sample) == len(test)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean of the two columns' RMSLE, row i against answer row i, as upstream (which never reads the ids).

    Ids that are missing or not in test.csv's order are scored by position all the same, with a warning (invalid in
    strict mode); so are negative predictions, which scikit-learn's RMSLE accepts above -1.
    """
    checks.require_columns(submission, TARGETS)
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the test set has {len(answers)}")
    _check_row_order(submission, answers[ID])
    predicted = checks.numeric_columns(submission, TARGETS)
    negative = [col for j, col in enumerate(TARGETS) if (predicted[:, j] < 0).any()]
    if negative:
        lenient(f"column(s) {checks.examples(negative)} have negative predictions; scored as upstream's RMSLE does")
    return metrics.rmsle_mean_columns(answers[TARGETS].to_numpy(dtype=float), predicted)


def _check_row_order(submission: pd.DataFrame, expected: pd.Series) -> None:
    """Upstream pairs rows by position, so row i should carry the test set's i-th id; a warning where it does not."""
    if ID not in submission.columns:
        lenient(f"no '{ID}' column; rows are scored by position, as upstream does")
        return
    submitted = submission[ID]
    numbers = pd.to_numeric(submitted, errors="coerce").to_numpy(dtype=float)
    wrong = np.flatnonzero(numbers != expected.to_numpy(dtype=float))
    if len(wrong):
        first = int(wrong[0])
        lenient(
            f"scored by position, as upstream does; ids do not match test.csv's order ({len(wrong)} row(s), e.g. "
            f"row {first} has id {checks.examples([submitted.iloc[first]])}, expected {int(expected.iloc[first])})"
        )


def _materials(gen: np.random.Generator, n: int) -> pd.DataFrame:
    al = gen.integers(0, 9, n) / 8
    ga = np.minimum(gen.integers(0, 9, n) / 8, 1 - al)
    frame = pd.DataFrame(
        {
            ID: np.arange(1, n + 1),
            "spacegroup": gen.choice(SPACEGROUPS, n),
            "number_of_total_atoms": gen.choice(ATOM_COUNTS, n).astype(float),
            "percent_atom_al": np.round(al, 4),
            "percent_atom_ga": np.round(ga, 4),
            "percent_atom_in": np.round(1 - al - ga, 4),
            "lattice_vector_1_ang": np.round(gen.uniform(3, 25, n), 4),
            "lattice_vector_2_ang": np.round(gen.uniform(3, 12, n), 4),
            "lattice_vector_3_ang": np.round(gen.uniform(5, 25, n), 4),
            "lattice_angle_alpha_degree": np.round(gen.normal(90, 2, n), 4),
            "lattice_angle_beta_degree": np.round(gen.normal(95, 8, n), 4),
            "lattice_angle_gamma_degree": np.round(gen.normal(95, 15, n), 4),
        }
    )
    # Aluminium raises both energies and indium lowers the bandgap, the trends the real data shows.
    frame[TARGETS[0]] = np.round(np.abs(0.05 + 0.25 * al - 0.05 * ga + gen.normal(0, 0.02, n)), 4)
    frame[TARGETS[1]] = np.round(np.clip(1.0 + 4.0 * al + 1.5 * ga + gen.normal(0, 0.1, n), 0.01, None), 4)
    return frame


def _geometry(gen: np.random.Generator, row: pd.Series) -> str:
    lines = [
        "#=======================================================",
        "#Created using the Atomic Simulation Environment (ASE)",
        "#=======================================================",
    ]
    for axis in range(3):
        vector = np.zeros(3)
        vector[axis] = row[f"lattice_vector_{axis + 1}_ang"]
        lines.append("lattice_vector " + " ".join(f"{v:.16f}" for v in vector + gen.normal(0, 0.01, 3)) + " ")
    metals = int(row["number_of_total_atoms"] * 0.4)
    shares = row[["percent_atom_al", "percent_atom_ga", "percent_atom_in"]].to_numpy(dtype=float)
    elements = [
        *gen.choice(["Al", "Ga", "In"], metals, p=shares / shares.sum()),
        *["O"] * (int(row["number_of_total_atoms"]) - metals),
    ]
    for element in elements:
        x, y, z = gen.uniform(0, 10, 3)
        lines.append(f"atom {x:.16f} {y:.16f} {z:.16f} {element}")
    return "\n".join(lines) + "\n"


def _zip(path: Path, members: dict[str, str]) -> None:
    """A zip with fixed timestamps, so the same seed gives byte-identical files."""
    write_zip(path, members, date_time=ZIP_TIME)


def _csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue()


def synthesize(out: Path, seed: int, size: int) -> None:
    gen = rng(seed, "nomad2018-predict-transparent-conductors")
    out.mkdir(parents=True, exist_ok=True)
    train = _materials(gen, size)
    test = _materials(gen, max(10, size // 2)).drop(columns=TARGETS)
    for name, frame in (("train", train), ("test", test)):
        _zip(out / f"{name}.csv.zip", {f"{name}.csv": _csv_text(frame)})
        geometries = {
            f"{name}/{item_id}/geometry.xyz": _geometry(gen, row)
            for item_id, (_, row) in zip(frame[ID], frame.iterrows(), strict=True)
        }
        _zip(out / f"{name}.zip", geometries)
    sample = pd.DataFrame({ID: test[ID], **SAMPLE_VALUES})
    _zip(out / "sample_submission.csv.zip", {"sample_submission.csv": _csv_text(sample)})
