"""Versions: this package's release, and the upstream MLE-bench commit whose grading and data it reproduces."""

__version__ = "0.1.0"

# openai/mle-bench at this commit defines grading, preparation, splits and leaderboards.
UPSTREAM_COMMIT = "783b15af77404fbaffe7255b0c4a934b46153389"
