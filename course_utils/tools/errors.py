"""The errors the tools report as one line, without a traceback (see ``cli.main``)."""

from __future__ import annotations


class CourseToolError(Exception):
    """Something the user can fix; the message names the file or value and the fix. Exit 1."""


class UsageError(CourseToolError):
    """The command line asks for something impossible or unknown. Exit 2."""
