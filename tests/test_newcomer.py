"""A newcomer's machine without make (Windows' route, run here on Linux): a fresh copy of the
course, nothing beside it, no settings, no make on PATH, and the data only over the network (a
real HTTP server on 127.0.0.1 stands in for the mirrors; Kaggle is unreachable).

The README's steps for that route run exactly as written, in a new virtual environment: install
the course, prepare the data, a quick trial of the course, and the quick tests, which must pass
there as they are."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lab_browser import working_tree_copy

from course_utils.layout import find_course

COURSE = find_course()
pytestmark = pytest.mark.slow
MAKE_NAMES = {"make", "gmake"}


def path_without_make(bin_dir: Path) -> str:
    """A PATH with every program of this one but make, and python3 a supported Python (the
    interpreter running these tests, as a newcomer would have installed it)."""
    bin_dir.mkdir()
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        for program in Path(folder).glob("*") if Path(folder).is_dir() else ():
            target = bin_dir / program.name
            wanted = program.name not in MAKE_NAMES and os.access(program, os.X_OK)
            if wanted and not target.exists():
                target.symlink_to(program)
    python3 = bin_dir / "python3"
    python3.unlink(missing_ok=True)
    python3.symlink_to(getattr(sys, "_base_executable", sys.executable))
    return str(bin_dir)


def test_the_readme_gives_that_route_for_windows_and_linux():
    readme = (COURSE.root / "README.md").read_text(encoding="utf-8")
    for step in (
        "py -3.12 -m venv .venv",
        '.venv\\Scripts\\python -m pip install -e ".[dev]"',
        ".venv\\Scripts\\python -m course_utils fetch-data",
        ".venv\\Scripts\\python -m course_utils run",
        ".venv\\Scripts\\python -m pytest",
        ".venv\\Scripts\\python -m course_utils lab",
        "python3 -m venv .venv",
        "-m course_utils run --pattern '03_*' --lang en -p EPOCHS 1 -p MAX_ROWS 200",
        '-m pytest -m "not slow"',
    ):
        assert readme.count(step) >= 1, step


def test_the_route_without_make_works_with_the_data_only_from_a_mirror(
    tmp_path: Path, plain_source: Path, http_mirror, closed_port: int
):
    clone = working_tree_copy(tmp_path / "newcomer" / "course")
    # Nothing beside the course (no data folder of the team's) and no prepared data in it.
    assert [p.name for p in clone.parent.iterdir()] == ["course"]
    assert not (clone / "datasets" / "asl_data").exists()
    path = path_without_make(tmp_path / "bin")
    assert shutil.which("make", path=path) is None
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASL_", "PYTEST_", "VIRTUAL"))}
    env.update(PATH=path, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)

    def step(*command: str, offline: bool = True, timeout: float = 900) -> str:
        step_env = dict(env)
        if offline:  # Kaggle out of reach; the loopback mirror is not (pip needs the registry)
            dead = f"http://127.0.0.1:{closed_port}"
            step_env.update(HTTPS_PROXY=dead, https_proxy=dead)
            step_env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        done = subprocess.run(
            command, cwd=clone, env=step_env, capture_output=True, text=True, timeout=timeout
        )
        assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    mirror = http_mirror(plain_source)
    env.update(ASL_DATA_MIRRORS=mirror.template, KAGGLEHUB_CACHE=str(tmp_path / "kagglehub"))
    python = ".venv/bin/python"
    step("python3", "-m", "venv", ".venv", offline=False)
    step(python, "-m", "pip", "install", "--quiet", "-e", ".[dev]", offline=False)
    step(python, "-m", "course_utils", "fetch-data")
    assert mirror.requested("sign_mnist_train.csv") == [200], "the data came from the mirror"
    trial = ("--pattern", "03_*", "--lang", "en", "-p", "EPOCHS", "1", "-p", "MAX_ROWS", "200")
    step(python, "-m", "course_utils", "run", *trial)
    assert (clone / "build" / "executed" / "en" / "03_asl_cnn.ipynb").is_file()
    tests = step(python, "-m", "pytest", "-m", "not slow", "-q", "-p", "no:cacheprovider")
    last = tests.strip().splitlines()[-1]
    assert " passed" in last and "failed" not in last and "error" not in last, last
