"""Loading the registry: every competition config (the package's and the user's own folders) and the named splits.

Configs are validated against `schema` when loaded, and loaded once per process (cached); splits are plain text
files of competition ids next to them.
"""

from __future__ import annotations

import os
import re
import sys
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from inspect_mlebench.config.schema import COMPETITIONS_DIR_ENV, SPLIT_ALIASES, Competition, RegistryError
from inspect_mlebench.resources import task_configs_dir
from inspect_mlebench.util import first_line

# libyaml parses the 82 configs several times faster than the pure-Python loader; both are safe loaders.
_YamlLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# A model validator names the field it judged by starting its message with it ("metric: ..."), since pydantic
# reports such errors at the model's own location.
_FIELD_IN_MESSAGE = re.compile(r"^([a-z_]+(?:\.[a-z_]+)*): (.*)$", re.DOTALL)


def _format_validation_error(path: Path, err: ValidationError) -> str:
    first = err.errors()[0]
    parts = [str(p) for p in first["loc"]]
    message = first["msg"]
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
        if named := _FIELD_IN_MESSAGE.match(message):
            parts.append(named.group(1))
            message = named.group(2)
    loc = ".".join(parts) or "<root>"
    more = f" (+{err.error_count() - 1} more)" if err.error_count() > 1 else ""
    return f"{path}: field '{loc}': {message}{more}"


def load_competition_file(path: Path) -> Competition:
    """Parse and validate one competition YAML file, including that every function it names exists."""
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)
    except yaml.YAMLError as err:
        raise RegistryError(f"{path}: not valid YAML: {first_line(err)}") from err
    if not isinstance(raw, dict):
        raise RegistryError(f"{path}: expected a mapping of fields, got {type(raw).__name__}")
    try:
        competition = Competition.model_validate(raw)
    except ValidationError as err:
        raise RegistryError(_format_validation_error(path, err)) from err
    if competition.id != path.stem:
        raise RegistryError(f"{path}: field 'id' is '{competition.id}' but the file is named '{path.name}'")
    from inspect_mlebench.config import references

    for field, call in references.calls_of(competition).items():
        try:
            references.check_defined(call)
        except references.ReferenceError as err:
            raise RegistryError(f"{path}: field '{field}': {err}") from err
    return competition


def competitions_dirs() -> list[Path]:
    """Folders of the user's own competitions, from `$INSPECT_MLEBENCH_COMPETITIONS_DIR` (os.pathsep-separated)
    and `add_competitions_dir`. Each holds `<id>.yaml` files and, where they name any, the Python modules."""
    from_env = [Path(p).expanduser() for p in os.environ.get(COMPETITIONS_DIR_ENV, "").split(os.pathsep) if p]
    return [*from_env, *(p for p in _added_dirs if p not in from_env)]


_added_dirs: list[Path] = []


def add_competitions_dir(path: str | Path) -> Path:
    """Register a folder of the user's own competitions for this process (what `-T competitions_dir=` and
    `--competitions-dir` do). Its modules become importable by the names the YAML files use."""
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise RegistryError(f"competitions dir {folder} does not exist; give a folder of <id>.yaml files")
    if folder not in _added_dirs:
        _added_dirs.append(folder)
    return folder


def _own_files(folder: Path) -> list[Path]:
    """`<id>.yaml` directly in the folder, or under `competitions/` as in the package's own layout."""
    nested = folder / "competitions"
    return sorted([*folder.glob("*.yaml"), *(nested.glob("*.yaml") if nested.is_dir() else [])])


@cache
def _load_all(configs_dir: Path, extra_dirs: tuple[Path, ...]) -> tuple[dict[str, Competition], dict[str, Path]]:
    """(competitions by id, the user folder of each competition that comes from one)."""
    comp_dir = configs_dir / "competitions"
    files = sorted(comp_dir.glob("*.yaml"))
    if not files:
        raise RegistryError(f"{comp_dir}: no competition configs found; is the package installed completely?")
    loaded = {path.stem: load_competition_file(path) for path in files}
    origins: dict[str, Path] = {}
    for folder in extra_dirs:
        if not folder.is_dir():
            raise RegistryError(f"competitions dir {folder} (from ${COMPETITIONS_DIR_ENV}) does not exist")
        if str(folder) not in sys.path:
            sys.path.append(str(folder))  # the YAML files name their modules relative to the folder
        for path in _own_files(folder):
            if path.stem in loaded:
                raise RegistryError(f"{path}: competition '{path.stem}' is already registered; pick another id")
            loaded[path.stem] = load_competition_file(path)
            origins[path.stem] = folder
    return dict(sorted(loaded.items())), origins


def _registry(configs_dir: Path | None) -> tuple[dict[str, Competition], dict[str, Path]]:
    extra = tuple(p.resolve() for p in competitions_dirs())
    return _load_all((configs_dir or task_configs_dir()).resolve(), extra)


def competition_origin(competition_id: str, configs_dir: Path | None = None) -> Path | None:
    """The user's competitions folder a competition comes from, or None for a packaged one."""
    return _registry(configs_dir)[1].get(competition_id)


def competitions(configs_dir: Path | None = None) -> dict[str, Competition]:
    """All registered competitions by id, sorted by id: the package's, then those of the user's folders."""
    return _registry(configs_dir)[0]


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
