"""Agents that are not Inspect agents on MLE-bench: any command-line scaffold through Inspect's sandbox agent
bridge (`external_agent`), and the original AIDE as a ready preset of it (`aideml`)."""

from inspect_mlebench.external.agent import ExternalAgentConfigError, external_agent
from inspect_mlebench.external.aide_original import aideml
from inspect_mlebench.external.coding_agents import claude_code, codex_cli
from inspect_mlebench.external.scaffold import Scaffold, ScaffoldRun, ScaffoldSetupError, run_scaffold
from inspect_mlebench.external.wheels import PipInstall, ScaffoldInstallError

__all__ = [
    "ExternalAgentConfigError",
    "PipInstall",
    "Scaffold",
    "ScaffoldInstallError",
    "ScaffoldRun",
    "ScaffoldSetupError",
    "aideml",
    "claude_code",
    "codex_cli",
    "external_agent",
    "run_scaffold",
]
