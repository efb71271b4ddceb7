"""`formats` is the lowest layer: it imports nothing else from the package, and nothing heavy at import time."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import inspect_mlebench.formats

FORMATS = Path(inspect_mlebench.formats.__file__).parent
MODULES = sorted(p.stem for p in FORMATS.glob("*.py") if p.stem != "__init__")


def test_every_format_module_is_covered() -> None:
    assert MODULES == ["archives", "audio", "bson", "dicom", "images", "nifti", "parquet", "tfrecord", "video"]


def test_formats_import_nothing_else_from_the_package() -> None:
    for path in FORMATS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} imports from above formats/"
                names = [node.module or ""] if node.level == 0 else []
            for name in names:
                assert not name.startswith("inspect_mlebench") or name.startswith("inspect_mlebench.formats"), name


def test_importing_formats_loads_no_heavy_library() -> None:
    code = (
        "import sys\n"
        f"for m in {MODULES!r}: __import__('inspect_mlebench.formats.' + m)\n"
        "heavy = ('pydicom', 'bson', 'py7zr', 'PIL', 'av', 'nibabel', 'inspect_ai')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]"]
