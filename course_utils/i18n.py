"""The language a notebook speaks, and messages in Spanish and English."""

from __future__ import annotations

import os
from pathlib import Path

from course_utils.layout import LANGUAGES

DEFAULT_LANGUAGE = "en"
TIMES = "\u00d7"  # the multiplication sign, as both languages write sizes: 28 by 28


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


def resolve_language(lang: str | None) -> str:
    """``lang`` checked, or the running notebook's language when None."""
    lang = lang or notebook_language()
    if lang not in LANGUAGES:
        raise ValueError(f"Unknown language {lang!r}: use one of {', '.join(LANGUAGES)}.")
    return lang


def pick(lang: str | None, *, es: str, en: str) -> str:
    """Return the text for ``lang`` (the running notebook's language when None)."""
    return es if resolve_language(lang) == "es" else en


def format_number(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """``value`` written the way the notebook's language writes numbers.

    English: ``12,345.6``. Spanish: a decimal comma, and a non-breaking space between groups
    of three digits only when the whole part has more than four (``2100``, ``12 345,6``).
    """
    text = f"{value:,.{decimals}f}"
    if resolve_language(lang) == "en":
        return text
    whole, _, fraction = text.partition(".")
    digits = whole.lstrip("-").replace(",", "")
    sign = "-" if whole.startswith("-") else ""
    grouped = whole.lstrip("-").replace(",", "\u00a0") if len(digits) > 4 else digits
    return sign + grouped + ("," + fraction if fraction else "")


def format_percent(fraction: float, decimals: int = 1, lang: str | None = None) -> str:
    """A fraction as a percentage: ``13.2%`` in English, ``13,2 %`` in Spanish (no-break space)."""
    number = format_number(100 * fraction, decimals, lang)
    return pick(lang, es=f"{number}\u00a0%", en=f"{number}%")
