"""Runs the original AIDE (`aideml`) inside the agent container; copied there by the `aideml` preset.

Not imported on the host. aideml's own `aide` command drives its loop through a full-screen progress display and
ends with an LLM-written report; it keeps only the last step's submission in its `working/` folder. This runs the
same loop (aideml's config loading, workspace, Agent, Interpreter and journal saving, configured by the same
`key=value` arguments) without the display and the report, and after each step that yields a new best node copies
that node's submission.csv to $SUBMISSION_DIR and its code to $CODE_DIR, as upstream's fork of aideml did, so the
graded file is always the best solution's, whenever the run is stopped. Each step prints one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from aide.agent import Agent  # type: ignore[import-not-found]
from aide.interpreter import Interpreter  # type: ignore[import-not-found]
from aide.journal import Journal  # type: ignore[import-not-found]
from aide.utils.config import (  # type: ignore[import-not-found]
    _load_cfg,
    load_task_desc,
    prep_agent_workspace,
    prep_cfg,
    save_run,
)
from omegaconf import OmegaConf  # type: ignore[import-not-found]


def _atomic_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    shutil.copyfile(source, partial)
    partial.replace(target)


def _metric(node: Any) -> float | None:
    value = getattr(node.metric, "value", None)
    return float(value) if isinstance(value, int | float) else None


def main() -> int:
    cfg = prep_cfg(_load_cfg(use_cli_args=True))  # `key=value` arguments, as aideml's own command takes them
    submission_dir = Path(os.environ.get("SUBMISSION_DIR", "/home/submission"))
    code_dir = Path(os.environ.get("CODE_DIR", "/home/code"))
    task_desc = load_task_desc(cfg)
    prep_agent_workspace(cfg)
    journal = Journal()
    agent = Agent(task_desc=task_desc, cfg=cfg, journal=journal)
    interpreter = Interpreter(cfg.workspace_dir, **OmegaConf.to_container(cfg.exec))
    produced = Path(cfg.workspace_dir) / "working" / "submission.csv"
    best_id = None
    steps_file = Path(os.environ.get("AIDEML_STEPS_FILE", Path(cfg.log_dir) / "steps.jsonl"))
    steps_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        while len(journal) < cfg.agent.steps:
            produced.unlink(missing_ok=True)  # a node that writes none must not inherit its predecessor's
            started = time.monotonic()
            agent.step(exec_callback=interpreter.run)
            save_run(cfg, journal)
            node = journal.nodes[-1]
            best = journal.get_best_node(only_good=True)
            promoted = False
            digest = hashlib.sha256(produced.read_bytes()).hexdigest() if produced.is_file() else None
            if best is node and best.id != best_id and produced.is_file():
                _atomic_copy(produced, submission_dir / "submission.csv")
                (code_dir / "best_solution.py").write_text(node.code)
                best_id = best.id
                promoted = True
            line = {
                "step": len(journal),
                "node": node.id,
                "stage": "draft" if node.parent is None else ("debug" if node.parent.is_buggy else "improve"),
                "buggy": bool(node.is_buggy),
                "metric": _metric(node),
                "submission_sha256": digest,
                "analysis": str(node.analysis or "")[:300],
                "best": best.id if best is not None else None,
                "promoted": promoted,
                "seconds": round(time.monotonic() - started, 1),
            }
            print(json.dumps(line), flush=True)
            with steps_file.open("a") as f:
                f.write(json.dumps(line) + "\n")
    finally:
        interpreter.cleanup_session()
    return 0


if __name__ == "__main__":
    sys.exit(main())
