"""Errors a student can fix, shown in a notebook as their message alone.

IPython asks an exception for ``_render_traceback_()`` before drawing a traceback: a
``LessonError`` answers with its own message, in the lesson's language, so the student reads
what to do instead of twenty lines of library code (with the same message in English inside).
Outside IPython it is an ordinary exception.
"""

from __future__ import annotations


class LessonError(Exception):
    """A problem the student can fix; its message says how, in the notebook's language."""

    def _render_traceback_(self) -> list[str]:
        return str(self).splitlines()
