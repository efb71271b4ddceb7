"""The authenticated Kaggle client, and which Kaggle credentials are configured (found without importing
`kaggle`, which authenticates at import time).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from inspect_mlebench.data.kaggle_source.errors import TOKEN_URL, KaggleError, call_with_retries
from inspect_mlebench.util import one_line


class KaggleApiLike(Protocol):
    """The part of `kaggle.api.kaggle_api_extended.KaggleApi` this package calls (a fake in tests)."""

    def build_kaggle_client(self) -> Any: ...

    def competition_download_files(
        self,
        competition: str,
        path: str | None = None,
        force: bool = False,
        quiet: bool = True,
        unzip: bool = False,
    ) -> None: ...


def _kaggle_config_dir() -> Path:
    """Where the kaggle client looks for kaggle.json (mirrors `KaggleApi.config_dir`)."""
    configured = os.environ.get("KAGGLE_CONFIG_DIR")
    if configured:
        return Path(configured).expanduser()
    legacy = Path.home() / ".kaggle"
    if sys.platform.startswith("linux") and not legacy.exists():
        xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
        return Path(xdg) / "kaggle"
    return legacy


def _read_json_dict(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _nonempty_file(path: Path) -> bool:
    try:
        return path.is_file() and bool(path.read_text(encoding="utf-8").strip())
    except (OSError, UnicodeDecodeError):
        return False


def credentials_problem() -> str | None:
    """None when some Kaggle credential style is configured, else a one-line message saying how to configure one.

    Checked without importing `kaggle`, in the order the client tries them: an API token (`KAGGLE_API_TOKEN`, or
    `~/.kaggle/access_token`), the OAuth credentials of `kaggle auth login`, a legacy key (`kaggle.json`, or
    `KAGGLE_USERNAME` + `KAGGLE_KEY`, which override its fields). Whether Kaggle accepts them is only known online.
    """
    if os.environ.get("KAGGLE_API_TOKEN", "").strip():
        return None
    kaggle_home = Path.home() / ".kaggle"
    if any(_nonempty_file(kaggle_home / name) for name in ("access_token", "access_token.txt")):
        return None
    if _read_json_dict(kaggle_home / "credentials.json").get("refresh_token"):
        return None
    notebook_token = os.environ.get("KAGGLE_API_V1_TOKEN")
    in_notebook = os.environ.get("KAGGLE_KERNEL_RUN_TYPE") and os.environ.get("KAGGLE_DATA_PROXY_URL")
    if in_notebook and notebook_token and _nonempty_file(Path(notebook_token)):
        return None
    kaggle_json = _kaggle_config_dir() / "kaggle.json"
    legacy = _read_json_dict(kaggle_json)
    legacy.update({k[len("KAGGLE_") :].lower(): v for k, v in os.environ.items() if k.startswith("KAGGLE_")})
    if legacy.get("username") and legacy.get("key"):
        return None
    found = f' ({kaggle_json} exists but lacks "username" or "key")' if kaggle_json.is_file() else ""
    return (
        f"no Kaggle credentials found{found}: save a legacy API key as {kaggle_json} "
        '({"username": ..., "key": ...}; the folder can be moved with $KAGGLE_CONFIG_DIR), or set the '
        "KAGGLE_API_TOKEN environment variable to an API token (or save the token as ~/.kaggle/access_token); "
        f"create either at {TOKEN_URL}"
    )


def default_api(*, max_attempts: int = 5, sleep: Callable[[float], None] = time.sleep) -> KaggleApiLike:
    """An authenticated `KaggleApi`, built once and shared by the access check and the downloads.

    Raises KaggleError (kind auth, or network when the token check cannot reach Kaggle) instead of the client's
    printed help and `exit(1)`.
    """
    problem = credentials_problem()
    if problem is not None:
        raise KaggleError(problem, kind="auth")
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            # `kaggle/__init__.py` authenticates a module-level client on import and prints help when that fails;
            # 2.x swallows the failure, older releases raised or exited.
            from kaggle.api.kaggle_api_extended import KaggleApi
        except (Exception, SystemExit) as err:
            detail = one_line(err, 200) or type(err).__name__
            raise KaggleError(
                f"the kaggle client failed to start ({detail}); check the credentials or create a token at {TOKEN_URL}",
                kind="auth",
            ) from None

    api = KaggleApi()

    def authenticate() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                api.authenticate()
            except SystemExit:
                # An invalid or expired access token is skipped silently, then nothing else is left to try.
                raise KaggleError(
                    "Kaggle did not accept the configured credentials (an expired or revoked KAGGLE_API_TOKEN or "
                    f"~/.kaggle/access_token is ignored); create a new token at {TOKEN_URL}",
                    kind="auth",
                ) from None

    call_with_retries(authenticate, None, max_attempts=max_attempts, sleep=sleep)
    return api  # type: ignore[no-any-return]
