"""Checking a submission's bytes on the host with the competition's own checks: valid/invalid and why, never a
score and never the warnings upstream-mode grading collects. The one path every agent-facing check takes (the
`validate_submission` tool, submission snapshots, AIDE's node check); the answers never leave the host."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import anyio

from inspect_mlebench.grading.leniency import GRADING_MODE_KEY


def _validate_file(competition_id: str, path: Path, data_dir: str | None, mode: str) -> tuple[bool, str]:
    from inspect_mlebench.grading import validate
    from inspect_mlebench.grading.leniency import check_mode

    # valid/invalid and the reason only: the warnings upstream-mode grading collects are never shown to the agent
    return validate(competition_id, path, data_dir, mode=check_mode(mode))


async def validate_csv_bytes(data: bytes, metadata: dict[str, Any]) -> tuple[bool | None, str]:
    """Validate submission bytes on the host with the competition's checks, in a worker thread (pandas).
    None when the sample does not say which competition it is."""
    competition_id = metadata.get("competition_id")
    if not competition_id:
        return None, "not validated: the sample names no competition"
    data_dir = metadata.get("data_dir")
    mode = str(metadata.get(GRADING_MODE_KEY) or "upstream")
    with tempfile.TemporaryDirectory(prefix="mle-validate-") as tmp:
        path = Path(tmp) / "submission.csv"
        path.write_bytes(data)
        try:
            valid, reason = await anyio.to_thread.run_sync(_validate_file, str(competition_id), path, data_dir, mode)
        except Exception as err:  # a grading crash is a tool answer, not an agent crash
            return None, f"validation failed to run: {type(err).__name__}: {err}"
    return valid, reason
