"""The competition kit: every config reference resolves, competition modules import only the kit's layers, one
naming rule, and the declared hold-out split."""

from __future__ import annotations

import ast
import inspect
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from inspect_mlebench.config import FunctionCall, HoldoutSpec, SampleSubmissionSpec, competitions
from inspect_mlebench.config.naming import module_name, python_name, task_name
from inspect_mlebench.config.references import ROLES, ReferenceError, calls_of, resolve
from inspect_mlebench.kit import media
from inspect_mlebench.kit.holdout import HoldoutError, effective_test_size, prepare_holdout
from inspect_mlebench.kit.media import MediaError

COMPETITIONS_PACKAGE = Path(__file__).resolve().parents[2] / "src" / "inspect_mlebench" / "competitions"
# what a competition module may import from this package: the kit's layers, never another competition module
ALLOWED_IMPORTS = (
    "inspect_mlebench.kit",
    "inspect_mlebench.formats",
    "inspect_mlebench.grading.checks",
    "inspect_mlebench.grading.metrics",
    "inspect_mlebench.grading.errors",
    "inspect_mlebench.grading.leniency",
    "inspect_mlebench.grading.rle",
    "inspect_mlebench.tables",
)


@pytest.mark.parametrize("competition_id", sorted(competitions()))
def test_every_reference_resolves_with_its_signature(competition_id: str) -> None:
    comp = competitions()[competition_id]
    for field, call in calls_of(comp).items():
        fn = resolve(call, field)  # imports the module and binds the config's kwargs to the role's arguments
        assert callable(fn), f"{competition_id}: {field}"


def test_no_half_states() -> None:
    for comp in competitions().values():
        parts = [comp.grading.metric is not None, comp.preparation is not None, comp.synthetic is not None]
        assert all(parts) if comp.implemented else not any(parts), comp.id


def test_signature_mismatch_is_reported() -> None:
    call = FunctionCall(function="inspect_mlebench.competitions.text_normalization:prepare", kwargs={"language": "en"})
    with pytest.raises(ReferenceError, match="cannot be called as"):
        resolve(call, "preparation.preparer")
    with pytest.raises(ReferenceError, match="cannot resolve"):
        resolve(FunctionCall(function="inspect_mlebench.kit.holdout:nope"), "preparation.preparer")
    assert set(ROLES) == {"preparation.preparer", "synthetic.generator", "synthetic.gold", "grading.grader"}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.level:
                names.append(f"relative import from '{'.' * node.level}{node.module}'")
            elif node.module == "inspect_mlebench.grading":
                names += [f"inspect_mlebench.grading.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [n for n in names if n.startswith(("inspect_mlebench", "relative"))]


@pytest.mark.parametrize("module", sorted(p.name for p in COMPETITIONS_PACKAGE.glob("*.py")))
def test_competition_modules_import_only_the_kit(module: str) -> None:
    bad = [n for n in _imports(COMPETITIONS_PACKAGE / module) if not n.startswith(ALLOWED_IMPORTS)]
    assert not bad, f"{module} imports {bad}; competition modules may import only {ALLOWED_IMPORTS}"


def test_import_rule_catches_a_competition_importing_another(tmp_path: Path) -> None:
    rogue = tmp_path / "rogue.py"
    rogue.write_text("from inspect_mlebench.competitions.spaceship_titanic import synthesize\n")
    assert _imports(rogue) == ["inspect_mlebench.competitions.spaceship_titanic"]


def test_one_naming_rule_for_modules_and_tasks() -> None:
    assert python_name("spaceship-titanic") == "spaceship_titanic"
    assert python_name("3d-object-detection-for-autonomous-vehicles") == (
        "mlebench_3d_object_detection_for_autonomous_vehicles"
    )
    for cid in competitions():
        assert task_name(cid) == python_name(cid)
        assert module_name(cid).rsplit(".", 1)[1] == python_name(cid)
        assert python_name(cid).isidentifier()
    # a module is named by the rule after its competition, or serves a family (two or more competitions' configs
    # name it, e.g. text_normalization for en/ru, herbarium for three years)
    by_rule = {python_name(cid) for cid in competitions()}
    users: dict[str, set[str]] = {}
    for cid, comp in competitions().items():
        for call in calls_of(comp).values():
            users.setdefault(call.module.rsplit(".", 1)[-1], set()).add(cid)
    own = {p.stem for p in COMPETITIONS_PACKAGE.glob("*.py") if not p.stem.startswith("_")}
    misnamed = {m for m in own - by_rule if len(users.get(m, ())) < 2}
    assert not misnamed, f"modules named neither by the rule nor shared by a family: {misnamed}"


def _spec(**changes: object) -> HoldoutSpec:
    base: dict[str, object] = {
        "test_size": 0.25,
        "id_column": "id",
        "target_columns": ("y",),
        "sample_submission": SampleSubmissionSpec(fill={"y": 0}),
    }
    return HoldoutSpec.model_validate({**base, **changes})


def _raw(tmp_path: Path, n: int = 40) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    pd.DataFrame({"id": range(100, 100 + n), "x": range(n), "y": [i % 2 for i in range(n)]}).to_csv(
        raw / "train.csv", index=False
    )
    (raw / "notes.txt").write_text("kept")
    return raw


def _dirs(tmp_path: Path) -> tuple[Path, Path]:
    public, private = tmp_path / "public", tmp_path / "private"
    public.mkdir(parents=True)
    private.mkdir()
    return public, private


def test_holdout_writes_the_upstream_layout(tmp_path: Path) -> None:
    raw = _raw(tmp_path)
    public, private = _dirs(tmp_path)
    spec = _spec(copy_files=("notes.txt",), gold_submission="gold.csv", stratify="y")
    prepare_holdout(spec, raw, public, private)
    train, test = pd.read_csv(public / "train.csv"), pd.read_csv(public / "test.csv")
    answers, sample = pd.read_csv(private / "test.csv"), pd.read_csv(public / "sample_submission.csv")
    assert len(train) == 30
    assert len(test) == 10
    assert "y" not in test.columns
    assert list(answers.columns) == ["id", "x", "y"]
    assert list(sample.columns) == ["id", "y"]
    assert (sample["y"] == 0).all()
    assert list(sample["id"]) == list(answers["id"])
    assert set(train["id"]).isdisjoint(answers["id"])
    assert answers["y"].sum() == 5  # stratified: half of each class in the test part
    assert list(pd.read_csv(private / "gold.csv").columns) == ["id", "y"]
    assert (public / "notes.txt").read_text() == "kept"


def test_holdout_row_count_and_small_data_fallback(tmp_path: Path) -> None:
    spec = _spec(test_size=100, small_test_size=0.1)
    assert effective_test_size(spec, 10_000) == 100
    assert effective_test_size(spec, 200) == 0.1  # too small to hold out the count twice: synthetic data only
    with pytest.raises(ValueError, match="small_test_size"):
        _spec(small_test_size=0.1)  # a fraction test_size needs no fallback


def test_holdout_renumbers_ids(tmp_path: Path) -> None:
    raw = _raw(tmp_path)
    public, private = _dirs(tmp_path)
    prepare_holdout(_spec(renumber_ids=True), raw, public, private)
    assert list(pd.read_csv(public / "train.csv")["id"]) == list(range(30))
    assert list(pd.read_csv(private / "test.csv")["id"]) == list(range(30, 40))


def test_holdout_errors_name_the_problem(tmp_path: Path) -> None:
    raw = _raw(tmp_path)
    public, private = _dirs(tmp_path)
    with pytest.raises(HoldoutError, match="lacks column"):
        prepare_holdout(_spec(target_columns=("label",)), raw, public, private)
    with pytest.raises(HoldoutError, match="not found"):
        prepare_holdout(_spec(source="missing.csv"), raw, public, private)


def test_holdout_signature_is_the_preparers() -> None:
    params = list(inspect.signature(prepare_holdout).parameters)
    assert params == ["spec", "raw", "public", "private"]


def test_holdout_places_media_by_id(tmp_path: Path) -> None:
    raw = _raw(tmp_path, n=10)
    (raw / "images").mkdir()
    for i in range(100, 110):
        (raw / "images" / f"{i}.jpg").write_bytes(bytes([i]))
    public, private = _dirs(tmp_path)
    spec = _spec(test_size=0.3, media={"source": "images", "name": "{id}.jpg"})
    prepare_holdout(spec, raw, public, private)
    test_ids = set(pd.read_csv(private / "test.csv")["id"])
    assert {int(p.stem) for p in (public / "test").iterdir()} == test_ids
    assert len(list((public / "train").iterdir())) == 7
    assert (public / "test" / f"{min(test_ids)}.jpg").read_bytes() == bytes([min(test_ids)])
    (raw / "images" / "105.jpg").unlink()
    with pytest.raises(MediaError, match="missing"):
        prepare_holdout(spec, raw, *_dirs(tmp_path / "again"))


def test_media_copies_across_filesystems_and_checks_space(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.bin").write_bytes(b"x" * 1000)
    monkeypatch.setattr(media, "_same_filesystem", lambda a, b: False)
    assert media.place_files(source, ["a"], tmp_path / "out", name="{id}.bin") == 1
    assert (tmp_path / "out" / "a.bin").stat().st_nlink == 1  # copied, not linked
    monkeypatch.setattr(media.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10, 10, 10))  # type: ignore[attr-defined]
    with pytest.raises(MediaError, match=r"needs 0\.0 GiB .* only 0\.0 GiB is free"):
        media.place_files(source, ["a"], tmp_path / "full", name="{id}.bin")


def test_media_links_on_one_filesystem(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.bin").write_bytes(b"x")
    media.place_files(source, ["a"], tmp_path / "out", name="{id}.bin")
    assert (tmp_path / "out" / "a.bin").stat().st_ino == (source / "a.bin").stat().st_ino


def test_rezip_moves_members_out_of_a_folder(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "in.zip", "w") as z:
        z.writestr("train/a.jpg", b"A")
        z.writestr("train/b.jpg", b"B")
    with zipfile.ZipFile(tmp_path / "in.zip") as source:
        assert media.rezip(source, [("train/b.jpg", "b.jpg")], tmp_path / "out.zip") == 1
    with zipfile.ZipFile(tmp_path / "out.zip") as out:
        assert out.namelist() == ["b.jpg"]
        assert out.read("b.jpg") == b"B"
