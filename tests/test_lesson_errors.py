"""A problem a student can fix shows up in the notebook as its message alone, in the lesson's
language: no traceback around it (IPython asks the exception to render itself)."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.errors import LessonError
from course_utils.layout import LANGUAGES

ANSI = re.compile(r"\x1b\[[0-9;]*m")
CELLS = {
    "DatasetNotFoundError": (
        "from course_utils.data import locate_dataset\nlocate_dataset('{folder}/no-data')"
    ),
    "ModelNotFoundError": (
        "from course_utils.saved_models import require_saved_model\n"
        "require_saved_model('{folder}/04a_augmentation.keras')"
    ),
}
FIRST_WORDS = {
    "es": {"DatasetNotFoundError": "No encuentro", "ModelNotFoundError": "No encuentro el modelo"},
    "en": {"DatasetNotFoundError": "Cannot find", "ModelNotFoundError": "Cannot find the model"},
}


def shown_errors(tmp_path: Path, lang: str) -> dict[str, list[str]]:
    """Run each cell in a real kernel started in notebooks/<lang>/ of a course-like folder, as
    JupyterLab does; return the lines each error output shows, by exception name."""
    folder = tmp_path / "notebooks" / lang
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(code.format(folder=tmp_path)) for code in CELLS.values()]
    )
    NotebookClient(
        notebook, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": folder}}
    ).execute()
    errors = [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"]
    return {o.ename: [ANSI.sub("", line) for line in o.traceback] for o in errors}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_students_error_shows_only_its_message_in_the_lessons_language(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    shown = shown_errors(tmp_path, lang)
    assert sorted(shown) == sorted(CELLS)
    for name, lines in shown.items():
        text = "\n".join(lines)
        assert text.startswith(FIRST_WORDS[lang][name]), text
        assert "Traceback" not in text and "File " not in text and name not in text, text
        other = next(other for other in LANGUAGES if other != lang)
        assert FIRST_WORDS[other][name] not in text


def test_outside_ipython_a_lesson_error_is_an_ordinary_exception():
    error = LessonError("first line\nsecond line")
    assert error._render_traceback_() == ["first line", "second line"]
    with pytest.raises(LessonError, match="first line"):
        raise error
