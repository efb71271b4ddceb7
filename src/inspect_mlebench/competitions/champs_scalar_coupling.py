"""champs-scalar-coupling: scalar coupling constants between atom pairs of small molecules, mean over coupling
types of log(MAE).

Upstream holds out 10% of Kaggle's training molecules (whole molecules), keeps only the training molecules in
every per-molecule file (structures.csv, the structures/ folder of .xyz files and the four extra tables), and writes
no structures for the test molecules: the known issue `test-structures-missing`, reproduced as upstream does. Its
grader requires the submission's set of ids to equal the test set's, joins the predictions onto the answers by id
(a duplicated id joins twice) and averages log(MAE) over the answers' coupling types, with no floor on the MAE (a
perfect type scores -inf).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.grading.leniency import lenient
from inspect_mlebench.kit.holdout import split_by_group
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "scalar_coupling_constant"
MOLECULE = "molecule_name"
TYPE = "type"
# Kaggle's per-molecule files besides train/test: upstream keeps the rows of the training molecules in each
EXTRA_TABLES = (
    "structures.csv",
    "dipole_moments.csv",
    "magnetic_shielding_tensors.csv",
    "mulliken_charges.csv",
    "potential_energy.csv",
    "scalar_coupling_contributions.csv",
)


def prepare(raw: Path, public: Path, private: Path) -> None:
    table = read_csv(raw / "train.csv")
    train, answers = split_by_group(table, MOLECULE, test_size=0.1, random_state=0)
    test = answers.drop(columns=[TARGET])
    sample = pd.DataFrame({ID: test[ID], TARGET: 0})
    train_names = set(train[MOLECULE])
    if not train_names.isdisjoint(test[MOLECULE]) or not set(train[ID]).isdisjoint(test[ID]):
        raise ValueError("a molecule or id landed on both sides of the split")

    extras = {}
    for name in EXTRA_TABLES:
        frame = read_csv(raw / name)
        extras[name] = frame[frame[MOLECULE].isin(train_names)]
        if set(extras[name][MOLECULE]) != train_names:
            raise ValueError(f"{name} does not cover exactly the training molecules")
    place_files(raw / "structures", train[MOLECULE].unique(), public / "structures", name="{id}.xyz")

    answers.to_csv(private / "answers.csv", index=False)
    train.to_csv(public / "train.csv", index=False)
    test.to_csv(public / "test.csv", index=False)
    sample.to_csv(public / "sample_submission.csv", index=False)
    for name, frame in extras.items():
        frame.to_csv(public / name, index=False)


def _same_id_sets(submitted: pd.Series, expected: pd.Series) -> bool:
    """Whether the two columns hold the same set of values, as Python sets compare them (upstream's check; 1.0
    equals 1). Integer columns, the usual case, are compared as sorted unique arrays, which is faster."""
    if pd.api.types.is_integer_dtype(submitted) and pd.api.types.is_integer_dtype(expected):
        return bool(np.array_equal(_sorted_unique(submitted.to_numpy()), _sorted_unique(expected.to_numpy())))
    return set(submitted) == set(expected)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    ordered = np.sort(values)
    return ordered[np.concatenate([[True], ordered[1:] != ordered[:-1]])] if len(ordered) else ordered


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Mean over the answers' coupling types of log(MAE), predictions joined onto the answers by id."""
    checks.require_columns(submission, [ID, TARGET])
    if pd.api.types.is_integer_dtype(submission[ID]) and checks.same_ids_in_order(submission[ID], answers[ID]):
        # the usual file: the test ids in the sample's order, each once, so the join pairs rows as they are
        truth_frame = answers[[TYPE, TARGET]]
        return _score(truth_frame[TARGET], submission[TARGET], truth_frame[TYPE])
    if not _same_id_sets(submission[ID], answers[ID]):
        sub_ids, ans_ids = set(submission[ID]), set(answers[ID])
        missing, unknown = ans_ids - sub_ids, sub_ids - ans_ids
        parts = [f"{len(missing)} test id(s) missing, e.g. {checks.examples(sorted(missing))}"] if missing else []
        parts += [f"{len(unknown)} unknown id(s), e.g. {checks.examples(list(unknown))}"] if unknown else []
        raise InvalidSubmissionError(f"ids in column '{ID}' do not match the test set: {'; '.join(parts)}")
    if len(submission) != len(answers):
        lenient(
            f"column '{ID}' repeats ids ({len(submission)} rows for {len(answers)} test ids); upstream joins each "
            "repeat onto the answers and scores every one"
        )
    if not pd.api.types.is_integer_dtype(submission[ID]):
        lenient(f"column '{ID}' is not written as whole numbers; upstream compares the ids as parsed numbers")
    joined = answers[[ID, TYPE, TARGET]].merge(submission[[ID, TARGET]], on=ID, suffixes=("_true", "_pred"))
    return _score(joined[f"{TARGET}_true"], joined[f"{TARGET}_pred"], joined[TYPE])


def _score(truth: pd.Series, predictions: pd.Series, types: pd.Series) -> float:
    """The metric over rows already paired (answers' column, the submission's, the coupling types)."""
    try:
        predicted = np.asarray(predictions.to_numpy()).astype(np.float64)
    except (TypeError, ValueError) as err:
        raise InvalidSubmissionError(f"column '{TARGET}' must be numeric") from err
    if not np.isfinite(predicted).all():
        raise InvalidSubmissionError(
            f"column '{TARGET}' has {int((~np.isfinite(predicted)).sum())} NaN or infinite value(s)"
        )
    return metrics.mean_log_mae_by_group(truth.to_numpy(dtype=float), predicted, groups=types.to_numpy())


# Synthetic data: QM9-like molecules of C, N, O and H with couplings between hydrogens and the atoms one to three
# bonds away. Each coupling type has its own typical constant (1JHC near 90 Hz, 2JHH near -10 Hz, ...), and shorter
# distances give larger magnitudes, the main signals of the real data.
TYPE_MEANS = {
    "1JHC": 95.0,
    "1JHN": 48.0,
    "2JHH": -10.0,
    "2JHC": -1.0,
    "2JHN": 3.0,
    "3JHH": 4.5,
    "3JHC": 3.5,
    "3JHN": 0.9,
}
BOND_LENGTH = {"C": 1.09, "N": 1.01}


def _molecule(gen: np.random.Generator) -> tuple[pd.DataFrame, list[tuple[int, int, str, float]]]:
    """Atoms (heavy atoms along a chain, hydrogens on them) and coupling pairs with their distance."""
    heavy = list(gen.choice(["C", "C", "C", "N", "O"], int(gen.integers(2, 5))))
    heavy[0] = "C"
    atoms: list[tuple[str, np.ndarray, int]] = []  # element, position, index of the heavy atom it hangs on
    for k, element in enumerate(heavy):
        atoms.append((element, np.array([1.5 * k, 0.0, 0.0]) + gen.normal(0, 0.02, 3), k))
    for k, element in enumerate(heavy):
        for _ in range({"C": int(gen.integers(1, 4)), "N": int(gen.integers(1, 3)), "O": 1}[element]):
            direction = gen.normal(0, 1, 3)
            direction /= np.linalg.norm(direction)
            length = BOND_LENGTH.get(element, 0.96)
            atoms.append(("H", atoms[k][1] + direction * length * gen.normal(1, 0.01), k))
    frame = pd.DataFrame(
        {
            "atom_index": np.arange(len(atoms)),
            "atom": [a[0] for a in atoms],
            "x": [float(a[1][0]) for a in atoms],
            "y": [float(a[1][1]) for a in atoms],
            "z": [float(a[1][2]) for a in atoms],
        }
    )
    pairs: list[tuple[int, int, str, float]] = []
    for i, (el_i, pos_i, host_i) in enumerate(atoms):
        if el_i != "H":
            continue
        for j, (el_j, pos_j, host_j) in enumerate(atoms):
            if el_j == "O" or (el_j == "H" and j <= i):
                continue
            # bonds between the two atoms along the chain: H-X is 1, H-X-H 2, H-X-Y 2, H-X-Y-H 3, ...
            bonds = 2 + abs(host_j - host_i) if el_j == "H" else 1 + abs(j - host_i)
            if bonds > 3:
                continue
            pairs.append((i, j, f"{bonds}JH{el_j}", float(np.linalg.norm(pos_i - pos_j))))
    return frame, pairs


def _xyz(atoms: pd.DataFrame) -> str:
    lines = [str(len(atoms)), ""]
    lines += [f"{a} {x:.10f} {y:.10f} {z:.10f}" for a, x, y, z in atoms[["atom", "x", "y", "z"]].to_numpy()]
    return "\n".join(lines) + "\n"


def synthesize(out: Path, seed: int, size: int) -> None:
    """About `size` training couplings (at least 20 molecules, so the 10% test split holds two), plus a Kaggle
    test set of a third as many molecules; structures for every molecule, the extra tables for training ones."""
    gen = rng(seed, "champs-scalar-coupling")
    n_train = max(20, size // 5)
    n_test = max(4, n_train // 3)
    numbers = np.sort(gen.choice(np.arange(1, 40 * (n_train + n_test)), n_train + n_test, replace=False))
    is_test = np.zeros(len(numbers), dtype=bool)
    is_test[gen.choice(len(numbers), n_test, replace=False)] = True
    couplings: dict[bool, list[dict[str, object]]] = {False: [], True: []}
    structures, xyz = [], {}
    extras: dict[str, list[pd.DataFrame]] = {name: [] for name in EXTRA_TABLES[1:]}
    for number, test_side in zip(numbers, is_test, strict=True):
        name = f"dsgdb9nsd_{number:06d}"
        atoms, pairs = _molecule(gen)
        structures.append(atoms.assign(**{MOLECULE: name})[[MOLECULE, "atom_index", "atom", "x", "y", "z"]])
        xyz[name] = _xyz(atoms)
        for i, j, kind, distance in pairs:
            value = TYPE_MEANS[kind] * (1.1 / distance if kind.startswith("1") else 1.0) + gen.normal(0, 0.5)
            couplings[bool(test_side)].append(
                {MOLECULE: name, "atom_index_0": i, "atom_index_1": j, TYPE: kind, TARGET: round(value, 4)}
            )
        if test_side:
            continue
        n = len(atoms)
        extras["dipole_moments.csv"].append(
            pd.DataFrame({MOLECULE: [name], **{axis: [round(float(gen.normal(0, 1.5)), 4)] for axis in "XYZ"}})
        )
        tensor = {c: np.round(gen.normal(0, 30, n), 4) for c in ("XX", "YX", "ZX", "XY", "YY", "ZY", "XZ", "YZ", "ZZ")}
        extras["magnetic_shielding_tensors.csv"].append(
            pd.DataFrame({MOLECULE: name, "atom_index": np.arange(n), **tensor})
        )
        extras["mulliken_charges.csv"].append(
            pd.DataFrame(
                {MOLECULE: name, "atom_index": np.arange(n), "mulliken_charge": np.round(gen.normal(0, 0.2, n), 6)}
            )
        )
        extras["potential_energy.csv"].append(
            pd.DataFrame({MOLECULE: [name], "potential_energy": [round(float(gen.normal(-300, 60)), 5)]})
        )
        rows = [r for r in couplings[False] if r[MOLECULE] == name]
        contributions = pd.DataFrame(rows).drop(columns=[TARGET])
        fc = np.array([float(r[TARGET]) for r in rows]) + gen.normal(0, 0.2, len(rows))  # type: ignore[arg-type]
        extras["scalar_coupling_contributions.csv"].append(
            contributions.assign(
                fc=np.round(fc, 5),
                sd=np.round(gen.normal(0, 0.1, len(rows)), 6),
                pso=np.round(gen.normal(0.5, 0.3, len(rows)), 6),
                dso=np.round(gen.normal(-0.5, 0.3, len(rows)), 6),
            )
        )
    train = pd.DataFrame(couplings[False])
    test = pd.DataFrame(couplings[True])
    train.insert(0, ID, np.arange(len(train)))
    test.insert(0, ID, np.arange(len(train), len(train) + len(test)))
    write_csv(train, out / "train.csv")
    write_csv(test.drop(columns=[TARGET]), out / "test.csv")
    write_csv(pd.DataFrame({ID: test[ID], TARGET: 0}), out / "sample_submission.csv")
    write_csv(pd.concat(structures, ignore_index=True), out / "structures.csv")
    for name, parts in extras.items():
        write_csv(pd.concat(parts, ignore_index=True), out / name)
    folder = out / "structures"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in xyz.items():
        (folder / f"{name}.xyz").write_text(text)
