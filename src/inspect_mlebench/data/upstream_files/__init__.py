"""Files that exist only in upstream's repository: each competition's `leaderboard.csv` and `description.md`.

They are fetched at the pinned upstream commit instead of being vendored. The leaderboards are git-LFS objects
upstream, and a download is accepted only if it matches the sha256 and size recorded in the registry, so medals come
from exactly upstream's table. The descriptions are Kaggle's text, which this repository does not redistribute.
Every write goes to a temporary file in the destination directory and is renamed into place, so a killed or failed
fetch never leaves a partial file. Both base URLs can be overridden (mirrors, tests) through environment variables.
"""

from __future__ import annotations

from inspect_mlebench._version import UPSTREAM_COMMIT
from inspect_mlebench.data.upstream_files.descriptions import (
    description_cache_path,
    fetch_description,
    write_description,
)
from inspect_mlebench.data.upstream_files.fetch import (
    DEFAULT_MEDIA_URL,
    DEFAULT_RAW_URL,
    MEDIA_URL_ENV,
    RAW_URL_ENV,
    UPSTREAM_REPO,
    UpstreamFetchError,
    description_filename,
    description_url,
    leaderboard_url,
    media_base_url,
    raw_base_url,
)
from inspect_mlebench.data.upstream_files.leaderboards import fetch_leaderboard, leaderboard_is_valid

__all__ = [
    "DEFAULT_MEDIA_URL",
    "DEFAULT_RAW_URL",
    "MEDIA_URL_ENV",
    "RAW_URL_ENV",
    "UPSTREAM_COMMIT",
    "UPSTREAM_REPO",
    "UpstreamFetchError",
    "description_cache_path",
    "description_filename",
    "description_url",
    "fetch_description",
    "fetch_leaderboard",
    "leaderboard_is_valid",
    "leaderboard_url",
    "media_base_url",
    "raw_base_url",
    "write_description",
]
