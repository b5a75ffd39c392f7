"""Reading and writing notebooks (nbformat 4), writes being atomic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat

from course_utils.tools.errors import CourseToolError
from course_utils.tools.files import write_atomically


def read_notebook(path: Path) -> Any:
    """The notebook at ``path``, or CourseToolError naming the file when it cannot be read."""
    try:
        return nbformat.read(path, as_version=4)
    except FileNotFoundError:
        raise CourseToolError(
            f"{path} does not exist. Restore it (git checkout -- {path}) or create it."
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseToolError(f"Cannot read {path}: {exc}.") from None
    except (json.JSONDecodeError, nbformat.reader.NotJSONError, AttributeError, KeyError) as exc:
        raise CourseToolError(
            f"{path} is not a readable notebook (it is damaged or cut off: {exc}). Restore it "
            f"from git (git checkout -- {path}) or save it again from JupyterLab."
        ) from None


def write_notebook(path: Path, notebook: Any) -> None:
    """Write ``notebook`` over ``path`` through a temporary file and a rename."""
    write_atomically(path, (nbformat.writes(notebook) + "\n").encode("utf-8"))
