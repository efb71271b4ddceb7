"""Per-competition Python: preparers, synthetic-data generators and custom graders, one module per competition.

Module name = competition id with `-` replaced by `_` (prefixed with `c_` where the id starts with a digit).
Each module provides what its YAML config references:

- `prepare(raw: Path, public: Path, private: Path) -> None` — reproduce upstream's split exactly (same source file,
  `test_size`, `random_state`, stratification, dropped columns, file names), writing what the agent may see into
  `public` and the answers into `private`. The sample submission always goes to `public`.
- `synthesize(out: Path, seed: int, size: int) -> None` — write a tiny raw dataset in the Kaggle download's layout
  (same file names, columns, id formats, media types) with a signal a simple model can learn.
- optionally `grade(submission: DataFrame, answers: DataFrame) -> float` — a custom grader, raising
  `InvalidSubmissionError` with a one-line reason, where the declarative spec cannot express the metric.
"""
