"""Lesson 02: every figure its text quotes, checked against its own stored outputs (the training
log, the tables, the shift experiment); the network that its exercises and its diagram describe;
and the exercises' checks, in both languages."""

from __future__ import annotations

import math
import re
import types
from pathlib import Path

import pytest

from course_utils.data import LETTERS
from course_utils.dense_model import DENSE_NETWORK, DENSE_PARAMETERS, dense_network
from course_utils.exercises.dense_network import HALVED, check_dense_exercise
from course_utils.i18n import format_number, format_percent
from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.run_report import read_records

COURSE = find_course()
LOG_LINE = re.compile(
    r"^\d+/\d+ - \d+s - .* - accuracy: ([\d.]+) - loss: ([\d.e+-]+) - "
    r"val_accuracy: ([\d.]+) - val_loss: ([\d.e+-]+)$",
    re.M,
)
COUNT_ROW = re.compile(r"^([A-Z])\s+(\d+)\s+(\d+)$", re.M)
FROM_EPOCH = 3  # the text gives the range of validation accuracy from this epoch on
THIRD = {"es": "a partir de la tercera", "en": "from the third"}
POINTS = {20: {"es": "veinte puntos", "en": "twenty points"}}
VERDICT = {
    "es": {True: "¡correcto!", False: "todavía no.", None: "todavía sin responder"},
    "en": {True: "correct!", False: "not yet.", None: "not answered yet"},
}


def lesson_path(lang: str) -> Path:
    [lesson] = COURSE.lessons("02_*")
    return lesson.path(lang)


def cells(lang: str) -> dict[str, object]:
    return {cell.get("id"): cell for cell in read_notebook(lesson_path(lang)).cells}


def stored_text(cell) -> str:
    """What a stored code cell shows: its printed text and its text/plain results."""
    parts = []
    for output in cell.outputs:
        parts.append(output.get("text", ""))
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def log_of(cell) -> dict[str, list[float]]:
    """Each epoch's accuracy, loss, val_accuracy and val_loss in a training cell's stored log."""
    rows = LOG_LINE.findall(stored_text(cell))
    columns = zip(*[[float(value) for value in row] for row in rows], strict=True)
    names = ("accuracy", "loss", "val_accuracy", "val_loss")
    return dict(zip(names, map(list, columns), strict=True))


def stored_log(lang: str) -> dict[str, list[float]]:
    """The stored log of lesson 02's "train" cell."""
    return log_of(cells(lang)["train"])


def stored_tuple(lang: str, cell_id: str) -> tuple:
    """The Python tuple a stored code cell shows (it prints only numbers and strings)."""
    return stored_tuple_of(cells(lang)[cell_id])


def stored_tuple_of(cell) -> tuple:
    return eval(stored_text(cell), {"dtype": str})


def percent(value: float, lang: str) -> str:
    return format_percent(value, 2, lang)


def four(value: float, lang: str) -> str:
    return format_number(value, 4, lang)


def whole(value: int, lang: str) -> str:
    return format_number(value, 0, lang)


def assert_quoted(figures: list[str], lang: str, cell_id: str) -> None:
    text = cells(lang)[cell_id].source
    missing = [figure for figure in figures if figure not in text]
    assert not missing, f"{cell_id} ({lang}) does not quote {missing}"


# --------------------------------------------------------------------------- the stored run


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_results_text_quotes_the_stored_log(lang: str):
    log = stored_log(lang)
    accuracy, validation = log["accuracy"], log["val_accuracy"]
    epochs = len(accuracy)
    assert epochs == read_records(read_notebook(lesson_path(lang)))["epochs"]
    later = validation[FROM_EPOCH - 1 :]
    best = validation.index(max(validation)) + 1
    lowest_loss = log["val_loss"].index(min(log["val_loss"])) + 1
    gap = round(100 * (accuracy[-1] - validation[-1]))
    assert_quoted(
        [
            percent(accuracy[0], lang),
            percent(accuracy[-1], lang),
            four(log["loss"][0], lang),
            four(log["loss"][-1], lang),
            percent(min(later), lang),
            percent(max(later), lang),
            f"{best})" if lang == "en" else f"época {best})",
            percent(validation[-1], lang),
            POINTS[gap][lang],
            four(min(log["val_loss"]), lang),
            str(lowest_loss),
            four(log["val_loss"][-1], lang),
            four(log["val_loss"][1], lang),
        ],
        lang,
        "results-discussion",
    )
    assert max(later) == max(validation), "the best epoch is within the range the text gives"
    assert log["val_loss"][-1] > log["val_loss"][1]
    assert "True" in stored_text(cells(lang)["accuracy-check"])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_shift_text_and_the_conclusion_quote_the_stored_outputs(lang: str):
    log = stored_log(lang)
    changed, accuracy, moved = stored_tuple(lang, "shift")
    assert accuracy == round(log["val_accuracy"][-1], 4)
    drop = round(100 * (accuracy - moved))
    assert_quoted(
        [
            format_percent(changed, 1, lang),
            percent(accuracy, lang),
            percent(moved, lang),
            POINTS[drop][lang],
        ],
        lang,
        "shift-discussion",
    )
    later = log["val_accuracy"][FROM_EPOCH - 1 :]
    assert_quoted(
        [
            percent(log["accuracy"][-1], lang),
            percent(log["val_accuracy"][-1], lang),
            percent(min(later), lang),
            percent(max(later), lang),
            THIRD[lang],
            percent(moved, lang),
            whole(DENSE_PARAMETERS, lang),
            f"{len(log['accuracy'])} ",
        ],
        lang,
        "next-steps",
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_solution_2_quotes_the_stored_best_epoch(lang: str):
    validation = stored_log(lang)["val_accuracy"]
    best = validation.index(max(validation)) + 1
    word = {"es": "época", "en": "epoch"}[lang]
    assert_quoted(
        [
            four(max(validation), lang),
            f"{word} {best}",
            percent(max(validation), lang),
            percent(validation[-1], lang),
        ],
        lang,
        "solution-2",
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_data_text_quotes_the_stored_tables(lang: str):
    (train_rows, columns), (valid_rows, _) = stored_tuple(lang, "table-shapes")
    assert columns == 1 + 784
    assert_quoted([whole(train_rows, lang), whole(valid_rows, lang)], lang, "labels-intro")
    assert_quoted(
        [whole(train_rows, lang), str(math.ceil(train_rows / 32)), str(train_rows % 32)],
        lang,
        "train-intro",
    )
    assert stored_tuple(lang, "label-values") == (0, 23, 24, LETTERS, "K")
    counts = {
        letter: (int(train), int(valid))
        for letter, train, valid in COUNT_ROW.findall(stored_text(cells(lang)["counts"]))
    }
    assert sorted(counts) == sorted(LETTERS), "the stored table shows every letter"
    figures = []
    for column in (0, 1):
        fewest = min(counts, key=lambda letter: counts[letter][column])
        most = max(counts, key=lambda letter: counts[letter][column])
        figures += [whole(counts[fewest][column], lang), fewest]
        figures += [whole(counts[most][column], lang), most]
    assert_quoted(figures, lang, "counts-discussion")
    assert_quoted([whole(valid_rows, lang)], lang, "counts-discussion")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_parameters_counted_by_hand_are_the_described_network(lang: str):
    counted = [whole(layer.parameters, lang) for layer in DENSE_NETWORK[1:]]
    assert_quoted([*counted, whole(DENSE_PARAMETERS, lang)], lang, "count-by-hand")
    assert stored_tuple(lang, "param-check") == (DENSE_PARAMETERS, DENSE_PARAMETERS)
    half = dense_network((256, 256))
    assert_quoted(
        [whole(layer.parameters, lang) for layer in half[1:]]
        + [whole(HALVED.expected, lang), whole(DENSE_PARAMETERS, lang)],
        lang,
        "solution-1",
    )


# --------------------------------------------------------------------------- the network


def lesson_model(hidden: int = 512):
    """The model of the lesson's "model" cell, built from the notebook's own code, with
    ``hidden`` units in each hidden layer."""
    import keras
    from keras.layers import Dense

    source = cells("en")["model"].source.replace("units=512", f"units={hidden}")
    scope = {"keras": keras, "Dense": Dense, "num_classes": len(LETTERS)}
    exec(source, scope)
    return scope["model"]


def test_the_description_is_the_lessons_model_as_keras_builds_it():
    model = lesson_model()
    assert model.count_params() == DENSE_PARAMETERS == 676888
    assert [layer.count_params() for layer in model.layers] == [
        layer.parameters for layer in DENSE_NETWORK[1:]
    ]
    assert [tuple(layer.output.shape[1:]) for layer in model.layers] == [
        layer.shape for layer in DENSE_NETWORK[1:]
    ]


def test_answer_1_is_what_keras_counts_with_halved_hidden_layers():
    assert lesson_model(256).count_params() == HALVED.expected == 272920


def solution_code(lang: str, number: int) -> str:
    text = cells(lang)[f"solution-{number}"].source
    return re.search(r"```python\n(.*?)```", text, re.S).group(1)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_hidden_solutions_pass_their_checks(lang: str):
    import keras
    import numpy as np
    from keras.layers import Dense

    scope = {"keras": keras, "Dense": Dense, "np": np, "num_classes": len(LETTERS)}
    scope["history"] = types.SimpleNamespace(
        history={"val_accuracy": [0.4, 0.8, 0.7], "accuracy": [0.5, 0.9, 0.95]}
    )
    for number in (1, 2, 3):
        exec(solution_code(lang, number), scope)
    for number, answer in ((1, "answer_1"), (2, "answer_2"), (3, "exercise_model")):
        feedback = check_dense_exercise(number, scope[answer], scope["history"], lang=lang)
        assert feedback.correct is True, feedback.message
        assert VERDICT[lang][True] in feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_stored_checks_wait_for_an_answer(lang: str):
    for number in (1, 2, 3):
        shown = stored_text(cells(lang)[f"check-{number}"])
        assert VERDICT[lang][None] in shown
    assert not cells(lang)["train-3"].outputs, "the exercise trains nothing until it is answered"


# --------------------------------------------------------------------------- the checks


def history(validation: list[float], training: list[float]):
    return types.SimpleNamespace(history={"val_accuracy": validation, "accuracy": training})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercise_2_reads_the_run_it_is_given(lang: str):
    run = history([0.5, 0.7, 0.65, 0.7, 0.6], [0.6, 0.8, 0.9, 0.95, 0.99])
    verdicts = {answer: check_dense_exercise(2, answer, run, lang=lang) for answer in range(7)}
    assert [n for n, v in verdicts.items() if v.correct] == [2, 4], "either tied epoch is right"
    words = {
        "es": {0: "del 1 al 5", 1: "desde 1", 5: "entrenamiento", 3: "val_accuracy"},
        "en": {0: "1 to 5", 1: "from 1", 5: "training accuracy", 3: "val_accuracy"},
    }[lang]
    for answer, word in words.items():
        assert verdicts[answer].correct is False and word in verdicts[answer].message
    last = check_dense_exercise(2, 3, history([0.5, 0.9, 0.6], [0.5, 0.9, 0.8]), lang=lang)
    assert {"es": "última época", "en": "last epoch"}[lang] in last.message
    assert check_dense_exercise(2, 2.0, run, lang=lang).correct is True
    assert check_dense_exercise(2, None, run, lang=lang).correct is None
    with pytest.raises(ValueError, match="history"):
        check_dense_exercise(2, 2, None, lang=lang)


def model_of(*layers, with_input: bool = True):
    import keras

    model = keras.Sequential()
    if with_input:
        model.add(keras.Input(shape=(784,)))
    for layer in layers:
        model.add(layer)
    return model


def dense(units: int = 512, activation: str = "relu"):
    import keras

    return keras.layers.Dense(units, activation=activation)


def dropout(rate: float = 0.3):
    import keras

    return keras.layers.Dropout(rate)


def functional_model():
    import keras

    inputs = keras.Input(shape=(784,))
    values = dropout()(dense()(inputs))
    values = dropout(0.5)(dense()(values))
    return keras.Model(inputs, dense(24, "softmax")(values))


RIGHT_VARIANTS = {
    "add": lambda: model_of(dense(), dropout(), dense(), dropout(), dense(24, "softmax")),
    "input dropout and other rates": lambda: model_of(
        dropout(0.2), dense(), dropout(0.5), dense(), dropout(0.2), dense(24, "softmax")
    ),
    "functional": functional_model,
}
# A wrong model, and a word of what the check must say about it (es, en).
WRONG_MODELS = {
    "dropout after the output": (
        lambda: model_of(dense(), dropout(), dense(), dropout(), dense(24, "softmax"), dropout()),
        ("salida", "output"),
    ),
    "one dropout missing": (
        lambda: model_of(dense(), dense(), dropout(), dense(24, "softmax")),
        ("capa oculta 1", "hidden layer 1"),
    ),
    "no dropout": (lambda: model_of(dense(), dense(), dense(24, "softmax")), ("ninguna", "no ")),
    "no input": (
        lambda: model_of(
            dense(), dropout(), dense(), dropout(), dense(24, "softmax"), with_input=False
        ),
        ("keras.Input", "keras.Input"),
    ),
    "halved": (
        lambda: model_of(dense(256), dropout(), dense(256), dropout(), dense(24, "softmax")),
        ("Dense(256, relu)", "Dense(256, relu)"),
    ),
    "rate too high": (
        lambda: model_of(dense(), dropout(0.8), dense(), dropout(), dense(24, "softmax")),
        ("0,8", "0.8"),
    ),
    "rate zero": (
        lambda: model_of(dense(), dropout(0.0), dense(), dropout(), dense(24, "softmax")),
        ("0 no apaga", "0 switches nothing"),
    ),
    "images as grids": (lambda: grid_model(), ("(28, 28, 1)", "(28, 28, 1)")),
    "not a model": (lambda: "model", ("str", "str")),
}


def grid_model():
    import keras

    layers = [keras.layers.Flatten(), dense(), dropout(), dense(), dropout(), dense(24, "softmax")]
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), *layers])


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("variant", sorted(RIGHT_VARIANTS))
def test_exercise_3_accepts_the_right_variants(variant: str, lang: str):
    feedback = check_dense_exercise(3, RIGHT_VARIANTS[variant](), lang=lang)
    assert feedback.correct is True, feedback.message
    assert whole(DENSE_PARAMETERS, lang) in feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("mistake", sorted(WRONG_MODELS))
def test_exercise_3_explains_the_usual_mistakes(mistake: str, lang: str):
    build, words = WRONG_MODELS[mistake]
    feedback = check_dense_exercise(3, build(), lang=lang)
    assert feedback.correct is False
    assert VERDICT[lang][False] in feedback.message
    assert words[LANGUAGES.index(lang)] in feedback.message, feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_exercise_1_explains_the_usual_mistakes(lang: str):
    words = {
        "es": {272920 - 536: "sesgos", DENSE_PARAMETERS // 2: "mitad", DENSE_PARAMETERS: "512"},
        "en": {272920 - 536: "biases", DENSE_PARAMETERS // 2: "half", DENSE_PARAMETERS: "512"},
    }[lang]
    for answer, word in words.items():
        feedback = check_dense_exercise(1, answer, lang=lang)
        assert feedback.correct is False and word in feedback.message
    assert check_dense_exercise(1, "272920", lang=lang).correct is False
    with pytest.raises(ValueError):
        check_dense_exercise(4, 1, lang=lang)


# --------------------------------------------------------------------------- lesson 03's quotes


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lesson_03_quotes_lesson_02s_stored_run(lang: str):
    """Lesson 03's "Before you start" box links lesson 02, and the figures it quotes come from
    lesson 02's stored run: the final accuracies in the box, the parameters
    and the final validation accuracy in exercise 4's solution."""
    [lesson03] = COURSE.lessons("03_*")
    text = {cell.get("id"): cell.source for cell in read_notebook(lesson03.path(lang)).cells}
    assert "02_asl_dense.ipynb" in text["before-you-start"], "lesson 03's box must link lesson 02"
    log = stored_log(lang)
    final = [percent(log["accuracy"][-1], lang), percent(log["val_accuracy"][-1], lang)]
    missing = [figure for figure in final if figure not in text["before-you-start"]]
    assert not missing, f"lesson 03's box ({lang}) does not quote {missing}"
    for figure in (whole(DENSE_PARAMETERS, lang), final[1]):
        assert figure in text["solution-4"], f"lesson 03's solution 4 ({lang}) lacks {figure}"


# --------------------------------------------------------------------------- in a real kernel


@pytest.mark.slow  # a papermill run of the lesson: in make test, not in make test-quick
def test_the_lesson_runs_with_the_solutions_typed_in(tmp_path: Path):
    """Lesson 02 on 300 rows for one epoch, with each answer cell holding its hidden solution:
    every check says "correct!" in the kernel, and the exercise's network trains and plots."""
    from course_utils.tools.notebook_io import write_notebook
    from course_utils.tools.run_plan import plan_run
    from course_utils.tools.runner import RunSettings, run_notebooks

    notebook = read_notebook(lesson_path("en"))
    answers = {f"answer-{n}": solution_code("en", n) for n in (1, 2, 3)}
    for cell in notebook.cells:
        cell.source = answers.get(cell.get("id"), cell.source)
    copy = tmp_path / "lessons" / "en" / lesson_path("en").name
    copy.parent.mkdir(parents=True)
    write_notebook(copy, notebook)
    values = {"EPOCHS": 1, "MAX_ROWS": 300, "DATA_DIR": str(COURSE.data)}
    plan = plan_run([copy], [(name, str(value)) for name, value in values.items()])
    [result] = run_notebooks(plan, RunSettings(tmp_path / "out"))
    assert result.status == "ok", result.error
    executed = {c.get("id"): c for c in read_notebook(tmp_path / "out" / "en" / copy.name).cells}
    for number in (1, 2, 3):
        assert stored_text(executed[f"check-{number}"]).startswith(f"Exercise {number}: correct!")
    trained = executed["train-3"].outputs
    assert "val_accuracy" in "".join(output.get("text", "") for output in trained)
    assert any("image/png" in output.get("data", {}) for output in trained)
    assert stored_tuple_of(executed["table-shapes"]) == ((300, 785), (300, 785))
