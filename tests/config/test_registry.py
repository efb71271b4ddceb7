"""The registry: every competition loads, splits match upstream, and bad configs fail with file and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from inspect_mlebench import RegistryError, get_competition, load_split, split_names
from inspect_mlebench.config import competitions, load_competition_file
from inspect_mlebench.resources import task_configs_dir

EXPECTED_SIZES = {
    "low": 22,
    "lite": 22,
    "medium": 38,
    "high": 15,
    "all": 75,
    "split75": 75,
    "dev": 7,
    "systemcard": 30,
    "spaceship-titanic": 1,
}


def test_all_82_competitions_load() -> None:
    registry = competitions()
    assert len(registry) == 82
    for comp in registry.values():
        assert comp.grading.title
        assert (comp.grading.metric is not None) == comp.implemented
        assert comp.grading.direction in ("higher", "lower")


@pytest.mark.parametrize(("split", "size"), sorted(EXPECTED_SIZES.items()))
def test_split_sizes(split: str, size: int) -> None:
    assert len(load_split(split)) == size


def test_splits_partition_the_benchmark() -> None:
    low, medium, high = (set(load_split(s)) for s in ("low", "medium", "high"))
    assert low | medium | high == set(load_split("all"))
    assert not low & medium
    assert not low & high
    assert not medium & high
    assert set(load_split("systemcard")) <= set(load_split("all"))
    assert set(load_split("dev")).isdisjoint(load_split("all"))
    assert set(load_split("all")) | set(load_split("dev")) == set(competitions())


def test_complexity_matches_split_membership() -> None:
    for split in ("low", "medium", "high", "dev"):
        for cid in load_split(split):
            assert get_competition(cid).complexity == split, cid


def test_lower_is_better_count_matches_upstream() -> None:
    # mlebench_repo.md §2: 22 of the 75 benchmark competitions are lower-is-better; every dev one is higher.
    lower = [cid for cid in load_split("all") if get_competition(cid).grading.is_lower_better]
    assert len(lower) == 22
    assert not [cid for cid in load_split("dev") if get_competition(cid).grading.is_lower_better]


def test_known_issues_catalogued() -> None:
    expected = {
        "smartphone-decimeter-2022": "leak",
        "multi-modal-gesture-recognition": "leak",
        "random-acts-of-pizza": "leak",
        "hubmap-kidney-segmentation": "leak",
        "champs-scalar-coupling": "broken_data",
        "ranzcr-clip-catheter-line-classification": "broken_data",
        "tensorflow-speech-recognition-challenge": "broken_data",
        "tabular-playground-series-dec-2021": "crowded_leaderboard",
        "tabular-playground-series-may-2022": "crowded_leaderboard",
        "jigsaw-toxic-comment-classification-challenge": "crowded_leaderboard",
        "icecube-neutrinos-in-deep-ice": "checksum_drift",
        "detecting-insults-in-social-commentary": "rules_unavailable",
        "the-icml-2013-whale-challenge-right-whale-redux": "rules_unavailable",
        "billion-word-imputation": "upstream_layout",
        "invasive-species-monitoring": "upstream_layout",
        "statoil-iceberg-classifier-challenge": "upstream_layout",
        "text-normalization-challenge-english-language": "upstream_layout",
        "text-normalization-challenge-russian-language": "upstream_layout",
    }
    for cid, kind in expected.items():
        kinds = {issue.kind for issue in get_competition(cid).known_issues}
        assert kind in kinds, cid


def test_private_sample_submissions_are_flagged() -> None:
    for comp in competitions().values():
        if comp.dataset.sample_submission.startswith("prepared/private/"):
            assert "sample-submission-in-private" in {k.id for k in comp.known_issues}, comp.id


def test_unknown_split_lists_valid_names() -> None:
    with pytest.raises(RegistryError) as info:
        load_split("nope")
    message = str(info.value)
    assert "\n" not in message
    for name in split_names():
        assert name in message


def test_split_from_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.txt"
    path.write_text("# my picks\nspaceship-titanic\n\nrandom-acts-of-pizza  # leaky\n")
    assert load_split(str(path)) == ["spaceship-titanic", "random-acts-of-pizza"]
    path.write_text("spaceship-titanic\nno-such-competition\n")
    with pytest.raises(RegistryError, match=r"mine.txt:2: unknown competition 'no-such-competition'"):
        load_split(str(path))


def test_unknown_competition_suggests() -> None:
    with pytest.raises(RegistryError, match="did you mean spaceship-titanic"):
        get_competition("spaceship")


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    """A private copy of task_configs with one competition, to break on purpose."""
    target = tmp_path / "task_configs"
    (target / "competitions").mkdir(parents=True)
    shutil.copytree(task_configs_dir() / "splits", target / "splits")
    shutil.copy(task_configs_dir() / "competitions" / "spaceship-titanic.yaml", target / "competitions")
    return target / "competitions" / "spaceship-titanic.yaml"


def _edit(path: Path, change: dict[str, object]) -> None:
    doc = yaml.safe_load(path.read_text())
    for dotted, value in change.items():
        node = doc
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node[key]
        if value is None:
            del node[leaf]
        else:
            node[leaf] = value
    path.write_text(yaml.safe_dump(doc))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"grading.direction": "up"}, "grading.direction"),
        ({"grading.metric": None}, "grading.metric"),
        ({"complexity": "easy"}, "complexity"),
        ({"checksums.zip": "not-an-md5"}, "checksums.zip"),
        ({"leaderboard.size": 0}, "leaderboard.size"),
        ({"grading.grader": "not a function ref"}, "grading.grader.function"),
        ({"grading.metric": "no_such_metric"}, "grading.metric"),
        ({"grading.options": {"no_such_option": 1}}, "grading.options"),
        ({"preparation": {"preparer": "inspect_mlebench.competitions.no_such_module:prepare"}}, "preparation.preparer"),
        ({"preparation.preparer": "inspect_mlebench.kit.holdout:prepare_holdout"}, "preparation"),
        ({"synthetic.generator": "inspect_mlebench.competitions.spaceship_titanic:nope"}, "synthetic.generator"),
        ({"synthetic": None}, "synthetic"),
        ({"implemented": False}, "grading.metric"),
        ({"dataset.answers": "prepared/public/test.csv"}, "dataset.answers"),
        ({"unexpected_field": 1}, "unexpected_field"),
    ],
)
def test_bad_config_names_file_and_field(config_copy: Path, change: dict[str, object], field: str) -> None:
    _edit(config_copy, change)
    with pytest.raises(RegistryError) as info:
        load_competition_file(config_copy)
    message = str(info.value)
    assert str(config_copy) in message
    assert f"field '{field}'" in message
    assert "\n" not in message


def test_id_must_match_file_name(config_copy: Path) -> None:
    renamed = config_copy.with_name("other.yaml")
    config_copy.rename(renamed)
    with pytest.raises(
        RegistryError, match=re.escape("field 'id' is 'spaceship-titanic' but the file is named 'other.yaml'")
    ):
        load_competition_file(renamed)


def test_invalid_yaml_is_reported(config_copy: Path) -> None:
    config_copy.write_text("id: [unclosed\n")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_competition_file(config_copy)


def test_bad_file_fails_whole_registry_load(config_copy: Path) -> None:
    _edit(config_copy, {"grading.direction": "sideways"})
    with pytest.raises(RegistryError, match=re.escape("spaceship-titanic.yaml: field 'grading.direction'")):
        competitions(config_copy.parents[1])


def test_not_yet_implemented_is_explicit(config_copy: Path) -> None:
    doc = yaml.safe_load(config_copy.read_text())
    doc["grading"] = {"label": "accuracy of Transported", "direction": "higher"}
    doc["implemented"] = False
    doc.pop("preparation", None)
    doc.pop("synthetic", None)
    config_copy.write_text(yaml.safe_dump(doc))
    comp = load_competition_file(config_copy)
    assert not comp.implemented
    assert not any(comp.status.model_dump().values())
    assert comp.grading.title == "accuracy of Transported"
    # half states are refused: one part given while the competition says it is not implemented
    _edit(config_copy, {"preparation": {"preparer": "inspect_mlebench.kit.holdout:prepare_holdout"}})
    with pytest.raises(RegistryError, match=re.escape("field 'preparation': given, but 'implemented' is false")):
        load_competition_file(config_copy)


def test_function_reference_with_keyword_arguments(config_copy: Path) -> None:
    _edit(
        config_copy,
        {
            "synthetic.generator": {
                "function": "inspect_mlebench.competitions.spaceship_titanic:synthesize",
                "kwargs": {},
            }
        },
    )
    comp = load_competition_file(config_copy)
    assert comp.synthetic is not None
    assert comp.synthetic.generator.function.endswith(":synthesize")
    assert comp.synthetic.generator.kwargs == {}


def test_gold_below_best_must_name_a_known_issue(config_copy: Path) -> None:
    _edit(config_copy, {"grading.gold_below_best": "no-such-issue"})
    with pytest.raises(RegistryError, match=r"field 'grading\.gold_below_best': 'no-such-issue' is not one of"):
        load_competition_file(config_copy)
