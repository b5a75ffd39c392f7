"""Translation drift: a paragraph edited in one language is caught until its twin is synced."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils import drift
from course_utils.dataset import COURSE_ROOT
from course_utils.notebook_io import read_notebook, write_notebook

NOTEBOOKS = COURSE_ROOT / "notebooks"


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of notebooks/, to edit freely."""
    shutil.copytree(NOTEBOOKS, tmp_path / "notebooks")
    return tmp_path / "notebooks"


def check(notebooks: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "course_utils", "check", "--notebooks", str(notebooks)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def mark_synced(notebooks: Path, *ids: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "course_utils", "mark-synced", "--notebooks", str(notebooks)]
    return subprocess.run(command + list(ids), capture_output=True, text=True, timeout=120)


def edit(path: Path, cell_id: str, new_source: str) -> int:
    notebook = read_notebook(path)
    index = next(i for i, c in enumerate(notebook.cells) if c.get("id") == cell_id)
    notebook.cells[index].source = new_source
    write_notebook(path, notebook)
    return index


@pytest.mark.parametrize("paths", drift.twin_paths(NOTEBOOKS), ids=lambda p: p["es"].name)
def test_committed_notebooks_have_no_drift(paths):
    assert drift.find_drift(drift.load_twins(paths)) == []


def test_editing_spanish_only_fails_until_the_english_twin_is_synced(course_copy: Path):
    assert check(course_copy).returncode == 0
    lesson = course_copy / "es" / "03_asl_cnn.ipynb"
    index = edit(lesson, "dropout", "El *dropout* apaga neuronas al azar durante el entrenamiento.")

    result = check(course_copy)
    assert result.returncode == 1
    assert (
        f"cell {index} (id 'dropout', 'El *dropout* apaga neuronas al azar durante el"
        in result.stderr
    )
    assert "the Spanish text changed" in result.stderr
    assert "mark-synced" in result.stderr

    edit(course_copy / "en" / "03_asl_cnn.ipynb", "dropout", "Dropout switches off random neurons.")
    assert mark_synced(course_copy, "dropout").returncode == 0
    assert check(course_copy).returncode == 0


def test_editing_english_only_names_english(course_copy: Path):
    index = edit(course_copy / "en" / "03_asl_cnn.ipynb", "flatten", "Flatten makes a vector.")
    twins = drift.load_twins(drift.twin_paths(course_copy)[0])
    [found] = drift.find_drift(twins)
    assert (found.index, found.cell_id, found.changed) == (index, "flatten", ("en",))
    assert "the English text changed" in str(found)


def test_both_sides_edited_are_reported_together(course_copy: Path):
    edit(course_copy / "es" / "03_asl_cnn.ipynb", "dense", "Capas densas.")
    edit(course_copy / "en" / "03_asl_cnn.ipynb", "dense", "Dense layers.")
    twins = drift.load_twins(drift.twin_paths(course_copy)[0])
    assert [d.changed for d in drift.find_drift(twins)] == [("es", "en")]


def test_mark_synced_refuses_unknown_ids(course_copy: Path):
    result = mark_synced(course_copy, "no-such-cell")
    assert result.returncode == 1 and "no-such-cell" in result.stderr
    twins = drift.load_twins(drift.twin_paths(course_copy)[0])
    with pytest.raises(KeyError, match="setup"):
        drift.mark_synced(twins, ["setup"])  # a code cell: nothing to translate
