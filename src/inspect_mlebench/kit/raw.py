"""Reading files out of a raw Kaggle download without changing it."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pandas as pd

from inspect_mlebench.tables import read_csv


def read_zipped_csv(archive: Path, member: str) -> pd.DataFrame:
    """One CSV out of a Kaggle zip, extracted to a scratch dir (the raw download stays as it is) and read as the
    graders read CSVs."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(archive) as zf:
        return read_csv(zf.extract(member, tmp))
