"""The GitHub Actions workflow and the pre-commit hooks call the commands README.md gives."""

from __future__ import annotations

import re
import shlex
import tomllib

import yaml
from packaging.specifiers import SpecifierSet

from course_utils.layout import find_course

COURSE_ROOT = find_course().root

README = (COURSE_ROOT / "README.md").read_text()
WORKFLOW = yaml.safe_load((COURSE_ROOT / ".github" / "workflows" / "ci.yml").read_text())
PRE_COMMIT = yaml.safe_load((COURSE_ROOT / ".pre-commit-config.yaml").read_text())


def readme_commands() -> dict[str, str]:
    return dict(re.findall(r"\*\*(Run [^*]+)\*\*.*?\| `([^`]+)` \|", README))


def run_lines(job: dict) -> list[str]:
    return [line.strip() for step in job["steps"] for line in step.get("run", "").splitlines()]


def setup_python_version(job: dict) -> str:
    steps = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert len(steps) == 1, "one actions/setup-python step"
    return steps[0]["with"]["python-version"]


def supported_pythons() -> list[str]:
    """pyproject.toml's Python classifiers, oldest first, each allowed by requires-python."""
    project = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())["project"]
    versions = sorted(
        (m[1] for c in project["classifiers"] if (m := re.fullmatch(r".*Python :: (3\.\d+)", c))),
        key=lambda v: int(v.split(".")[1]),
    )
    assert versions and all(v in SpecifierSet(project["requires-python"]) for v in versions)
    return versions


def test_cpu_job_runs_the_readme_test_command_on_push_and_pull_request():
    triggers = WORKFLOW.get("on", WORKFLOW.get(True))  # YAML 1.1 reads a bare `on` as True
    assert {"push", "pull_request", "workflow_dispatch"} <= set(triggers)
    job = WORKFLOW["jobs"]["test"]
    assert job["runs-on"] == "ubuntu-latest"
    assert readme_commands()["Run the whole test suite"] in run_lines(job)
    assert job["timeout-minutes"] <= 90
    assert setup_python_version(job) in supported_pythons()


def test_windows_job_runs_the_quick_tests_by_the_route_without_make():
    job = WORKFLOW["jobs"]["test-quick-windows"]
    assert job["runs-on"] == "windows-latest"
    lines = run_lines(job)
    python = ".venv\\Scripts\\python"
    for step in (
        f'{python} -m pip install -e ".[dev]"',
        f"{python} -m course_utils fetch-data",
        f'{python} -m pytest -m "not slow"',
    ):
        assert step in lines and step in README, step
    assert not any(line.startswith("make") for line in lines)
    assert setup_python_version(job) in supported_pythons()


def test_quick_job_covers_the_oldest_and_newest_supported_python():
    job = WORKFLOW["jobs"]["test-quick"]
    assert job["runs-on"] == "ubuntu-latest"
    versions = job["strategy"]["matrix"]["python-version"]
    assert all(isinstance(v, str) for v in versions), "quote versions: YAML reads 3.10 as 3.1"
    supported = supported_pythons()
    assert {supported[0], supported[-1]} <= set(versions) <= set(supported)
    assert setup_python_version(job) == "${{ matrix.python-version }}"
    assert "make test-quick" in run_lines(job)
    assert job["strategy"].get("fail-fast") is False, "one version failing must not hide the other"


def test_gpu_job_is_manual_self_hosted_and_runs_the_course_on_the_gpu_build():
    job = WORKFLOW["jobs"]["gpu"]
    assert {"self-hosted", "gpu"} <= set(job["runs-on"])
    assert "workflow_dispatch" in job["if"]
    lines = run_lines(job)
    assert lines.index("make gpu-env") < lines.index(readme_commands()["Run the course end to end"])
    makefile = (COURSE_ROOT / "Makefile").read_text()
    assert re.search(r"^gpu-env:", makefile, re.M) and "tensorflow[and-cuda]" in makefile


def test_pre_commit_hooks_are_local_and_call_the_course_checks():
    hooks = {hook["id"]: hook for repo in PRE_COMMIT["repos"] for hook in repo["hooks"]}
    assert all(repo["repo"] == "local" for repo in PRE_COMMIT["repos"])
    assert {"ruff-check", "ruff-format", "notebooks"} <= set(hooks)
    for hook_id in ("ruff-check", "ruff-format"):
        assert "jupyter" in hooks[hook_id]["types_or"]
    assert shlex.split(hooks["notebooks"]["entry"]) == ["python", "-m", "course_utils", "check"]
    for hook in hooks.values():
        # The active environment's Python: the course's .venv or the conda environment.
        assert shlex.split(hook["entry"])[:2] == ["python", "-m"]
