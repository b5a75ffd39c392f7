"""Where the course keeps things: the one module that knows the course's layout.

The course root is found from the working tree (the current folder or one of its parents),
never from where ``course_utils`` is installed, so that the tools and the lessons work the
same after ``pip install -e .``, a plain ``pip install .`` or in the student edition.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

COURSE_NAME = "asl-cnn-course"  # the ``[project] name`` of the course's pyproject.toml
LANGUAGES = ("es", "en")
LANGUAGE_NAMES = {"es": "Spanish", "en": "English"}
LESSON_GLOB = "[0-9][0-9]*_*.ipynb"  # a lesson is a notebook named like 03_asl_cnn.ipynb


class CourseNotFoundError(Exception):
    """No course folder contains the given folder."""


@dataclass(frozen=True)
class Lesson:
    """One lesson: its name (the file stem, e.g. ``03_asl_cnn``) and its notebook per language."""

    name: str
    paths: dict[str, Path]

    def path(self, lang: str) -> Path:
        return self.paths[lang]

    @property
    def missing_languages(self) -> list[str]:
        """The languages whose notebook of this lesson does not exist."""
        return [lang for lang, path in self.paths.items() if not path.is_file()]


def find_lessons(notebooks_dir: Path, pattern: str = "*") -> list[Lesson]:
    """The lessons under ``notebooks_dir/<lang>/`` whose name matches ``pattern``, in order.

    A lesson present in only one language is still listed: ``missing_languages`` says which.
    """
    names = sorted(
        {
            path.stem
            for lang in LANGUAGES
            for path in (notebooks_dir / lang).glob(LESSON_GLOB)
            if fnmatch(path.name, pattern) or fnmatch(path.stem, pattern)
        }
    )
    return [
        Lesson(name, {lang: notebooks_dir / lang / f"{name}.ipynb" for lang in LANGUAGES})
        for name in names
    ]


@dataclass(frozen=True)
class Course:
    """The folders of one copy of the course (the repository, or the student edition)."""

    root: Path

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def images(self) -> Path:
        """The lessons' diagrams, linked from the notebooks as ``../../img/NAME.png``."""
        return self.root / "img"

    @property
    def datasets(self) -> Path:
        return self.root / "datasets"

    @property
    def data(self) -> Path:
        """The prepared CSV files the lessons read (git-ignored)."""
        return self.datasets / "asl_data"

    @property
    def downloads(self) -> Path:
        """The cache of files downloaded from the mirrors (git-ignored)."""
        return self.datasets / "downloads"

    @property
    def glossary(self) -> Path:
        """The bilingual glossary that the lessons link to."""
        return self.root / "GLOSSARY.md"

    @property
    def models(self) -> Path:
        """The trained models that lessons save for later lessons (git-ignored)."""
        return self.root / "models"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def executed(self) -> Path:
        """Where ``course_utils run`` writes executed notebooks and the run report."""
        return self.build / "executed"

    @property
    def lab_settings(self) -> Path:
        """The class settings of JupyterLab (``make lab`` puts it on JUPYTER_CONFIG_PATH)."""
        return self.root / "jupyter"

    @property
    def new_images(self) -> Path:
        """The photo-like image files that lesson 04b writes from validation images
        (git-ignored, like everything under build/)."""
        return self.build / "new_images"

    @property
    def student_edition(self) -> Path:
        return self.build / "student"

    @property
    def sources(self) -> tuple[Path, ...]:
        """The folders whose files only ``run --in-place`` and ``diagrams`` may rewrite."""
        return (self.notebooks, self.images)

    def lessons(self, pattern: str = "*") -> list[Lesson]:
        return find_lessons(self.notebooks, pattern)


def is_course_root(folder: Path) -> bool:
    """True when ``folder`` holds the course's pyproject.toml and its notebooks folder."""
    pyproject = folder / "pyproject.toml"
    if not (pyproject.is_file() and (folder / "notebooks").is_dir()):
        return False
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return project.get("name") == COURSE_NAME


def find_course(start: Path | None = None) -> Course:
    """The course that contains ``start`` (the current folder by default)."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if is_course_root(folder):
            return Course(folder)
    raise CourseNotFoundError(
        f"{start} is not inside the course: no folder from there up holds the course's "
        f"pyproject.toml (project {COURSE_NAME!r}) next to a notebooks/ folder. Run the command "
        "from the course's folder (the one with README.md and notebooks/), or cd into it first."
    )
