"""`python -m course_utils lab`: the one command behind every documented way to open the course.

What the browser sees is tested in tests/test_browser.py; here, the command line it builds."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from course_utils.layout import LANGUAGES, Course, find_course
from course_utils.tools.cli import main
from course_utils.tools.errors import CourseToolError
from course_utils.tools.lab import default_language, first_lesson, lab_command, lab_environment

COURSE = find_course(Path(__file__).parent)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "es_MX.UTF-8"}, "es"),
        ({"LC_ALL": "es_ES.UTF-8", "LANG": "en_US.UTF-8"}, "es"),
        ({"LANG": "Spanish_Spain.1252"}, "es"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LC_ALL": "C.UTF-8", "LANG": "es_AR.UTF-8"}, "en"),
    ],
)
def test_the_default_language_follows_the_locale(environ: dict[str, str], expected: str):
    assert default_language(environ) == expected


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_course_root_is_served_and_the_first_lesson_opened(lang: str):
    command = lab_command(COURSE, lang, ["--port", "8899"])
    assert command[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={COURSE.root}" in command
    opened = next(arg for arg in command if arg.startswith("--LabApp.default_url="))
    relative = opened.removeprefix("--LabApp.default_url=/lab/tree/")
    assert (COURSE.root / relative) == COURSE.lessons()[0].path(lang)
    assert command[-2:] == ["--port", "8899"]


def test_the_class_settings_come_first_and_tensorflow_is_quiet():
    env = lab_environment(COURSE, {"JUPYTER_CONFIG_PATH": "/elsewhere", "PATH": "/bin"})
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep) == [str(COURSE.lab_settings), "/elsewhere"]
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "1" and env["PATH"] == "/bin"
    assert (COURSE.lab_settings / "labconfig" / "default_setting_overrides.json").is_file()
    chosen = lab_environment(COURSE, {"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert chosen["TF_CPP_MIN_LOG_LEVEL"] == "0"  # a user's own choice is kept


def test_a_folder_without_lessons_has_nothing_to_open(tmp_path: Path):
    (tmp_path / "notebooks" / "es").mkdir(parents=True)
    with pytest.raises(CourseToolError, match="No lesson in"):
        first_lesson(Course(tmp_path), "es")


def test_outside_the_course_lab_says_where_to_run_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["lab", "--lang", "es"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "not inside the course" in err and "Traceback" not in err


def test_only_lab_passes_unknown_options_on(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exited:
        main(["check", "--port", "8899"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --port 8899" in capsys.readouterr().err


def test_make_lab_runs_the_same_command():
    """`make lab` is this command with LAB_ARGS passed on (the browser test starts it)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(
        [make, "--no-print-directory", "-n", "lab", "LAB_ARGS=--lang es --port 8899"],
        cwd=COURSE.root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert dry[-1].endswith("/python -m course_utils lab --lang es --port 8899")
