"""Students re-run cells: lesson 04a's "prepare" cell, run a second time in a real kernel, gives
the same arrays instead of KeyError: 'label'."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from course_utils.layout import find_course
from course_utils.tools.notebook_io import read_notebook

UP_TO_PREPARE = ("setup", "load", "prepare")


def lesson_code(lang: str) -> dict[str, str]:
    notebook = read_notebook(find_course().notebooks / lang / "04a_augmentation.ipynb")
    return {cell.get("id"): cell.source for cell in notebook.cells if cell.cell_type == "code"}


@pytest.mark.slow  # a real kernel: in make test, not in make test-quick
@pytest.mark.parametrize("lang", ["en"])  # the code cells are the same in both languages
def test_the_prepare_cell_survives_a_second_run(lang: str, prepared_dir: Path):
    code = lesson_code(lang)
    parameters = (
        code["parameters"]
        + f"\nDATA_DIR = {str(prepared_dir)!r}\nMAX_ROWS = 40\nMODEL_DIR = '/nonexistent'"
    )
    keep = "first = (x_train.copy(), y_train.copy(), x_valid.copy(), y_valid_labels.copy())"
    same = (
        "[np.array_equal(a, b) for a, b in zip(first, (x_train, y_train, x_valid, y_valid_labels))]"
        ", x_train.shape, list(train_df.columns[:2])"
    )
    sources = [parameters, *(code[i] for i in UP_TO_PREPARE), keep, code["prepare"], same]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    folder = find_course().notebooks / lang
    NotebookClient(
        notebook, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": folder}}
    ).execute()
    errors = [o for cell in notebook.cells for o in cell.outputs if o.output_type == "error"]
    assert not errors, [f"{o.ename}: {o.evalue}" for o in errors]
    first, second = (notebook.cells[i].outputs[0]["data"]["text/plain"] for i in (3, 5))
    assert first == second == "((40, 28, 28, 1), (40, 28, 28, 1))"
    result = notebook.cells[-1].outputs[0]["data"]["text/plain"]
    assert result == "([True, True, True, True], (40, 28, 28, 1), ['label', 'pixel1'])"
