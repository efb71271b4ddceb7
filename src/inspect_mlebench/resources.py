"""Where the package's shipped folders (`task_configs/`, `compose/`) live.

A built wheel carries them inside the package (hatch `force-include`); a checkout or an editable install keeps them
at the repository root. Both must work, so look in the package first and fall back to the source tree.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """Return the shipped folder `name` (e.g. "task_configs"), wherever this install keeps it."""
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"inspect_mlebench: folder '{name}' is missing from this install (looked in {_PACKAGE_DIR} and the source "
        "tree); reinstall the package (pip install --force-reinstall inspect-mlebench)"
    )


def task_configs_dir() -> Path:
    return resource_dir("task_configs")


def compose_dir() -> Path:
    return resource_dir("compose")


def package_dir() -> Path:
    """This package's own folder (its Python source), as installed or checked out."""
    return _PACKAGE_DIR
