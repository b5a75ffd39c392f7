"""Lesson 04b's exercise: the student's ``predict_letter(path)`` against the lesson's own steps.

``lesson_steps`` is the reference: the steps the lesson takes one by one. The check calls the
student's function on each image file and compares its letters with the reference's; when they
differ, it looks for the usual slips (returning a position or the probabilities, skipping the
division by 255 or the centred square) and names the one it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral
from pathlib import Path
from typing import Any

import numpy as np

from course_utils.data import LETTERS, NUM_CLASSES, letter
from course_utils.exercises.feedback import NOT_YET, RIGHT, Feedback, Text, say
from course_utils.i18n import pick

NAME = "predict_letter"
HEADING = f"{NAME}: "


def lesson_steps(path: Any, model: Any, crop: bool = True, scale: bool = True) -> np.ndarray:
    """The 24 probabilities the model gives the image file at ``path``, by lesson 04b's steps:
    read it in grey, crop the centred square, resize it to 28x28, divide by 255, reshape to
    (1, 28, 28, 1) and predict. ``crop`` or ``scale`` False skip a step, as a slip would."""
    import keras

    image = keras.utils.load_img(path, color_mode="grayscale")
    if crop:
        width, height = image.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    pixels = keras.utils.img_to_array(image.resize((28, 28)))
    if scale:
        pixels = pixels / 255
    return model.predict(pixels.reshape(1, 28, 28, 1), verbose=0)[0]


def check_predict_letter(
    function: Callable[[Any], Any], model: Any, paths: list[Any], lang: str | None = None
) -> Feedback:
    """Check a student's ``predict_letter(path)`` on the image files ``paths``: right when it
    returns, for each one, the letter that the lesson's steps give with ``model``."""
    paths = [Path(path) for path in paths]
    if not paths:
        raise ValueError(
            pick(
                lang,
                es="Indica al menos un archivo de imagen para comprobar predict_letter.",
                en="Give at least one image file to check predict_letter on.",
            )
        )
    answers, failure = _answers(function, paths, lang)
    if failure is not None:
        return failure
    letters = [letter(int(lesson_steps(path, model).argmax())) for path in paths]
    if all(_same_letter(a, e) for a, e in zip(answers, letters, strict=True)):
        listed = ", ".join(f"{p.name} → {found}" for p, found in zip(paths, letters, strict=True))
        why = say(ALL_RIGHT, lang, count=len(paths), listed=listed)
        return Feedback(NAME, True, HEADING + say(RIGHT, lang) + why)
    why = _why_wrong(answers, letters, paths, model, lang)
    return Feedback(NAME, False, HEADING + say(NOT_YET, lang) + why)


def _answers(
    function: Callable[[Any], Any], paths: list[Path], lang: str | None
) -> tuple[list[Any], Feedback | None]:
    """The function's answer for each file, or the feedback that ends the check early: the
    function raised, or it is not written yet (it returns None)."""
    answers = []
    for path in paths:
        try:
            answers.append(function(path))
        except Exception as error:
            why = say(RAISED, lang, name=path.name, error=f"{type(error).__name__}: {error}")
            return answers, Feedback(NAME, False, HEADING + say(NOT_YET, lang) + why)
        if answers[0] is None:
            return answers, Feedback(NAME, None, HEADING + say(UNWRITTEN, lang))
    return answers, None


def _same_letter(answer: Any, expected: str) -> bool:
    """True when ``answer`` is the text ``expected`` (never for an array or a number)."""
    return isinstance(answer, str) and answer == expected


def _why_wrong(
    answers: list[Any], letters: list[str], paths: list[Path], model: Any, lang: str | None
) -> str:
    """What is wrong with the first wrong answer: its type, or a slip the letters reveal."""
    index = next(
        i for i, (a, e) in enumerate(zip(answers, letters, strict=True)) if not _same_letter(a, e)
    )
    answer, name, expected = answers[index], paths[index].name, letters[index]
    best = LETTERS.index(expected)
    if isinstance(answer, Integral) and not isinstance(answer, bool) and int(answer) == best:
        return say(POSITION, lang, name=name, best=str(best), letter=repr(expected))
    if np.ndim(answer) > 0 and np.size(answer) == NUM_CLASSES:
        return say(PROBABILITIES, lang, name=name, classes=NUM_CLASSES)
    if not isinstance(answer, str):
        return say(NOT_TEXT, lang, name=name, answer=repr(answer), kind=type(answer).__name__)
    for slip, why in SLIPS.items():
        variant = [letter(int(lesson_steps(p, model, **{slip: False}).argmax())) for p in paths]
        if variant != letters and all(map(_same_letter, answers, variant)):
            return say(OTHER_LETTERS, lang) + say(why, lang)
    return say(GO_THROUGH, lang, name=name, answer=repr(answer), letter=repr(expected))


ALL_RIGHT: Text = {
    "es": (
        "Con todas las imágenes ({count}), tu función da la misma letra que los pasos de la "
        "lección: "
        "{listed}."
    ),
    "en": (
        "For every image ({count} in all), your function gives the same letter as the lesson's "
        "steps: "
        "{listed}."
    ),
}
RAISED: Text = {
    "es": (
        "Con la imagen {name}, tu función lanzó {error}. Pruébala primero con una sola imagen, "
        "paso a paso."
    ),
    "en": (
        "With the image {name}, your function raised {error}. Try it on one image first, step "
        "by step."
    ),
}
UNWRITTEN: Text = {
    "es": (
        "todavía sin responder: tu función devuelve None. Escribe sus pasos en la celda de "
        "predict_letter, ejecútala y vuelve a ejecutar esta."
    ),
    "en": (
        "not answered yet: your function returns None. Write its steps in the predict_letter "
        "cell, run it and run this cell again."
    ),
}
POSITION: Text = {
    "es": (
        "Para {name} devuelves {best}, la posición de la letra, no la letra: letter({best}) la "
        "convierte en {letter}."
    ),
    "en": (
        "For {name} you return {best}, the letter's position, not the letter: letter({best}) "
        "turns it into {letter}."
    ),
}
PROBABILITIES: Text = {
    "es": (
        "Para {name} devuelves las {classes} probabilidades. La función debe devolver una sola "
        "letra: la de mayor probabilidad (argmax), pasada por letter()."
    ),
    "en": (
        "For {name} you return the {classes} probabilities. The function must return one "
        "letter: the most probable one (argmax), passed through letter()."
    ),
}
NOT_TEXT: Text = {
    "es": (
        "Para {name} devuelves {answer}, de tipo {kind}. La función debe devolver la letra como "
        "texto, por ejemplo 'A'."
    ),
    "en": (
        "For {name} you return {answer}, of type {kind}. The function must return the letter "
        "as text, for example 'A'."
    ),
}
OTHER_LETTERS: Text = {
    "es": "Tus letras no son las de los pasos de la lección. ",
    "en": "Your letters are not those of the lesson's steps. ",
}
SLIPS: dict[str, Text] = {
    "scale": {
        "es": (
            "Coinciden con las de una imagen sin dividir entre 255: el modelo aprendió con "
            "píxeles entre 0 y 1."
        ),
        "en": (
            "They match an image that was not divided by 255: the model learned on pixels "
            "between 0 and 1."
        ),
    },
    "crop": {
        "es": (
            "Coinciden con las de una imagen reducida a 28{times}28 sin recortar antes el "
            "cuadrado central: la mano queda deformada, más estrecha."
        ),
        "en": (
            "They match an image resized to 28{times}28 without first cropping the centred "
            "square: the hand comes out squashed."
        ),
    },
}
GO_THROUGH: Text = {
    "es": (
        "Para {name} devuelves {answer}, pero los pasos de la lección dan {letter}. Repasa los "
        "pasos: escala de grises, cuadrado central, 28{times}28, división entre 255 y forma "
        "(1, 28, 28, 1)."
    ),
    "en": (
        "For {name} you return {answer}, but the lesson's steps give {letter}. Go through the "
        "steps again: greyscale, centred square, 28{times}28, division by 255 and shape "
        "(1, 28, 28, 1)."
    ),
}
