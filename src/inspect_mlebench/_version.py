"""Versions: this package's release, and the upstream MLE-bench commit whose grading and data it reproduces."""

__version__ = "0.1.0"

# openai/mle-bench at this commit defines grading, preparation, splits and leaderboards.
UPSTREAM_COMMIT = "783b15af77404fbaffe7255b0c4a934b46153389"

# The task's version (Inspect's `Task(version=...)`), in inspect_evals' scheme "<comparability>-<interface>": the
# number changes when results stop being comparable with earlier runs (competitions, grading, prompt, defaults, the
# agent's setting), the letter when only the interface changes (parameters added, names). Not the package version:
# a release that changes neither keeps it. Every change is recorded in the README's changelog.
TASK_VERSION = "1-A"
