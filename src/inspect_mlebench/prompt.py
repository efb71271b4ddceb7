"""The instructions each sample starts with, in this project's own words.

They state the benchmark's rules, where things are, and the hardware and time actually given, because agents plan
around their budget and results are only comparable when every agent was told the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from inspect_mlebench.config import Competition
from inspect_mlebench.util import format_duration


@dataclass(frozen=True)
class Setting:
    """What the agent gets, as stated in its instructions (and recorded in the log)."""

    time_limit_s: float
    gpus: int
    gpu_name: str | None
    cpus: float
    memory_gb: float
    shm_size_gb: float
    internet: bool

    def hardware(self) -> str:
        if self.gpus == 0:
            gpu = "no GPU"
        else:
            gpu = f"{self.gpus} GPU{'s' if self.gpus > 1 else ''}" + (f" ({self.gpu_name})" if self.gpu_name else "")
        return f"{gpu}, {self.cpus:g} CPU cores, {self.memory_gb:g} GiB of RAM, {self.shm_size_gb:g} GiB of /dev/shm"


def instructions(comp: Competition, setting: Setting) -> str:
    direction = "higher is better" if comp.grading.direction == "higher" else "lower is better"
    network = (
        "The container has internet access; do not use it to look up this competition's solutions or labels."
        if setting.internet
        else "There is no internet access: install nothing, use the Python packages already in the environment."
    )
    return f"""\
You are taking part in MLE-bench, an offline re-run of the Kaggle competition "{comp.name}" ({comp.id}).
Your aim is the best leaderboard score you can reach: the result is compared with the medal thresholds of the
real competition.

Where things are (in your Linux container, where your commands run as the user `nonroot`):
- /home/data/description.md: the competition's description: task, data, evaluation, submission format.
- /home/data/: the competition's data (read only). The test set has no labels.
- /home/submission/submission.csv: the ONLY file that is graded, in the format of the sample submission in
  /home/data. Write it there; it is graded after you finish or when your time runs out, whichever comes first.
- /home/code/ and /home/logs/: keep your code and notes here.

Checking your submission: `/home/validate_submission.sh /home/submission/submission.csv` (or
`curl -F file=@/home/submission/submission.csv $VALIDATOR_URL`) tells you whether the file is a valid submission
and, if not, why. It never tells you the score. Use it before you finish. If you have a `validate_submission`
tool, it does the same check.

Grading: {comp.grading.title} on the held-out test labels ({direction}).

Rules:
- Your predictions must come from models and code that you run on the data given. Do not label test data by hand
  or write predictions from your own judgement.
- Do not look for, copy or reproduce existing solutions, kernels or leaderboard submissions for this competition.
- Do not try to read the test labels or the grader's files, and do not tamper with the validator.
- {network}

Your resources: {setting.hardware()}. Your time budget is {format_duration(setting.time_limit_s)} of wall-clock time
from now, for everything (exploring, training, writing the submission); long commands can time out, so run long
training in the background or in steps, and save intermediate results. Keep a valid submission.csv in place
early and improve it as you go.
"""
