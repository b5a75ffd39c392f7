"""The plan of a run: which notebooks, each with its checked, typed parameters, and where
their executed copies go. Everything here is checked before any kernel starts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from course_utils.layout import Course, Lesson
from course_utils.tools.errors import CourseToolError, UsageError
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.parameters import check_parameters, lesson_parameters


@dataclass(frozen=True)
class PlannedRun:
    """One notebook to execute: its path, its cells as read, and its checked, typed values."""

    path: Path
    source: Any  # the notebook as committed, which failures are described against
    parameters: dict[str, Any]

    @property
    def language(self) -> str:
        return self.path.parent.name


def lesson_notebooks(lessons: Iterable[Lesson], languages: Iterable[str]) -> list[Path]:
    """The notebooks of ``lessons`` in ``languages``, language by language; an error when one
    is missing."""
    notebooks = [lesson.path(lang) for lang in languages for lesson in lessons]
    for path in notebooks:
        if not path.is_file():
            raise CourseToolError(
                f"{path} does not exist, but its twin does: translate the lesson into that "
                "language, or choose the languages to run with --lang."
            )
    return notebooks


def plan_run(
    notebooks: Iterable[Path], given: Sequence[tuple[str, str]] = (), in_place: bool = False
) -> list[PlannedRun]:
    """Read each notebook once and give it the ``-p NAME VALUE`` values its parameters cell
    declares, checked and typed; UsageError before any kernel starts when one does not fit."""
    if in_place and given:
        raise UsageError(
            "--in-place stores the outputs of a full run with the lessons' own parameters; "
            "drop -p to update the committed notebooks, or drop --in-place to try parameters."
        )
    sources = {path: read_notebook(path) for path in notebooks}
    declared = {path: lesson_parameters(notebook, path) for path, notebook in sources.items()}
    values = check_parameters(given, declared)
    return [
        PlannedRun(path, notebook, {k: v for k, v in values.items() if k in declared[path]})
        for path, notebook in sources.items()
    ]


def prepare_output_dir(output_dir: Path, plan: Iterable[PlannedRun], course: Course | None) -> Path:
    """Create ``output_dir``; refuse a file, or a folder among the lessons' or the course's
    sources (only ``--in-place`` writes there)."""
    protected = {run.path.parent.parent for run in plan} | set(course.sources if course else ())
    resolved = output_dir.resolve()
    for source in protected:
        if resolved == source.resolve() or source.resolve() in resolved.parents:
            raise UsageError(
                f"--output-dir {output_dir} is inside {source}, which holds the course's own "
                "files: use --in-place to update the committed notebooks, or choose another "
                "folder (the default is build/executed)."
            )
    existing = next(path for path in (output_dir, *output_dir.absolute().parents) if path.exists())
    if not existing.is_dir():
        raise UsageError(
            f"--output-dir {output_dir}: {existing} is a file, not a folder: choose a folder "
            "(the default is build/executed)."
        )
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CourseToolError(
            f"Cannot create --output-dir {output_dir}: {exc.strerror or exc}. Choose a folder "
            "you can write to (the default is build/executed)."
        ) from None
    return output_dir
