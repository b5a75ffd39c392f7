"""The student edition: a folder that works on its own, to hand out to a class.

It holds the lessons with the stored outputs of the course's own run (their text refers to
them), the diagrams, the glossary and the data's README that the lessons link to, the class
settings of JupyterLab (``jupyter/``), the ``course_utils`` package the notebooks import (with
the commands that prepare the data and open JupyterLab), the course's pyproject.toml (so that
``pip install .`` installs what the lessons need) and a short README for students.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import course_utils
from course_utils.layout import Course, Lesson
from course_utils.tools.drift import SYNC_KEY
from course_utils.tools.errors import CourseToolError, UsageError
from course_utils.tools.files import current_umask
from course_utils.tools.notebook_io import read_notebook, write_notebook

PACKAGE = Path(course_utils.__file__).parent  # the package the lessons import, copied whole
# The three set-up steps, the same in both languages: a virtual environment, the course in it,
# and the data.
SETUP = {
    "setup_linux": (".venv/bin/python", "python3 -m venv .venv", "bash"),
    "setup_windows": (".venv\\Scripts\\python", "py -3.12 -m venv .venv", "powershell"),
}

README = """\
# Sign Language MNIST: a CNN with Keras / una CNN con Keras

*[Español más abajo](#español).*

## English

You need Python {versions_en} (on Windows, `py -3.12` picks 3.12; write the version you
installed). Open a terminal in this folder and run these three lines once: the first makes a
virtual environment, the second installs the course in it, the third prepares the data. On Linux
and macOS:

{setup_linux}

On Windows (PowerShell or cmd):

{setup_windows}

Then, each time you study, open the course (JupyterLab starts at `notebooks/en/{first}`):

- Linux and macOS: `.venv/bin/python -m course_utils lab --lang en`
- Windows: `.venv\\Scripts\\python -m course_utils lab --lang en`

The last step downloads the data from Kaggle, or from two mirrors of Kaggle's files. Without
Internet access, download the archive from
https://www.kaggle.com/datasets/datamunge/sign-language-mnist on another machine, copy it here and
pass it to that step:
`... fetch-data --source path/to/archive.zip` (or set the variable `ASL_DATA_SOURCE` to that path).
The lessons keep the outputs of the course's own run, so you can compare yours with them. If you
restart the kernel, run the lesson again from the top.

## Español

Necesitas Python {versions_es} (en Windows, `py -3.12` elige la 3.12; escribe la versión que
tengas instalada). Abre una terminal en esta carpeta y ejecuta una sola vez estas tres líneas: la
primera crea un entorno virtual, la segunda instala en él el curso y la tercera prepara los datos.
En Linux y macOS:

{setup_linux}

En Windows (PowerShell o cmd):

{setup_windows}

Después, cada vez que estudies, abre el curso (JupyterLab empieza en `notebooks/es/{first}`):

- Linux y macOS: `.venv/bin/python -m course_utils lab --lang es`
- Windows: `.venv\\Scripts\\python -m course_utils lab --lang es`

El último paso descarga los datos de Kaggle o de dos réplicas de los archivos de Kaggle. Si no
tienes Internet, descarga el archivo comprimido desde
https://www.kaggle.com/datasets/datamunge/sign-language-mnist en otro equipo, cópialo aquí y
pásaselo a ese paso: `... fetch-data --source ruta/al/archive.zip` (o pon esa ruta en la variable
`ASL_DATA_SOURCE`). Las lecciones conservan las salidas de la
ejecución del propio curso, para que puedas comparar las tuyas con ellas. Si reinicias el
*kernel* de Jupyter, vuelve a ejecutar la lección desde el principio.
"""


def supported_pythons(pyproject: Path) -> list[str]:
    """The Python versions (such as "3.12") that the course's pyproject.toml declares in its
    classifiers, oldest first."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    found = [
        m[1] for c in project["classifiers"] if (m := re.fullmatch(r".*Python :: (3\.\d+)", c))
    ]
    return sorted(found, key=lambda version: int(version.split(".")[1]))


def without_bookkeeping(notebook: Any) -> Any:
    """A copy without the translation-sync hashes, which only the course's maintainers use;
    cells, ids, tags and the stored outputs of the course's run are kept."""
    clean = copy.deepcopy(notebook)
    for cell in clean.cells:
        cell.metadata.pop(SYNC_KEY, None)
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
    copied = (*course.sources, course.lab_settings, PACKAGE)  # the sources: lessons and img/
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
            write_notebook(target, without_bookkeeping(read_notebook(path)))
            written.append(target)
    shutil.copytree(course.images, edition.images)
    shutil.copytree(course.lab_settings, edition.lab_settings)
    shutil.copytree(PACKAGE, out_dir / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(root / "pyproject.toml", out_dir / "pyproject.toml")
    shutil.copy2(course.glossary, edition.glossary)
    edition.datasets.mkdir()
    shutil.copy2(course.datasets / "README.md", edition.datasets / "README.md")
    first = lessons[0].paths["en"].name  # the same file name in every language
    versions = supported_pythons(root / "pyproject.toml")
    steps = {
        name: f"```{shell}\n{venv}\n{python} -m pip install .\n"
        f"{python} -m course_utils fetch-data\n```"
        for name, (python, venv, shell) in SETUP.items()
    }
    readme = README.format(
        first=first,
        **steps,
        versions_en=f"{', '.join(versions[:-1])} or {versions[-1]}",
        versions_es=f"{', '.join(versions[:-1])} o {versions[-1]}",
    )
    (out_dir / "README.md").write_text(readme, encoding="utf-8")
    return written


def _unwritable(out_dir: Path, exc: OSError) -> CourseToolError:
    reason = exc.strerror or str(exc)
    return CourseToolError(
        f"Cannot write the student edition to {out_dir}: {reason}. Choose a folder you can "
        "write to with --out (the default is build/student)."
    )
