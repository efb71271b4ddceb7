"""Inspect imports our entry point at every start, so it must not drag in heavy libraries."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "sklearn", "scipy", "docker", "kaggle", "torch")


def _modules_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_registry_entry_point_is_light() -> None:
    loaded = _modules_after("import inspect_mlebench._registry")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_package_import_is_light() -> None:
    loaded = _modules_after("import inspect_mlebench")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_cli_list_is_light() -> None:
    loaded = _modules_after("from inspect_mlebench.status_table import catalog_rows; catalog_rows()")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_lazy_public_api_resolves() -> None:
    import inspect_mlebench

    assert callable(inspect_mlebench.grade)
    assert callable(inspect_mlebench.prepare_synthetic)
    assert inspect_mlebench.CompetitionReport.__name__ == "CompetitionReport"
