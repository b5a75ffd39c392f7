"""The course's layout: found from the working tree, lessons by pattern, and a line between
what the lessons import and the instructor's tools."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.layout import CourseNotFoundError, find_course, find_lessons
from course_utils.tools.notebook_io import read_notebook

COURSE = find_course()
# What the lessons must never pull in: the tools' dependencies.
TOOL_PACKAGES = ("papermill", "nbformat", "pooch", "kagglehub", "tqdm")


def test_the_course_is_found_from_any_folder_inside_it(tmp_path: Path):
    assert find_course(COURSE.notebooks / "es") == COURSE
    assert (COURSE.root / "pyproject.toml").is_file() and COURSE.notebooks.is_dir()
    with pytest.raises(CourseNotFoundError, match=str(tmp_path)):
        find_course(tmp_path)


def test_another_projects_pyproject_is_not_the_course(tmp_path: Path):
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "something-else"\n')
    with pytest.raises(CourseNotFoundError):
        find_course(tmp_path / "notebooks")


def test_lessons_are_matched_by_pattern_with_a_path_per_language(tmp_path: Path):
    for lang, names in {"es": ["03_cnn", "04a_aug", "notes"], "en": ["03_cnn"]}.items():
        (tmp_path / lang).mkdir()
        for name in names:
            (tmp_path / lang / f"{name}.ipynb").write_text("{}")
    lessons = find_lessons(tmp_path)
    assert [lesson.name for lesson in lessons] == ["03_cnn", "04a_aug"]  # "notes" is no lesson
    assert lessons[1].path("en") == tmp_path / "en" / "04a_aug.ipynb"
    assert lessons[1].missing_languages == ["en"] and lessons[0].missing_languages == []
    assert [lesson.name for lesson in find_lessons(tmp_path, "04*")] == ["04a_aug"]
    assert find_lessons(tmp_path, "99_*") == []


def lesson_imports() -> set[str]:
    """The modules that the lessons' code cells import."""
    modules = set()
    for lesson in COURSE.lessons():
        for cell in read_notebook(lesson.path("en")).cells:
            if cell.cell_type != "code":
                continue
            for node in ast.walk(ast.parse(cell.source)):
                if isinstance(node, ast.Import):
                    modules |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom) and node.module:
                    modules.add(node.module)
    return modules


@pytest.mark.slow  # imports TensorFlow in a new interpreter
def test_what_the_lessons_import_loads_none_of_the_tools():
    imported = lesson_imports()
    ours = sorted(m for m in imported if m.startswith("course_utils"))
    assert ours and not any(m.startswith("course_utils.tools") for m in ours)
    code = (
        "import importlib, json, sys\n"
        f"for name in {sorted(imported)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True
    )
    modules = json.loads(proc.stdout.splitlines()[-1])
    loaded = {name.split(".")[0] for name in modules}
    assert "course_utils" in loaded and "keras" in loaded
    assert not loaded & set(TOOL_PACKAGES), sorted(loaded & set(TOOL_PACKAGES))
    assert not [name for name in modules if name.startswith("course_utils.tools")]


@pytest.fixture(scope="module")
def plain_install(tmp_path_factory) -> Path:
    """The course installed with a plain (not editable) ``pip install``, into a folder."""
    target = tmp_path_factory.mktemp("site")
    work = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(COURSE.root / name, work / name)
    shutil.copytree(
        COURSE.root / "course_utils",
        work / "course_utils",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(work),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (target / "course_utils" / "tools" / "cli.py").is_file()
    return target


def installed_cli(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    # -P: the installed copy, never the course_utils folder of the working directory.
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-P", "-m", "course_utils", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow  # pip install
def test_a_plain_install_finds_the_course_from_the_working_tree(plain_install: Path):
    where = installed_cli(plain_install, "--help", cwd=COURSE.root)
    assert where.returncode == 0
    proc = installed_cli(plain_install, "check", "--pattern", "03_*", cwd=COURSE.notebooks / "en")
    assert "1 lesson(s) in 2 languages checked" in proc.stdout or "problem(s)" in proc.stdout


@pytest.mark.slow  # pip install
def test_a_plain_install_outside_the_course_says_so(plain_install: Path, tmp_path: Path):
    proc = installed_cli(plain_install, "check", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"error: {tmp_path} is not inside the course")
    assert "Traceback" not in proc.stderr and "Notebooks OK" not in proc.stdout
