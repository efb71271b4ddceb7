"""Host-side format check of a node's submission (valid/invalid and why, never a score).

AIDE trusts the script and the reviewer; a node whose file has the wrong columns or ids would then become "best"
and score nothing. The task's sample metadata names the competition and the host data root, so the same check the
validator endpoint runs can be applied to every node before it may become best. The answers stay on the host.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import anyio
from inspect_ai.util import OutputLimitExceededError, sandbox

from inspect_mlebench.grading.leniency import GRADING_MODE_KEY


def _check(competition_id: str, path: Path, data_dir: str | None, mode: str) -> tuple[bool, str]:
    from inspect_mlebench.grading import validate  # pandas: only when a check runs
    from inspect_mlebench.grading.leniency import check_mode

    return validate(competition_id, path, data_dir, mode=check_mode(mode))


async def validate_node_submission(csv_path: str, metadata: dict[str, Any]) -> tuple[bool | None, str]:
    """(valid, reason) for a submission file in the sandbox; valid is None when no check could be made."""
    competition_id = metadata.get("competition_id")
    if not competition_id:
        return None, "not checked: the sample names no competition"
    try:
        content = await sandbox().read_file(csv_path, text=False)
    except (FileNotFoundError, OutputLimitExceededError, PermissionError) as err:
        return None, f"not checked: could not read the file ({type(err).__name__})"
    with tempfile.TemporaryDirectory(prefix="aide-validate-") as tmp:
        local = Path(tmp) / "submission.csv"
        local.write_bytes(content)
        try:
            return await anyio.to_thread.run_sync(
                _check,
                str(competition_id),
                local,
                metadata.get("data_dir"),
                str(metadata.get(GRADING_MODE_KEY) or "upstream"),
            )
        except Exception as err:  # a broken check must not end the search
            return None, f"not checked: the check failed ({type(err).__name__}: {err})"
