"""Checks on the committed notebooks: twin parity, one language per notebook, clean outputs."""

from __future__ import annotations

import re
from typing import Any

# Short, frequent words that give a sentence's language away.
FUNCTION_WORDS = {
    "es": frozenset(
        [
            "el",
            "la",
            "los",
            "las",
            "un",
            "una",
            "unos",
            "unas",
            "de",
            "del",
            "que",
            "y",
            "en",
            "con",
            "para",
            "por",
            "es",
            "son",
            "se",
            "su",
            "sus",
            "lo",
            "al",
            "como",
            "pero",
            "más",
            "este",
            "esta",
            "estos",
            "estas",
            "cada",
            "ya",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "a",
            "an",
            "of",
            "and",
            "to",
            "in",
            "with",
            "for",
            "by",
            "is",
            "are",
            "it",
            "its",
            "this",
            "that",
            "these",
            "those",
            "each",
            "which",
            "from",
            "as",
            "but",
            "more",
            "be",
            "on",
            "at",
        ]
    ),
}
ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/(home|root|tmp|work|Users|usr|opt|var)/|[A-Za-z]:\\)")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")  # a terminal colour or cursor code
BAD_OUTPUT = re.compile(r"CUDA|cuInit|DeprecationWarning|FutureWarning")


def parity_problems(first: Any, second: Any) -> list[str]:
    """Differences in structure between two twin notebooks; the first difference comes first.

    Twins have the same cells in the same order, with the same ids, types and tags; code
    cells are identical and markdown cells are (translated) prose.
    """
    problems = []
    for index, (a, b) in enumerate(zip(first.cells, second.cells, strict=False)):
        where = f"cell {index} (id {a.get('id')!r})"
        if a.get("id") != b.get("id"):
            problems.append(f"{where}: its twin has id {b.get('id')!r}")
        elif a.cell_type != b.cell_type:
            problems.append(f"{where}: {a.cell_type} in one notebook, {b.cell_type} in the other")
        elif a.metadata.get("tags", []) != b.metadata.get("tags", []):
            problems.append(
                f"{where}: tags {a.metadata.get('tags', [])} vs {b.metadata.get('tags', [])}"
            )
        elif a.cell_type == "code" and a.source != b.source:
            problems.append(f"{where}: the code differs")
        elif a.cell_type == "markdown" and not (a.source.strip() and b.source.strip()):
            problems.append(f"{where}: empty markdown in one notebook")
    if len(first.cells) != len(second.cells):
        problems.append(f"the notebooks have {len(first.cells)} and {len(second.cells)} cells")
    return problems


def prose_sentences(markdown: str) -> list[str]:
    """The prose of a markdown cell, split into sentences, without code, links' targets or HTML."""
    text = re.sub(r"```.*?```", " ", markdown, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"\*[^*]+\*", " ", text)  # italics mark foreign technical terms
    return [s.strip() for s in re.split(r"(?<=[.!?:])\s+|\n+", text) if s.strip()]


def sentence_language(sentence: str) -> str | None:
    """ "es" or "en" when the sentence's function words clearly point to one language."""
    words = re.findall(r"[a-záéíóúñü]+", sentence.lower())
    counts = {
        lang: sum(w in vocabulary for w in words) for lang, vocabulary in FUNCTION_WORDS.items()
    }
    if len(words) < 5 or counts["es"] == counts["en"]:
        return None
    return max(counts, key=counts.__getitem__)


def language_problems(notebook: Any, lang: str) -> list[str]:
    """Sentences of the markdown cells that read as another language than ``lang``."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        for sentence in prose_sentences(cell.source):
            found = sentence_language(sentence)
            if found is not None and found != lang:
                problems.append(
                    f"cell {index} (id {cell.get('id')!r}) reads as {found!r}: {sentence[:80]}"
                )
    return problems


def output_problems(notebook: Any) -> list[str]:
    """Stored outputs that should not be committed: absolute paths, ANSI codes, CUDA errors,
    deprecation warnings, error tracebacks, and code cells that were never run."""
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        where = f"cell {index} (id {cell.get('id')!r})"
        if cell.execution_count is None:
            problems.append(f"{where}: not executed")
        for output in cell.outputs:
            if output.output_type == "error":
                problems.append(f"{where}: stored error {output.ename}")
            text = output.get("text", "") + "".join(
                value for key, value in output.get("data", {}).items() if key.startswith("text/")
            )
            for pattern, what in (
                (ABSOLUTE_PATH, "an absolute path"),
                (ANSI_ESCAPE, "ANSI escape codes"),
                (BAD_OUTPUT, "a CUDA error or deprecation warning"),
            ):
                match = pattern.search(text)
                if match:
                    excerpt = text[max(0, match.start() - 20) : match.end() + 40]
                    problems.append(f"{where}: output contains {what}: {excerpt!r}")
    return problems
