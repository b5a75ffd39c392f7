"""Lesson 03's exercise 5: the student writes the lesson's network with padding="valid", and the
check accepts every correct way of writing it and explains the usual mistakes."""

from __future__ import annotations

import re

import pytest

from course_utils.exercises import check_valid_model
from course_utils.i18n import TIMES
from course_utils.layout import LANGUAGES, find_course
from course_utils.lesson_model import lesson_cnn
from course_utils.tools.notebook_io import read_notebook

LESSON = "03_asl_cnn.ipynb"
VERDICT = {
    "es": {True: "Ejercicio 5: ¡correcto!", False: "Ejercicio 5: todavía no."},
    "en": {True: "Exercise 5: correct!", False: "Exercise 5: not yet."},
}


def cells(lang: str) -> dict:
    notebook = read_notebook(find_course().notebooks / lang / LESSON)
    return {cell.get("id"): cell for cell in notebook.cells}


def keras_scope() -> dict:
    """What the lesson has defined when exercise 5 comes: keras, the layers, num_classes."""
    import keras
    from keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D

    layers = (BatchNormalization, Conv2D, Dense, Dropout, Flatten)
    scope = {"keras": keras, "num_classes": 24, "MaxPool2D": MaxPool2D}
    return scope | {layer.__name__: layer for layer in layers}


def lesson_model_code(padding: str = "valid") -> str:
    """The lesson's own model cell, with every padding set to ``padding``."""
    source = cells("en")["model"].source
    return source.replace('padding="same"', f'padding="{padding}"')


def built(code: str, name: str = "model"):
    scope = keras_scope()
    exec(code, scope)
    return scope[name]


def solution_code(lang: str) -> str:
    solution = cells(lang)["solution-5"].source
    return re.search(r"```python\n(.*?)```", solution, flags=re.S).group(1)


# --------------------------------------------------------------------------- right answers


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lessons_solution_is_confirmed_with_the_reason(lang: str):
    model = built(solution_code(lang), "model_valid")
    feedback = check_valid_model(model, lang=lang)
    assert feedback.correct is True, feedback.message
    assert feedback.message.startswith(VERDICT[lang][True])
    number = {"es": "72\u00a0049", "en": "72,049"}[lang]
    assert number in feedback.message and f"1{TIMES}1{TIMES}25" in feedback.message


def test_keras_gives_the_shapes_and_parameters_the_check_expects():
    model = built(solution_code("en"), "model_valid")
    expected = lesson_cnn(padding="valid")[1:]
    assert [tuple(layer.output.shape[1:]) for layer in model.layers] == [e.shape for e in expected]
    assert [layer.count_params() for layer in model.layers] == [e.parameters for e in expected]
    assert model.count_params() == 72049


VARIANTS = {
    "the model cell changed": lesson_model_code("valid"),
    "a list, with Keras's default padding and short arguments": """
model = keras.Sequential([
    keras.Input((28, 28, 1)),
    Conv2D(75, 3, activation="relu"), BatchNormalization(), MaxPool2D(),
    Conv2D(50, 3, activation="relu"), Dropout(0.2), BatchNormalization(), MaxPool2D(2),
    Conv2D(25, (3, 3), activation="relu"), BatchNormalization(), keras.layers.MaxPooling2D(2, 2),
    Flatten(), Dense(512, activation="relu"), Dropout(rate=0.3), Dense(24, activation="softmax"),
], name="my_model")
""",
    "the functional API, with names and separate ReLU layers": """
inputs = keras.Input(shape=(28, 28, 1), name="image")
x = Conv2D(75, (3, 3), padding="valid", name="first")(inputs)
x = keras.layers.ReLU()(x)
x = BatchNormalization(name="norm1")(x)
x = MaxPool2D((2, 2), strides=2, padding="valid")(x)
x = Conv2D(50, (3, 3), padding="valid")(x)
x = keras.layers.Activation("relu")(x)
x = Dropout(0.2)(x)
x = BatchNormalization()(x)
x = MaxPool2D((2, 2), strides=2, padding="valid")(x)
x = Conv2D(25, (3, 3), padding="valid", activation="relu")(x)
x = BatchNormalization()(x)
x = MaxPool2D((2, 2), strides=(2, 2), padding="valid")(x)
x = Flatten()(x)
x = Dense(512, activation="relu")(x)
x = Dropout(0.3)(x)
model = keras.Model(inputs, Dense(24, activation="softmax")(x))
""",
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_correct_way_of_writing_it_is_accepted(variant: str):
    feedback = check_valid_model(built(VARIANTS[variant]), lang="en")
    assert feedback.correct is True, feedback.message


# --------------------------------------------------------------------------- the usual mistakes


def one_layer_left_same() -> str:
    code = lesson_model_code("valid")
    last = code.rindex('padding="valid"')
    return code[:last] + 'padding="same"' + code[last + len('padding="valid"') :]


MISTAKES = {
    # name: (code defining `model`, words the English and the Spanish message must contain)
    "padding left same everywhere": (
        lesson_model_code("same"),
        ('Still padding="same": conv2d', 'Todavía con padding="same": conv2d'),
    ),
    "padding left same in the last MaxPool2D": (
        one_layer_left_same(),
        ("(MaxPool2D). Every Conv2D", "(MaxPool2D). Todas las Conv2D"),
    ),
    "colour input": (
        lesson_model_code().replace("(28, 28, 1)", "(28, 28, 3)"),
        ("shape (28, 28, 3)", "forma (28, 28, 3)"),
    ),
    "no input": (
        lesson_model_code().replace("model.add(keras.Input(shape=(28, 28, 1)))\n", ""),
        ("Start it with keras.Input(shape=(28, 28, 1))", "Empieza por keras.Input"),
    ),
    "a Dropout forgotten": (
        lesson_model_code().replace("model.add(Dropout(0.2))\n", ""),
        ("A layer is missing. Layer 5 should be Dropout", "Falta alguna capa. La capa 5"),
    ),
    "a layer too many": (
        lesson_model_code().replace(
            "model.add(Flatten())", "model.add(Flatten())\nmodel.add(Dropout(0.3))"
        ),
        ("layer 12 should be Dense and is Dropout", "la 12 tendría que ser Dense y es Dropout"),
    ),
    "wrong filters": (
        lesson_model_code().replace("Conv2D(50,", "Conv2D(64,"),
        ("Layer 4 (Conv2D) has filters = 64", "La capa 4 (Conv2D) tiene filters = 64"),
    ),
    "softmax forgotten": (
        lesson_model_code().replace(', activation="softmax"', ""),
        ("has activation = linear", "tiene activation = linear"),
    ),
    "a list of layers": (
        "model = [keras.Input((28, 28, 1)), Flatten(), Dense(24)][1:]",
        ("keras.Sequential([...])", "keras.Sequential([...])"),
    ),
    "not a model": ("model = 72049", ("Keras model", "modelo de Keras")),
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("mistake", MISTAKES)
def test_usual_mistakes_are_refused_with_what_to_change(mistake: str, lang: str):
    code, (english, spanish) = MISTAKES[mistake]
    feedback = check_valid_model(built(code), lang=lang)
    assert feedback.correct is False
    assert feedback.message.startswith(VERDICT[lang][False]), feedback.message
    assert {"en": english, "es": spanish}[lang] in feedback.message, feedback.message
    other = "es" if lang == "en" else "en"
    assert VERDICT[other][False] not in feedback.message


def test_only_the_layers_left_padded_are_named():
    message = check_valid_model(built(one_layer_left_same()), lang="en").message
    assert message.count("(MaxPool2D)") == 1 and "(Conv2D)" not in message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unbuilt_model_is_not_answered_yet(lang: str):
    feedback = check_valid_model(None, lang=lang)
    assert feedback.correct is None
    assert "model_valid" in feedback.message


# --------------------------------------------------------------------------- the notebooks


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lesson_asks_exercise_5_and_checks_it_unanswered(lang: str):
    lesson = cells(lang)
    assert lesson["answer-5"].source == "model_valid = None"
    check = lesson["check-5"]
    assert check.source == "check_valid_model(model_valid)"
    assert "nbval-check-output" in check.metadata.get("tags", [])
    assert "check_valid_model" in lesson["setup"].source
    solution = lesson["solution-5"].source
    assert re.match(r"<details>\s*<summary>", solution) and solution.rstrip().endswith("</details>")
    for output in check.get("outputs", []):
        assert output["data"]["text/plain"] == check_valid_model(None, lang=lang).message
