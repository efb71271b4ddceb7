"""Plagiarism check: how similar the agent's code is to reference solutions the user supplies.

Runs Dolos (https://dolos.ugent.be, the `@dodona/dolos-lib` npm package, which upstream MLE-bench also uses): it
parses both sides with tree-sitter and compares token fingerprints, so renamed variables, reformatting and reordered
functions still match. Each agent file is compared with each reference file; the result keeps the most similar
pairs with Dolos's similarity (0-1, the share of both files covered by shared fragments) and the line ranges of the
shared fragments, and is flagged when any pair reaches the user's threshold.

References live in `KERNELS_DIR/<competition_id>/` (any depth): `.py` scripts and `.ipynb` notebooks (code cells).
Dolos needs Node.js 18+ and `npm install @dodona/dolos-lib@3` in a directory: `dolos_dir`, else
$INSPECT_MLEBENCH_DOLOS_DIR, else the user cache (`inspect-mlebench/dolos`).

Usable as a function (`compare`, `compare_sample`) and as an Inspect scorer (`integrity_plagiarism`, for
`inspect score LOG --scorer inspect_mlebench/integrity_plagiarism -S kernels=DIR -S threshold=0.6`), which stores
the pairs in the log's score metadata.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import anyio.to_thread
from inspect_ai.log import EvalSample
from inspect_ai.scorer import Score, Scorer, Target, mean, scorer, stderr
from inspect_ai.solver import TaskState
from platformdirs import user_cache_dir
from pydantic import BaseModel, Field, ValidationError

from inspect_mlebench.errors import MLEBenchError
from inspect_mlebench.integrity.notebooks import NotebookError, notebook_to_python
from inspect_mlebench.integrity.saved_code import saved_code_files

DOLOS_DIR_ENV = "INSPECT_MLEBENCH_DOLOS_DIR"
DOLOS_PACKAGE = "@dodona/dolos-lib@3"
RUNNER = Path(__file__).with_name("dolos_pairs.mjs")
CODE_SUFFIXES = (".py", ".ipynb")
DEFAULT_TOP = 10
MAX_FRAGMENTS = 20  # per pair; Dolos also reports many one-line matches of common idioms
DEFAULT_TIMEOUT_S = 600
PLAGIARISM_METADATA_KEY = "integrity_plagiarism"
_DOLOS_MISSING_EXIT = 3  # the runner's exit code when it cannot load Dolos


class PlagiarismCheckError(MLEBenchError, RuntimeError):
    """The check cannot run: a missing tool, a missing folder, or nothing to compare against."""


class Fragment(BaseModel):
    agent_lines: tuple[int, int]  # first and last line, 1-based, in the agent's file
    reference_lines: tuple[int, int]  # the same in the reference (a notebook's extracted script)
    kgrams: int  # how many shared k-grams the fragment spans: its weight


class SimilarPair(BaseModel):
    agent_file: str
    reference_file: str  # relative to the competition's kernels folder
    similarity: float
    longest_fragment: int  # in k-grams, Dolos's unit
    fragments: list[Fragment] = Field(default_factory=list)  # the largest MAX_FRAGMENTS, largest first


class SkippedFile(BaseModel):
    path: str
    reason: str


class PlagiarismResult(BaseModel):
    competition_id: str
    threshold: float
    agent_files: list[str]
    reference_files: list[str]
    pairs: list[SimilarPair]  # the most similar pairs, highest first (at most `top`)
    max_similarity: float = 0.0
    skipped: list[SkippedFile] = Field(default_factory=list)

    @property
    def flagged(self) -> bool:
        """Some agent file is at least `threshold` similar to some reference."""
        return bool(self.agent_files) and self.max_similarity >= self.threshold

    @property
    def flagged_pairs(self) -> list[SimilarPair]:
        return [p for p in self.pairs if p.similarity >= self.threshold]


def dolos_dir(explicit: Path | None = None) -> Path:
    """Where Dolos is installed: the argument, else $INSPECT_MLEBENCH_DOLOS_DIR, else the user cache."""
    if explicit is not None:
        return explicit.expanduser()
    env = os.environ.get(DOLOS_DIR_ENV)
    return Path(env).expanduser() if env else Path(user_cache_dir("inspect-mlebench")) / "dolos"


def install_hint(directory: Path) -> str:
    return f"npm install --prefix {directory} {DOLOS_PACKAGE}"


def _as_python(path: str, text: str) -> str:
    return notebook_to_python(text, name=path) if path.endswith(".ipynb") else text


def reference_files(kernels_dir: Path, competition_id: str) -> dict[str, str]:
    """`{relative path: Python source}` of the references for a competition; PlagiarismCheckError when none."""
    if not kernels_dir.is_dir():
        raise PlagiarismCheckError(
            f"kernels folder {kernels_dir} does not exist: pass a folder with one subfolder per competition id"
        )
    folder = kernels_dir / competition_id
    paths = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in CODE_SUFFIXES) if folder.is_dir() else []
    if not paths:
        raise PlagiarismCheckError(f"no reference kernels for {competition_id}: put .py or .ipynb files under {folder}")
    references: dict[str, str] = {}
    for path in paths:
        name = path.relative_to(folder).as_posix()
        try:
            references[name] = _as_python(name, path.read_text(encoding="utf-8", errors="replace"))
        except NotebookError as e:
            raise PlagiarismCheckError(f"{path}: {e}; fix or remove it") from e
    return references


def _agent_sources(agent_files: Mapping[str, str]) -> tuple[dict[str, str], list[SkippedFile]]:
    sources: dict[str, str] = {}
    skipped: list[SkippedFile] = []
    for path, text in sorted(agent_files.items()):
        if PurePosixPath(path).suffix not in CODE_SUFFIXES:
            skipped.append(SkippedFile(path=path, reason="not Python (.py or .ipynb)"))
            continue
        try:
            source = _as_python(path, text)
        except NotebookError as e:
            skipped.append(SkippedFile(path=path, reason=str(e)))
            continue
        if not source.strip():
            skipped.append(SkippedFile(path=path, reason="empty"))
            continue
        sources[path] = source
    return sources, skipped


class _RunnerFragment(BaseModel):
    agent: tuple[int, int]
    reference: tuple[int, int]
    kgrams: int


class _RunnerPair(BaseModel):
    """One pair as dolos_pairs.mjs prints it."""

    agent: str
    reference: str
    similarity: float
    longest: int
    fragments: list[_RunnerFragment]


class _RunnerOutput(BaseModel):
    pairs: list[_RunnerPair]


def _run_dolos(files: list[dict[str, object]], directory: Path, timeout_s: float) -> list[_RunnerPair]:
    node = shutil.which("node")
    if node is None:
        raise PlagiarismCheckError(
            f"Node.js (node) is not on PATH: the plagiarism check runs Dolos; install Node.js 18+, then "
            f"{install_hint(directory)}"
        )
    request = json.dumps({"dolos_dir": str(directory), "language": "python", "files": files})
    try:
        done = subprocess.run(
            [node, str(RUNNER)], input=request, capture_output=True, text=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as e:
        raise PlagiarismCheckError(f"Dolos did not finish within {timeout_s:.0f} s; compare fewer files") from e
    if done.returncode == _DOLOS_MISSING_EXIT:
        raise PlagiarismCheckError(f"Dolos is not installed in {directory}: run {install_hint(directory)}")
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise PlagiarismCheckError(f"Dolos failed (exit {done.returncode}): {last}")
    try:
        return _RunnerOutput.model_validate_json(done.stdout).pairs
    except ValidationError as e:
        raise PlagiarismCheckError(
            f"Dolos printed an unexpected report ({e.error_count()} errors): {e.errors()[0]}"
        ) from e


def compare(
    agent_files: Mapping[str, str],
    kernels_dir: Path,
    competition_id: str,
    *,
    threshold: float,
    top: int = DEFAULT_TOP,
    dolos: Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> PlagiarismResult:
    """Compare the agent's code (`{path: text}`, e.g. the code saved with a log) with a competition's references.

    Args:
      agent_files: The agent's files; only .py and .ipynb are compared, the rest are listed as skipped.
      kernels_dir: The folder holding one subfolder of reference solutions per competition id.
      competition_id: Whose references to compare with.
      threshold: Dolos similarity (0-1) at or above which a pair flags the sample.
      top: How many of the most similar pairs to keep.
      dolos: Where `@dodona/dolos-lib` is installed (see `dolos_dir`).
      timeout_s: How long Dolos may run.
    """
    if not 0.0 <= threshold <= 1.0:
        raise PlagiarismCheckError(f"threshold must be between 0 and 1, got {threshold}")
    references = reference_files(kernels_dir, competition_id)
    sources, skipped = _agent_sources(agent_files)
    result = PlagiarismResult(
        competition_id=competition_id,
        threshold=threshold,
        agent_files=sorted(sources),
        reference_files=sorted(references),
        pairs=[],
        skipped=skipped,
    )
    if not sources:
        return result
    files: list[dict[str, object]] = [
        {"path": f"agent/{path}", "content": text, "agent": True} for path, text in sources.items()
    ]
    files += [{"path": f"reference/{path}", "content": text, "agent": False} for path, text in references.items()]
    raw = _run_dolos(files, dolos_dir(dolos), timeout_s)
    pairs = [
        SimilarPair(
            agent_file=p.agent.removeprefix("agent/"),
            reference_file=p.reference.removeprefix("reference/"),
            similarity=p.similarity,
            longest_fragment=p.longest,
            fragments=[
                Fragment(agent_lines=f.agent, reference_lines=f.reference, kgrams=f.kgrams)
                for f in sorted(p.fragments, key=lambda f: f.kgrams, reverse=True)[:MAX_FRAGMENTS]
            ],
        )
        for p in raw
    ]
    pairs.sort(key=lambda p: p.similarity, reverse=True)
    result.pairs = pairs[:top]
    result.max_similarity = pairs[0].similarity if pairs else 0.0
    return result


def competition_of(metadata: Mapping[str, object], sample_id: object) -> str:
    """A sample's competition id: its metadata's `competition_id`, else the sample id (as the task sets them)."""
    return str(metadata.get("competition_id") or sample_id)


def compare_sample(
    sample: EvalSample,
    kernels_dir: Path,
    *,
    threshold: float,
    top: int = DEFAULT_TOP,
    dolos: Path | None = None,
) -> PlagiarismResult:
    """`compare` for one sample of a log: the code saved with it against its competition's references."""
    code = saved_code_files(sample.store, sample.scores)
    return compare(
        code, kernels_dir, competition_of(sample.metadata, sample.id), threshold=threshold, top=top, dolos=dolos
    )


@scorer(metrics=[mean(), stderr()], name="integrity_plagiarism")
def integrity_plagiarism(kernels: str, threshold: float, top: int = DEFAULT_TOP, dolos: str | None = None) -> Scorer:
    """Flag a sample whose saved code is at least `threshold` similar to a reference kernel (1 = flagged).

    Args:
      kernels: The folder with one subfolder of reference solutions per competition id.
      threshold: Dolos similarity (0-1) at or above which a pair flags the sample.
      top: How many of the most similar pairs to keep in the score's metadata.
      dolos: Where `@dodona/dolos-lib` is installed (default: $INSPECT_MLEBENCH_DOLOS_DIR or the user cache).
    """

    async def score(state: TaskState, target: Target) -> Score:
        code = saved_code_files(dict(state.store.items()), state.scores)
        competition_id = competition_of(state.metadata, state.sample_id)
        run = functools.partial(
            compare,
            code,
            Path(kernels),
            competition_id,
            threshold=threshold,
            top=top,
            dolos=Path(dolos) if dolos else None,
        )
        result = await anyio.to_thread.run_sync(run)
        best = result.pairs[0] if result.pairs else None
        if not result.agent_files:
            explanation = "no Python code saved with this sample: nothing compared"
        elif best is None:
            explanation = "no shared fragments with any reference"
        else:
            explanation = f"most similar: {best.agent_file} ~ {best.reference_file} ({best.similarity:.2f})"
        return Score(
            value=1.0 if result.flagged else 0.0,
            answer="flagged" if result.flagged else "clean" if result.agent_files else "no code",
            explanation=explanation,
            metadata={PLAGIARISM_METADATA_KEY: result.model_dump(mode="json")},
        )

    return score
