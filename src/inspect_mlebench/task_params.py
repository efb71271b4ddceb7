"""Checking the task's parameters: each arrives from Python or as a string from `-T`, and a bad one is refused in
one line that says what to pass, before anything slow starts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from inspect_mlebench.config import Competition, RegistryError, add_competitions_dir, get_competition, load_split
from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.grading.leniency import GradingMode, check_mode

DataSource = Literal["kaggle", "synthetic"]
PreparePolicy = Literal["auto", "never"]
ImageProfile = Literal["slim", "full"]
DescriptionVariant = Literal["original", "obfuscated"]
KnownIssuesPolicy = Literal["include", "flag", "exclude"]
SandboxKind = Literal["docker", "k8s"]


class TaskConfigError(MLEBenchError, ValueError):
    """A task parameter is invalid; the message is one line and says what to pass instead."""


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise TaskConfigError(f"{name}={value!r} is not one of {', '.join(allowed)}")


_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def flag(name: str, value: Any) -> bool:
    """A boolean parameter, strictly: `-T internet=false` arrives as the string "false", which `bool()` makes True."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise TaskConfigError(f"{name}={value!r} is not a boolean; pass true or false")


def positive(name: str, value: Any, *, at_most: float | None = None, unit: str = "") -> float:
    """A finite number > 0 (strings from `-T` included), and no more than `at_most` where the host sets a limit."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TaskConfigError(f"{name}={value!r} is not a number; pass a positive number{unit}") from None
    if not (math.isfinite(number) and number > 0):
        raise TaskConfigError(f"{name}={value!r} must be a finite number greater than 0{unit}")
    if at_most is not None and number > at_most:
        raise TaskConfigError(f"{name}={value!r} is more than this host has ({at_most:g}{unit}); pass at most that")
    return number


def whole(name: str, value: Any) -> int:
    """A whole number >= 1 (an int, or its digits as `-T` passes them)."""
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit())):
        raise TaskConfigError(f"{name}={value!r} is not a whole number; pass one of at least 1")
    if int(value) < 1:
        raise TaskConfigError(f"{name}={value!r} must be at least 1")
    return int(value)


def competition_ids(split: str, competitions: str | list[str] | None) -> list[str]:
    """`competitions` (a list, or a comma-separated string as `-T competitions=a,b` gives) wins over `split`."""
    if competitions:
        names = competitions.split(",") if isinstance(competitions, str) else list(competitions)
        ids = [n.strip() for n in names if n.strip()]
        for cid in ids:
            get_competition(cid)  # RegistryError: unknown id, with the nearest names
        return list(dict.fromkeys(ids))
    return load_split(split)


def select_competitions(comps: list[Competition], policy: KnownIssuesPolicy) -> tuple[list[Competition], list[str]]:
    """With `exclude`, drop competitions with a score-affecting known issue; also returns the ids dropped."""
    if policy != "exclude":
        return comps, []
    kept = [c for c in comps if not c.score_affecting_issues]
    return kept, [c.id for c in comps if c.score_affecting_issues]


@dataclass(frozen=True)
class CheckedParams:
    """The task's parameters after checking, as the build steps use them."""

    grading_mode: GradingMode
    time_limit_hours: float
    internet: bool
    build_images: bool
    synthetic_size: int
    cpus: float | None
    memory_gb: float | None
    shm_size_gb: float | None


def check_params(
    *,
    data: Any,
    prepare: Any,
    image_profile: Any,
    description: Any,
    known_issues: Any,
    sandbox: Any,
    grading_mode: Any,
    time_limit_hours: Any,
    internet: Any,
    build_images: Any,
    synthetic_size: Any,
    cpus: Any,
    memory_gb: Any,
    shm_size_gb: Any,
) -> CheckedParams:
    """Every parameter checked (and `-T` strings parsed) before anything slow starts; `memory_gb` may not exceed
    this host's memory when the sandbox runs here (docker), since Docker would start the container anyway."""
    choice("data", data, ("kaggle", "synthetic"))
    choice("prepare", prepare, ("auto", "never"))
    choice("image_profile", image_profile, ("slim", "full"))
    choice("description", description, ("original", "obfuscated"))
    choice("known_issues", known_issues, ("include", "flag", "exclude"))
    choice("sandbox", sandbox, ("docker", "k8s"))
    try:
        mode = check_mode(grading_mode)
    except ValueError as err:
        raise TaskConfigError(f"grading_mode: {err}") from err
    from inspect_mlebench.sandbox.hardware import host_memory_gb

    on_this_host = sandbox == "docker"  # k8s pods run on cluster nodes, whose size this host cannot see
    return CheckedParams(
        grading_mode=mode,
        time_limit_hours=positive("time_limit_hours", time_limit_hours, unit=" of hours"),
        internet=flag("internet", internet),
        build_images=flag("build_images", build_images),
        synthetic_size=whole("synthetic_size", synthetic_size),
        cpus=None if cpus is None else positive("cpus", cpus, unit=" of CPUs"),
        memory_gb=None
        if memory_gb is None
        else positive("memory_gb", memory_gb, at_most=round(host_memory_gb(), 1) if on_this_host else None, unit=" GB"),
        shm_size_gb=None if shm_size_gb is None else positive("shm_size_gb", shm_size_gb, unit=" GB"),
    )


def choose_competitions(
    split: str, competitions: str | list[str] | None, known_issues: KnownIssuesPolicy, competitions_dir: str | None
) -> tuple[list[Competition], list[str], Path | None]:
    """The competitions to run, the ids `known_issues='exclude'` dropped, and the user's own folder if given."""
    own_folder = None
    if competitions_dir:
        try:
            own_folder = add_competitions_dir(competitions_dir)
        except RegistryError as err:
            raise TaskConfigError(str(err)) from err
    comps, excluded = select_competitions(
        [get_competition(c) for c in competition_ids(split, competitions)], known_issues
    )
    if not comps:
        raise TaskConfigError("no competitions left to run (all were excluded by known_issues='exclude')")
    return comps, excluded, own_folder
