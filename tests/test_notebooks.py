"""The committed lesson notebooks: twins in parity, one language each, clean full-run outputs,
and a quick papermill run of each on a few hundred rows."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from lab_browser import broken_links, lesson_links

from course_utils.exercises import check_predict_letter
from course_utils.layout import LANGUAGES, find_course
from course_utils.tools import notebook_checks
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.parameters import lesson_parameters, trains_a_model
from course_utils.tools.run_plan import plan_run
from course_utils.tools.run_report import RunResult, read_records
from course_utils.tools.runner import RunSettings, run_notebooks

COURSE = find_course()
LESSONS = COURSE.lessons()
ALL = [lesson.path(lang) for lesson in LESSONS for lang in LANGUAGES]
IDS = [f"{path.parent.name}/{path.stem}" for path in ALL]


TRAINING = [path for path in ALL if trains_a_model(read_notebook(path), path)]
TRAINING_IDS = [f"{path.parent.name}/{path.stem}" for path in TRAINING]


def test_every_lesson_has_both_languages():
    assert "03_asl_cnn" in [lesson.name for lesson in LESSONS]
    assert all(lesson.missing_languages == [] for lesson in LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.name for lesson in LESSONS])
def test_twins_are_in_parity(lesson):
    problems = notebook_checks.parity_problems(*map(read_notebook, lesson.paths.values()))
    assert not problems, f"{lesson.name}: first difference: {problems[0]}"


def test_parity_check_names_the_first_differing_cell():
    spanish = read_notebook(LESSONS[0].path("es"))
    english = copy.deepcopy(spanish)
    index = next(i for i, c in enumerate(english.cells) if c.cell_type == "code" and i > 5)
    english.cells[index].source += "\nprint('changed')"
    english.cells[index + 1].metadata["tags"] = ["nbval-skip"]
    problems = notebook_checks.parity_problems(spanish, english)
    assert problems[0].startswith(
        f"cell {index} (id {spanish.cells[index].id!r}): the code differs"
    )


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_prose_is_in_the_notebooks_language(path: Path):
    problems = notebook_checks.language_problems(read_notebook(path), path.parent.name)
    assert not problems, "\n".join(problems)


def test_language_check_catches_an_english_paragraph_in_spanish():
    notebook = read_notebook(COURSE.lessons("03_*")[0].path("es"))
    cell = next(c for c in notebook.cells if c.get("id") == "maxpool2d")
    cell.source += (
        "\n\nMax pooling takes an image and shrinks it to a lower resolution, which helps the "
        "model be robust to translation."
    )
    problems = notebook_checks.language_problems(notebook, "es")
    assert len(problems) == 1 and "maxpool2d" in problems[0]


def _parameters(path: Path) -> dict[str, object]:
    notebook = read_notebook(path)
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert "parameters" in first_code.metadata.get("tags", []), "first code cell must be tagged"
    return {name: p.default for name, p in lesson_parameters(notebook, path).items()}


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_parameters_cell_holds_typed_knobs_with_limits(path: Path):
    declared = lesson_parameters(read_notebook(path), path)
    assert {"DATA_DIR", "SEED", "MAX_ROWS"} <= set(declared)
    assert declared["MAX_ROWS"].default is None
    for parameter in declared.values():
        if parameter.base_type in ("int", "float"):
            assert parameter.minimum is not None, f"{parameter.name} needs a minimum"
    assert (path.parent / declared["DATA_DIR"].default).resolve() == COURSE.data
    if "MODEL_DIR" in declared:
        assert (path.parent / declared["MODEL_DIR"].default).resolve() == COURSE.models
    if "IMAGES_DIR" in declared:
        assert (path.parent / declared["IMAGES_DIR"].default).resolve() == COURSE.new_images


@pytest.mark.parametrize("path", TRAINING, ids=TRAINING_IDS)
def test_text_states_the_epochs_the_code_runs(path: Path):
    epochs = _parameters(path)["EPOCHS"]
    notebook = read_notebook(path)
    training_text = next(c.source for c in notebook.cells if c.get("id") == "train-intro")
    stated = {int(n) for n in re.findall(r"\((\d+)\b", training_text)}
    assert stated == {epochs}
    stored = next(c for c in notebook.cells if c.get("id") == "train")
    log = "".join(o.get("text", "") for o in stored.outputs)
    assert f"Epoch {epochs}/{epochs}" in log


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_figures_exist_and_have_text_alternatives(path: Path):
    markdown = "\n".join(c.source for c in read_notebook(path).cells if c.cell_type == "markdown")
    images = re.findall(r"<img\s+([^>]*)/?>", markdown)
    sources = set()
    for attributes in images:
        src = re.search(r'src="([^"]+)"', attributes).group(1)
        alt = re.search(r'alt="([^"]*)"', attributes)
        assert (path.parent / src).is_file(), f"missing figure {src}"
        assert alt and len(alt.group(1)) > 20, f"{src} needs a text alternative"
        assert (path.parent / src).resolve().parent == COURSE.images
        sources.add(Path(src).name)
    if path.stem == "03_asl_cnn":  # the figures with a decimal number, in the lesson's language
        lang = path.parent.name
        assert sources == {f"cnn.{lang}.png", "conv2d.png", "maxpool2d.png", f"dropout.{lang}.png"}


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_every_relative_link_resolves_to_a_file_of_the_course(path: Path):
    """A link may point only at what the course (and so its student edition) carries."""
    assert not broken_links(path, COURSE.root)
    for target in lesson_links(path):
        assert Path(target).parts[2:3] not in (("tests",), ("benchmarks",)), target


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_stored_outputs_come_from_a_clean_full_run(path: Path):
    notebook = read_notebook(path)
    assert not notebook_checks.output_problems(notebook)
    records = read_records(notebook)
    if path in TRAINING:
        assert records["epochs"] == _parameters(path)["EPOCHS"]
        assert records["device"]
    assert "papermill" not in notebook.metadata


def test_output_check_finds_what_must_not_be_committed():
    notebook = read_notebook(COURSE.lessons("03_*")[0].path("en"))
    cell = next(c for c in notebook.cells if c.get("id") == "train")
    before = notebook_checks.output_problems(notebook)
    cell.outputs[0]["text"] += "\x1b[1m858/858 /home/student/x.py DeprecationWarning\n"
    problems = [p for p in notebook_checks.output_problems(notebook) if p not in before]
    assert len(problems) == 3 and all("id 'train'" in p for p in problems)


def run_with(notebooks: list[Path], output_dir: Path, values: dict) -> list[RunResult]:
    """The lessons run with ``values`` given as ``-p NAME VALUE`` would give them."""
    plan = plan_run(notebooks, [(name, str(value)) for name, value in values.items()])
    return run_notebooks(plan, RunSettings(output_dir))


# Lesson 03 also runs quickly in English through the README's route without make
# (tests/test_newcomer.py), and in both languages in JupyterLab and on the hosted stand-in.
@pytest.mark.slow  # papermill runs of a lesson: in make test, not in make test-quick
@pytest.mark.parametrize("lang", ["es"])
def test_lesson_03_runs_quickly_on_a_few_rows(lang: str, tmp_path: Path):
    [lesson] = COURSE.lessons("03_*")
    parameters = {"EPOCHS": 1, "MAX_ROWS": 300, "MODEL_DIR": str(tmp_path / "models")}
    [result] = run_with([lesson.path(lang)], tmp_path, parameters)
    assert result.status == "ok", result.error
    assert result.recorded["epochs"] == 1 and 0 <= result.recorded["val_accuracy"] <= 1
    assert (tmp_path / "models" / "03_asl_cnn.keras").is_file()
    executed = read_notebook(tmp_path / lang / lesson.path(lang).name)
    shapes = next(c for c in executed.cells if c.get("id") == "reshape").outputs[0]
    assert shapes["data"]["text/plain"] == "((300, 28, 28, 1), (300, 28, 28, 1))"
    report = next(c for c in executed.cells if c.get("id") == "setup").outputs
    spanish_text = "Entrenamiento en" in str(report)
    assert spanish_text == (lang == "es")


MISSING_MODEL = {
    "es": ("No encuentro el modelo", "Lo entrena y lo guarda la lección 04a"),
    "en": ("Cannot find the model", "Lesson 04a (04a_augmentation.ipynb) trains and saves it"),
}


@pytest.mark.slow  # papermill runs of a lesson: in make test, not in make test-quick
@pytest.mark.parametrize("lang", LANGUAGES)
def test_lessons_04a_then_04b_run_quickly_on_a_few_rows(lang: str, tmp_path: Path):
    """04a trains for one epoch on 300 rows and saves its model; 04b loads it from there."""
    [lesson_a] = COURSE.lessons("04a_*")
    [lesson_b] = COURSE.lessons("04b_*")
    models, images = tmp_path / "models", tmp_path / "images"
    small = {"EPOCHS": 1, "MAX_ROWS": 300, "MODEL_DIR": str(models), "IMAGES_DIR": str(images)}
    notebooks = [lesson_a.path(lang), lesson_b.path(lang)]
    result_a, result_b = run_with(notebooks, tmp_path, small)
    assert result_a.status == "ok", result_a.error
    assert result_a.recorded["epochs"] == 1 and result_a.recorded["last_val_accuracies"]
    assert (models / "04a_augmentation.keras").is_file()
    assert result_b.status == "ok", result_b.error
    assert sorted(p.suffix for p in images.iterdir()) == [".jpg"] * 3 + [".png"] * 4
    executed = read_notebook(tmp_path / lang / lesson_b.path(lang).name)
    cells = {cell.get("id"): cell for cell in executed.cells}
    table = cells["all-images"].outputs[0]["data"]["text/plain"]
    assert "not_a_hand.png" in table and ("primera" in table) == (lang == "es")
    check = cells["check"].outputs[0]["data"]["text/plain"]
    unanswered = check_predict_letter(lambda path: None, None, [images / "not_a_hand.png"], lang)
    assert check == unanswered.message


# The message itself is checked in both languages by tests/test_lesson_04.py and in a kernel by
# tests/test_lesson_errors.py; here, once, what the runner reports when it stops 04b.
@pytest.mark.slow  # papermill runs of a lesson: in make test, not in make test-quick
@pytest.mark.parametrize("lang", ["en"])
def test_lesson_04b_without_04as_model_says_how_to_make_it(lang: str, tmp_path: Path):
    [lesson] = COURSE.lessons("04b_*")
    parameters = {"MAX_ROWS": 50, "MODEL_DIR": str(tmp_path / "empty"), "IMAGES_DIR": str(tmp_path)}
    [result] = run_with([lesson.path(lang)], tmp_path, parameters)
    assert result.status == "failed"
    assert "(id 'load-model'" in result.error and "ModelNotFoundError" in result.error
    assert "python -m course_utils run --pattern '04a_*'" in result.error
    for words in MISSING_MODEL[lang]:
        assert words in result.error, result.error
    other = "en" if lang == "es" else "es"
    assert MISSING_MODEL[other][0] not in result.error
