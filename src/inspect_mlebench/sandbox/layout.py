"""The sandbox contract: where things are inside the containers and how the agent reaches the validator.

Upstream's layout (data read-only at /home/data, the graded file at /home/submission/submission.csv, code and logs
beside them) is what agents are told and what the images create; the Dockerfiles under `compose/` and the prompt
text say the same paths in words. Everything in Python takes them from here.
"""

from __future__ import annotations

# --- the agent's container ---------------------------------------------------------------------------------------
DATA_DIR = "/home/data"  # the competition's public files, read-only
SUBMISSION_DIR = "/home/submission"  # a volume shared with the validator container
SUBMISSION_PATH = f"{SUBMISSION_DIR}/submission.csv"  # the one graded file
CODE_DIR = "/home/code"
LOGS_DIR = "/home/logs"
JOBS_DIR = f"{LOGS_DIR}/jobs"  # mle_react's background jobs: <id>/output.log
VALIDATE_SCRIPT = "/home/validate_submission.sh"
# Folders the agent may write to; everything else it is given is read-only or not its business.
WRITABLE_DIRS = (CODE_DIR, SUBMISSION_DIR, "/tmp")

# --- the validator's container -----------------------------------------------------------------------------------
VALIDATOR_PORT = 5000  # upstream's: the agent calls http://localhost:5000/validate
VALIDATOR_DATA_DIR = "/private/data"  # prepared data with the answers, never mounted in the agent's container
VALIDATOR_COMPETITIONS_DIR = "/opt/mlebench/competitions"  # a user's own competitions folder, when there is one

# --- shared ------------------------------------------------------------------------------------------------------
AGENT_SERVICE = "default"  # Inspect's name for the sample's main container
VALIDATOR_SERVICE = "validator"
BRIDGE_PORT = 13131  # sandbox_agent_bridge()'s proxy port in the shared loopback: the validator must not take it
