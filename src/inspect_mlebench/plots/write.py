"""Write the plots in the formats asked for, next to the report's tables."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.plots.frames import PlotFrames
from inspect_mlebench.util import atomic_write

PLOT_FORMATS = ("html", "png", "svg")
_NEEDS = {"html": "inspect_viz", "png": "matplotlib", "svg": "matplotlib"}


class PlotsError(MLEBenchError, ValueError):
    """A plot format whose library is not installed."""


def check_plot_libraries(formats: Sequence[str]) -> None:
    """Fail before anything is written when a format's library is missing."""
    missing = sorted({_NEEDS[f] for f in formats if f in _NEEDS and importlib.util.find_spec(_NEEDS[f]) is None})
    if missing:
        raise PlotsError(
            f"the {', '.join(f for f in formats if f in _NEEDS)} plot format(s) need {', '.join(missing)}: "
            "install them with pip install 'inspect-mlebench[plots]'"
        )


def write_plots(frames: PlotFrames, out: Path, formats: Sequence[str], synthetic: bool = False) -> list[Path]:
    """`plots.html` (interactive) and `<plot>.png` / `<plot>.svg` (static) in `out`; returns the files written."""
    check_plot_libraries(formats)
    written: list[Path] = []
    if "html" in formats:
        from inspect_mlebench.plots.interactive import page_html

        written.append(atomic_write(out / "plots.html", page_html(frames, synthetic), mode=0o644))
    static = [f for f in formats if f in ("png", "svg")]
    if static:
        from inspect_mlebench.plots.static import write_static

        written += write_static(frames, out, static, synthetic)
    return written
