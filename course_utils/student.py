"""The student edition: the lessons without outputs, ready to hand out."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

from course_utils.dataset import COURSE_ROOT
from course_utils.drift import SYNC_KEY
from course_utils.notebook_io import read_notebook, write_notebook
from course_utils.runner import NOTEBOOKS_DIR

DEFAULT_EDITION_DIR = COURSE_ROOT / "build" / "student"
IMG_DIR = COURSE_ROOT / "img"


def without_outputs(notebook: Any) -> Any:
    """A copy with outputs and execution counts cleared; cells, ids and tags kept."""
    clean = copy.deepcopy(notebook)
    for cell in clean.cells:
        cell.metadata.pop(SYNC_KEY, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return clean


def write_student_edition(out_dir: Path = DEFAULT_EDITION_DIR) -> list[Path]:
    """Write ``out_dir/notebooks/<lang>/*.ipynb`` without outputs, plus the figures in
    ``out_dir/img/``, so that the notebooks' relative links keep working."""
    out_dir = out_dir.resolve()
    sources = (NOTEBOOKS_DIR, IMG_DIR)
    if out_dir == COURSE_ROOT or any(out_dir == d or d in out_dir.parents for d in sources):
        raise ValueError(f"{out_dir} is the course's sources; choose another folder.")
    written = []
    for notebook in sorted(NOTEBOOKS_DIR.glob("*/*.ipynb")):
        target = out_dir / "notebooks" / notebook.parent.name / notebook.name
        target.parent.mkdir(parents=True, exist_ok=True)
        write_notebook(target, without_outputs(read_notebook(notebook)))
        written.append(target)
    shutil.copytree(IMG_DIR, out_dir / "img", dirs_exist_ok=True)
    return written
