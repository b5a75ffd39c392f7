"""Lesson 04a's exercise: the cosine schedule for batches of 64. Correct variants, however they
are built, are confirmed; each usual slip is refused with its own explanation."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from course_utils.exercises.cosine_schedule import check_schedule, expected_steps
from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.notebook_io import read_notebook

LESSON = "04a_augmentation.ipynb"
IMAGES, EPOCHS = 27455, 13  # the lesson's training set and epochs
VERDICT = {
    "es": {
        True: "schedule_64: ¡correcto!",
        False: "schedule_64: todavía no.",
        None: "schedule_64: todavía sin responder",
    },
    "en": {
        True: "schedule_64: correct!",
        False: "schedule_64: not yet.",
        None: "schedule_64: not answered yet",
    },
}


def cosine(initial: float = 0.001, steps: float = 5577, **options):
    import keras

    return keras.optimizers.schedules.CosineDecay(initial, steps, **options)


def lesson_cells(lang: str) -> dict:
    notebook = read_notebook(find_course().notebooks / lang / LESSON)
    return {cell.get("id"): cell for cell in notebook.cells}


def solution_code(lang: str) -> str:
    solution = lesson_cells(lang)["solution-1"].source
    return re.search(r"```python\n(.*?)```", solution, flags=re.S).group(1)


def student_answer(code: str, images: int = IMAGES, epochs: int = EPOCHS):
    """``schedule_64`` as the notebook would hold it after running ``code``."""
    import keras

    scope = {"keras": keras, "math": math, "x_train": np.zeros((images, 1)), "EPOCHS": epochs}
    exec(code, scope)
    return scope["schedule_64"]


def right_rates(step):
    return 0.0005 * (1 + math.cos(math.pi * min(int(step), 5577) / 5577))


def correct_variants():
    import keras

    class Custom(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return right_rates(step)

    return {
        "keywords": cosine(),
        "ceil by integer division": student_answer(
            "schedule_64 = keras.optimizers.schedules.CosineDecay(\n"
            "    0.001, EPOCHS * ((len(x_train) + 63) // 64))"
        ),
        "ceil by negative floor": student_answer(
            "schedule_64 = keras.optimizers.schedules.CosineDecay("
            "1e-3, EPOCHS * -(-len(x_train) // 64))"
        ),
        "float steps": cosine(steps=5577.0),
        "from a configuration": keras.optimizers.schedules.CosineDecay.from_config(
            cosine().get_config()
        ),
        "warm-up target with no warm-up": cosine(0.0, 5577, warmup_target=0.001),
        "warm-up steps ignored without a target": cosine(warmup_steps=100),
        "a schedule of one's own": Custom(),
        "a plain function": right_rates,
    }


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lessons_solution_is_confirmed(lang: str):
    feedback = check_schedule(student_answer(solution_code(lang)), IMAGES, EPOCHS, lang=lang)
    assert feedback.correct is True, feedback.message
    assert feedback.message.startswith(VERDICT[lang][True])
    numbers = {
        "es": ("429 pasos", "5577", "63 imágenes"),
        "en": ("429 steps", "5,577", "63 images"),
    }
    assert all(number in feedback.message for number in numbers[lang]), feedback.message


def test_the_solution_follows_the_lessons_variables():
    """After a quick trial (300 rows, 1 epoch), the same code is still right, and the check asks
    for 5 steps: ceil(300 / 64)."""
    assert expected_steps(300, 1) == 5
    assert check_schedule(student_answer(solution_code("en"), 300, 1), 300, 1, lang="en").correct
    assert not check_schedule(cosine(steps=5577), 300, 1, lang="en").correct
    whole = check_schedule(cosine(steps=5), 320, 1, lang="en")
    assert whole.correct and "last batch" not in whole.message  # 320 images: no smaller batch


@pytest.mark.parametrize("variant", sorted(correct_variants()))
def test_correct_variants_are_accepted(variant: str):
    feedback = check_schedule(correct_variants()[variant], IMAGES, EPOCHS, lang="en")
    assert feedback.correct is True, feedback.message


MISTAKES = {  # the answer, and words its explanation must use in each language
    "epochs instead of steps": (
        lambda: cosine(steps=EPOCHS),
        ("número de épocas", "number of epochs"),
    ),
    "the old batch size": (lambda: cosine(steps=11154), ("lotes de 32", "batches of 32")),
    "not rounded up (floor)": (
        lambda: cosine(steps=EPOCHS * (IMAGES // 64)),
        ("redondear hacia arriba", "rounded up"),
    ),
    "not rounded up (no rounding)": (
        lambda: cosine(steps=EPOCHS * IMAGES / 64),
        ("redondear hacia arriba", "rounded up"),
    ),
    "one epoch only": (lambda: cosine(steps=429), ("una sola época", "one epoch only")),
    "images instead of batches": (
        lambda: cosine(steps=EPOCHS * IMAGES),
        ("cuenta imágenes", "counts images"),
    ),
    "wrong initial rate": (lambda: cosine(0.002), ("tasa inicial", "initial rate")),
    "another wrong initial rate": (lambda: cosine(0.01), ("tasa inicial", "initial rate")),
    "a warm-up": (
        lambda: cosine(0.0, 5577, warmup_target=0.001, warmup_steps=200),
        ("calentamiento", "warm-up"),
    ),
    "a final rate above 0": (lambda: cosine(alpha=0.1), ("alpha", "alpha")),
    "other steps": (lambda: cosine(steps=5000), ("redondeando hacia arriba", "rounded up")),
    "a fixed rate": (lambda: 0.001, ("tasa fija", "fixed rate")),
    "an optimizer": (
        lambda: __import__("keras").optimizers.RMSprop(learning_rate=cosine()),
        ("optimizador", "optimizer"),
    ),
    "not a schedule": (
        lambda: "CosineDecay",
        ("tiene que ser una planificación", "must be a learning-rate schedule"),
    ),
    "another schedule": (
        lambda: __import__("keras").optimizers.schedules.ExponentialDecay(0.001, 5577, 0.5),
        ("decaimiento coseno", "cosine decay"),
    ),
    "a function with other steps": (
        lambda: lambda step: 0.0005 * (1 + math.cos(math.pi * min(step, 11154) / 11154)),
        ("decaimiento coseno", "cosine decay"),
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("mistake", sorted(MISTAKES))
def test_each_usual_mistake_is_refused_with_its_explanation(mistake: str, lang: str):
    make, words = MISTAKES[mistake]
    feedback = check_schedule(make(), IMAGES, EPOCHS, lang=lang)
    assert feedback.correct is False, feedback.message
    assert feedback.message.startswith(VERDICT[lang][False])
    assert words[0 if lang == "es" else 1] in feedback.message, feedback.message


def test_each_mistake_gets_its_own_explanation():
    messages = {
        name: check_schedule(make(), IMAGES, EPOCHS, lang="en").message
        for name, (make, _) in MISTAKES.items()
    }
    same = {"not rounded up (floor)", "not rounded up (no rounding)"}
    assert len({messages[name] for name in same}) == 1
    same_rate = {"wrong initial rate", "another wrong initial rate"}
    others = [m for name, m in messages.items() if name not in same | same_rate]
    assert (
        len(set(others)) == len(others) - 1
    )  # "another schedule" and "a function with other steps"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unanswered_exercise_says_so(lang: str):
    feedback = check_schedule(None, IMAGES, EPOCHS, lang=lang)
    assert feedback.correct is None and feedback.message.startswith(VERDICT[lang][None])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lesson_asks_the_exercise_and_checks_it_unanswered(lang: str):
    cells = lesson_cells(lang)
    ids = list(cells)
    assert ids.index("save") < ids.index("exercise-intro") < ids.index("answer-1")
    assert ids.index("answer-1") + 1 == ids.index("check-1") == ids.index("solution-1") - 1
    assert cells["answer-1"].source == "schedule_64 = None"
    check = cells["check-1"]
    assert check.source == "check_schedule(schedule_64, len(x_train), EPOCHS)"
    assert "nbval-check-output" in check.metadata.get("tags", [])
    solution = cells["solution-1"].source
    assert re.match(r"<details>\s*<summary>", solution) and solution.rstrip().endswith("</details>")
    assert "check_schedule" in cells["setup"].source
    for output in check.get("outputs", []):  # what a full run stores: the unanswered state
        assert output["data"]["text/plain"] == check_schedule(None, 1, 1, lang=lang).message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_solution_quotes_the_stored_sizes(lang: str):
    """27,455 training images (the stored "prepare" output), 11,154 steps at batch size 32 (the
    stored "schedule" output), and what follows from them at batch size 64."""
    from course_utils.i18n import format_number

    cells = lesson_cells(lang)
    prepared = "".join(o["data"]["text/plain"] for o in cells["prepare"].outputs)
    images = int(re.search(r"\(\((\d+), 28, 28, 1\)", prepared)[1])
    scheduled = "".join(o["data"]["text/plain"] for o in cells["schedule"].outputs)
    steps_32 = int(re.findall(r"\d+", scheduled)[1])
    per_epoch = math.ceil(images / 64)
    text = cells["solution-1"].source
    for number in (images, images // 64, images % 64, per_epoch, EPOCHS * per_epoch, steps_32):
        assert format_number(number, 0, lang) in text, number
    assert f"math.ceil({images} / 64)" in text
