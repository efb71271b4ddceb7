"""Resolving the `module:function` references of competition configs, and checking them without running them.

A config names its preparer, synthetic generator, gold builder and custom grader as functions; keyword arguments
given in the config are bound here, so variants of one competition family share a function. The registry checks
every reference when it loads (module found, function defined) without importing competition modules, which pull
in pandas and scikit-learn; `resolve` imports for real when the function is needed.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inspect_mlebench.errors import MLEBenchError

if TYPE_CHECKING:  # the registry calls into this module while it loads, so no runtime import of it here
    from inspect_mlebench.config import Competition, FunctionCall

# positional parameters each kind of reference is called with, before the config's keyword arguments
ROLES: dict[str, tuple[str, ...]] = {
    "preparation.preparer": ("raw", "public", "private"),
    "synthetic.generator": ("out", "seed", "size"),
    "synthetic.gold": ("public", "private"),
    "grading.grader": ("submission", "answers"),
}


class ReferenceError(MLEBenchError, ValueError):
    """A config names a function that cannot be found or called as the config says."""


def calls_of(comp: Competition) -> dict[str, FunctionCall]:
    """The config's function references by field name (only those given)."""
    found: dict[str, FunctionCall | None] = {
        "preparation.preparer": comp.preparation.preparer if comp.preparation else None,
        "synthetic.generator": comp.synthetic.generator if comp.synthetic else None,
        "synthetic.gold": comp.synthetic.gold if comp.synthetic else None,
        "grading.grader": comp.grading.grader,
    }
    return {field: call for field, call in found.items() if call is not None}


@functools.cache
def _module_source(module: str) -> str | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
        return "" if spec is not None else None  # found, but not a source file we can scan
    return Path(spec.origin).read_text(encoding="utf-8")


def check_defined(call: FunctionCall) -> None:
    """Cheap load-time check: the module exists and defines the function at top level (by reading its source)."""
    source = _module_source(call.module)
    if source is None:
        raise ReferenceError(f"module '{call.module}' not found")
    pattern = rf"^(?:async\s+)?def\s+{re.escape(call.name)}\s*\(|^{re.escape(call.name)}\s*[:=]"
    if source and not re.search(pattern, source, flags=re.MULTILINE):
        raise ReferenceError(f"module '{call.module}' defines no function '{call.name}'")


def resolve(call: FunctionCall, role: str | None = None) -> Callable[..., Any]:
    """The function, with the config's keyword arguments bound; with `role`, its signature is checked too."""
    try:
        fn = getattr(importlib.import_module(call.module), call.name)
    except (ImportError, AttributeError) as err:
        raise ReferenceError(f"cannot resolve {call.function}: {err}") from err
    if not callable(fn):
        raise ReferenceError(f"{call.function} is not callable")
    if role is not None:
        check_signature(fn, call, ROLES[role])
    return functools.partial(fn, **call.kwargs) if call.kwargs else fn


def check_signature(fn: Callable[..., Any], call: FunctionCall, positional: tuple[str, ...]) -> None:
    """The function takes `positional` arguments plus exactly the config's keyword arguments it needs."""
    try:
        inspect.signature(fn).bind(*positional, **call.kwargs)
    except TypeError as err:
        raise ReferenceError(
            f"{call.function} cannot be called as ({', '.join(positional)}"
            + "".join(f", {k}=..." for k in call.kwargs)
            + f"): {err}"
        ) from err
