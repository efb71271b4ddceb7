"""The data directory, laid out as upstream's `mlebench prepare` lays it out, so existing data dirs work unchanged.

<data_dir>/<id>/prepared/public/    what the agent sees
<data_dir>/<id>/prepared/private/   the answers (never mounted into the agent's container)
<data_dir>/<id>/leaderboard.csv     added by this project
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir

DATA_DIR_ENV = "INSPECT_MLEBENCH_DATA_DIR"


def default_data_dir() -> Path:
    """`$INSPECT_MLEBENCH_DATA_DIR`, else the user cache dir (e.g. ~/.cache/inspect-mlebench/data)."""
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env).expanduser() if env else Path(user_cache_dir("inspect-mlebench")) / "data"


def resolve_data_dir(data_dir: str | Path | None) -> Path:
    return Path(data_dir).expanduser() if data_dir else default_data_dir()


def synthetic_data_dir(data_dir: str | Path | None) -> Path:
    """Where synthetic data goes: the given dir, else `synthetic/` under the default one, so generated data never
    sits where a real run would take it for the competition's real data."""
    return Path(data_dir).expanduser() if data_dir else default_data_dir() / "synthetic"


def competition_dir(data_dir: str | Path | None, competition_id: str) -> Path:
    return resolve_data_dir(data_dir) / competition_id


def public_dir(data_dir: str | Path | None, competition_id: str) -> Path:
    return competition_dir(data_dir, competition_id) / "prepared" / "public"


def private_dir(data_dir: str | Path | None, competition_id: str) -> Path:
    return competition_dir(data_dir, competition_id) / "prepared" / "private"


def leaderboard_path(data_dir: str | Path | None, competition_id: str) -> Path:
    return competition_dir(data_dir, competition_id) / "leaderboard.csv"
