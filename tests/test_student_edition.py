"""The student edition: no outputs, same structure and tags, and it still runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from course_utils.cli import main
from course_utils.dataset import COURSE_ROOT, DEFAULT_DATA_DIR
from course_utils.notebook_io import read_notebook
from course_utils.runner import find_notebooks, run_notebooks
from course_utils.student import write_student_edition


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edition")
    assert main(["student-edition", "--out", str(out)]) == 0
    return out


def test_edition_mirrors_the_lessons_without_outputs(edition: Path):
    sources = sorted((COURSE_ROOT / "notebooks").glob("*/*.ipynb"))
    assert sources
    for source in sources:
        copy = read_notebook(edition / "notebooks" / source.parent.name / source.name)
        original = read_notebook(source)
        assert [(c.id, c.cell_type, c.source, c.metadata.get("tags")) for c in copy.cells] == [
            (c.id, c.cell_type, c.source, c.metadata.get("tags")) for c in original.cells
        ]
        code = [c for c in copy.cells if c.cell_type == "code"]
        assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert sorted(p.name for p in (edition / "img").iterdir()) == sorted(
        p.name for p in (COURSE_ROOT / "img").iterdir()
    )


def test_edition_runs_under_papermill(edition: Path, tmp_path: Path):
    notebooks = find_notebooks(edition / "notebooks", languages=["es"])
    parameters = {"EPOCHS": 1, "MAX_ROWS": 200, "DATA_DIR": str(DEFAULT_DATA_DIR)}
    [record] = run_notebooks(notebooks, output_dir=tmp_path, parameters=parameters)
    assert record.status == "ok", record.error
    assert record.epochs == 1


@pytest.mark.parametrize("inside", [".", "notebooks", "notebooks/es", "img"])
def test_edition_is_never_written_into_the_sources(inside: str):
    with pytest.raises(ValueError, match="sources"):
        write_student_edition(COURSE_ROOT / inside)
