"""The committed lesson notebooks: twins in parity, one language each, clean full-run outputs,
and a quick papermill run of each on a few hundred rows."""

from __future__ import annotations

import ast
import copy
import re
from pathlib import Path

import pytest

from course_utils import notebook_checks
from course_utils.dataset import COURSE_ROOT
from course_utils.notebook_io import read_notebook
from course_utils.report import read_records
from course_utils.runner import find_notebooks, run_notebooks

NOTEBOOKS = COURSE_ROOT / "notebooks"
LESSON = "03_asl_cnn.ipynb"
TWINS = [
    (NOTEBOOKS / "es" / path.name, NOTEBOOKS / "en" / path.name)
    for path in sorted((NOTEBOOKS / "es").glob("*.ipynb"))
]
ALL = [path for pair in TWINS for path in pair]


def test_every_lesson_has_both_languages():
    spanish = {p.name for p in (NOTEBOOKS / "es").glob("*.ipynb")}
    english = {p.name for p in (NOTEBOOKS / "en").glob("*.ipynb")}
    assert LESSON in spanish
    assert spanish == english


@pytest.mark.parametrize(("spanish", "english"), TWINS, ids=[p[0].name for p in TWINS])
def test_twins_are_in_parity(spanish: Path, english: Path):
    problems = notebook_checks.parity_problems(read_notebook(spanish), read_notebook(english))
    assert not problems, f"{spanish.name}: first difference: {problems[0]}"


def test_parity_check_names_the_first_differing_cell():
    spanish = read_notebook(TWINS[0][0])
    english = copy.deepcopy(spanish)
    index = next(i for i, c in enumerate(english.cells) if c.cell_type == "code" and i > 5)
    english.cells[index].source += "\nprint('changed')"
    english.cells[index + 1].metadata["tags"] = ["nbval-skip"]
    problems = notebook_checks.parity_problems(spanish, english)
    assert problems[0].startswith(
        f"cell {index} (id {spanish.cells[index].id!r}): the code differs"
    )


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_prose_is_in_the_notebooks_language(path: Path):
    problems = notebook_checks.language_problems(read_notebook(path), path.parent.name)
    assert not problems, "\n".join(problems)


def test_language_check_catches_an_english_paragraph_in_spanish():
    notebook = read_notebook(NOTEBOOKS / "es" / LESSON)
    cell = next(c for c in notebook.cells if c.get("id") == "maxpool2d")
    cell.source += (
        "\n\nMax pooling takes an image and shrinks it to a lower resolution, which helps the "
        "model be robust to translation."
    )
    problems = notebook_checks.language_problems(notebook, "es")
    assert len(problems) == 1 and "maxpool2d" in problems[0]


def _parameters(path: Path) -> dict[str, object]:
    cell = read_notebook(path).cells
    first_code = next(c for c in cell if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), "first code cell must be tagged"
    values = {}
    for node in ast.parse(first_code.source).body:
        assert isinstance(node, ast.AnnAssign), f"untyped parameter: {ast.unparse(node)}"
        values[node.target.id] = ast.literal_eval(node.value)
    return values


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_parameters_cell_holds_typed_knobs(path: Path):
    values = _parameters(path)
    assert set(values) == {"EPOCHS", "DATA_DIR", "SEED", "MAX_ROWS"}
    assert values["EPOCHS"] == 10 and values["MAX_ROWS"] is None
    assert (path.parent / values["DATA_DIR"]).resolve() == COURSE_ROOT / "datasets" / "asl_data"


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_text_states_the_epochs_the_code_runs(path: Path):
    epochs = _parameters(path)["EPOCHS"]
    notebook = read_notebook(path)
    training_text = next(c.source for c in notebook.cells if c.get("id") == "train-intro")
    stated = {int(n) for n in re.findall(r"\((\d+)\b", training_text)}
    assert stated == {epochs}
    stored = next(c for c in notebook.cells if c.get("id") == "train")
    log = "".join(o.get("text", "") for o in stored.outputs)
    assert f"Epoch {epochs}/{epochs}" in log


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_figures_exist_and_have_text_alternatives(path: Path):
    markdown = "\n".join(c.source for c in read_notebook(path).cells if c.cell_type == "markdown")
    images = re.findall(r"<img\s+([^>]*)/?>", markdown)
    sources = set()
    for attributes in images:
        src = re.search(r'src="([^"]+)"', attributes).group(1)
        alt = re.search(r'alt="([^"]*)"', attributes)
        assert (path.parent / src).is_file(), f"missing figure {src}"
        assert alt and len(alt.group(1)) > 20, f"{src} needs a text alternative"
        sources.add(Path(src).name)
    assert sources == {"cnn.png", "conv2d.png", "maxpool2d.png", "dropout.png"}


@pytest.mark.parametrize("path", ALL, ids=[f"{p.parent.name}/{p.name}" for p in ALL])
def test_stored_outputs_come_from_a_clean_full_run(path: Path):
    notebook = read_notebook(path)
    assert not notebook_checks.output_problems(notebook)
    records = read_records(notebook)
    assert records["epochs"] == _parameters(path)["EPOCHS"]
    assert records["device"]
    assert "papermill" not in notebook.metadata


def test_output_check_finds_what_must_not_be_committed():
    notebook = read_notebook(NOTEBOOKS / "en" / LESSON)
    cell = next(c for c in notebook.cells if c.get("id") == "train")
    cell.outputs[0]["text"] += "\x1b[1m858/858 /home/student/x.py DeprecationWarning\n"
    problems = notebook_checks.output_problems(notebook)
    assert len(problems) == 3 and all("id 'train'" in p for p in problems)


@pytest.mark.parametrize("lang", ["es", "en"])
def test_lesson_runs_quickly_on_a_few_rows(lang: str, tmp_path: Path):
    notebooks = find_notebooks(languages=[lang], pattern="03_*")
    [record] = run_notebooks(
        notebooks, output_dir=tmp_path, parameters={"EPOCHS": 1, "MAX_ROWS": 300}
    )
    assert record.status == "ok", record.error
    assert record.epochs == 1 and 0 <= record.val_accuracy <= 1
    executed = read_notebook(tmp_path / lang / LESSON)
    shapes = next(c for c in executed.cells if c.get("id") == "reshape").outputs[0]
    assert shapes["data"]["text/plain"] == "((300, 28, 28, 1), (300, 28, 28, 1))"
    report = next(c for c in executed.cells if c.get("id") == "setup").outputs
    spanish_text = "Entrenamiento en" in str(report)
    assert spanish_text == (lang == "es")
