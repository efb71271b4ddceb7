"""Host-side format check of a node's submission (valid/invalid and why, never a score).

AIDE trusts the script and the reviewer; a node whose file has the wrong columns or ids would then become "best"
and score nothing. The task's sample metadata names the competition and the host data root, so the same check the
validator endpoint runs can be applied to every node before it may become best. The answers stay on the host.
"""

from __future__ import annotations

from typing import Any

from inspect_ai.util import OutputLimitExceededError, sandbox

from inspect_mlebench.solvers.host_check import validate_csv_bytes


async def validate_node_submission(csv_path: str, metadata: dict[str, Any]) -> tuple[bool | None, str]:
    """(valid, reason) for a submission file in the sandbox; valid is None when no check could be made."""
    try:
        content = await sandbox().read_file(csv_path, text=False)
    except (FileNotFoundError, OutputLimitExceededError, PermissionError) as err:
        return None, f"not checked: could not read the file ({type(err).__name__})"
    return await validate_csv_bytes(content, metadata)
