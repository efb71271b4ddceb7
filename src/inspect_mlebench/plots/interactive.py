"""The interactive page (`plots.html`), drawn with Inspect's plotting library inspect-viz.

One self-contained page holds all plots (hover a mark for its numbers). The data is embedded in the page; the
page's scripts (Mosaic, DuckDB-WASM) come from inspect-viz's CDN, so opening it needs a browser with internet.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from inspect_mlebench.plots.frames import PlotFrames


def _medal_rate(frames: PlotFrames) -> Any:
    from inspect_viz import Data
    from inspect_viz.mark import bar_y, rule_x
    from inspect_viz.plot import legend, plot

    data = Data.from_dataframe(frames.medals)
    return plot(
        bar_y(data, x="model", fx="label", y="mean", fill="model", tip=True,
              channels={"SEM": "sem", "seeds": "seeds", "competitions": "competitions"}),
        rule_x(data, x="model", fx="label", y1="lower", y2="upper", stroke="black", stroke_width=1.5,
               marker="tick-x"),
        legend=legend("color", frame_anchor="right"),
        x_label=None,
        x_ticks=[],
        fx_label=None,
        fx_axis="bottom",
        y_label="any-medal rate (%)",
        y_grid=True,
        width=max(420, 260 * frames.medals["split"].nunique()),
        height=380,
    )  # fmt: skip


def _percentile(frames: PlotFrames) -> Any:
    from inspect_viz import Data
    from inspect_viz.mark import dot
    from inspect_viz.plot import legend, plot

    data = Data.from_dataframe(frames.percentiles)
    competitions = frames.percentiles["competition_id"].nunique()
    longest = int(frames.percentiles["competition_id"].str.len().max())
    return plot(
        dot(data, x="percentile", y="competition_id", fill="model", r=5, fill_opacity=0.7, tip=True,
            channels={"seed": "epoch", "medal": "medal"}),
        legend=legend("color", frame_anchor="right"),
        x_label="percentile: share of the leaderboard's teams beaten (%)",
        y_label=None,
        x_domain=[0, 100],
        x_grid=True,
        margin_left=max(120, 7 * longest + 16),  # room for the competition names
        width=760,
        height=90 + 28 * competitions,
    )  # fmt: skip


def _over_time(sub: pd.DataFrame) -> Any:
    from inspect_viz import Data
    from inspect_viz.mark import dot, line
    from inspect_viz.plot import legend, plot

    lower = bool(sub["lower_is_better"].iloc[0])
    data = Data.from_dataframe(sub)
    versions = Data.from_dataframe(sub[sub["kind"] == "new version"])
    values = pd.concat([sub["score"], sub["best_so_far"]]).dropna().astype(float)
    low, high = (float(values.min()), float(values.max())) if not values.empty else (0.0, 1.0)
    pad = (high - low) * 0.05 or max(abs(low) * 0.1, 0.05)  # a flat curve still gets a readable axis
    return plot(
        line(data, x="share_pct", y="score", z="run", stroke="run", curve="step-after", stroke_width=2,
             tip=True, channels={"selected": "selected"}),
        line(data, x="share_pct", y="best_so_far", z="run", stroke="run", curve="step-after",
             stroke_dasharray="4,3", stroke_opacity=0.6),
        dot(versions, x="share_pct", y="score", fill="run", r=3.5, tip=True,
            channels={"new version": "selected"}),
        legend=legend("color", frame_anchor="right"),
        x_label="budget used (%)",
        y_label=f"score ({'lower' if lower else 'higher'} is better)",
        y_label_arrow="none",  # Plot's arrow shows the axis direction, which reads wrong next to "lower is better"
        x_domain=[0, 100],
        y_domain=[low - pad, high + pad],
        grid=True,
        width=640,
        height=260,
    )  # fmt: skip


def page_html(frames: PlotFrames, synthetic: bool) -> str:
    """The whole page: headings, a line on how to read each plot, and the plots."""
    from inspect_viz.plot import HtmlPage

    page = HtmlPage()
    note = " Medals and percentiles come from synthetic leaderboards." if synthetic else ""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>MLE-bench results</title>",
        page.head(),
        "<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1000px}"
        "p.note{color:#555;font-size:90%}</style></head><body><h1>MLE-bench results</h1>",
    ]
    if not frames.medals.empty:
        parts += [
            "<h2>Any-medal rate by split and model</h2>",
            f"<p class='note'>Upstream's aggregation over complete seeds; error bars ±1 SEM.{html.escape(note)}</p>",
            page.fragment(_medal_rate(frames)),
        ]
    if not frames.percentiles.empty:
        parts += [
            "<h2>Leaderboard percentile per competition</h2>",
            "<p class='note'>One dot per seed; 50 is the leaderboard's median.</p>",
            page.fragment(_percentile(frames)),
        ]
    if not frames.over_time.empty:
        parts += [
            "<h2>Score over time</h2>",
            "<p class='note'>Solid: the score the run would have ended with had the budget stopped there (the "
            "agent's own selection rule); a dot marks each new version. Dashed: the best test score among its "
            "submissions so far (an oracle, for analysis).</p>",
        ]
        for competition, sub in frames.over_time.groupby("competition_id", sort=True):
            parts += [f"<h3>{html.escape(str(competition))}</h3>", page.fragment(_over_time(sub))]
    parts.append("</body></html>")
    return "\n".join(parts)
