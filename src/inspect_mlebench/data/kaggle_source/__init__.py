"""Download competition zips from Kaggle, with every access problem reported up front and transient failures retried.

A benchmark run needs dozens of competitions; finding out after an hour of downloads that the rules of the 40th were
never accepted wastes that hour. So `check_access` probes every requested competition first and returns all the
problems at once, each with the fix (the rules URL, or `--from-zip` where Kaggle no longer lets new users accept the
rules). `download_competition_zip` then retries rate limits and transient server or network errors with exponential
backoff, never the errors a retry cannot fix (401, 403, 404), and moves the zip into place only once it is complete
and, when an md5 is given, verified.

The `kaggle` package is imported lazily: importing it authenticates at import time (printing help, or touching the
network when a token is configured), which neither `inspect-mlebench list` nor the tests should pay for. Every
function takes an `api` argument with the methods of `kaggle.api.kaggle_api_extended.KaggleApi` used here, so tests
can stand in for Kaggle at its real boundary.
"""

from __future__ import annotations

from inspect_mlebench.data.kaggle_source.client import KaggleApiLike, credentials_problem, default_api
from inspect_mlebench.data.kaggle_source.download import AccessProblem, check_access, download_competition_zip
from inspect_mlebench.data.kaggle_source.errors import TOKEN_URL, ErrorKind, KaggleError, rules_url

__all__ = [
    "TOKEN_URL",
    "AccessProblem",
    "ErrorKind",
    "KaggleApiLike",
    "KaggleError",
    "check_access",
    "credentials_problem",
    "default_api",
    "download_competition_zip",
    "rules_url",
]
