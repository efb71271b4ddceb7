# ruff: noqa: N999  (the module is named by the naming rule after the competition id, which has capitals)
"""AI4Code (Google AI4Code - Understand Code in Python Notebooks): put each notebook's shuffled markdown cells
back among its code cells, scored by Kaggle's global Kendall tau over all notebooks.

Upstream shuffles train_ancestors.csv (random_state=0), walks its ancestor groups in order of first appearance and
puts a whole group into the test set while it still fits in 20,000 notebooks, so no test notebook has a relative
in train. Notebook JSONs go to public/train and public/test; train_orders.csv splits into public train orders and the
private answers (test_orders.csv); public train_ancestors.csv is the shuffled table without the test notebooks; the
sample submission lists each test notebook's cells in their JSON order (code cells in order, then markdown).

Upstream's grader needs the answers' row count and set of ids; for each notebook the submitted order must be a
permutation of the true cells (a missing, unknown or repeated cell id is invalid). Kendall tau is global:
1 - 4 * (sum of inversions) / (sum of n(n - 1)) over notebooks.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from inspect_mlebench.grading import checks, metrics
from inspect_mlebench.grading.errors import InvalidSubmissionError
from inspect_mlebench.kit.media import place_files
from inspect_mlebench.kit.synth import hex_ids, rng, write_csv
from inspect_mlebench.tables import read_csv

ID = "id"
TARGET = "cell_order"
TEST_SIZE = 20_000  # upstream's number of test notebooks
SMALL_TEST_FRACTION = 0.2  # for tables too small to hold 20,000 out twice (only synthetic data is that small)


def held_out_count(n_notebooks: int, test_size: int) -> int:
    """Upstream's 20,000 test notebooks; a fifth of the notebooks for tables under twice that (synthetic data)."""
    return test_size if n_notebooks > 2 * test_size else max(1, round(SMALL_TEST_FRACTION * n_notebooks))


def split_by_ancestor(ancestors: pd.DataFrame, test_size: int) -> tuple[list[str], list[str]]:
    """(train ids, test ids): ancestor groups in order of first appearance, each wholly in test while it fits."""
    groups: dict[object, list[str]] = {}
    for notebook, ancestor in zip(ancestors[ID].tolist(), ancestors["ancestor_id"].tolist(), strict=True):
        groups.setdefault(ancestor, []).append(notebook)
    train: list[str] = []
    test: list[str] = []
    for members in groups.values():
        (test if len(test) + len(members) <= test_size else train).extend(members)
    if len(test) != test_size:
        raise ValueError(f"the ancestor groups fill {len(test)} test notebooks, not {test_size}")
    return train, test


def prepare(raw: Path, public: Path, private: Path, *, test_size: int = TEST_SIZE) -> None:
    ancestors = read_csv(raw / "train_ancestors.csv").sample(frac=1, random_state=0).reset_index(drop=True)
    train_ids, test_ids = split_by_ancestor(ancestors, held_out_count(len(ancestors), test_size))
    place_files(raw / "train", train_ids, public / "train", name="{id}.json")
    place_files(raw / "train", test_ids, public / "test", name="{id}.json")

    orders = read_csv(raw / "train_orders.csv")
    orders[orders[ID].isin(train_ids)].to_csv(public / "train_orders.csv", index=False)
    answers = orders[orders[ID].isin(test_ids)]
    answers.to_csv(private / "test_orders.csv", index=False)
    ancestors[~ancestors[ID].isin(test_ids)].to_csv(public / "train_ancestors.csv", index=False)

    def json_order(notebook: str) -> str:
        with (public / "test" / f"{notebook}.json").open(encoding="utf-8") as handle:
            return " ".join(json.load(handle)["cell_type"])

    sample = pd.DataFrame({ID: answers[ID].tolist(), TARGET: [json_order(n) for n in answers[ID]]})
    if len(sample) != len(test_ids):
        raise ValueError(f"train_orders.csv has {len(sample)} of the {len(test_ids)} test notebooks")
    sample.to_csv(public / "sample_submission.csv", index=False)


def grade(submission: pd.DataFrame, answers: pd.DataFrame) -> float:
    """Global Kendall tau of the submitted cell orders against the true ones, notebooks paired by id."""
    if len(submission) != len(answers):
        raise InvalidSubmissionError(f"submission has {len(submission)} rows but the answers have {len(answers)}")
    checks.require_columns(submission, [ID, TARGET])
    sub, ans = checks.align_by_id(submission, answers, ID)
    predicted = sub[TARGET].to_numpy(dtype=object)
    empty = pd.isna(predicted)
    if empty.any():
        ids = sub.loc[empty, ID]
        raise InvalidSubmissionError(
            f"column '{TARGET}' is empty for {int(empty.sum())} id(s), e.g. {checks.examples(ids)}"
        )
    truth = ans[TARGET].astype(str).to_numpy(dtype=object)
    predicted = np.array([str(p) for p in predicted], dtype=object)
    bad = [k for k, (t, p) in enumerate(zip(truth, predicted, strict=True)) if sorted(t.split()) != sorted(p.split())]
    if bad:
        raise InvalidSubmissionError(
            f"column '{TARGET}' must list each notebook's cells once each; it does not for {len(bad)} id(s), e.g. "
            f"{checks.examples(sub[ID].iloc[bad])}"
        )
    if sum(len(t.split()) > 1 for t in truth) == 0:
        raise InvalidSubmissionError("no notebook has two cells to order; Kendall tau is undefined")
    return metrics.kendall_tau_orders(truth, predicted)


# Synthetic data: notebooks walking through a small analysis. Each code cell does one step (load, clean, plot, fit,
# ...), and the markdown cell before it names that step, so matching words places the markdown; a few notebooks are
# forks of others (same ancestor). Kaggle's JSON keeps the code cells in order and appends the markdown shuffled.
STEPS = {
    "load": ("Load the data", "df = pd.read_csv('../input/data.csv')"),
    "inspect": ("Inspect the columns", "df.info()\ndf.describe()"),
    "clean": ("Clean missing values", "df = df.dropna()"),
    "plot": ("Plot the distribution", "df['target'].hist(bins=30)"),
    "features": ("Build features", "X = df.drop(columns=['target'])\ny = df['target']"),
    "split": ("Split train and validation", "X_tr, X_va, y_tr, y_va = train_test_split(X, y)"),
    "fit": ("Fit the model", "model = RandomForestRegressor().fit(X_tr, y_tr)"),
    "score": ("Score on validation", "print(mean_squared_error(y_va, model.predict(X_va)))"),
    "submit": ("Write the submission", "pd.DataFrame({'id': test.id, 'target': pred}).to_csv('submission.csv')"),
}


def _notebook(gen: np.random.Generator) -> tuple[dict[str, dict[str, str]], str]:
    """(Kaggle's JSON content, the true cell order)."""
    names = list(STEPS)
    steps = [names[0], *sorted(gen.choice(names[1:], int(gen.integers(2, 7)), replace=False), key=names.index)]
    cells: list[tuple[str, str, str]] = [("code", "import pandas as pd\nimport numpy as np", "")]
    for step in steps:
        title, code = STEPS[step]
        if gen.random() < 0.7:
            cells.append(("markdown", f"## {title}\nNext we {title.lower()}.", step))
        cells.append(("code", f"# {step}\n{code}", step))
    ids = hex_ids(gen, len(cells), 4)
    order = " ".join(ids)
    code_cells = [k for k, c in enumerate(cells) if c[0] == "code"]
    markdown = [int(k) for k in gen.permutation([k for k, c in enumerate(cells) if c[0] == "markdown"])]
    layout = code_cells + markdown
    content = {
        "cell_type": {ids[k]: cells[k][0] for k in layout},
        "source": {ids[k]: cells[k][1] for k in layout},
    }
    return content, order


def synthesize(out: Path, seed: int, size: int) -> None:
    """`size` training notebooks (about a sixth of them forks of another's ancestor) and 4 test notebooks."""
    gen = rng(seed, "AI4Code")
    notebook_ids = hex_ids(gen, size + 4, 7)
    train_ids, test_ids = notebook_ids[:size], notebook_ids[size:]
    ancestor_of: dict[str, str] = {}
    parent_of: dict[str, str | None] = {}
    own_ancestors = hex_ids(gen, size, 4)
    for k, notebook in enumerate(train_ids):
        if k >= 3 and gen.random() < 0.15:  # a fork of an earlier notebook
            parent = train_ids[int(gen.integers(0, k))]
            ancestor_of[notebook], parent_of[notebook] = ancestor_of[parent], parent
        else:
            ancestor_of[notebook], parent_of[notebook] = own_ancestors[k], None
    orders = {}
    for notebook in notebook_ids:
        content, order = _notebook(gen)
        path = out / ("train" if notebook in ancestor_of else "test") / f"{notebook}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content), encoding="utf-8")
        orders[notebook] = (order, " ".join(content["cell_type"]))
    ordered = sorted(train_ids)
    write_csv(pd.DataFrame({ID: ordered, TARGET: [orders[n][0] for n in ordered]}), out / "train_orders.csv")
    write_csv(
        pd.DataFrame(
            {
                ID: ordered,
                "ancestor_id": [ancestor_of[n] for n in ordered],
                "parent_id": [parent_of[n] for n in ordered],
            }
        ),
        out / "train_ancestors.csv",
    )
    write_csv(pd.DataFrame({ID: test_ids, TARGET: [orders[n][1] for n in test_ids]}), out / "sample_submission.csv")
