"""Static images (PNG, SVG) of the report's plots, for papers.

Drawn with matplotlib's object API (no pyplot state, the Agg renderer): it needs no browser and no network, which
inspect-viz's own image export does (a Chromium driven by playwright, loading the widget's scripts from a CDN), so
images can be made on an offline cluster node next to the logs.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import pandas as pd
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from inspect_mlebench.plots.frames import PlotFrames
from inspect_mlebench.util import atomic_write

DPI = 110
SEM_NOTE = "bars: mean over seeds; error bars: ±1 standard error of the mean (SEM)"


def _colors(models: list[str]) -> dict[str, str]:
    palette = [f"C{i}" for i in range(10)]
    return {model: palette[i % len(palette)] for i, model in enumerate(models)}


def medal_rate_figure(frames: PlotFrames, synthetic: bool) -> Figure:
    df = frames.medals
    splits = list(dict.fromkeys(df["split"]))
    models = list(dict.fromkeys(df["model"]))
    colors = _colors(models)
    fig = Figure(figsize=(max(5.0, 1.6 * len(splits) * max(1, len(models)) + 2), 4.2), dpi=DPI)
    ax = fig.add_subplot()
    width = 0.8 / max(1, len(models))
    for m, model in enumerate(models):
        for s, split in enumerate(splits):
            row = df[(df["model"] == model) & (df["split"] == split)]
            if row.empty:
                continue
            mean, sem = float(row["mean"].iloc[0]), float(row["sem"].iloc[0])
            x = s + (m - (len(models) - 1) / 2) * width
            ax.bar(x, mean, width * 0.9, color=colors[model], label=model if s == 0 else None)
            ax.errorbar(x, mean, yerr=sem, color="black", capsize=6, linewidth=1.4)
            box = {"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none"}
            ax.annotate(f"{mean:.1f} ± {sem:.1f}", (x, mean), xytext=(6, 4), textcoords="offset points",
                        ha="left", fontsize=8, bbox=box)  # fmt: skip
    ax.set_xticks(range(len(splits)), [str(df[df["split"] == s]["label"].iloc[0]) for s in splits])
    ax.set_xlabel("split")
    ax.set_ylabel("any-medal rate (%)")
    top = float((df["mean"] + df["sem"]).max()) if not df.empty else 0.0
    ax.set_ylim(0, max(10.0, min(105.0, top * 1.15 + 2)))
    ax.set_title("Any-medal rate by split and model" + ("\n(synthetic leaderboards)" if synthetic else ""))
    ax.legend(title="model", loc="upper left", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.text(0.01, 0.01, SEM_NOTE, fontsize=7, color="0.35")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def percentile_figure(frames: PlotFrames, synthetic: bool) -> Figure:
    df = frames.percentiles
    competitions = sorted(set(df["competition_id"]))
    models = list(dict.fromkeys(df["model"]))
    colors = _colors(models)
    fig = Figure(figsize=(7.5, 2.2 + 0.45 * max(1, len(competitions))), dpi=DPI)
    ax = fig.add_subplot()
    offsets = {m: (i - (len(models) - 1) / 2) * 0.18 for i, m in enumerate(models)}
    for model in models:
        sub = df[df["model"] == model]
        ys = [competitions.index(c) + offsets[model] for c in sub["competition_id"]]
        ax.scatter(sub["percentile"], ys, color=colors[model], alpha=0.55, s=28, label=f"{model} (each seed)")
        means = sub.groupby("competition_id")["percentile"].mean()
        ax.scatter(means.values, [competitions.index(c) + offsets[model] for c in means.index], marker="|",
                   s=260, linewidths=2.2, color=colors[model], label=f"{model} (mean)")  # fmt: skip
    ax.axvline(50, color="0.5", linestyle=":", linewidth=1)
    ax.set_yticks(range(len(competitions)), competitions)
    ax.invert_yaxis()
    ax.set_xlim(-2, 102)
    ax.set_xlabel("percentile: share of the leaderboard's teams beaten (%)\ndotted line: the median team")
    fig.suptitle("Leaderboard percentile per competition" + (" (synthetic leaderboards)" if synthetic else ""))
    ax.grid(axis="x", alpha=0.3)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=min(4, 2 * len(models)), fontsize=7,
               frameon=False)  # fmt: skip
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    return fig


def _score_axis(ax: Axes, sub: pd.DataFrame, colors: dict[str, str], competition: str) -> None:
    groups = list(sub.groupby("run", sort=True))
    for i, (run, points) in enumerate(groups):
        points = points.sort_values("share_pct")
        color = colors[str(run)]
        width = 1.4 + 2.4 * (len(groups) - 1 - i) / max(1, len(groups))  # earlier runs wider: overlaps stay visible
        ax.step(points["share_pct"], points["score"], where="post", color=color, linewidth=width, alpha=0.85,
                label=f"{run}: ended with")  # fmt: skip
        ax.step(points["share_pct"], points["best_so_far"], where="post", color=color, linewidth=1, alpha=0.6,
                linestyle="--", label=f"{run}: best so far (oracle)")  # fmt: skip
    lower = bool(sub["lower_is_better"].iloc[0])
    ax.set_title(competition, fontsize=9)
    ax.set_xlim(0, 100)
    ax.set_xlabel("budget used (%)", fontsize=8)
    ax.set_ylabel(f"score ({'lower' if lower else 'higher'} is better)", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.grid(alpha=0.3)


def score_over_time_figure(frames: PlotFrames) -> Figure:
    df = frames.over_time
    competitions = sorted(set(df["competition_id"]))
    cols = min(3, max(1, len(competitions)))
    rows = max(1, math.ceil(len(competitions) / cols))
    fig = Figure(figsize=(4.2 * cols, 3.0 * rows + 0.9), dpi=DPI)
    runs = sorted(set(df["run"]))
    colors = _colors(runs)
    axes = fig.subplots(rows, cols, squeeze=False)
    for i, competition in enumerate(competitions):
        _score_axis(axes[i // cols][i % cols], df[df["competition_id"] == competition], colors, competition)
    for j in range(len(competitions), rows * cols):
        axes[j // cols][j % cols].set_visible(False)
    fig.suptitle("Score over time: what each run would have ended with had the budget stopped there", fontsize=10)
    key = axes[0][0]
    handles = [
        key.plot([], [], color="0.2", linewidth=1.6, label="ended with (the agent's own selection rule)")[0],
        key.plot([], [], color="0.2", linewidth=1, linestyle="--", label="best so far (oracle, test score)")[0],
    ]
    handles += [key.plot([], [], color=colors[run], linewidth=3, label=run)[0] for run in runs[:12]]
    fig.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), fontsize=8, frameon=False)
    legend_rows = math.ceil(len(handles) / min(4, len(handles)))
    fig.tight_layout(rect=(0, min(0.4, (0.25 * legend_rows + 0.25) / fig.get_figheight()), 1, 0.95))
    return fig


def write_static(frames: PlotFrames, out: Path, formats: list[str], synthetic: bool) -> list[Path]:
    """Write each plot that has data as `<name>.<format>`; returns the files written."""
    figures: dict[str, Figure] = {}
    if not frames.medals.empty:
        figures["medal_rate"] = medal_rate_figure(frames, synthetic)
    if not frames.percentiles.empty:
        figures["percentile"] = percentile_figure(frames, synthetic)
    if not frames.over_time.empty:
        figures["score_over_time"] = score_over_time_figure(frames)
    written = []
    for name, fig in figures.items():
        for fmt in formats:
            with rc_context({"svg.fonttype": "none"}):  # SVG text stays text: searchable, editable in a paper
                written.append(
                    atomic_write(out / f"{name}.{fmt}", partial(fig.savefig, format=fmt, dpi=DPI), mode=0o644)
                )
    return written
