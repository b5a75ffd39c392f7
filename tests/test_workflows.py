"""The GitHub Actions workflow and the pre-commit hooks call the commands README.md gives."""

from __future__ import annotations

import re
import shlex

import yaml

from course_utils.dataset import COURSE_ROOT

README = (COURSE_ROOT / "README.md").read_text()
WORKFLOW = yaml.safe_load((COURSE_ROOT / ".github" / "workflows" / "ci.yml").read_text())
PRE_COMMIT = yaml.safe_load((COURSE_ROOT / ".pre-commit-config.yaml").read_text())


def readme_commands() -> dict[str, str]:
    return dict(re.findall(r"\*\*(Run [^*]+)\*\*.*?\| `([^`]+)` \|", README))


def run_lines(job: dict) -> list[str]:
    return [line.strip() for step in job["steps"] for line in step.get("run", "").splitlines()]


def test_cpu_job_runs_the_readme_test_command_on_push_and_pull_request():
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers)
    job = WORKFLOW["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-latest"
    assert readme_commands()["Run the whole test suite"] in run_lines(job)
    assert job["timeout-minutes"] <= 90


def test_gpu_job_is_manual_self_hosted_and_runs_the_course_on_the_gpu_build():
    job = WORKFLOW["jobs"]["gpu"]
    assert {"self-hosted", "gpu"} <= set(job["runs-on"])
    assert "workflow_dispatch" in job["if"]
    lines = run_lines(job)
    assert lines.index("make gpu-env") < lines.index(readme_commands()["Run the course end to end"])
    makefile = (COURSE_ROOT / "Makefile").read_text()
    assert re.search(r"^gpu-env:", makefile, re.M) and "tensorflow[and-cuda]" in makefile
    assert "labelled `gpu`" in README


def test_pre_commit_hooks_are_local_and_call_the_course_checks():
    hooks = {hook["id"]: hook for repo in PRE_COMMIT["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in PRE_COMMIT["repos"])
    assert {"ruff-check", "ruff-format", "notebooks"} <= set(hooks)
    for hook_id in ("ruff-check", "ruff-format"):
        assert "jupyter" in hooks[hook_id]["types_or"]
    assert shlex.split(hooks["notebooks"]["entry"])[1:] == ["-m", "course_utils", "check"]
    for hook in hooks.values():
        assert (COURSE_ROOT / shlex.split(hook["entry"])[0]).is_file()
