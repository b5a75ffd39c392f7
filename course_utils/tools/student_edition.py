"""The student edition: a folder that works on its own, with the lessons ready to fill in.

It holds the lessons without outputs, the diagrams, the glossary and the data's README that
the lessons link to, the ``course_utils`` package the notebooks import (with the command that
prepares the data), the course's pyproject.toml (so that ``pip install .`` installs what the
lessons need) and a short README for students.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import course_utils
from course_utils.layout import Course
from course_utils.tools.drift import SYNC_KEY
from course_utils.tools.errors import UsageError
from course_utils.tools.notebook_io import read_notebook, write_notebook

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
    """Write the edition into ``out_dir`` (a new or empty folder); return the notebooks."""
    out_dir = out_dir.resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file: give a new or empty folder.")
    if out_dir.is_dir() and any(out_dir.iterdir()):
        raise UsageError(
            f"--out {out_dir} is not empty: give a new or empty folder (or delete this one), "
            "so that no file of yours is overwritten."
        )
    root = course.root.resolve()
    if out_dir == root or any(out_dir == d or d in out_dir.parents for d in course.sources):
        raise UsageError(f"--out {out_dir} is among the course's sources: choose another folder.")
    lessons = course.lessons()
    if not lessons:
        raise UsageError(f"No lesson found in {course.notebooks}: nothing to hand out.")
    edition = Course(out_dir)
    written = []
    for lesson in lessons:
        for lang, path in lesson.paths.items():
            target = edition.notebooks / lang / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            write_notebook(target, without_outputs(read_notebook(path)))
            written.append(target)
    shutil.copytree(course.images, edition.images)
    package = Path(course_utils.__file__).parent
    shutil.copytree(package, out_dir / package.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(root / "pyproject.toml", out_dir / "pyproject.toml")
    shutil.copy2(course.glossary, edition.glossary)
    edition.datasets.mkdir()
    shutil.copy2(course.datasets / "README.md", edition.datasets / "README.md")
    first = lessons[0].paths["en"].name
    (out_dir / "README.md").write_text(README.format(first=first), encoding="utf-8")
    return written
