"""environment.yml, pyproject.toml, the Makefile, README.md and .ci/run tell the same story."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from course_utils.layout import find_course

COURSE_ROOT = find_course().root

PYPROJECT = tomllib.loads((COURSE_ROOT / "pyproject.toml").read_text())
README = (COURSE_ROOT / "README.md").read_text()
MAKEFILE = (COURSE_ROOT / "Makefile").read_text()


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
    commands = dict(re.findall(r"\*\*(Run [^*]+)\*\*.*?\| `([^`]+)` \|", README))
    test_command = commands["Run the whole test suite"]
    assert commands["Run the course end to end"] == "make course"
    ci = (COURSE_ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in [line.strip() for line in ci]
    assert re.search(rf"^{re.escape(test_command.split()[1])}:", MAKEFILE, re.M)
