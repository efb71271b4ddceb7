"""The plagiarism check: Dolos similarity of the agent's code with reference kernels the user supplies."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from inspect_ai import Task, eval, score
from inspect_ai.dataset import Sample
from inspect_ai.log import read_eval_log
from inspect_ai.model import ModelOutput, ModelUsage, get_model
from inspect_ai.solver import Generate, Solver, TaskState, generate, solver

from inspect_mlebench.integrity.notebooks import notebook_to_python
from inspect_mlebench.integrity.plagiarism import (
    PLAGIARISM_METADATA_KEY,
    PlagiarismCheckError,
    compare,
    compare_sample,
    dolos_dir,
    integrity_plagiarism,
)

COMPETITION = "spaceship-titanic"

KERNEL = """\
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import cross_val_score


def add_features(df):
    df = df.copy()
    df[["Deck", "Num", "Side"]] = df["Cabin"].str.split("/", expand=True)
    df["Num"] = pd.to_numeric(df["Num"], errors="coerce")
    spend = ["RoomService", "FoodCourt", "ShoppingMall", "Spa", "VRDeck"]
    df[spend] = df[spend].fillna(0)
    df["TotalSpend"] = df[spend].sum(axis=1)
    df["NoSpend"] = (df["TotalSpend"] == 0).astype(int)
    df["Group"] = df["PassengerId"].str.split("_").str[0].astype(int)
    for col in ["HomePlanet", "Destination", "Deck", "Side"]:
        df[col] = df[col].fillna("missing").astype("category").cat.codes
    df["CryoSleep"] = df["CryoSleep"].fillna(False).astype(int)
    df["VIP"] = df["VIP"].fillna(False).astype(int)
    df["Age"] = df["Age"].fillna(df["Age"].median())
    return df.drop(columns=["Name", "Cabin"])


def build_model():
    return GradientBoostingClassifier(n_estimators=300, learning_rate=0.05, max_depth=4, subsample=0.8)


train = add_features(pd.read_csv("../input/spaceship-titanic/train.csv"))
test = add_features(pd.read_csv("../input/spaceship-titanic/test.csv"))
features = [c for c in train.columns if c not in ("PassengerId", "Transported")]
model = build_model()
scores = cross_val_score(model, train[features], train["Transported"], cv=5)
print("cv accuracy", np.mean(scores))
model.fit(train[features], train["Transported"])
pd.DataFrame({"PassengerId": test["PassengerId"], "Transported": model.predict(test[features])}).to_csv(
    "submission.csv", index=False
)
"""

# The kernel with every name changed and the two functions swapped: what a copying agent would write.
COPIED = """\
import numpy as np
import pandas as pd
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import cross_val_score


def make_classifier():
    return GradientBoostingClassifier(n_estimators=300, learning_rate=0.05, max_depth=4, subsample=0.8)


def engineer(frame):
    frame = frame.copy()
    frame[["Deck", "Num", "Side"]] = frame["Cabin"].str.split("/", expand=True)
    frame["Num"] = pd.to_numeric(frame["Num"], errors="coerce")
    costs = ["RoomService", "FoodCourt", "ShoppingMall", "Spa", "VRDeck"]
    frame[costs] = frame[costs].fillna(0)
    frame["TotalSpend"] = frame[costs].sum(axis=1)
    frame["NoSpend"] = (frame["TotalSpend"] == 0).astype(int)
    frame["Group"] = frame["PassengerId"].str.split("_").str[0].astype(int)
    for name in ["HomePlanet", "Destination", "Deck", "Side"]:
        frame[name] = frame[name].fillna("missing").astype("category").cat.codes
    frame["CryoSleep"] = frame["CryoSleep"].fillna(False).astype(int)
    frame["VIP"] = frame["VIP"].fillna(False).astype(int)
    frame["Age"] = frame["Age"].fillna(frame["Age"].median())
    return frame.drop(columns=["Name", "Cabin"])


tr = engineer(pd.read_csv("/home/data/train.csv"))
te = engineer(pd.read_csv("/home/data/test.csv"))
cols = [c for c in tr.columns if c not in ("PassengerId", "Transported")]
clf = make_classifier()
cv = cross_val_score(clf, tr[cols], tr["Transported"], cv=5)
print("cv accuracy", np.mean(cv))
clf.fit(tr[cols], tr["Transported"])
pd.DataFrame({"PassengerId": te["PassengerId"], "Transported": clf.predict(te[cols])}).to_csv(
    "/home/submission/submission.csv", index=False
)
"""

# The agent's own work on the same task: a different model, different features, different structure.
OWN = """\
import json
import sys
from pathlib import Path

import torch
from torch import nn

DATA = Path(sys.argv[1])


class Net(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(width, 64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 1))

    def forward(self, x):
        return self.layers(x).squeeze(-1)


def load(name):
    rows = [line.rstrip("\\n").split(",") for line in (DATA / name).open()]
    header, body = rows[0], rows[1:]
    numeric = [i for i, h in enumerate(header) if h in {"Age", "Spa", "VRDeck"}]
    x = torch.tensor([[float(r[i] or 0) for i in numeric] for r in body])
    return header, body, (x - x.mean(0)) / (x.std(0) + 1e-6)


def train(x, y, epochs=50):
    net = Net(x.shape[1])
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    for epoch in range(epochs):
        opt.zero_grad()
        loss = nn.functional.binary_cross_entropy_with_logits(net(x), y)
        loss.backward()
        opt.step()
        if epoch % 10 == 0:
            print(json.dumps({"epoch": epoch, "loss": loss.item()}))
    return net
"""


def _dolos_missing() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed"
    if not (dolos_dir() / "node_modules" / "@dodona" / "dolos-lib").is_dir():
        return f"Dolos is not installed: npm install --prefix {dolos_dir()} @dodona/dolos-lib@3"
    return None


# CI installs Dolos and sets INSPECT_MLEBENCH_REQUIRE_DOLOS=1: there a missing Dolos fails these tests instead of
# skipping them.
_REQUIRED = os.environ.get("INSPECT_MLEBENCH_REQUIRE_DOLOS") == "1"
needs_dolos = pytest.mark.skipif(_dolos_missing() is not None and not _REQUIRED, reason=_dolos_missing() or "")


def _kernels(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "kernels"
    for name, text in files.items():
        path = root / COMPETITION / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# A top kernel\n"]}]
            + [
                {"cell_type": "code", "metadata": {}, "source": c, "outputs": [], "execution_count": None}
                for c in cells
            ],
        }
    )


@needs_dolos
def test_copied_kernel_is_flagged_with_fragments(tmp_path: Path) -> None:
    kernels = _kernels(tmp_path, {"top-gbm.py": KERNEL, "other.py": OWN.replace("Net", "Model")})
    result = compare({"/home/code/solve.py": COPIED}, kernels, COMPETITION, threshold=0.6)
    assert result.flagged
    best = result.pairs[0]
    assert (best.agent_file, best.reference_file) == ("/home/code/solve.py", "top-gbm.py")
    assert best.similarity >= 0.6
    assert best.fragments
    # the feature function: agent lines 11-25 match kernel lines 7-21, whatever the names and order
    assert best.fragments[0].agent_lines == (11, 25)
    assert best.fragments[0].reference_lines == (7, 21)
    assert result.flagged_pairs == [best]


@needs_dolos
def test_own_code_is_below_the_threshold(tmp_path: Path) -> None:
    kernels = _kernels(tmp_path, {"top-gbm.py": KERNEL})
    result = compare({"/home/code/train.py": OWN, "/home/code/notes.md": "plan"}, kernels, COMPETITION, threshold=0.6)
    assert not result.flagged
    assert result.max_similarity < 0.3
    assert [s.path for s in result.skipped] == ["/home/code/notes.md"]


@needs_dolos
def test_notebook_kernels_and_agents_are_compared_by_their_code_cells(tmp_path: Path) -> None:
    functions, script = KERNEL.split("\n\ntrain = ", 1)
    kernels = _kernels(tmp_path, {"nb/top.ipynb": _notebook([functions, "!pip list\ntrain = " + script])})
    agent = {"/home/code/work.ipynb": _notebook([COPIED])}
    result = compare(agent, kernels, COMPETITION, threshold=0.6)
    assert result.reference_files == ["nb/top.ipynb"]
    assert result.flagged
    assert result.pairs[0].reference_file == "nb/top.ipynb"


def test_notebook_to_python_keeps_cell_lines() -> None:
    script = notebook_to_python(_notebook(["%matplotlib inline\nx = 1", "print(x)"]))
    assert script == "# %% [cell 1]\n# %matplotlib inline\nx = 1\n\n# %% [cell 2]\nprint(x)\n"


def test_bad_input_has_one_line_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agent = {"solve.py": COPIED}
    with pytest.raises(PlagiarismCheckError, match=r"kernels folder .* does not exist"):
        compare(agent, tmp_path / "nowhere", COMPETITION, threshold=0.5)
    kernels = _kernels(tmp_path, {"README.txt": "no code here"})
    with pytest.raises(PlagiarismCheckError, match=f"no reference kernels for {COMPETITION}"):
        compare(agent, kernels, COMPETITION, threshold=0.5)
    (kernels / COMPETITION / "broken.ipynb").write_text("{not json")
    with pytest.raises(PlagiarismCheckError, match=r"broken\.ipynb.*not a notebook"):
        compare(agent, kernels, COMPETITION, threshold=0.5)
    (kernels / COMPETITION / "broken.ipynb").unlink()
    (kernels / COMPETITION / "k.py").write_text(KERNEL)
    with pytest.raises(PlagiarismCheckError, match="threshold must be between 0 and 1"):
        compare(agent, kernels, COMPETITION, threshold=60)
    if shutil.which("node") is not None:
        with pytest.raises(PlagiarismCheckError, match=r"Dolos is not installed in .*npm install --prefix"):
            compare(agent, kernels, COMPETITION, threshold=0.5, dolos=tmp_path / "empty")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(PlagiarismCheckError, match=r"Node.js \(node\) is not on PATH"):
        compare(agent, kernels, COMPETITION, threshold=0.5)


def test_no_agent_code_compares_nothing(tmp_path: Path) -> None:
    kernels = _kernels(tmp_path, {"k.py": KERNEL})
    result = compare({"run.sh": "python train.py"}, kernels, COMPETITION, threshold=0.5)
    assert not result.flagged
    assert result.pairs == []
    assert result.agent_files == []
    assert result.reference_files == ["k.py"]


@solver
def _save_code(code: str) -> Solver:
    """Stands in for the evidence step: the agent's code in the sample store, as the evidence step keeps it."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        state.store.set("mlebench:evidence", {"files": [{"path": "/home/code/solve.py", "text": code}]})
        return state

    return solve


def _log_with_code(tmp_path: Path, code: str) -> Path:
    output = ModelOutput.from_content("mockllm/model", "done")
    output.usage = ModelUsage(input_tokens=10, output_tokens=2, total_tokens=12)  # else mockllm fetches a tokenizer
    sample = Sample(input="Solve it.", id=COMPETITION, metadata={"competition_id": COMPETITION})
    task = Task(dataset=[sample], solver=[_save_code(code), generate()])
    [log] = eval(
        task, model=get_model("mockllm/model", custom_outputs=[output]), log_dir=str(tmp_path / "logs"), display="none"
    )
    assert log.status == "success", log.error
    return Path(log.location)


@needs_dolos
def test_scorer_and_compare_sample_read_the_code_saved_in_the_log(tmp_path: Path) -> None:
    kernels = _kernels(tmp_path, {"top-gbm.py": KERNEL})
    copied = read_eval_log(str(_log_with_code(tmp_path / "copied", COPIED)))
    own = read_eval_log(str(_log_with_code(tmp_path / "own", OWN)))
    assert copied.samples is not None
    assert own.samples is not None
    assert compare_sample(copied.samples[0], kernels, threshold=0.6).flagged
    assert not compare_sample(own.samples[0], kernels, threshold=0.6).flagged

    scored = score(copied, integrity_plagiarism(kernels=str(kernels), threshold=0.6), display="none")
    assert scored.samples is not None
    result = scored.samples[0].scores["integrity_plagiarism"]  # type: ignore[index]
    assert result.value == 1.0
    assert result.answer == "flagged"
    assert result.metadata is not None
    best = result.metadata[PLAGIARISM_METADATA_KEY]["pairs"][0]
    assert (best["agent_file"], best["reference_file"]) == ("/home/code/solve.py", "top-gbm.py")
    assert best["similarity"] >= 0.6
