"""The student edition: a folder that works on its own, with the lessons ready to fill in.

It holds the lessons without outputs, the diagrams, the glossary and the data's README that
the lessons link to, the ``course_utils`` package the notebooks import (with the command that
prepares the data), the course's pyproject.toml (so that ``pip install .`` installs what the
lessons need) and a short README for students.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import course_utils
from course_utils.layout import Course, Lesson
from course_utils.tools.drift import SYNC_KEY
from course_utils.tools.errors import CourseToolError, UsageError
from course_utils.tools.files import current_umask
from course_utils.tools.notebook_io import read_notebook, write_notebook

PACKAGE = Path(course_utils.__file__).parent  # the package the lessons import, copied whole
README = """\
# Sign Language MNIST: a CNN with Keras / una CNN con Keras

**English.** Install the course once (Python 3.11 to 3.13): `python -m pip install .`
Then, from this folder:

1. prepare the data: `python -m course_utils fetch-data`
2. open JupyterLab: `jupyter lab notebooks`, and start with `notebooks/en/{first}`.

**Español.** Instala el curso una vez (Python 3.11 a 3.13): `python -m pip install .`
Después, desde esta carpeta:

1. prepara los datos: `python -m course_utils fetch-data`
2. abre JupyterLab: `jupyter lab notebooks`, y empieza por `notebooks/es/{first}`.
"""


def without_outputs(notebook: Any) -> Any:
    """A copy with outputs and execution counts cleared; cells, ids and tags kept."""
    clean = copy.deepcopy(notebook)
    for cell in clean.cells:
        cell.metadata.pop(SYNC_KEY, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return clean


def write_student_edition(course: Course, out_dir: Path) -> list[Path]:
    """Write the edition into ``out_dir`` (a new or empty folder); return the notebooks.

    The edition is written into a hidden folder beside ``out_dir``, renamed into place once
    complete: a failure or an interruption leaves nothing half-written.
    """
    out_dir = out_dir.resolve()
    _check_out_dir(course, out_dir)
    lessons = course.lessons()
    if not lessons:
        raise UsageError(f"No lesson found in {course.notebooks}: nothing to hand out.")
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=out_dir.parent, prefix=f".{out_dir.name}."))
        staging.chmod(0o777 & ~current_umask())  # as a plain mkdir would make it
    except OSError as exc:
        raise _unwritable(out_dir, exc) from None
    try:
        written = _write_edition(course, lessons, staging)
        if out_dir.is_dir():
            out_dir.rmdir()  # empty, as checked
        os.replace(staging, out_dir)
    except OSError as exc:
        raise _unwritable(out_dir, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [out_dir / path.relative_to(staging) for path in written]


def _check_out_dir(course: Course, out_dir: Path) -> None:
    """Refuse a file, a folder that is not empty, and any folder inside the course's sources
    or inside what the edition copies (the copy would copy itself)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file: give a new or empty folder.")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise UsageError(
            f"--out {out_dir} is not empty: give a new or empty folder (or delete this one), "
            "so that no file of yours is overwritten."
        )
    copied = (*course.sources, PACKAGE)  # the sources are the lessons and img/, copied too
    inside = [f for f in copied if out_dir == f.resolve() or f.resolve() in out_dir.parents]
    if out_dir == course.root.resolve() or inside:
        where = inside[0] if inside else course.root
        raise UsageError(
            f"--out {out_dir} is in {where}, among the course's sources or what the edition "
            "copies (the copy would copy itself): choose a folder outside them (the default "
            "is build/student)."
        )


def _write_edition(course: Course, lessons: list[Lesson], out_dir: Path) -> list[Path]:
    """Write every file of the edition into the existing, empty ``out_dir``."""
    root = course.root
    edition = Course(out_dir)
    written = []
    for lesson in lessons:
        for lang, path in lesson.paths.items():
            target = edition.notebooks / lang / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            write_notebook(target, without_outputs(read_notebook(path)))
            written.append(target)
    shutil.copytree(course.images, edition.images)
    shutil.copytree(PACKAGE, out_dir / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(root / "pyproject.toml", out_dir / "pyproject.toml")
    shutil.copy2(course.glossary, edition.glossary)
    edition.datasets.mkdir()
    shutil.copy2(course.datasets / "README.md", edition.datasets / "README.md")
    first = lessons[0].paths["en"].name
    (out_dir / "README.md").write_text(README.format(first=first), encoding="utf-8")
    return written


def _unwritable(out_dir: Path, exc: OSError) -> CourseToolError:
    reason = exc.strerror or str(exc)
    return CourseToolError(
        f"Cannot write the student edition to {out_dir}: {reason}. Choose a folder you can "
        "write to with --out (the default is build/student)."
    )
