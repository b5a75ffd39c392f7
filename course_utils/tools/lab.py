"""Open the course in JupyterLab the way a class uses it.

``python -m course_utils lab`` is the one launch command behind ``make lab``, the student
edition, the conda route and Windows: JupyterLab serves the course's own folder (so that every
``../../img`` and ``../../GLOSSARY.md`` link of a lesson resolves), opens the first lesson in
the chosen language, reads the class settings of ``jupyter/`` (no news pop-up, every cell
rendered, autosave) and keeps TensorFlow's start-up messages out of the notebooks.
"""

from __future__ import annotations

import importlib.util
import locale
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from course_utils.layout import Course
from course_utils.tools.errors import CourseToolError

# TensorFlow's C++ runtime prints its start-up INFO lines on stderr at level 0; a student reads
# that red box as an error. Level 1 keeps warnings and errors.
QUIET_TENSORFLOW = {"TF_CPP_MIN_LOG_LEVEL": "1"}


def default_language(environ: Mapping[str, str] | None = None) -> str:
    """Spanish when the user's locale is Spanish (``es_MX.UTF-8``, ``Spanish_Spain``), else
    English."""
    environ = os.environ if environ is None else environ
    names = [environ.get(key, "") for key in ("LC_ALL", "LC_MESSAGES", "LANG")]
    names.append(locale.getlocale()[0] or "")
    for name in filter(None, names):
        return "es" if name.lower().startswith(("es", "spanish")) else "en"
    return "en"


def first_lesson(course: Course, lang: str) -> Path:
    """The notebook that a student opens first, in ``lang``."""
    lessons = [lesson for lesson in course.lessons() if lesson.path(lang).is_file()]
    if not lessons:
        raise CourseToolError(
            f"No lesson in {course.notebooks / lang}: this folder has no lessons to open. Run "
            "the command from the course's folder (the one with notebooks/)."
        )
    return lessons[0].path(lang)


def lab_environment(course: Course, environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with the class settings first on JUPYTER_CONFIG_PATH and TensorFlow quiet
    (unless the user chose a log level)."""
    env = dict(environ)
    paths = [str(course.lab_settings), *filter(None, [env.get("JUPYTER_CONFIG_PATH")])]
    env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    for name, value in QUIET_TENSORFLOW.items():
        env.setdefault(name, value)
    return env


def lab_command(course: Course, lang: str, jupyter_args: Sequence[str] = ()) -> list[str]:
    """The JupyterLab command line: the course's root served, the first lesson opened."""
    lesson = first_lesson(course, lang).relative_to(course.root).as_posix()
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={course.root}",
        f"--LabApp.default_url=/lab/tree/{lesson}",
        *jupyter_args,
    ]


def open_lab(course: Course, lang: str, jupyter_args: Sequence[str] = ()) -> int:
    """Run JupyterLab for ``course`` until it stops; return its exit code."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise CourseToolError(
            f"JupyterLab is not installed for {sys.executable}. Install the course in this "
            "environment first (python -m pip install -e . from the course's folder), or run "
            "this command with the Python of the environment where you installed it."
        )
    command = lab_command(course, lang, jupyter_args)
    env = lab_environment(course, os.environ)
    # Ctrl-C belongs to JupyterLab, which asks whether to stop; this process just waits.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return subprocess.call(command, env=env)
    finally:
        signal.signal(signal.SIGINT, previous)
