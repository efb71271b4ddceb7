"""The package's imports go one way, from the foundation up to the tasks and the CLI, and have no cycles.

Layers, lowest first; a module may import its own layer and the layers below it, never above. Imports made only
for type checking (`if TYPE_CHECKING:`) are left out: they do not run.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "inspect_mlebench"
ROOT = Path(__file__).resolve().parents[1] / "src" / PACKAGE

# (layer name, module prefixes relative to the package); the longest matching prefix decides a module's layer.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "_version",
            "errors",
            "util",
            "resources",
            "tables",
            "formats",
            "sandbox.layout",  # the container paths and ports: plain constants
            "grading.errors",
            "grading.metrics",  # the metric library: pure functions, checked by the config schema
            "grading.rle",
        ),
    ),
    ("config", ("config",)),
    ("data", ("data", "kit")),
    ("grading", ("grading", "competitions", "contract")),
    ("sandbox", ("sandbox",)),
    ("agents and scoring", ("solvers", "external", "prompt", "scoring", "baseline", "integrity")),
    (
        "tasks and CLI",
        (
            "",
            "task",
            "task_params",
            "task_steps",
            "competition_tasks",
            "cli",
            "reporting",
            "plots",
            "status_table",
            "_registry",
            "integrity.command",
        ),
    ),
]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules that `path` imports at run time (module level or inside functions)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for branch in node.orelse:
                visit(branch)
            return
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                target = ".".join([*base, *([node.module] if node.module else [])])
            elif node.module and (node.module == PACKAGE or node.module.startswith(PACKAGE + ".")):
                target = node.module.removeprefix(PACKAGE).lstrip(".")
            else:
                target = None  # another package
            if target is not None:
                for alias in node.names:
                    imported = f"{target}.{alias.name}" if target else alias.name
                    found.add(imported if imported in modules else target)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == PACKAGE or alias.name.startswith(PACKAGE + "."):
                    found.add(alias.name.removeprefix(PACKAGE).lstrip("."))
        for sub in ast.iter_child_nodes(node):
            visit(sub)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = {_module_name(p): p for p in ROOT.rglob("*.py")}
    return {name: _imports(path, set(files)) for name, path in files.items()}


def _layer(module: str) -> int:
    best, best_len = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = module == prefix or (prefix and module.startswith(prefix + "."))
            if prefix == "" and module == "":
                matches = True
            if matches and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


def test_every_module_has_a_layer() -> None:
    assert [m for m in _graph() if _layer(m) < 0] == []


def _upward(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{module} ({LAYERS[_layer(module)][0]}) imports {target} ({LAYERS[_layer(target)][0]})"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if _layer(target) > _layer(module)
    ]


def test_imports_never_go_up_a_layer() -> None:
    assert _upward(_graph()) == []


def test_an_upward_import_is_reported() -> None:
    graph = _graph()
    graph["grading.grader"] = {*graph["grading.grader"], "solvers.tools"}
    assert _upward(graph) == ["grading.grader (grading) imports solvers.tools (agents and scoring)"]


def test_import_graph_has_no_cycle() -> None:
    graph = _graph()
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles: list[list[str]] = []

    def walk(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target] if target in path else [node, target])
            elif target not in state:
                walk(target, [*path, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", ["config.schema", "solvers.tools", "scoring.scorer"])
def test_checker_sees_real_imports(module: str) -> None:
    """The graph is not empty by accident: known imports are found."""
    assert _graph()[module]
