"""Turn a raw Kaggle download (or a synthetic one) into `prepared/public` + `prepared/private`, safely.

Preparation runs into a temporary sibling directory and is renamed into place only when it finished, under a
per-competition file lock: a killed prepare leaves either the previous state or a complete one, and two processes
preparing the same competition never interleave.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from filelock import FileLock

from inspect_mlebench.config import Competition, get_competition
from inspect_mlebench.config.references import resolve
from inspect_mlebench.data.paths import competition_dir
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.util import first_line

PreparerFn = Callable[[Path, Path, Path], None]
GeneratorFn = Callable[[Path, int, int], None]

DEFAULT_SYNTHETIC_SIZE = 200
GOLD_SUBMISSION = "gold_submission.csv"


class PreparationError(MLEBenchError, RuntimeError):
    """Preparation cannot run or did not produce what the config declares."""


def _not_yet(comp: Competition, part: str) -> PreparationError:
    return PreparationError(f"'{comp.id}' has no {part} yet (see `inspect-mlebench list`)")


def preparer_of(comp: Competition) -> PreparerFn:
    """The function that prepares `comp`: its declared hold-out split, or its own preparer."""
    if comp.preparation is None:
        raise _not_yet(comp, "preparer")
    if comp.preparation.holdout is not None:
        from inspect_mlebench.kit.holdout import prepare_holdout

        return functools.partial(prepare_holdout, comp.preparation.holdout)
    assert comp.preparation.preparer is not None
    return resolve(comp.preparation.preparer, "preparation.preparer")


def _run_preparer(comp: Competition, preparer: PreparerFn, raw_dir: Path, public: Path, private: Path) -> None:
    """Run the preparer; raw data that is not the competition's download (a missing file or column, values of
    another kind) fails in one line naming the raw dir, instead of a pandas or scikit-learn traceback."""
    try:
        preparer(raw_dir, public, private)
    except PreparationError:
        raise
    except FileNotFoundError as err:
        missing = Path(err.filename).name if err.filename else str(err)
        raise PreparationError(
            f"'{comp.id}': {raw_dir} lacks {missing}, which Kaggle's download has; pass the competition's own "
            "--raw-dir or --from-zip"
        ) from err
    except (KeyError, ValueError, IndexError, TypeError) as err:
        detail = first_line(err, empty="")
        raise PreparationError(
            f"'{comp.id}': the raw data in {raw_dir} is not laid out as Kaggle's download ({type(err).__name__}: "
            f"{detail[:200]}); pass the competition's own --raw-dir or --from-zip"
        ) from err


def is_prepared(comp: Competition, data_dir: str | Path | None) -> bool:
    """Upstream's notion of ready: answers and the sample submission exist in the prepared dir."""
    root = competition_dir(data_dir, comp.id)
    return (root / comp.dataset.answers).is_file() and (root / public_sample_submission(comp)).is_file()


def _remove_stale_staging(root: Path) -> None:
    """Staging dirs left by a prepare that was killed; only called under the competition's lock."""
    for stale in root.glob(".prepared-*"):
        shutil.rmtree(stale, ignore_errors=True)


def public_sample_submission(comp: Competition) -> str:
    """The sample submission the agent gets: always from public data, even where upstream points into private/."""
    path = comp.dataset.sample_submission
    return path if path.startswith("prepared/public/") else "prepared/public/" + Path(path).name


def synthesize(competition_id: str, out: Path, *, seed: int = 0, size: int = DEFAULT_SYNTHETIC_SIZE) -> Path:
    """Write a tiny raw dataset in the competition's Kaggle layout into `out` (created; must be empty)."""
    comp = get_competition(competition_id)
    if comp.synthetic is None:
        raise _not_yet(comp, "generator")
    generator: GeneratorFn = resolve(comp.synthetic.generator, "synthetic.generator")
    out.mkdir(parents=True, exist_ok=True)
    if any(out.iterdir()):
        raise PreparationError(f"{out} is not empty; synthesize into a new directory")
    generator(out, seed, size)
    return out


def write_gold_submission(comp: Competition, public: Path, private: Path) -> Path:
    """A perfect submission built from the answers, in the sample submission's columns and row order."""
    if comp.synthetic is not None and comp.synthetic.gold is not None:
        gold_fn = resolve(comp.synthetic.gold, "synthetic.gold")
        gold = gold_fn(public, private)
    else:
        sample = pd.read_csv(public / Path(public_sample_submission(comp)).name, dtype=str)
        answers = pd.read_csv(private / Path(comp.dataset.answers).name, dtype=str)
        missing = [c for c in sample.columns if c not in answers.columns]
        if missing:
            raise PreparationError(f"'{comp.id}': answers lack {missing}; configure synthetic.gold")
        id_col = comp.grading.id_column or sample.columns[0]
        gold = answers.set_index(id_col).loc[sample[id_col], [c for c in sample.columns if c != id_col]]
        gold = gold.reset_index()[list(sample.columns)]
    if not isinstance(gold, pd.DataFrame):
        raise PreparationError(f"'{comp.id}': gold submission builder returned {type(gold).__name__}")
    path = private / GOLD_SUBMISSION
    gold.to_csv(path, index=False)
    return path


def prepare(
    competition_id: str,
    raw_dir: Path,
    data_dir: str | Path | None = None,
    *,
    overwrite: bool = False,
    gold: bool = False,
    description: str | None = None,
    check: Callable[[Path], None] | None = None,
) -> Path:
    """Prepare one competition from an extracted raw download; returns `<data>/<id>/prepared`.

    `description` is written to `public/description.md` (what the agent reads) inside the same atomic step.
    `check(staging)` runs on the finished staging dir before it replaces anything: if it raises (e.g. checksums
    differ from upstream's), the previous prepared data, or none, stays in place."""
    comp = get_competition(competition_id)
    preparer = preparer_of(comp)
    if not raw_dir.is_dir():
        raise PreparationError(f"raw dir {raw_dir} does not exist")
    root = competition_dir(data_dir, comp.id)
    root.mkdir(parents=True, exist_ok=True)
    target = root / "prepared"
    with FileLock(str(root / ".prepare.lock")):
        if is_prepared(comp, data_dir) and not overwrite:
            return target
        _remove_stale_staging(root)
        staging = Path(tempfile.mkdtemp(prefix=".prepared-", dir=root))
        try:
            public, private = staging / "public", staging / "private"
            public.mkdir()
            private.mkdir()
            _run_preparer(comp, preparer, raw_dir, public, private)
            for declared in (comp.dataset.answers, public_sample_submission(comp)):
                produced = staging / Path(declared).relative_to("prepared")
                if not produced.is_file():
                    raise PreparationError(f"'{comp.id}': preparer did not write {declared}")
            if gold:
                write_gold_submission(comp, public, private)
            if description is not None:
                (public / "description.md").write_text(description, encoding="utf-8")
            if check is not None:
                check(staging)
            old = root / ".prepared-old"
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
                target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _scoring_note(comp: Competition) -> str:
    return (
        f"Submissions are scored with `{comp.grading.title}` ({comp.grading.direction} is better). Write predictions "
        "for every test item in the format of the sample submission in this directory.\n"
    )


def synthetic_description(comp: Competition) -> str:
    """What the agent reads for synthetic data: our own short text, since upstream's describes the real data."""
    return (
        f"# {comp.name} (synthetic data)\n\n"
        f"This is a small synthetic stand-in for the Kaggle competition `{comp.id}`, generated offline by "
        "inspect-mlebench. The files in this directory follow the real competition's layout (names, columns, id "
        "formats and media types) but the values are generated, with a signal a model can learn.\n\n"
        + _scoring_note(comp)
    )


def placeholder_description(comp: Competition) -> str:
    """What the agent reads when upstream's description could not be fetched (re-running prepare online fixes it)."""
    return (
        f"# {comp.name}\n\n"
        f"Upstream's description could not be fetched for the Kaggle competition `{comp.id}`. The files in this "
        "directory are the competition's data.\n\n" + _scoring_note(comp)
    )


def prepare_synthetic(
    competition_id: str, data_dir: str | Path | None = None, *, seed: int = 0, size: int = DEFAULT_SYNTHETIC_SIZE
) -> Path:
    """Synthesize raw data, prepare it with the real preparer, and add a gold submission."""
    comp = get_competition(competition_id)
    with tempfile.TemporaryDirectory(prefix=f"mlebench-raw-{competition_id}-") as tmp:
        raw = synthesize(competition_id, Path(tmp) / "raw", seed=seed, size=size)
        return prepare(
            competition_id, raw, data_dir, overwrite=True, gold=True, description=synthetic_description(comp)
        )
