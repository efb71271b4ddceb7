#!/usr/bin/env python3
"""The smallest command-line agent `external_agent` can run (tests copy it into the container).

Standard library only, as an agent in any image could be: it reads $INSTRUCTIONS_FILE, asks the model for a rule
over the OpenAI-compatible endpoint at $OPENAI_BASE_URL (the bridge), writes $SUBMISSION_DIR/submission.csv from
the test set, checks it with the validator, tells the model the verdict, then, with `--linger`, keeps working
until it is stopped (so a test sees the budget enforced from outside).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def chat(prompt: str) -> str:
    body = {"model": os.environ["MLEBENCH_MODEL"], "messages": [{"role": "user", "content": prompt}]}
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"},
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        answer = json.load(response)
    return str(answer["choices"][0]["message"]["content"])


def main() -> int:
    instructions = Path(os.environ["INSTRUCTIONS_FILE"]).read_text()
    rule = chat(instructions + "\n\nReply with one line: RULE: <rule>.")
    print(f"model: {rule}", flush=True)
    data = Path(os.environ["DATA_DIR"])
    with (data / "test.csv").open(newline="") as f:
        test = list(csv.DictReader(f))
    submission = Path(os.environ["SUBMISSION_DIR"]) / "submission.csv"
    with submission.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["PassengerId", "Transported"])
        for row in test:
            out.writerow([row["PassengerId"], "cryo" in rule and row["CryoSleep"] == "True"])
    verdict = subprocess.run(
        ["/home/validate_submission.sh", str(submission)], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(f"validator: {verdict}", flush=True)
    print(f"model: {chat('The validator said: ' + verdict)}", flush=True)
    print(f"time given: {os.environ['TIME_LIMIT_SECS']}s", flush=True)
    if "--linger" in sys.argv:
        while True:  # an agent that would use all its time: the harness must stop it
            time.sleep(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
