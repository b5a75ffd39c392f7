"""The language a notebook speaks, and messages in Spanish and English."""

from __future__ import annotations

import os
from pathlib import Path

LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "en"


def notebook_language() -> str:
    """Return "es" or "en" for the running notebook.

    ``COURSE_LANG`` wins when set; otherwise the working directory decides, because
    JupyterLab, papermill (through ``course_utils run``) and nbval all start the kernel in
    the notebook's own folder, ``notebooks/es`` or ``notebooks/en``.
    """
    chosen = os.environ.get("COURSE_LANG", "").strip().lower()
    if chosen in LANGUAGES:
        return chosen
    folder = Path.cwd().name.lower()
    return folder if folder in LANGUAGES else DEFAULT_LANGUAGE


def pick(lang: str | None, *, es: str, en: str) -> str:
    """Return the text for ``lang`` (the running notebook's language when None)."""
    lang = lang or notebook_language()
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: use one of {', '.join(LANGUAGES)}.")
    return es if lang == "es" else en
