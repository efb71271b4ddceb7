"""The competition registry: one validated YAML file per competition, plus named splits.

`task_configs/competitions/<id>.yaml` is the single source of truth for a competition. Every file is checked
against the schema below when the registry is loaded, so a typo fails at once with the file and the field instead
of surfacing mid-eval. Grading, preparation and synthetic-data specs are optional sections: a competition whose
section is missing is registered but reported as not implemented yet.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from inspect_mlebench.resources import task_configs_dir

Complexity = Literal["low", "medium", "high", "dev"]
Direction = Literal["higher", "lower"]
Category = Literal[
    "image_classification",
    "image_regression",
    "image_segmentation",
    "image_to_image",
    "image_to_text",
    "object_detection",
    "text_classification",
    "text_regression",
    "text_generation",
    "text_extraction",
    "question_answering",
    "code",
    "tabular",
    "audio",
    "signal",
    "sequence",
    "recommender",
    "multimodal",
    "video",
]
KnownIssueKind = Literal[
    "leak",  # public data reveals (part of) the answers
    "broken_data",  # the prepared data is missing or mislabels something
    "crowded_leaderboard",  # median and medal thresholds nearly coincide, so medals say little
    "rules_unavailable",  # Kaggle no longer lets new users accept the rules, so the data cannot be downloaded
    "checksum_drift",  # the Kaggle download no longer matches upstream's recorded checksum
    "upstream_layout",  # upstream's config points at a file in a surprising place
    "external_download",  # preparation needs a source other than Kaggle
    "split_quirk",  # upstream's split differs from what its code comments or the description suggest
    "upstream_config",  # upstream's config metadata disagrees with what its grader computes
    "harness_deviation",  # this harness deliberately differs from upstream here, and says why
]

# Kinds whose presence makes a competition's score not comparable with a clean run (what known_issues="exclude"
# drops and "flag" marks); the other kinds concern acquisition or documentation only.
SCORE_AFFECTING_KINDS: frozenset[str] = frozenset(
    {"leak", "broken_data", "crowded_leaderboard", "checksum_drift", "harness_deviation"}
)

CompetitionId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]*$")]
FunctionRef = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")]
Md5 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]

SPLIT_ALIASES: dict[str, str] = {"lite": "low", "split75": "all"}

# libyaml parses the 82 configs several times faster than the pure-Python loader; both are safe loaders.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KnownIssue(_Strict):
    """A documented problem of the upstream competition that users must be able to see, flag or exclude."""

    id: Slug
    kind: KnownIssueKind
    summary: str = Field(min_length=1)
    upstream: str = Field(min_length=1, description="where upstream records it, e.g. openai/mle-bench#93")
    effect: str = Field(min_length=1, description="what it means for scores from this harness")


class InputChecks(_Strict):
    """What a declaratively graded submission must satisfy beyond the id and target columns being present: the
    checks upstream's grader for the competition makes, declared instead of written out per competition."""

    # no columns other than the id and target columns (any order)
    exact_columns: bool = False
    # the id column comes first in the file (upstream reads the class columns as "every column after the first")
    id_first: bool = False
    # "unit": every prediction in [0, 1]; "sum_to_one": that, and each row summing to 1; None: the metric's default
    probabilities: Literal["unit", "sum_to_one"] | None = None
    # "by_id": rows paired by id, every test id exactly once; "sorted_by_id": both sides sorted by the id column
    # and paired by position, ids never compared (a warning, or invalid in strict mode, when they differ)
    rows: Literal["by_id", "sorted_by_id"] = "by_id"
    # a missing predicted label is read as this text (counted wrong) instead of making the submission invalid
    missing_label: str | None = None
    # how predicted labels reach the metric: "parsed" (the column's values) or "listed" (a Python list, which numpy
    # turns into text when any label is text, so a missing label reads "nan", as upstream's list-based calls do)
    labels: Literal["parsed", "listed"] = "parsed"


class GradingSpec(_Strict):
    """How a submission is scored. `metric` and `direction` are always known; the rest arrives with the graders."""

    metric: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")]
    direction: Direction
    id_column: str | None = None
    target_columns: tuple[str, ...] = ()
    grader: FunctionRef | None = Field(default=None, description="module:function for a custom grader")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments for the metric")
    checks: InputChecks = Field(default_factory=InputChecks, description="input checks of the declarative grader")
    notes: str | None = None

    @property
    def implemented(self) -> bool:
        return self.grader is not None or (self.id_column is not None and len(self.target_columns) > 0)

    @property
    def is_lower_better(self) -> bool:
        return self.direction == "lower"


class PreparationSpec(_Strict):
    """How the raw Kaggle download becomes `prepared/public` + `prepared/private`."""

    preparer: FunctionRef | None = Field(default=None, description="module:function(raw, public, private)")

    @property
    def implemented(self) -> bool:
        return self.preparer is not None


class SyntheticSpec(_Strict):
    """How a tiny raw dataset in the competition's real Kaggle layout is generated for offline runs."""

    generator: FunctionRef | None = Field(default=None, description="module:function(out_dir, seed, size)")
    gold: FunctionRef | None = Field(
        default=None,
        description="module:function(public, private) -> DataFrame, where the answers are not already a submission",
    )

    @property
    def implemented(self) -> bool:
        return self.generator is not None


class DatasetSpec(_Strict):
    """Upstream's declared file paths, relative to `<data_dir>/<id>/`."""

    answers: Annotated[str, StringConstraints(pattern=r"^prepared/private/\S+$")]
    sample_submission: Annotated[str, StringConstraints(pattern=r"^prepared/(public|private)/\S+$")]


class Checksums(_Strict):
    """Upstream's md5s: the Kaggle zip and the top-level files of the prepared public and private dirs."""

    zip: Md5 | None = None
    public: dict[str, Md5] = Field(default_factory=dict)
    private: dict[str, Md5] = Field(default_factory=dict)


class LeaderboardRef(_Strict):
    """Identity of upstream's `leaderboard.csv` (a git-LFS object): what a download must match."""

    sha256: Sha256
    size: int = Field(gt=0)


class ImplementationStatus(_Strict):
    grader: bool
    preparer: bool
    synthetic: bool


class Competition(_Strict):
    id: CompetitionId
    name: str = Field(min_length=1)
    complexity: Complexity
    category: Category
    competition_type: Literal["simple", "code"]
    awards_medals: bool = Field(description="Kaggle awarded medals; upstream computes medals for every competition")
    grading: GradingSpec
    dataset: DatasetSpec
    preparation: PreparationSpec | None = None
    synthetic: SyntheticSpec | None = None
    checksums: Checksums
    leaderboard: LeaderboardRef
    known_issues: tuple[KnownIssue, ...] = ()

    @model_validator(mode="after")
    def _unique_issue_ids(self) -> Competition:
        ids = [issue.id for issue in self.known_issues]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate known_issues ids: {', '.join(dupes)}")
        return self

    @property
    def score_affecting_issues(self) -> tuple[KnownIssue, ...]:
        return tuple(issue for issue in self.known_issues if issue.kind in SCORE_AFFECTING_KINDS)

    @property
    def status(self) -> ImplementationStatus:
        return ImplementationStatus(
            grader=self.grading.implemented,
            preparer=self.preparation is not None and self.preparation.implemented,
            synthetic=self.synthetic is not None and self.synthetic.implemented,
        )


class RegistryError(ValueError):
    """A config or split file is invalid, or a name is unknown. The message is one line and names the fix."""


def _format_validation_error(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "<root>"
    more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{path}: field '{loc}': {first['msg']}{more}"


def load_competition_file(path: Path) -> Competition:
    """Parse and validate one competition YAML file."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except yaml.YAMLError as err:
        raise RegistryError(f"{path}: not valid YAML: {str(err).splitlines()[0]}") from err
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        competition = Competition.model_validate(raw)
    except ValidationError as err:
        raise RegistryError(_format_validation_error(path, err)) from err
    if competition.id != path.stem:
        raise RegistryError(f"{path}: field 'id' is '{competition.id}' but the file is named '{path.name}'")
    return competition


@cache
def _load_all(configs_dir: Path) -> dict[str, Competition]:
    comp_dir = configs_dir / "competitions"
    files = sorted(comp_dir.glob("*.yaml"))
    if not files:
        raise RegistryError(f"{comp_dir}: no competition configs found; is the package installed completely?")
    return {path.stem: load_competition_file(path) for path in files}


def competitions(configs_dir: Path | None = None) -> dict[str, Competition]:
    """All registered competitions by id, sorted by id."""
    return _load_all((configs_dir or task_configs_dir()).resolve())


def get_competition(competition_id: str, configs_dir: Path | None = None) -> Competition:
    registry = competitions(configs_dir)
    try:
        return registry[competition_id]
    except KeyError:
        close = [c for c in registry if c.lower() == competition_id.lower() or competition_id in c][:3]
        hint = f"; did you mean {', '.join(close)}?" if close else "; run `inspect-mlebench list` to see all ids"
        raise RegistryError(f"unknown competition '{competition_id}'{hint}") from None


def split_names(configs_dir: Path | None = None) -> list[str]:
    """Split names from `task_configs/splits/*.txt`, plus their aliases."""
    split_dir = (configs_dir or task_configs_dir()) / "splits"
    return sorted([p.stem for p in split_dir.glob("*.txt")] + list(SPLIT_ALIASES))


def _read_split_file(path: Path, registry: dict[str, Competition]) -> list[str]:
    ids = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if entry not in registry:
            raise RegistryError(f"{path}:{lineno}: unknown competition '{entry}'")
        if entry in ids:
            raise RegistryError(f"{path}:{lineno}: competition '{entry}' is listed twice")
        ids.append(entry)
    return ids


def load_split(split: str, configs_dir: Path | None = None) -> list[str]:
    """Competition ids of a named split (`low`/`lite`, `medium`, `high`, `all`/`split75`, `dev`, `systemcard`, ...)
    or of a text file with one id per line."""
    base = configs_dir or task_configs_dir()
    registry = competitions(configs_dir)
    name = SPLIT_ALIASES.get(split, split)
    named = base / "splits" / f"{name}.txt"
    if re.fullmatch(r"[A-Za-z0-9_-]+", name) and named.is_file():
        return _read_split_file(named, registry)
    as_path = Path(split).expanduser()
    if as_path.suffix == ".txt" and as_path.is_file():
        return _read_split_file(as_path, registry)
    raise RegistryError(
        f"unknown split '{split}'; valid names: {', '.join(split_names(configs_dir))} (or a path to a .txt file "
        "with one competition id per line)"
    )
