"""external_agent and the aideml preset without Docker: parameters, the task text AIDE gets, its configuration,
the offline wheel cache, and an eval_set's retry and resume with a local task."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from inspect_ai import Task, eval_set
from inspect_ai._util.registry import registry_lookup
from inspect_ai.dataset import Sample
from inspect_ai.scorer import includes
from inspect_ai.solver import Generate, Solver, TaskState, solver

import inspect_mlebench._registry  # noqa: F401  (registers the agents as Inspect does at startup)
from inspect_mlebench.external import ExternalAgentConfigError, PipInstall, ScaffoldInstallError, external_agent
from inspect_mlebench.external import wheels as wheels_module
from inspect_mlebench.external.agent import outcome_message
from inspect_mlebench.external.aide_original import (
    FEEDBACK_MODEL,
    TASK_FILE,
    aideml_arguments,
    aideml_task_text,
)
from inspect_mlebench.external.scaffold import ScaffoldRun, bridge_env, mlebench_env
from scripted_bridge import ScriptedBridgeModel  # noqa: F401  (registers bridge_scripted/*: offline, with usage)


def test_agents_are_registered_under_the_package_name() -> None:
    assert registry_lookup("agent", "inspect_mlebench/external_agent") is not None
    assert registry_lookup("agent", "inspect_mlebench/aideml") is not None


def test_external_agent_rejects_bad_parameters(tmp_path: Path) -> None:
    with pytest.raises(ExternalAgentConfigError, match="command is empty"):
        external_agent(command="  ")
    with pytest.raises(ExternalAgentConfigError, match="not an absolute path"):
        external_agent(command="run", files={"agent.py": str(tmp_path)})
    with pytest.raises(ExternalAgentConfigError, match="is not a file on this host"):
        external_agent(command="run", files={"/opt/agent.py": str(tmp_path / "missing.py")})


def test_external_agent_takes_a_command_list_and_host_files(tmp_path: Path) -> None:
    script = tmp_path / "agent.py"
    script.write_text("print('hi')\n")
    assert callable(external_agent(command=["python3", "/opt/a b.py"], files={"/opt/a b.py": str(script)}))


def test_the_scaffold_environment_points_clients_at_the_bridge() -> None:
    env = bridge_env(13131) | mlebench_env(3600.7)
    assert env["OPENAI_BASE_URL"] == "http://localhost:13131/v1"
    assert env["ANTHROPIC_BASE_URL"] == "http://localhost:13131"
    assert env["MLEBENCH_MODEL"] == "inspect"
    assert env["TIME_LIMIT_SECS"] == "3600"
    assert env["SUBMISSION_DIR"] == "/home/submission"


def test_outcome_message_says_how_the_process_ended() -> None:
    run = ScaffoldRun(
        command="aide", exit_code=124, stopped_at_time_limit=True, time_given_s=90, elapsed_s=91, output_tail="x"
    )
    assert "stopped at its time limit (1m 30s)" in outcome_message(run).text
    done = run.model_copy(update={"exit_code": 0, "stopped_at_time_limit": False})
    assert "exited with status 0" in outcome_message(done).text


def test_aide_task_text_points_its_scripts_at_working() -> None:
    instructions = "Write /home/submission/submission.csv before the end."
    text = aideml_task_text(instructions, "# The competition\n", steps=500, exec_timeout_s=32400)
    assert "/home/submission/submission.csv" not in text
    assert "./working/submission.csv" in text
    assert "at most 500" in text
    assert "9 hours" in text
    assert text.endswith("# The competition\n")


def test_aide_arguments_follow_upstream_settings() -> None:
    args = dict(
        a.split("=", 1)
        for a in aideml_arguments(
            steps=500,
            exec_timeout_s=32400,
            max_debug_depth=20,
            debug_prob=1.0,
            num_drafts=5,
            k_fold_validation=5,
            code_temperature=0.5,
            feedback_temperature=0.5,
        )
    )
    assert args["agent.steps"] == "500"
    assert args["exec.timeout"] == "32400"
    assert args["agent.search.max_debug_depth"] == "20"
    assert args["agent.search.debug_prob"] == "1.0"
    assert args["copy_data"] == "False"  # upstream symlinks the data
    assert args["generate_report"] == "False"  # the report would call a model by a name the bridge does not own
    assert args["agent.code.model"] == "inspect"
    assert args["agent.feedback.model"] == FEEDBACK_MODEL
    assert args["desc_file"] == TASK_FILE


def test_wheel_downloads_are_cached_per_requirement_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_pip(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        dest = Path(cmd[cmd.index("--dest") + 1])
        (dest / "demo-1.0-py3-none-any.whl").write_bytes(b"wheel")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(wheels_module, "wheel_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(subprocess, "run", fake_pip)
    install = PipInstall(("demo==1.0",), no_deps=True)
    first = wheels_module.download(install)
    second = wheels_module.download(install)
    assert first == second
    assert [p.name for p in first] == ["demo-1.0-py3-none-any.whl"]
    assert len(calls) == 1  # the second call is served from the cache
    assert "--no-deps" in calls[0]
    assert PipInstall(("demo==1.0",)).key("3.11") != install.key("3.11")


def test_a_failed_wheel_download_says_what_and_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_pip(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(cmd, 1, "", "ERROR: No matching distribution found for nosuchpkg\n")

    monkeypatch.setattr(wheels_module, "wheel_cache_dir", lambda: tmp_path)
    monkeypatch.setattr(subprocess, "run", failing_pip)
    with pytest.raises(ScaffoldInstallError, match="nosuchpkg failed: ERROR: No matching distribution"):
        wheels_module.download(PipInstall(("nosuchpkg",)))


@solver
def _fails_first_time(attempts: Path, failing: str = "1") -> Solver:
    """Counts its runs per sample in `attempts`; sample `failing` raises on its first run."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        attempts.mkdir(exist_ok=True)
        count = len(list(attempts.glob(f"{state.sample_id}-*")))
        (attempts / f"{state.sample_id}-{count}").touch()
        if count == 0 and str(state.sample_id) == failing:
            raise RuntimeError("a transient failure (the first attempt always fails)")
        return await generate(state)

    return solve


def test_eval_set_retries_only_the_failed_sample_and_resumes_without_rerunning(tmp_path: Path) -> None:
    attempts = tmp_path / "attempts"
    steady = Task(dataset=[Sample(input="hi", target="")], scorer=includes(), name="steady")
    flaky = Task(
        dataset=[Sample(id=1, input="hi", target=""), Sample(id=2, input="hi", target="")],
        solver=_fails_first_time(attempts),
        scorer=includes(),
    )
    args: dict[str, Any] = {"log_dir": str(tmp_path / "logs"), "model": "bridge_scripted/local", "display": "none"}
    done, logs = eval_set([steady, flaky], retry_attempts=2, retry_wait=0.1, **args)
    assert done
    assert all(log.status == "success" for log in logs)
    assert sorted(p.name for p in attempts.iterdir()) == ["1-0", "1-1", "2-0"]  # sample 2 was not run again
    done_again, logs_again = eval_set([steady, flaky], retry_attempts=2, retry_wait=0.1, **args)
    assert done_again
    assert len(list(attempts.iterdir())) == 3  # nothing ran again
    assert {log.location.rsplit("/", 1)[-1] for log in logs_again} == {log.location.rsplit("/", 1)[-1] for log in logs}


def test_missing_bridge_clients_fail_before_any_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from inspect_mlebench.external import scaffold

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "openai" else real(name))
    with pytest.raises(scaffold.BridgeClientsMissingError, match=r"need openai on this host.*\[external\]"):
        external_agent(command="run")


def test_a_requirement_string_is_one_requirement() -> None:
    from inspect_mlebench.external.agent import _requirements

    assert _requirements("openai>=1.40,<2") == ("openai>=1.40,<2",)
    assert _requirements(["openai", " tenacity "]) == ("openai", "tenacity")
    assert _requirements(None) == ()
