"""The interactive page (`plots.html`) rendered in a real headless Chromium, offline.

The page is opened from disk exactly as `inspect-mlebench report --format html` wrote it; the browser's requests to
jsDelivr are answered from a local mirror of the same npm packages (tests/viz_mirror.py), so Mosaic and DuckDB-WASM
really run. The test waits for every plot to draw, then checks the marks each one holds against the report's data.

Needs Debian's `chromium` and the `playwright` Python package (its own browser download is not used); the mirror
is built on first use when npm is available. CI sets INSPECT_MLEBENCH_REQUIRE_BROWSER=1: there anything missing
fails the test instead of skipping it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

import viz_mirror
from inspect_mlebench.cli import cli
from test_plots import COMPS, data_dir, log_dir  # noqa: F401  (the fixtures: a real log with score-over-time)

_REQUIRED = os.environ.get("INSPECT_MLEBENCH_REQUIRE_BROWSER") == "1"
RENDER_TIMEOUT_S = 90  # DuckDB-WASM's first start in a cold headless browser on a slow CI machine


def _chromium() -> str | None:
    return os.environ.get("INSPECT_MLEBENCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def _missing() -> str | None:
    """Why the render test cannot run here, or None."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if _chromium() is None:
        return "no chromium on PATH (Debian: apt-get install chromium), or set INSPECT_MLEBENCH_CHROMIUM"
    if not viz_mirror.is_built(viz_mirror.mirror_dir()) and shutil.which("npm") is None:
        return f"no local mirror of inspect-viz's CDN scripts at {viz_mirror.mirror_dir()} and no npm to build it"
    return None


# What each widget drew: its marks (Observable Plot labels each mark's <g> with aria-label; the shapes inside
# a rule's end markers are not marks), its texts and its legend's entries.
_WIDGETS_JS = """() => [...document.querySelectorAll('.mosaic-widget')].map(w => {
  const marks = {};
  for (const g of w.querySelectorAll('svg g[aria-label]')) {
    const label = g.getAttribute('aria-label');
    const shapes = [...g.querySelectorAll('rect, circle, path, line')].filter(e => !e.closest('marker')).length;
    marks[label] = (marks[label] || 0) + shapes;
  }
  return {
    heading: (() => { let e = w.previousElementSibling; while (e && !/^H[23]$/.test(e.tagName))
      e = e.previousElementSibling; return e ? e.textContent : null; })(),
    svgs: w.querySelectorAll('svg').length,
    loading: w.querySelectorAll('.iv-loading').length,
    marks,
    text: [...w.querySelectorAll('svg text')].map(t => t.textContent).join(' | '),
    legend: [...w.querySelectorAll('.legend-container [class$="-swatch"]')].map(s => s.textContent),
    // where the legend sits against the plot's frame (px): it belongs next to its plot, not adrift on the page
    legendGap: (() => { const plot = w.querySelector('.plot svg'), box = w.querySelector('.legend-container');
      if (!plot || !box) return null; const p = plot.getBoundingClientRect(), b = box.getBoundingClientRect();
      return b.left - p.right; })(),
  };
})"""
_RENDERED_JS = """() => {
  const widgets = [...document.querySelectorAll('.mosaic-widget')];
  return widgets.length > 0 && widgets.every(w => w.querySelector('svg g[aria-label]') !== null
    && w.querySelector('.iv-loading') === null);
}"""


def _render(page_path: Path, screenshot: Path) -> tuple[list[dict[str, Any]], list[str]]:
    """Open the page in headless Chromium with the CDN served from the mirror; its widgets and every problem seen."""
    from playwright.sync_api import Route, sync_playwright

    mirror = viz_mirror.mirror_dir()
    if not viz_mirror.is_built(mirror):
        viz_mirror.build(mirror)
    problems: list[str] = []

    def serve(route: Route) -> None:
        file = viz_mirror.local_file(mirror, route.request.url)
        if file is None:
            problems.append(f"not in the mirror: {route.request.url}")
            route.abort()
            return
        kind = "application/wasm" if file.suffix == ".wasm" else "text/javascript"
        route.fulfill(path=file, content_type=kind, headers={"Access-Control-Allow-Origin": "*"})

    def refuse(route: Route) -> None:
        problems.append(f"unexpected request: {route.request.url}")
        route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 900})
            context.route("https://cdn.jsdelivr.net/**", serve)
            # anything else off this machine is a page that would not work offline: record and refuse it
            context.route(
                lambda url: url.startswith(("http://", "https://")) and not url.startswith(viz_mirror.CDN_ORIGIN),
                refuse,
            )
            page = context.new_page()
            page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
            page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} ({r.failure})"))
            page.goto(page_path.as_uri())
            deadline = time.monotonic() + RENDER_TIMEOUT_S
            while not page.evaluate(_RENDERED_JS) and not problems:  # stop at the first error, not the timeout
                if time.monotonic() > deadline:
                    problems.append(f"plots not rendered within {RENDER_TIMEOUT_S} s")
                    break
                page.wait_for_timeout(250)
            page.wait_for_timeout(500)  # let late errors (a failed query after the first draw) reach the console
            widgets: list[dict[str, Any]] = page.evaluate(_WIDGETS_JS)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    return widgets, problems


@pytest.mark.slow
@pytest.mark.skipif(_missing() is not None and not _REQUIRED, reason=_missing() or "")
def test_plots_page_renders_in_chromium(log_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    if (missing := _missing()) is not None:  # only reached when CI requires the browser
        pytest.fail(f"INSPECT_MLEBENCH_REQUIRE_BROWSER=1 but {missing}")
    out = tmp_path / "report"
    result = CliRunner().invoke(cli, ["report", str(log_dir), "--out", str(out), "--format", "json,html"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())

    widgets, problems = _render(out / "plots.html", tmp_path / "plots.png")
    assert problems == [], "\n".join(problems)
    by_heading = {w["heading"]: w for w in widgets}
    assert sorted(by_heading) == sorted(["Any-medal rate by split and model", "Leaderboard percentile per competition",
                                         *COMPS]), widgets  # fmt: skip
    assert all(w["svgs"] >= 1 and w["loading"] == 0 for w in widgets), widgets
    assert all(w["legendGap"] is not None and 0 <= w["legendGap"] <= 40 for w in widgets), widgets

    # medal rate: one bar and one error bar per (split, model): here one model on the dev split
    medals = by_heading["Any-medal rate by split and model"]
    assert len(report["summary"]) == 1
    assert medals["marks"]["bar"] == 1, medals["marks"]
    assert medals["marks"]["rule"] == 1, medals["marks"]
    assert "any-medal rate (%)" in medals["text"]
    assert medals["legend"] == ["mockllm/model"]

    # percentile: one dot per seed and competition (3 seeds x 2 competitions), the names on the y axis
    percentile = by_heading["Leaderboard percentile per competition"]
    assert percentile["marks"]["dot"] == 3 * len(COMPS), percentile["marks"]
    assert all(c in percentile["text"] for c in COMPS)
    assert "percentile: share of the leaderboard's teams beaten (%)" in percentile["text"]

    # score over time, per competition: a solid and a dashed step line per seed; a dot per new version
    # (seeds 1 and 3 submit twice, seed 2 once)
    for competition in COMPS:
        curve = by_heading[competition]
        assert curve["marks"]["line"] == 2 * 3, (competition, curve["marks"])
        assert curve["marks"]["dot"] == 2 + 1 + 2, (competition, curve["marks"])
        assert "budget used (%)" in curve["text"]
        assert "score (higher is better)" in curve["text"]
        assert curve["legend"] == [f"mockllm/model seed {seed}" for seed in (1, 2, 3)]
    runs = {(row["competition_id"], row["epoch"]) for row in report["score_over_time"]}
    assert len(runs) == 3 * len(COMPS)

    with Image.open(tmp_path / "plots.png") as shot:
        assert shot.width >= 1000
        assert shot.height > 1500  # five plots one under the other, not an empty page
        colors = shot.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colors is not None
        assert len(colors) > 100
