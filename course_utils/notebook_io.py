"""Reading and writing notebooks (nbformat 4), writes being atomic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from course_utils.files import write_atomically


def read_notebook(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def write_notebook(path: Path, notebook: Any) -> None:
    """Write ``notebook`` over ``path`` through a temporary file and a rename."""
    write_atomically(path, (nbformat.writes(notebook) + "\n").encode("utf-8"))
