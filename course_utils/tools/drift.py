"""Translation drift between twin notebooks.

Each markdown cell records, in its metadata, a hash of its twin's source as it was when the
pair was last brought in line ("synced"). When one side's text changes, the hash its twin
holds no longer matches, and the check names the cell and the language that moved on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from course_utils.layout import LANGUAGE_NAMES, Lesson
from course_utils.tools.notebook_checks import parity_problems
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
    (lang_a, a), (lang_b, b) = twins.items()
    problems = parity_problems(a, b)
    if problems:
        raise ValueError(f"the notebooks are not twins: {problems[0]}")
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


def load_twins(lesson: Lesson) -> dict[str, Any]:
    """Both notebooks of ``lesson``, by language."""
    return {lang: read_notebook(path) for lang, path in lesson.paths.items()}


def save_twins(twins: dict[str, Any], lesson: Lesson) -> None:
    for lang, notebook in twins.items():
        write_notebook(lesson.path(lang), notebook)
