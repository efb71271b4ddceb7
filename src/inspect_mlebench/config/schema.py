"""The schema of a competition's config: one validated YAML file per competition.

`task_configs/competitions/<id>.yaml` is the single source of truth for a competition. Every file is checked
against the schema below when the registry is loaded, so a typo fails at once with the file and the field instead
of surfacing mid-eval. Grading, preparation and synthetic-data specs are optional sections: a competition whose
section is missing is registered but reported as not implemented yet.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from inspect_mlebench.errors import MLEBenchError

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
# Environment variable naming extra folders of competition configs (os.pathsep-separated); see `competitions_dirs`.
COMPETITIONS_DIR_ENV = "INSPECT_MLEBENCH_COMPETITIONS_DIR"
Md5 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$")]

SPLIT_ALIASES: dict[str, str] = {"lite": "low", "split75": "all"}


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
    # a file with a header and no rows: "invalid" (what most upstream graders end in), or "graded" for the few
    # whose grader scores it (uw-madison's gives NaN); the one input check custom graders also honour
    header_only: Literal["invalid", "graded"] = "invalid"


def _call_from_string(value: Any) -> Any:
    return {"function": value} if isinstance(value, str) else value


class FunctionCall(_Strict):
    """A function named `module:function`, with keyword arguments bound from the config. In YAML either the bare
    reference or `{function: ..., kwargs: {...}}`, so variants of a competition share one function."""

    function: FunctionRef
    kwargs: dict[str, Any] = Field(default_factory=dict)

    @property
    def module(self) -> str:
        return self.function.partition(":")[0]

    @property
    def name(self) -> str:
        return self.function.partition(":")[2]


Call = Annotated[FunctionCall, BeforeValidator(_call_from_string)]


class GradingSpec(_Strict):
    """How a submission is scored. `direction` is always known; `metric`, a key of the metric library
    (`inspect_mlebench.grading.metrics.METRICS`), is given once the competition is implemented."""

    metric: Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]+$")] | None = None
    label: str | None = Field(default=None, description="free-text name of the metric, for people")
    direction: Direction
    id_column: str | None = None
    target_columns: tuple[str, ...] = ()
    grader: Call | None = Field(default=None, description="module:function for a custom grader")
    options: dict[str, Any] = Field(default_factory=dict, description="keyword arguments for the metric")
    checks: InputChecks = Field(default_factory=InputChecks, description="input checks of the declarative grader")
    # Where upstream's own grader cannot give its gold submission the metric's best score (a quirk we reproduce so
    # that scores stay comparable), the id of the known issue that says so; the contract then asks only that the
    # gold beats the sample submission.
    gold_below_best: Slug | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _metric_from_library(self) -> GradingSpec:
        if self.metric is None:
            if self.options:
                raise ValueError("options: given without a 'metric'")
            return self
        from inspect_mlebench.grading.metrics import METRICS, check_options

        if self.metric not in METRICS:
            raise ValueError(
                f"metric: '{self.metric}' is not in the metric library; known: {', '.join(sorted(METRICS))}"
            )
        try:
            check_options(self.metric, self.options)
        except ValueError as err:
            raise ValueError(f"options: {err}") from err
        return self

    @property
    def implemented(self) -> bool:
        return self.metric is not None and (
            self.grader is not None or (self.id_column is not None and len(self.target_columns) > 0)
        )

    @property
    def title(self) -> str:
        """What people read for the metric: the label, else the library key."""
        return self.label or self.metric or "unknown metric"

    @property
    def is_lower_better(self) -> bool:
        return self.direction == "lower"


class SampleSubmissionSpec(_Strict):
    """The public sample submission of a hold-out split: the id column, then each `fill` column set to its value."""

    file: str = "sample_submission.csv"
    fill: dict[str, Any] = Field(min_length=1, description="column -> the constant every row gets, in order")


class HoldoutMediaSpec(_Strict):
    """One media file per row (image, audio, scan), placed into a public folder per side of the split."""

    source: str = Field(description="raw folder holding the files")
    name: str = Field(default="{id}", description="file name template, e.g. '{id}.jpg'")
    train: str = Field(default="train", description="public folder for the train part's files")
    test: str = Field(default="test", description="public folder for the test part's files")

    @model_validator(mode="after")
    def _name_has_id(self) -> HoldoutMediaSpec:
        if "{id}" not in self.name:
            raise ValueError("name: must contain '{id}'")
        return self


class HoldoutSpec(_Strict):
    """Upstream's most common preparation: part of Kaggle's labelled table becomes the test set.

    `train_test_split(source, test_size, random_state, stratify)`; the train part is public, the test part is public
    without `target_columns` and private in full (the answers)."""

    source: str = Field(default="train.csv", description="the raw CSV that is split")
    test_size: Annotated[float, Field(gt=0, lt=1)] | Annotated[int, Field(gt=0)]
    small_test_size: Annotated[float, Field(gt=0, lt=1)] | None = Field(
        default=None,
        description="fraction used instead of a row-count test_size when the source has fewer than twice that many "
        "rows (only synthetic data is that small)",
    )
    random_state: int = 0
    stratify: str | None = None
    id_column: str
    target_columns: tuple[str, ...] = Field(min_length=1, description="dropped from the public test file")
    renumber_ids: bool = Field(default=False, description="ids become 0..n_train-1, then the test rows continue")
    public_train: str = "train.csv"
    public_test: str = "test.csv"
    answers: str = "test.csv"
    gold_submission: str | None = Field(default=None, description="private file with the id and target columns")
    sample_submission: SampleSubmissionSpec
    copy_files: tuple[str, ...] = Field(default=(), description="raw files copied unchanged into public/")
    media: HoldoutMediaSpec | None = Field(default=None, description="files per row, linked or copied by id")

    @model_validator(mode="after")
    def _small_size_only_for_counts(self) -> HoldoutSpec:
        if self.small_test_size is not None and isinstance(self.test_size, float):
            raise ValueError("'small_test_size' only applies when 'test_size' is a row count")
        return self


class PreparationSpec(_Strict):
    """How the raw Kaggle download becomes `prepared/public` + `prepared/private`: a declared hold-out split, or
    a function `(raw, public, private, **kwargs)` for everything else."""

    preparer: Call | None = Field(default=None, description="module:function(raw, public, private, **kwargs)")
    holdout: HoldoutSpec | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> PreparationSpec:
        if (self.preparer is None) == (self.holdout is None):
            raise ValueError("give exactly one of 'preparer' and 'holdout'")
        return self

    @property
    def implemented(self) -> bool:
        return True


class SyntheticSpec(_Strict):
    """How a tiny raw dataset in the competition's real Kaggle layout is generated for offline runs."""

    generator: Call = Field(description="module:function(out_dir, seed, size, **kwargs)")
    gold: Call | None = Field(
        default=None,
        description="module:function(public, private) -> DataFrame, where the answers are not already a submission",
    )

    @property
    def implemented(self) -> bool:
        return True


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
    implemented: bool = Field(
        default=True,
        description="false: registered with its facts, but not yet gradable (no metric, preparation or synthetic)",
    )
    checksums: Checksums = Field(default_factory=Checksums)
    leaderboard: LeaderboardRef | None = Field(default=None, description="upstream's; None for own competitions")
    known_issues: tuple[KnownIssue, ...] = ()

    @model_validator(mode="after")
    def _unique_issue_ids(self) -> Competition:
        ids = [issue.id for issue in self.known_issues]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate known_issues ids: {', '.join(dupes)}")
        if self.grading.gold_below_best is not None and self.grading.gold_below_best not in ids:
            raise ValueError(
                f"grading.gold_below_best: '{self.grading.gold_below_best}' is not one of known_issues' ids; "
                "record the quirk there first"
            )
        return self

    @model_validator(mode="after")
    def _complete_or_not_yet(self) -> Competition:
        """No half states: an implemented competition has every part, one not yet implemented has none."""
        given = {
            "grading.metric": self.grading.metric is not None,
            "grading.grader": self.grading.grader is not None,
            "preparation": self.preparation is not None,
            "synthetic": self.synthetic is not None,
        }
        if self.implemented:
            missing = [name for name, there in given.items() if not there and name != "grading.grader"]
            if self.grading.metric is not None and not self.grading.implemented:
                missing.append("grading.grader")
            if missing:
                raise ValueError(
                    f"{missing[0]}: missing, and every implemented competition needs it (grading.metric, a grader "
                    "or grading.id_column + target_columns, preparation, synthetic); or set 'implemented: false'"
                )
        else:
            present = [name for name, there in given.items() if there]
            if present:
                raise ValueError(f"{present[0]}: given, but 'implemented' is false; remove it or implement the rest")
            if self.grading.label is None:
                raise ValueError("grading.label: needed to name the metric of a competition not yet implemented")
        return self

    @property
    def score_affecting_issues(self) -> tuple[KnownIssue, ...]:
        return tuple(issue for issue in self.known_issues if issue.kind in SCORE_AFFECTING_KINDS)

    @property
    def status(self) -> ImplementationStatus:
        return ImplementationStatus(
            grader=self.implemented, preparer=self.preparation is not None, synthetic=self.synthetic is not None
        )


class RegistryError(MLEBenchError, ValueError):
    """A config or split file is invalid, or a name is unknown. The message is one line and names the fix."""
