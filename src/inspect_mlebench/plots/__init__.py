"""The report's plots: medal rate by split and model, percentile per competition, score over time per sample.

`html` is interactive (Inspect's own plotting library, inspect-viz); `png` and `svg` are static images for papers
(matplotlib, so they render offline with no browser). Both come with the `plots` extra:
`pip install 'inspect-mlebench[plots]'`.
"""

from inspect_mlebench.plots.frames import PlotFrames, plot_frames
from inspect_mlebench.plots.write import PLOT_FORMATS, PlotsError, write_plots

__all__ = ["PLOT_FORMATS", "PlotFrames", "PlotsError", "plot_frames", "write_plots"]
