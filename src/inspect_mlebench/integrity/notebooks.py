"""Kaggle notebooks (.ipynb) as Python source, so a code-similarity tool can compare them with scripts.

Only code cells are kept, each headed by a `# %% [cell N]` line so a reported line range can be traced back to its
cell; IPython magics and shell escapes (`%...`, `!...`) are commented out rather than dropped, which keeps every
cell's line numbering intact. Reads the JSON directly: nbformat 4 (`cells`) and 3 (`worksheets`) are both plain
JSON and the check needs nothing else from a notebook.
"""

from __future__ import annotations

import json
from typing import Any

from inspect_mlebench.errors import MLEBenchError


class NotebookError(MLEBenchError, ValueError):
    """The file is not a notebook this reader understands."""


def _source(cell: dict[str, Any], key: str) -> str:
    source = cell.get(key, "")
    return "".join(source) if isinstance(source, list) else str(source)


def _code_cells(notebook: dict[str, Any]) -> list[str]:
    if isinstance(notebook.get("cells"), list):  # nbformat 4
        return [_source(c, "source") for c in notebook["cells"] if c.get("cell_type") == "code"]
    cells: list[str] = []
    for sheet in notebook.get("worksheets", []):  # nbformat 3
        cells.extend(_source(c, "input") for c in sheet.get("cells", []) if c.get("cell_type") == "code")
    return cells


def notebook_to_python(text: str, *, name: str = "notebook") -> str:
    """The code cells of the notebook `text` as one Python script; NotebookError when it is not a notebook."""
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as e:
        raise NotebookError(f"{name} is not a notebook: invalid JSON ({e.msg} at line {e.lineno})") from e
    if not isinstance(notebook, dict) or not ("cells" in notebook or "worksheets" in notebook):
        raise NotebookError(f"{name} is not a notebook: no cells")
    parts = []
    for number, cell in enumerate(_code_cells(notebook), start=1):
        lines = [f"# {line}" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines()]
        parts.append("\n".join([f"# %% [cell {number}]", *lines]))
    return "\n\n".join(parts) + "\n"
