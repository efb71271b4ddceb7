"""Upstream's `description.md` of a competition (Kaggle's text, not redistributed here): fetched at the pinned
commit, cached on disk, and written where the agent reads it."""

from __future__ import annotations

import io
import logging
import time
from pathlib import Path

from platformdirs import user_cache_dir

from inspect_mlebench._version import UPSTREAM_COMMIT
from inspect_mlebench.config import Competition
from inspect_mlebench.data.upstream_files.fetch import (
    DEFAULT_RETRIES,
    DEFAULT_TIMEOUT_S,
    FILE_MODE,
    LFS_POINTER_PREFIX,
    RAW_URL_ENV,
    Sleep,
    UpstreamFetchError,
    description_filename,
    description_url,
    download,
    error_text,
)
from inspect_mlebench.util import atomic_write

logger = logging.getLogger(__name__)


def description_cache_path(comp: Competition, *, obfuscated: bool = False, cache_dir: Path | None = None) -> Path:
    """`<cache>/<commit>/<id>/<file>`, where `<cache>` is `cache_dir` or the user cache dir's `descriptions/`."""
    root = cache_dir if cache_dir is not None else Path(user_cache_dir("inspect-mlebench")) / "descriptions"
    return root / UPSTREAM_COMMIT / comp.id / description_filename(obfuscated=obfuscated)


def _decode(data: bytes) -> str:
    """As upstream reads it (`Path.read_text`): UTF-8 with universal newlines."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def fetch_description(
    comp: Competition,
    *,
    obfuscated: bool = False,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = time.sleep,
) -> str:
    """Upstream's `description.md` (or `description_obfuscated.md`) at the pinned commit, cached on disk."""
    path = description_cache_path(comp, obfuscated=obfuscated, cache_dir=cache_dir)
    try:
        return _decode(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as err:
        logger.warning("ignoring unreadable cached description %s (%s)", path, error_text(err))

    url = description_url(comp.id, obfuscated=obfuscated)
    hint = f"download {url} elsewhere and put it at {path}"
    buffer = io.BytesIO()
    _, size, head = download(url, buffer, timeout=timeout, retries=retries, sleep=sleep, hint=hint)
    data = buffer.getvalue()
    if head.startswith(LFS_POINTER_PREFIX):
        raise UpstreamFetchError(f"{url} is a git-LFS pointer, not a description; check ${RAW_URL_ENV} or {hint}")
    try:
        text = _decode(data)
    except UnicodeDecodeError as err:
        raise UpstreamFetchError(
            f"{url} is not UTF-8 text ({error_text(err)}); check ${RAW_URL_ENV} or {hint}"
        ) from err
    if size == 0 or not text.strip():
        raise UpstreamFetchError(f"{url} is empty; check ${RAW_URL_ENV} or {hint}")
    try:
        atomic_write(path, data, mode=FILE_MODE)
    except OSError as err:  # a read-only cache must not stop a prepare that has the text in hand
        logger.warning("could not cache the description at %s (%s)", path, error_text(err))
    return text


def write_description(
    comp: Competition,
    public_dir: Path,
    *,
    obfuscated: bool = False,
    cache_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    retries: int = DEFAULT_RETRIES,
    sleep: Sleep = time.sleep,
) -> Path:
    """Write the description to `public_dir/description.md`, the file the agent reads (as upstream's prepare does)."""
    text = fetch_description(
        comp, obfuscated=obfuscated, cache_dir=cache_dir, timeout=timeout, retries=retries, sleep=sleep
    )
    data = text.encode("utf-8")
    return atomic_write(Path(public_dir) / "description.md", data, mode=FILE_MODE)
