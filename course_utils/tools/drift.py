"""Translation drift between twin notebooks, and the checks of a lesson's twins.

Each markdown cell records, in its metadata, a hash of its twin's source as it was when the
pair was last brought in line ("synced"). When one side's text changes, the hash its twin
holds no longer matches, and the check names the cell and the language that moved on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from course_utils.layout import LANGUAGE_NAMES, LANGUAGES, Lesson
from course_utils.tools.errors import CourseToolError
from course_utils.tools.notebook_checks import language_problems, output_problems, parity_problems
from course_utils.tools.notebook_io import read_notebook, write_notebook

SYNC_KEY = "twin_sha256"


@dataclass(frozen=True)
class Drift:
    """A markdown cell pair whose texts changed since their last sync."""

    index: int
    cell_id: str
    changed: tuple[str, ...]  # languages whose text changed
    first_words: str

    def __str__(self) -> str:
        who = " and ".join(LANGUAGE_NAMES[lang] for lang in self.changed)
        return (
            f"cell {self.index} (id {self.cell_id!r}, {self.first_words!r}): the {who} text "
            "changed since the pair was last synced"
        )


def source_hash(source: str) -> str:
    return hashlib.sha256(source.strip().encode("utf-8")).hexdigest()


def find_drift(twins: dict[str, Any]) -> list[Drift]:
    """Markdown cells of ``{"es": notebook, "en": notebook}`` that drifted apart."""
    problems = parity_problems(*twins.values())
    if problems:
        raise ValueError(f"the notebooks are not twins: {problems[0]}")
    return _drift(twins)


def _drift(twins: dict[str, Any]) -> list[Drift]:
    """``find_drift`` for notebooks already known to be twins."""
    (lang_a, a), (lang_b, b) = twins.items()
    drifts = []
    for index, (cell_a, cell_b) in enumerate(zip(a.cells, b.cells, strict=True)):
        if cell_a.cell_type != "markdown":
            continue
        changed = tuple(
            lang
            for lang, cell, twin in ((lang_a, cell_a, cell_b), (lang_b, cell_b, cell_a))
            if twin.metadata.get(SYNC_KEY) != source_hash(cell.source)
        )
        if changed:
            text = (cell_a if lang_a in changed else cell_b).source
            drifts.append(Drift(index, cell_a.id, changed, " ".join(text.split()[:8])))
    return drifts


def lesson_problems(lesson: Lesson) -> list[str]:
    """What ``check`` reports for ``lesson``: a missing twin, twins out of parity, drift,
    prose in the wrong language and outputs that must not be committed."""
    if lesson.missing_languages:
        return [
            f"{lesson.path(lang)} is missing: each lesson needs a notebook in every "
            f"language ({', '.join(LANGUAGES)})"
            for lang in lesson.missing_languages
        ]
    twins = load_twins(lesson)
    parity = parity_problems(*twins.values())
    problems = [f"{lesson.name}: not twins: {p}" for p in parity[:1]]
    if not parity:
        problems += [f"{lesson.name}: {d}" for d in _drift(twins)]
    for lang, notebook in twins.items():
        found = language_problems(notebook, lang) + output_problems(notebook)
        problems += [f"{lang}/{lesson.name}: {p}" for p in found]
    return problems


def markdown_ids(twins: dict[str, Any]) -> list[str]:
    """The ids of the markdown cells of twin notebooks, in order."""
    return [cell.id for cell in next(iter(twins.values())).cells if cell.cell_type == "markdown"]


def mark_synced(twins: dict[str, Any], cell_ids: Iterable[str] | None = None) -> list[str]:
    """Record each pair's current texts as in line; all pairs when ``cell_ids`` is None.

    Returns the ids marked. Raises KeyError for an id that is not a markdown cell.
    """
    (_, a), (_, b) = twins.items()
    markdown = {
        cell.id: (cell, twin)
        for cell, twin in zip(a.cells, b.cells, strict=True)
        if cell.cell_type == "markdown"
    }
    wanted = list(markdown) if cell_ids is None else list(cell_ids)
    unknown = [cell_id for cell_id in wanted if cell_id not in markdown]
    if unknown:
        raise KeyError(f"no markdown cell with id {', '.join(unknown)}")
    for cell_id in wanted:
        cell, twin = markdown[cell_id]
        cell.metadata[SYNC_KEY] = source_hash(twin.source)
        twin.metadata[SYNC_KEY] = source_hash(cell.source)
    return wanted


def mark_lessons_synced(
    lessons: Iterable[Lesson], cell_ids: Sequence[str] | None
) -> list[tuple[Lesson, int]]:
    """Mark the markdown pairs ``cell_ids`` (every pair when None) of ``lessons`` as synced
    and save them; the number marked per lesson. Nothing is written unless every id is the
    id of a markdown cell of one of the lessons."""
    plans = []
    for lesson in lessons:
        twins = _twins_to_mark(lesson)
        ids = markdown_ids(twins)
        plans.append(
            (lesson, twins, ids if cell_ids is None else [i for i in cell_ids if i in ids])
        )
    found = {cell_id for _, _, ids in plans for cell_id in ids}
    unknown = [cell_id for cell_id in cell_ids or () if cell_id not in found]
    if unknown:
        raise CourseToolError(
            f"no markdown cell with id {', '.join(unknown)} in the selected lessons; nothing "
            "was marked. The ids are in each cell's metadata (check lists them)."
        )
    for lesson, twins, ids in plans:
        if ids:
            mark_synced(twins, ids)
            save_twins(twins, lesson)
    return [(lesson, len(ids)) for lesson, _, ids in plans if ids]


def _twins_to_mark(lesson: Lesson) -> dict[str, Any]:
    """Both notebooks of ``lesson``; an error unless both exist and are twins."""
    if lesson.missing_languages:
        raise CourseToolError(
            f"{lesson.path(lesson.missing_languages[0])} is missing: there is no pair to mark."
        )
    twins = load_twins(lesson)
    parity = parity_problems(*twins.values())
    if parity:
        raise CourseToolError(
            f"{lesson.name}: the notebooks are not twins ({parity[0]}); make their cells "
            "match before marking pairs as synced."
        )
    return twins


def load_twins(lesson: Lesson) -> dict[str, Any]:
    """Both notebooks of ``lesson``, by language."""
    return {lang: read_notebook(path) for lang, path in lesson.paths.items()}


def save_twins(twins: dict[str, Any], lesson: Lesson) -> None:
    for lang, notebook in twins.items():
        write_notebook(lesson.path(lang), notebook)
