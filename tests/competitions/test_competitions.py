"""Per competition, on synthetic data: the contract of `inspect_mlebench.contract` (synthesize -> prepare -> the
sample valid, the gold best, no answers in public files, broken submissions refused).

Parametrised over every implemented competition.
"""

from __future__ import annotations

import csv
import io
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inspect_mlebench import contract, load_split
from inspect_mlebench.config import Competition, competitions
from inspect_mlebench.data.prepare import prepare_synthetic, public_sample_submission
from inspect_mlebench.grading import grade
from inspect_mlebench.grading.errors import MAX_REASON_CHARS

READY = sorted(cid for cid, comp in competitions().items() if comp.implemented)


@pytest.fixture(scope="module", params=READY)
def prepared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Competition, Path]:
    comp = competitions()[request.param]
    data_dir = tmp_path_factory.mktemp(f"data-{comp.id}")
    prepare_synthetic(comp.id, data_dir, seed=0, size=120)
    return comp, data_dir


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda fn: fn.__name__)
def test_contract(prepared: tuple[Competition, Path], check: contract.CheckFn) -> None:
    result = check(*prepared)
    assert result.passed, f"{result.name}: {result.detail}"


@pytest.mark.parametrize("kind", contract.BROKEN_KINDS)
def test_broken_submission_is_refused(prepared: tuple[Competition, Path], kind: str, tmp_path: Path) -> None:
    result = contract.check_broken(*prepared, kind, tmp_path)
    assert result.passed, result.detail


def test_lite_and_dev_are_complete() -> None:
    targets = load_split("lite") + load_split("dev")
    missing = [cid for cid in targets if cid not in READY]
    assert not missing, f"grader/preparer/synthetic not done for: {', '.join(missing)}"


def test_contract_runs_whole_and_reports_a_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    results = contract.run_contract("spaceship-titanic", size=60)
    assert [r.name for r in results][:3] == ["synthetic data prepares", "sample valid", "gold best"]
    assert len(results) == 4 + len(contract.BROKEN_KINDS)
    assert all(r.passed for r in results), [r for r in results if not r.passed]
    # a grader that scores anything (here: always the sample submission) fails the broken-submission check
    comp = competitions()["spaceship-titanic"]
    data_dir = tmp_path / "data"
    prepare_synthetic(comp.id, data_dir, size=60)
    sample = data_dir / comp.id / "prepared" / "public" / "sample_submission.csv"
    from inspect_mlebench.grading.grader import grade as real_grade

    monkeypatch.setattr(contract, "grade", lambda cid, path, root, **kw: real_grade(cid, sample, root, **kw))
    result = contract.check_broken(comp, data_dir, "wrong_ids", tmp_path)
    assert not result.passed
    assert "strict grading accepted it" in result.detail


# --- fuzzing: any file at all is graded valid or invalid with a short reason, never an exception ----------------

# per competition; 150 x the ~70 implemented competitions is over 10,000 graded files in CI
FUZZ_EXAMPLES = int(os.environ.get("INSPECT_MLEBENCH_FUZZ_EXAMPLES", "150"))
CELLS = [
    "", "nan", "NaN", "inf", "-inf", "1e308", "-1e308", "-1", "0", "1", "0.5", "1.0", " 1 ", "0x10", "True",
    "abc", "é", "日本", "\x00", "[1, 2]", '"a, b"', "1 2 3 4", "-", "x" * 5000,
]  # fmt: skip
OPS = ["drop_rows", "dup_rows", "shuffle", "extra_rows", "drop_col", "rename_col", "extra_col", "cells", "truncate"]


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return [row for row in csv.reader(fh)]


@st.composite
def submissions(draw: st.DrawFn, bases: list[list[list[str]]]) -> bytes:
    """A mutation of the gold or sample submission, or a file that is not a CSV of it at all."""
    kind = draw(st.sampled_from(["mutate"] * 8 + ["empty", "header_only", "binary", "encoding"]))
    rows = [list(r) for r in bases[draw(st.integers(0, len(bases) - 1))]]
    rnd = random.Random(draw(st.integers(0, 2**32)))  # bulk choices over rows: files can have many thousands
    if kind == "empty":
        return b""
    if kind == "header_only":
        rows = rows[:1]
    if kind == "binary":
        return draw(st.binary(min_size=1, max_size=512))
    header, body = rows[0], rows[1:]
    for op in draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=3)) if kind == "mutate" else []:
        width = len(header)
        if op == "drop_rows" and body:
            share = draw(st.sampled_from([0.0, 0.01, 0.5, 0.99, 1.0]))
            body = [r for r in body if rnd.random() >= share] if share < 1 else body[: draw(st.integers(0, 1))]
        elif op == "dup_rows" and body:
            body = body + [body[rnd.randrange(len(body))] for _ in range(draw(st.integers(1, 5)))]
        elif op == "shuffle":
            rnd.shuffle(body)
        elif op == "extra_rows":
            body = body + [[draw(st.sampled_from(CELLS)) for _ in range(width)] for _ in range(draw(st.integers(1, 3)))]
        elif op == "drop_col" and width > 1:
            i = draw(st.integers(0, width - 1))
            header, body = header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in body]
        elif op == "rename_col":
            header = [*header]
            header[draw(st.integers(0, width - 1))] = draw(st.sampled_from(["id", "", "X", "Id ", header[0]]))
        elif op == "extra_col":
            header, body = [*header, "extra"], [[*r, draw(st.sampled_from(CELLS))] for r in body]
        elif op == "cells" and body:
            for _ in range(draw(st.integers(1, 5))):
                row = body[draw(st.integers(0, len(body) - 1))]
                if row:
                    row[draw(st.integers(0, len(row) - 1))] = draw(st.sampled_from(CELLS))
        elif op == "truncate" and body:
            body = body[: draw(st.integers(0, len(body)))]
            if body and body[-1]:
                body[-1] = body[-1][: draw(st.integers(0, len(body[-1])))]
    out = io.StringIO()
    csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))).writerows([header, *body])
    text = out.getvalue()
    if kind == "encoding":
        return text.encode(draw(st.sampled_from(["utf-16", "latin-1", "utf-8-sig"])), errors="replace")
    return text.encode("utf-8")


def test_any_file_is_graded_without_an_exception(prepared: tuple[Competition, Path]) -> None:
    comp, data_dir = prepared
    bases = [
        _rows(data_dir / comp.id / "prepared" / "private" / "gold_submission.csv"),
        _rows(data_dir / comp.id / public_sample_submission(comp)),
    ]

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,  # a hang still fails the run; speed is measured in benchmarks/, not asserted here
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(content=submissions(bases), strict=st.booleans())
    def graded(content: bytes, strict: bool) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "submission.csv"
            path.write_bytes(content)
            report = grade(comp.id, path, data_dir, mode="strict" if strict else "upstream")
        if report.valid_submission:
            assert isinstance(report.score, float)  # inf or nan only where upstream's metric gives them
        else:
            reason = report.invalid_reason
            assert reason
            assert "\n" not in reason
            assert len(reason) <= MAX_REASON_CHARS + 40, reason[:200]
        assert all(len(w) <= MAX_REASON_CHARS + 40 for w in report.warnings)

    graded()
