"""The course's configuration in other languages tells the same story as README.md.

GitHub's workflow (YAML), the pre-commit hooks (YAML), environment.yml, pyproject.toml (TOML),
the Makefile and .ci/run (shell) must call the commands README.md gives and install what the
Makefile installs, on the Python versions pyproject.toml declares. These tests read the files'
structure (a job's steps, a dependency list, the README's table of commands), not their prose.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import tomllib
from types import SimpleNamespace

import pytest
import yaml
from packaging.specifiers import SpecifierSet

from course_utils.layout import find_course

COURSE_ROOT = find_course().root
PYPROJECT = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())
README = (COURSE_ROOT / "README.md").read_text()
MAKEFILE = (COURSE_ROOT / "Makefile").read_text()
WORKFLOW = yaml.safe_load((COURSE_ROOT / ".github" / "workflows" / "ci.yml").read_text())
PRE_COMMIT = yaml.safe_load((COURSE_ROOT / ".pre-commit-config.yaml").read_text())


def readme_commands() -> dict[str, str]:
    """The README's table of the two commands: {"Run the course end to end": "make course", ...}."""
    return dict(re.findall(r"\*\*(Run [^*]+)\*\*.*?\| `([^`]+)` \|", README))


def supported_pythons() -> list[str]:
    """pyproject.toml's Python classifiers, oldest first, each allowed by requires-python."""
    project = PYPROJECT["project"]
    versions = sorted(
        (m[1] for c in project["classifiers"] if (m := re.fullmatch(r".*Python :: (3\.\d+)", c))),
        key=lambda v: int(v.split(".")[1]),
    )
    assert versions and all(v in SpecifierSet(project["requires-python"]) for v in versions)
    return versions


# --------------------------------------------------------------------------- README and CI


def environment_problems(environment: dict, pyproject: dict, make_install: str) -> list[str]:
    """Where a conda environment file would install something else than pip and the Makefile.

    Conda provides only Python and pip; everything else must come from pyproject.toml, through
    the same editable install with the same extras as the Makefile.
    """
    problems = []
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in environment["dependencies"] if isinstance(d, dict)]
    python = [d for d in conda if re.match(r"python\b", d)]
    wanted = f"python{pyproject['project']['requires-python']}"
    if [p.replace(" ", "") for p in python] != [wanted]:
        problems.append(f"conda python is {python}, pyproject.toml requires {wanted}")
    others = [d for d in conda if not re.match(r"(python|pip)\b", d)]
    if others:
        problems.append(f"conda installs {others}, which pyproject.toml does not manage")
    pip_lines = [line for section in pip_sections for line in section]
    if pip_lines != [make_install]:
        problems.append(f"pip section {pip_lines} differs from the Makefile's {make_install!r}")
    extras = re.findall(r"\[([^\]]*)\]", make_install)
    for extra in extras[0].split(",") if extras else []:
        if extra not in pyproject["project"].get("optional-dependencies", {}):
            problems.append(f"extra {extra!r} is not defined in pyproject.toml")
    return problems


def makefile_install() -> str:
    match = re.search(r'pip install --quiet -e "([^"]+)"', MAKEFILE)
    assert match, "the Makefile must install the course with pip install -e"
    return f"-e {match.group(1)}"


def test_environment_yml_installs_what_pyproject_and_make_install():
    environment = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    assert environment_problems(environment, PYPROJECT, makefile_install()) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (lambda env: env["dependencies"].insert(0, "numpy=1.26"), "conda installs ['numpy=1.26']"),
        (lambda env: env["dependencies"].__setitem__(0, "python>=3.10"), "conda python"),
        (lambda env: env["dependencies"].__setitem__(0, "python>=3.11"), "conda python"),
        (lambda env: env["dependencies"][-1]["pip"].__setitem__(0, "-e ."), "pip section"),
        (lambda env: env["dependencies"][-1]["pip"].append("pandas<2"), "pip section"),
    ],
)
def test_environment_check_catches_drift(change, complaint):
    environment = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    change(environment)
    problems = environment_problems(environment, PYPROJECT, makefile_install())
    assert problems and complaint in problems[0]


def test_dependencies_have_lower_bounds_only():
    requirements = PYPROJECT["project"]["dependencies"] + [
        r for extra in PYPROJECT["project"]["optional-dependencies"].values() for r in extra
    ]
    for requirement in requirements:
        spec = requirement.split(";")[0]
        assert ">=" in spec, f"{requirement}: give a lower bound"
        assert not re.search(r"==|<|~=", spec), f"{requirement}: no pins or upper bounds"


def test_ci_runs_the_readme_test_command():
    commands = readme_commands()
    test_command = commands["Run the whole test suite"]
    assert commands["Run the course end to end"] == "make course"
    ci = (COURSE_ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in [line.strip() for line in ci]
    assert re.search(rf"^{re.escape(test_command.split()[1])}:", MAKEFILE, re.M)


# --------------------------------------------------------------------------- workflows and hooks


def run_lines(job: dict) -> list[str]:
    return [line.strip() for step in job["steps"] for line in step.get("run", "").splitlines()]


def setup_python_version(job: dict) -> str:
    """The Python a job's commands run with: setup-python's version, the last one when it
    installs several (the others are only on PATH)."""
    steps = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert len(steps) == 1, "one actions/setup-python step"
    return str(steps[0]["with"]["python-version"]).strip().splitlines()[-1].strip()


def test_the_full_job_has_colabs_python_for_the_hosted_stand_in():
    job = WORKFLOW["jobs"]["test"]
    steps = [s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@")]
    assert "3.13" in str(steps[0]["with"]["python-version"]).split()


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


def test_every_python_version_named_is_one_pyproject_declares():
    """requires-python, the classifiers, environment.yml and the README agree."""
    versions = supported_pythons()
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert [f"3.{m}" for m in range(30) if f"3.{m}" in requires] == versions
    environment = yaml.safe_load((COURSE_ROOT / "environment.yml").read_text())
    after_newest = f"3.{int(versions[-1].split('.')[1]) + 1}"
    assert f"python>={versions[0]},<{after_newest}" in environment["dependencies"]
    named = set(re.findall(r"\bPython (3\.\d+(?:, 3\.\d+)* (?:or|o) 3\.\d+)", README))
    assert named, "the README names the supported versions"
    for phrase in named:
        assert re.findall(r"3\.\d+", phrase) == versions, phrase


def _root_conftest():
    """The course's root conftest.py, which shares the tests out among pytest-xdist's workers."""
    spec = importlib.util.spec_from_file_location("root_conftest", COURSE_ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_lessons_notebooks_run_in_one_worker_in_order():
    """nbval's cells of a lesson share one unit of work (04b needs the model 04a saves), and
    04a comes before 04b in the order that unit runs."""
    work_unit = _root_conftest().work_unit
    notebooks = sorted(
        p.relative_to(COURSE_ROOT).as_posix() for p in COURSE_ROOT.glob("notebooks/*/*.ipynb")
    )
    unit = {path: work_unit(f"{path}::Cell 3") for path in notebooks}
    assert unit["notebooks/es/03_asl_cnn.ipynb"] == unit["notebooks/en/03_asl_cnn.ipynb"]
    assert unit["notebooks/en/04a_augmentation.ipynb"] == unit["notebooks/es/04b_new_images.ipynb"]
    assert unit["notebooks/en/03_asl_cnn.ipynb"] != unit["notebooks/en/04a_augmentation.ipynb"]
    for lang in ("es", "en"):
        assert notebooks.index(f"notebooks/{lang}/04a_augmentation.ipynb") < notebooks.index(
            f"notebooks/{lang}/04b_new_images.ipynb"
        )


def test_the_browser_tests_run_in_one_worker():
    """The browser runs of one language share a MODEL_DIR: 04b needs 04a's model before it."""
    work_unit = _root_conftest().work_unit
    ids = [
        f"tests/test_browser.py::test_lesson_runs_in_jupyterlab[{name}]"
        for name in ("04a_augmentation-en", "04b_new_images-en")
    ]
    assert work_unit(ids[0]) == work_unit(ids[1]) == "tests/test_browser.py"
    assert work_unit("tests/test_lab.py::test_x") == "tests/test_lab.py::test_x"


@pytest.mark.parametrize(("markexpr", "extra"), [("", 1), ("not slow", 0), ("slow", 1)])
def test_auto_gives_one_worker_per_usable_core_and_one_more_with_the_slow_tests(
    monkeypatch: pytest.MonkeyPatch, markexpr: str, extra: int
):
    auto = _root_conftest().pytest_xdist_auto_num_workers
    config = SimpleNamespace(option=SimpleNamespace(markexpr=markexpr))  # pytest's, as far as read
    monkeypatch.delenv("PYTEST_XDIST_AUTO_NUM_WORKERS", raising=False)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert auto(config) == cores + extra
    monkeypatch.setenv("PYTEST_XDIST_AUTO_NUM_WORKERS", "1")
    assert auto(config) is None  # left to pytest-xdist, which reads the variable


@pytest.mark.slow  # pytest-xdist runs of nbval on tiny lessons: about a minute
def test_under_xdist_each_training_lesson_runs_once_and_a_lessons_notebooks_in_order(tmp_path):
    """The root conftest.py in real pytest-xdist runs of nbval: a lesson that declares EPOCHS
    runs in one language, the training lessons taking the languages in turn, and the other
    language is skipped unless --every-language asks for it or the notebook is named; each
    notebook's cells share one kernel; 04b reads what 04a wrote (in the language 04a ran in)
    while another lesson runs beside; and the kernels may share a GPU (TensorFlow grows its GPU
    memory instead of taking it all)."""
    import subprocess
    import sys

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    (tmp_path / "conftest.py").write_text((COURSE_ROOT / "conftest.py").read_text())
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\naddopts = -p no:cacheprovider --nbval-lax --nbval-current-env -n 2 -rs\n"
        "markers = slow: full runs\n"
    )
    shared = tmp_path / "saved.txt"
    lessons = {  # 04a_b trains (in es, the first language), then 05_d (in en)
        "03_a": ["import time\nx = 1", "time.sleep(3)\nx += 1", "assert x == 2"],
        "04a_b": [
            "EPOCHS: int = 2",
            "import time\ntime.sleep(2)",
            f"open({str(shared)!r}, 'w').write('m')",
        ],
        "04b_c": [f"saved = open({str(shared)!r}).read()", "assert saved == 'm'"],
        "05_d": [
            "EPOCHS: int = 1",
            "import os",
            "assert os.environ['TF_FORCE_GPU_ALLOW_GROWTH'] == 'true'",
        ],
    }
    for lang in ("en", "es"):
        (tmp_path / "notebooks" / lang).mkdir(parents=True)
        for name, cells in lessons.items():
            notebook = new_notebook(cells=[new_code_cell(code) for code in cells])
            if cells[0].startswith("EPOCHS"):
                notebook.cells[0].metadata["tags"] = ["parameters"]
            nbformat.write(notebook, tmp_path / "notebooks" / lang / f"{name}.ipynb")

    def pytest(*args: str) -> str:
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert run.returncode == 0, run.stdout[-3000:]
        return run.stdout

    default = pytest("notebooks")
    assert "16 passed, 6 skipped" in default, default[-3000:]
    assert (
        "notebooks/en/04a_b.ipynb" in default
        and "04a_b trains in full once per run, in es" in default
    )
    assert (
        "notebooks/es/05_d.ipynb" in default
        and "05_d trains in full once per run, in en" in default
    )
    shared.unlink()
    assert "5 passed" in pytest("notebooks/en/04a_b.ipynb", "notebooks/en/04b_c.ipynb")
    assert "22 passed" in pytest("--every-language", "notebooks")
