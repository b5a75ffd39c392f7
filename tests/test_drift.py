"""Translation drift: a paragraph edited in one language is caught until its twin is synced."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from cli_runner import run_course_command

from course_utils.layout import find_course, find_lessons
from course_utils.tools import drift
from course_utils.tools.notebook_io import read_notebook, write_notebook

COURSE = find_course()


@pytest.fixture
def course_copy(tmp_path: Path) -> Path:
    """A copy of lesson 03's twins in a notebooks/ folder of their own, to edit freely."""
    for path in COURSE.lessons("03_*")[0].paths.values():
        (tmp_path / "notebooks" / path.parent.name).mkdir(parents=True)
        shutil.copy2(path, tmp_path / "notebooks" / path.parent.name / path.name)
    return tmp_path / "notebooks"


def check(notebooks: Path) -> subprocess.CompletedProcess:
    return run_course_command("check", "--notebooks", notebooks)


def mark_synced(notebooks: Path, *ids: str) -> subprocess.CompletedProcess:
    return run_course_command("mark-synced", "--notebooks", notebooks, *ids)


def edit(path: Path, cell_id: str, new_source: str) -> int:
    notebook = read_notebook(path)
    index = next(i for i, c in enumerate(notebook.cells) if c.get("id") == cell_id)
    notebook.cells[index].source = new_source
    write_notebook(path, notebook)
    return index


@pytest.mark.parametrize("lesson", COURSE.lessons(), ids=lambda lesson: lesson.name)
def test_committed_notebooks_have_no_drift(lesson):
    assert drift.find_drift(drift.load_twins(lesson)) == []


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
    twins = drift.load_twins(find_lessons(course_copy, "03_*")[0])
    [found] = drift.find_drift(twins)
    assert (found.index, found.cell_id, found.changed) == (index, "flatten", ("en",))
    assert "the English text changed" in str(found)


def test_both_sides_edited_are_reported_together(course_copy: Path):
    edit(course_copy / "es" / "03_asl_cnn.ipynb", "dense", "Capas densas.")
    edit(course_copy / "en" / "03_asl_cnn.ipynb", "dense", "Dense layers.")
    twins = drift.load_twins(find_lessons(course_copy, "03_*")[0])
    assert [d.changed for d in drift.find_drift(twins)] == [("es", "en")]


def test_mark_synced_refuses_unknown_ids(course_copy: Path):
    result = mark_synced(course_copy, "no-such-cell")
    assert result.returncode == 1 and "no-such-cell" in result.stderr
    twins = drift.load_twins(find_lessons(course_copy, "03_*")[0])
    with pytest.raises(KeyError, match="setup"):
        drift.mark_synced(twins, ["setup"])  # a code cell: nothing to translate


# --------------------------------------------------------------------------- clear failures


def one_error(result: subprocess.CompletedProcess, *words: str) -> str:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    for word in words:
        assert word in line
    return line


def test_check_of_a_missing_folder_is_an_error(tmp_path: Path):
    one_error(check(tmp_path / "MISSING"), "--notebooks", "is not a folder")


def test_check_with_no_lesson_is_an_error(tmp_path: Path):
    (tmp_path / "es").mkdir()
    one_error(check(tmp_path), "nothing to do")


def test_check_names_a_missing_twin(course_copy: Path):
    english = course_copy / "en" / "03_asl_cnn.ipynb"
    english.unlink()
    result = check(course_copy)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{english} is missing" in result.stderr
    assert "Notebooks OK" not in result.stdout


def test_check_and_mark_synced_name_a_truncated_notebook(course_copy: Path):
    lesson = course_copy / "es" / "03_asl_cnn.ipynb"
    lesson.write_bytes(lesson.read_bytes()[:5000])
    one_error(check(course_copy), str(lesson), "git checkout")
    one_error(mark_synced(course_copy, "dropout"), str(lesson))


def test_mark_synced_refuses_twins_of_different_length(course_copy: Path):
    english = course_copy / "en" / "03_asl_cnn.ipynb"
    notebook = read_notebook(english)
    notebook.cells.pop()
    write_notebook(english, notebook)
    one_error(mark_synced(course_copy, "dropout"), "not twins", "cells")


def test_mark_synced_with_one_unknown_id_marks_nothing(course_copy: Path):
    spanish = course_copy / "es" / "03_asl_cnn.ipynb"
    edit(spanish, "dropout", "El *dropout* apaga neuronas al azar durante el entrenamiento.")
    before = spanish.read_bytes()
    one_error(mark_synced(course_copy, "dropout", "dropuot"), "dropuot", "nothing was marked")
    assert spanish.read_bytes() == before
    assert check(course_copy).returncode == 1
