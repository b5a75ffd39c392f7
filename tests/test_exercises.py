"""The exercises of lessons 03 and 04b: answers that Keras confirms, and verdicts that say why."""

from __future__ import annotations

import re

import numpy as np
import pytest

from course_utils import lesson_model
from course_utils.data import letter
from course_utils.exercises import Feedback, check_exercise, check_predict_letter
from course_utils.exercises.numeric import EXERCISES
from course_utils.exercises.predict_letter import lesson_steps
from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.notebook_io import read_notebook

LESSON = "03_asl_cnn.ipynb"
# For each exercise: the right answer, and wrong answers with a word the explanation must use.
ANSWERS = {
    1: (2100, [(2025, {"es": "sesgos", "en": "biases"}), (750, {"es": "canal", "en": "channel"})]),
    2: (
        (3, 3, 25),
        [
            ((4, 4, 25), {"es": 'padding="same"', "en": 'padding="same"'}),
            ((3, 3, 50), {"es": "canales", "en": "channels"}),
        ],
    ),
    3: (
        115712,
        [
            (205312, {"es": "400 entradas", "en": "400 inputs"}),
            (115200, {"es": "sesgos", "en": "biases"}),
        ],
    ),
    4: (
        414232,
        [(401920, {"es": "capa oculta", "en": "hidden layer"}), (12, {"es": "784", "en": "784"})],
    ),
}
VERDICT = {
    "es": {True: "¡correcto!", False: "todavía no.", None: "todavía sin responder"},
    "en": {True: "correct!", False: "not yet.", None: "not answered yet"},
}


# --------------------------------------------------------------------------- the answers


def build_lesson_model(last_padding: str = "same"):
    """The model of the lesson's "model" cell, built from the notebook's own code."""
    import keras
    from keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D

    notebook = read_notebook(find_course().notebooks / "en" / LESSON)
    source = next(cell.source for cell in notebook.cells if cell.get("id") == "model")
    last = source.rindex('padding="same"')
    source = source[:last] + f'padding="{last_padding}"' + source[last + len('padding="same"') :]
    scope = {
        "keras": keras,
        "num_classes": 24,
        "BatchNormalization": BatchNormalization,
        "Conv2D": Conv2D,
        "Dense": Dense,
        "Dropout": Dropout,
        "Flatten": Flatten,
        "MaxPool2D": MaxPool2D,
    }
    exec(source, scope)
    return scope["model"]


def test_the_rules_give_the_lessons_model_as_keras_counts_it():
    model = build_lesson_model()
    assert model.count_params() == lesson_model.CNN_PARAMETERS == 264049
    assert model.layers[-4].output.shape[1:] == (lesson_model.FLATTENED,)
    described = lesson_model.LESSON_CNN[1:]  # without the Input
    assert [layer.count_params() for layer in model.layers] == [d.parameters for d in described]
    assert [tuple(layer.output.shape[1:]) for layer in model.layers] == [d.shape for d in described]


def test_answer_1_is_what_keras_counts_for_colour_images():
    import keras

    layer = keras.layers.Conv2D(75, (3, 3), strides=1, padding="same", activation="relu")
    keras.Sequential([keras.Input(shape=(28, 28, 3)), layer])
    assert layer.count_params() == EXERCISES[1].expected == ANSWERS[1][0]


def test_answers_2_and_3_are_what_keras_gives_with_a_valid_last_pooling():
    model = build_lesson_model(last_padding="valid")
    pooling = [layer for layer in model.layers if "pooling" in layer.name][-1]
    assert tuple(pooling.output.shape[1:]) == EXERCISES[2].expected == ANSWERS[2][0]
    dense = next(layer for layer in model.layers if "dense" in layer.name)
    assert dense.count_params() == EXERCISES[3].expected == ANSWERS[3][0]


def test_answer_4_is_what_keras_counts_for_the_dense_network():
    import keras

    dense_network = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(512, activation="relu"),
            keras.layers.Dense(24, activation="softmax"),
        ]
    )
    assert dense_network.count_params() == EXERCISES[4].expected == ANSWERS[4][0]


@pytest.mark.parametrize(
    ("size", "padding", "expected"),
    [(28, "same", 14), (7, "same", 4), (7, "valid", 3), (6, "valid", 3), (5, "valid", 2)],
)
def test_pooled_size_matches_keras(size, padding, expected):
    import keras

    layer = keras.layers.MaxPool2D((2, 2), strides=2, padding=padding)
    assert layer.compute_output_shape((1, size, size, 1))[1] == expected
    assert lesson_model.pooled_size(size, padding=padding) == expected


# --------------------------------------------------------------------------- the verdicts


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("number", sorted(ANSWERS))
def test_a_right_answer_is_confirmed_with_the_reason(number, lang):
    right, _ = ANSWERS[number]
    feedback = check_exercise(number, right, lang=lang)
    assert feedback.correct is True
    heading = {"es": f"Ejercicio {number}: ", "en": f"Exercise {number}: "}[lang]
    assert feedback.message.startswith(heading + VERDICT[lang][True])
    reason = feedback.message.removeprefix(heading + VERDICT[lang][True]).strip()
    assert len(reason.split()) >= 12, "a right answer also says why"
    assert str(feedback) == feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("number", sorted(ANSWERS))
def test_wrong_answers_are_refused_with_the_reason(number, lang):
    _, wrong = ANSWERS[number]
    for answer, words in wrong:
        feedback = check_exercise(number, answer, lang=lang)
        assert feedback.correct is False, answer
        assert VERDICT[lang][False] in feedback.message
        assert words[lang] in feedback.message, feedback.message
        assert VERDICT[lang][True] not in feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_messages_speak_the_notebooks_language(lang):
    other = "en" if lang == "es" else "es"
    for number, (right, wrong) in ANSWERS.items():
        for answer in (None, right, wrong[0][0], "oops"):
            message = check_exercise(number, answer, lang=lang).message
            for verdict in VERDICT[other].values():
                assert verdict not in message, message


@pytest.mark.parametrize(
    ("number", "answer", "lang", "words"),
    [
        (1, "2100", "en", "without quotes"),
        (1, 2100.5, "es", "número entero"),
        (1, True, "en", "whole number"),
        (2, 3, "en", "a tuple"),
        (2, (3, 3), "es", "tres números"),
        (3, None, "es", "answer_3"),
    ],
)
def test_answers_of_the_wrong_kind_are_explained(number, answer, lang, words):
    feedback = check_exercise(number, answer, lang=lang)
    assert feedback.correct is (None if answer is None else False)
    assert words in feedback.message


def test_equivalent_answers_are_accepted_alike_by_every_exercise():
    """A whole number is accepted whatever its type, in a number as in a shape."""
    assert check_exercise(1, 2100.0, lang="en").correct
    assert check_exercise(1, np.int64(2100), lang="en").correct
    assert check_exercise(2, [3, 3, 25], lang="en").correct
    assert check_exercise(2, (None, 3, 3, 25), lang="en").correct  # as model.summary() shows
    assert check_exercise(2, np.array([3, 3, 25]), lang="en").correct
    assert check_exercise(2, (3.0, 3.0, 25.0), lang="en").correct
    assert not check_exercise(2, (3.5, 3, 25), lang="en").correct
    assert not check_exercise(1, np.bool_(True), lang="en").correct


@pytest.mark.parametrize("number", [5, 0, 1.0, True, "1"])
@pytest.mark.parametrize(
    ("lang", "words"), [("es", "Los ejercicios van del 1 al 4"), ("en", "1 to 4")]
)
def test_an_unknown_exercise_is_refused_in_the_notebooks_language(number, lang, words):
    with pytest.raises(ValueError, match=words) as refused:
        check_exercise(number, 1, lang=lang)
    assert repr(number) in str(refused.value)


def test_every_exercise_is_checked_by_the_same_reader_of_its_description():
    for number, exercise in EXERCISES.items():
        assert check_exercise(number, exercise.expected, lang="en").correct
        for wrong, hint in exercise.hints:
            if not callable(wrong):
                message = check_exercise(number, wrong, lang="en").message
                assert hint["en"].split("{")[0] in message


def test_the_language_defaults_to_the_notebooks(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "es")
    assert check_exercise(1, None).message.startswith("Ejercicio 1: todavía sin responder")


def test_feedback_is_displayed_as_its_message():
    from IPython.lib.pretty import pretty

    feedback = check_exercise(2, None, lang="en")
    assert isinstance(feedback, Feedback) and feedback.correct is None
    assert pretty(feedback) == feedback.message


# --------------------------------------------------------------------------- the notebooks


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lesson_asks_each_exercise_and_checks_it_unanswered(lang):
    cells = {
        cell.get("id"): cell
        for cell in read_notebook(find_course().notebooks / lang / LESSON).cells
    }
    for number in ANSWERS:
        assert cells[f"answer-{number}"].source == f"answer_{number} = None"
        check = cells[f"check-{number}"]
        assert check.source == f"check_exercise({number}, answer_{number})"
        assert "nbval-check-output" in check.metadata.get("tags", [])
        solution = cells[f"solution-{number}"].source
        assert re.match(r"<details>\s*<summary>", solution) and solution.rstrip().endswith(
            "</details>"
        )
        for output in check.get("outputs", []):  # stored by a full run: the unanswered state
            text = output.get("data", {}).get("text/plain", "")
            assert text == check_exercise(number, None, lang=lang).message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_solution_computes_the_expected_answer(lang):
    notebook = read_notebook(find_course().notebooks / lang / LESSON)
    for number in ANSWERS:
        solution = next(c.source for c in notebook.cells if c.get("id") == f"solution-{number}")
        code = re.search(r"```python\n(.*?)```", solution, flags=re.S).group(1)
        scope: dict[str, object] = {}
        exec(code, scope)
        assert check_exercise(number, scope[f"answer_{number}"], lang=lang).correct


# --------------------------------------------------------------------------- lesson 04b

LESSON_04B = "04b_new_images.ipynb"
PREDICT_VERDICT = {
    "es": {True: "predict_letter: ¡correcto!", False: "predict_letter: todavía no."},
    "en": {True: "predict_letter: correct!", False: "predict_letter: not yet."},
}


@pytest.fixture(scope="module")
def brightness_model():
    """A model whose letter depends on the mean brightness m of its input: logit k is
    48·k·m - k², so pixels in 0-1 give the letter at position 24·m (rounded), and pixels left in
    0-255 give Y."""
    import keras

    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(24, activation="softmax"),
        ]
    )
    positions = np.arange(24, dtype="float32")
    kernel = np.tile(48 * positions / 784, (784, 1))
    model.layers[-1].set_weights([kernel, -(positions**2)])
    return model


@pytest.fixture(scope="module")
def image_files(tmp_path_factory, brightness_model) -> list:
    """Wide greyscale files: a centred square of one grey level between side bands of another,
    so that cropping the square (or not) changes the mean brightness, and so the letter."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("images")
    paths = []
    for number, (centre, sides) in enumerate([(0.3, 0.9), (0.5, 0.1), (0.8, 0.2)]):
        picture = np.full((60, 120), sides * 255)
        picture[:, 30:90] = centre * 255
        path = folder / f"image_{number}.png"
        Image.fromarray(picture.round().astype(np.uint8)).convert("RGB").save(path)
        paths.append(path)
    return paths


def lesson_04b_solution() -> str:
    notebook = read_notebook(find_course().notebooks / "en" / LESSON_04B)
    solution = next(c.source for c in notebook.cells if c.get("id") == "solution")
    return re.search(r"```python\n(.*?)```", solution, flags=re.S).group(1)


def student_function(model, code: str):
    """``predict_letter`` as a student would define it in the notebook, from ``code``."""
    import keras

    from course_utils.data import letter
    from course_utils.photos import read_image

    scope = {"keras": keras, "letter": letter, "model": model, "np": np, "read_image": read_image}
    exec(code, scope)
    return scope["predict_letter"]


def test_the_brightness_model_tells_the_slips_apart(brightness_model, image_files):
    letters = [
        [letter(int(lesson_steps(p, brightness_model, **slip).argmax())) for p in image_files]
        for slip in ({}, {"scale": False}, {"crop": False})
    ]
    assert letters[0] == ["H", "N", "U"]
    assert letters[1] == ["Y", "Y", "Y"] and letters[2] != letters[0]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lessons_solution_is_confirmed(lang, brightness_model, image_files):
    function = student_function(brightness_model, lesson_04b_solution())
    feedback = check_predict_letter(function, brightness_model, image_files, lang=lang)
    assert feedback.correct is True, feedback.message
    assert feedback.message.startswith(PREDICT_VERDICT[lang][True])
    assert "image_0.png → H (" in feedback.message and "crop_test.png" in feedback.message


SLIPS = {  # a slip in the solution, and a word the explanation must use
    "no division": (
        "/ 255",
        "",
        {"es": "sin dividir entre 255", "en": "not divided by 255"},
    ),
    "no crop": (
        "square = image.crop((left, top, left + side, top + side))",
        "square = image",
        {"es": "sin recortar", "en": "without first cropping"},
    ),
    "index": (
        "return letter(best), float(probabilities[best])",
        "return best",
        {"es": "la posición de la letra", "en": "the letter's position"},
    ),
    "probabilities": (
        "return letter(best), float(probabilities[best])",
        "return probabilities",
        {"es": "24 probabilidades", "en": "24 probabilities"},
    ),
    "letter only": (
        "return letter(best), float(probabilities[best])",
        "return letter(best)",
        {"es": "Devuelve también su probabilidad", "en": "Return its probability as well"},
    ),
    "lower case": (
        "return letter(best), float(probabilities[best])",
        "return letter(best).lower(), float(probabilities[best])",
        {"es": "Repasa los pasos", "en": "Go through the steps"},
    ),
    "probability of another letter": (
        "return letter(best), float(probabilities[best])",
        "return letter(best), float(probabilities.min())",
        {"es": "la letra es correcta, pero", "en": "the letter is right, but"},
    ),
    "error": (
        "image.size",
        "image.shape",
        {"es": "AttributeError", "en": "AttributeError"},
    ),
}


def in_each_language(*cases: str) -> list:
    """Each case in both languages. Every check of 04b's function runs it on all the files, so the
    quick subset keeps one language per case, taking turns; the other is in the slow set."""
    return [
        pytest.param(case, lang, marks=() if (number + turn) % 2 == 0 else pytest.mark.slow)
        for number, case in enumerate(cases)
        for turn, lang in enumerate(LANGUAGES)
    ]


# The same for a test of one case: English in the quick subset, Spanish in the slow set.
ONE_LANGUAGE_QUICK = [
    pytest.param(lang, marks=pytest.mark.slow) if lang == "es" else lang for lang in LANGUAGES
]


@pytest.mark.parametrize(("slip", "lang"), in_each_language(*sorted(SLIPS)))
def test_a_slip_is_refused_with_the_reason(slip, lang, brightness_model, image_files):
    old, new, words = SLIPS[slip]
    code = lesson_04b_solution()
    assert old in code
    function = student_function(brightness_model, code.replace(old, new))
    feedback = check_predict_letter(function, brightness_model, image_files, lang=lang)
    assert feedback.correct is False, feedback.message
    assert feedback.message.startswith(PREDICT_VERDICT[lang][False])
    assert words[lang] in feedback.message, feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unwritten_function_is_not_answered_yet(lang, brightness_model, image_files):
    feedback = check_predict_letter(lambda path: None, brightness_model, image_files, lang=lang)
    assert feedback.correct is None
    assert feedback.message.startswith(f"predict_letter: {VERDICT[lang][None]}")
    with pytest.raises(ValueError, match={"es": "al menos un archivo", "en": "at least one"}[lang]):
        check_predict_letter(lambda path: None, brightness_model, [], lang=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_lesson_04b_asks_the_exercise_and_checks_it_unanswered(lang, image_files):
    cells = {
        cell.get("id"): cell
        for cell in read_notebook(find_course().notebooks / lang / LESSON_04B).cells
    }
    assert cells["answer"].source == "def predict_letter(path):\n    return None"
    check = cells["check"]
    assert check.source == "check_predict_letter(predict_letter, model, paths)"
    assert "nbval-check-output" in check.metadata.get("tags", [])
    solution = cells["solution"].source
    assert re.match(r"<details>\s*<summary>", solution) and solution.rstrip().endswith("</details>")
    for output in check.get("outputs", []):  # stored by a full run: the unanswered state
        text = output.get("data", {}).get("text/plain", "")
        assert text == check_predict_letter(lambda path: None, None, image_files, lang).message


@pytest.fixture(scope="module")
def augmented_model(brightness_model):
    """The brightness model behind a RandomBrightness layer, active in training mode only."""
    import keras

    dense = keras.layers.Dense(24, activation="softmax")
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            keras.layers.RandomBrightness(0.4, value_range=(0, 1), seed=1),
            keras.layers.Flatten(),
            dense,
        ]
    )
    dense.set_weights(brightness_model.layers[-1].get_weights())
    return model


@pytest.mark.parametrize("lang", ONE_LANGUAGE_QUICK)
def test_calling_the_model_in_training_mode_is_caught(lang, augmented_model, image_files):
    code = lesson_04b_solution()
    assert student_function(augmented_model, code) and "model.predict(" in code
    right = check_predict_letter(
        student_function(augmented_model, code), augmented_model, image_files, lang
    )
    assert right.correct is True, right.message
    old = "model.predict(pixels.reshape(1, 28, 28, 1), verbose=0)[0]"
    slip = code.replace(old, "np.asarray(model(pixels.reshape(1, 28, 28, 1)))[0]")
    feedback = check_predict_letter(
        student_function(augmented_model, slip), augmented_model, image_files, lang
    )
    assert feedback.correct is False
    assert {"es": "la segunda", "en": "the second"}[lang] in feedback.message
    assert "model.predict(...)" in feedback.message


@pytest.fixture(scope="module")
def square_files(tmp_path_factory) -> list:
    """Square files of one grey level each: cropping changes nothing in them."""
    from PIL import Image

    folder = tmp_path_factory.mktemp("squares")
    paths = []
    for number, grey in enumerate([0.2, 0.5, 0.75]):
        path = folder / f"square_{number}.png"
        Image.fromarray(np.full((60, 60), round(grey * 255), np.uint8)).save(path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("lang", ONE_LANGUAGE_QUICK)
def test_the_checks_own_file_catches_a_missing_crop(lang, brightness_model, square_files):
    """On square files a missing crop changes nothing: only the check's crop_test.png tells."""
    code = lesson_04b_solution()
    for path in square_files:  # the slip is invisible on the files themselves
        assert np.allclose(
            lesson_steps(path, brightness_model), lesson_steps(path, brightness_model, crop=False)
        )
    right = check_predict_letter(
        student_function(brightness_model, code), brightness_model, square_files, lang
    )
    assert right.correct is True and "crop_test.png" in right.message, right.message
    slip = code.replace(
        "square = image.crop((left, top, left + side, top + side))", "square = image"
    )
    feedback = check_predict_letter(
        student_function(brightness_model, slip), brightness_model, square_files, lang
    )
    assert feedback.correct is False
    assert {"es": "sin recortar", "en": "without first cropping"}[lang] in feedback.message
    assert "crop_test.png" in feedback.message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unreadable_file_is_blamed_not_the_function(
    lang, brightness_model, image_files, tmp_path
):
    empty, folder = tmp_path / "empty.jpg", tmp_path / "folder"
    empty.write_bytes(b"")
    folder.mkdir()
    files = [*image_files, empty, folder]
    function = student_function(brightness_model, lesson_04b_solution())
    feedback = check_predict_letter(function, brightness_model, files, lang=lang)
    assert feedback.correct is True, feedback.message
    assert {"es": "no en tu función", "en": "not in your function"}[lang] in feedback.message
    assert str(empty) in feedback.message and str(folder) in feedback.message
    broken = student_function(
        brightness_model, lesson_04b_solution().replace("image.size", "image.shape")
    )
    feedback = check_predict_letter(broken, brightness_model, files, lang=lang)
    assert feedback.correct is False and "AttributeError" in feedback.message
    assert {"es": "sí leen", "en": "do read"}[lang] in feedback.message
    nothing = check_predict_letter(function, brightness_model, [empty], lang=lang)
    assert nothing.correct is None and str(empty) in nothing.message
