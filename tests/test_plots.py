"""The report's plots, rendered from a real log: the interactive page (inspect-viz) holds the plots' data, the
static images (matplotlib) are real PNG/SVG files with the labels and data in them.

The log comes from the real scorer on Inspect's local sandbox; a small solver stands in for an agent and records
two earlier submissions through the same archive the agents use, so each sample carries a score-over-time curve.
"""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from click.testing import CliRunner
from inspect_ai import Epochs, Task, eval
from inspect_ai.dataset import Sample
from inspect_ai.solver import Generate, Solver, TaskState, solver
from inspect_ai.util import sandbox
from PIL import Image

from inspect_mlebench import get_competition
from inspect_mlebench.cli import cli
from inspect_mlebench.data.prepare import prepare_synthetic, public_sample_submission
from inspect_mlebench.reporting import ReportError, write_report
from inspect_mlebench.scoring.candidates import CandidateArchive
from inspect_mlebench.scoring.medal_metrics import mlebench_seeds
from inspect_mlebench.scoring.scorer import mlebench_scorer

COMPS = ["spaceship-titanic", "random-acts-of-pizza"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("data")
    for cid in COMPS:
        prepare_synthetic(cid, root, size=80)
        scores = [round(0.99 - i * 0.004, 5) for i in range(120)]
        pd.DataFrame({"teamId": range(120), "score": scores}).to_csv(root / cid / "leaderboard.csv", index=False)
    return root


@solver
def _two_versions(data_dir: Path) -> Solver:
    """The sample submission at 20% of the budget, the answers at 60%; seed 2 ends on the sample submission."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        cid = str(state.sample_id)
        sample = (data_dir / cid / public_sample_submission(get_competition(cid))).read_bytes()
        gold = (data_dir / cid / "prepared" / "private" / "gold_submission.csv").read_bytes()
        archive = CandidateArchive("last")
        archive.add(sample, label="snapshot #1", elapsed_s=720, valid=True)
        if state.epoch != 2:
            archive.add(gold, label="snapshot #2", elapsed_s=2160, valid=True)
        await sandbox().write_file("submission.csv", gold if state.epoch != 2 else sample)
        return state

    return solve


@pytest.fixture(scope="module")
def log_dir(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    logs = tmp_path_factory.mktemp("logs")
    disclosure = {"split": "dev", "competitions": COMPS, "time_limit_hours": 1.0, "hardware": {"gpus": 0}}
    samples = [
        Sample(input="solve", id=c, metadata={"competition_id": c, "complexity": "dev", "time_limit_s": 3600})
        for c in COMPS
    ]
    task = Task(
        dataset=samples,
        solver=_two_versions(data_dir),
        scorer=mlebench_scorer(data_dir=str(data_dir), submission_path="submission.csv"),
        sandbox="local",
        epochs=Epochs(3, mlebench_seeds()),
        metadata={"mlebench": disclosure},
    )
    [log] = eval(task, model="mockllm/model", log_dir=str(logs), display="none")
    assert log.status == "success", log.error
    return logs


def _embedded_tables(page: str) -> list[pa.Table]:
    """The Arrow tables inspect-viz inlines (base64) in the page."""
    tables = []
    for blob in re.findall(r'"([A-Za-z0-9+/]{200,}={0,2})"', page):
        try:
            tables.append(pa.ipc.open_stream(io.BytesIO(base64.b64decode(blob))).read_all())
        except (pa.ArrowInvalid, ValueError):
            continue
    return tables


def test_report_writes_interactive_and_static_plots(log_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = CliRunner().invoke(cli, ["report", str(log_dir), "--out", str(out), "--format", "md,json,html,png,svg"])
    assert result.exit_code == 0, result.output
    report = json.loads((out / "report.json").read_text())
    summary = report["summary"][0]
    any_medal = summary["rates"]["any_medal"]
    assert any_medal["mean"] == pytest.approx(200 / 3)  # seeds 1 and 3 medal on both, seed 2 on neither
    assert len(report["score_over_time"]) == 6
    assert "## Score over time" in (out / "report.md").read_text()

    # the interactive page: inspect-viz's bundle, the plots' data tables inlined, each competition's curve
    page = (out / "plots.html").read_text()
    assert "<h2>Any-medal rate by split and model</h2>" in page
    assert all(f"<h3>{c}</h3>" in page for c in COMPS)
    assert "mosaic" in page.lower()
    tables = [t.to_pandas() for t in _embedded_tables(page)]
    medals = next(t for t in tables if "sem" in t.columns)
    assert medals["mean"].iloc[0] == pytest.approx(any_medal["mean"])
    assert medals["sem"].iloc[0] == pytest.approx(any_medal["standard_error"])
    over_time = [t for t in tables if "share_pct" in t.columns]
    assert sorted(set().union(*(set(t["competition_id"]) for t in over_time))) == sorted(COMPS)
    titanic = next(t for t in over_time if set(t["competition_id"]) == {"spaceship-titanic"})
    seed1 = titanic[(titanic["epoch"] == 1) & (titanic["kind"] == "checkpoint")].sort_values("share_pct")
    # nothing yet at 10%, the sample submission from 20%, the gold file from 60%
    assert list(seed1["selected"].fillna("-")) == ["-"] + ["snapshot #1"] * 5 + ["snapshot #2"] * 6
    assert seed1["score"].iloc[-1] == 1.0
    steps = titanic[(titanic["epoch"] == 1) & (titanic["kind"] == "new version")]
    assert list(steps["share_pct"]) == [20.0, 60.0]  # the exact moments the curve steps

    # the static images: real PNGs with ink on them, SVGs with the axis titles and the competitions
    for name in ("medal_rate", "percentile", "score_over_time"):
        with Image.open(out / f"{name}.png") as image:
            assert image.format == "PNG"
            assert image.width > 400
            assert image.height > 200
            colors = image.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colors is not None
            assert len(colors) > 50  # not a blank canvas
        svg = ET.parse(out / f"{name}.svg").getroot()
        assert svg.tag.endswith("svg")
    texts = {name: (out / f"{name}.svg").read_text() for name in ("medal_rate", "percentile", "score_over_time")}
    assert "any-medal rate (%)" in texts["medal_rate"]
    assert "66.7 ± 33.3" in texts["medal_rate"]  # the bar's label: mean ± SEM of (100, 0, 100)
    assert all(c in texts["percentile"] for c in COMPS)
    assert all(c in texts["score_over_time"] for c in COMPS)
    assert "budget used (%)" in texts["score_over_time"]


def test_missing_plot_library_is_one_clear_line(log_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "inspect_viz" else real(name, *a))
    with pytest.raises(ReportError, match=r"pip install 'inspect-mlebench\[plots\]'"):
        write_report([log_dir], tmp_path / "out", ["md", "html"])
    assert not (tmp_path / "out").exists()  # nothing half written
