"""Lesson 04b's exercise: the student's ``predict_letter(path)`` against the lesson's own steps.

The student's function returns the letter the model predicts for an image file and its
probability, for example ``("A", 0.98)``. ``lesson_steps`` is the reference: the steps the
lesson takes one by one. The check reads every file first, and leaves out (naming them) those
that cannot be read, so that a bad file is never blamed on the function. It adds a file of its
own, built so that the model's letter changes when the centred square is not cropped. It calls
the function twice on each file (an answer that changes betrays the augmentation layers left
active, as ``model(x)`` leaves them), then compares the letters and, with a tolerance, the
probabilities; when they differ it names the usual slip it recognises (returning a position or
the 24 probabilities, skipping the division by 255 or the centred square).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from course_utils.data import LETTERS, NUM_CLASSES, letter
from course_utils.exercises.feedback import NOT_YET, RIGHT, Feedback, Text, say
from course_utils.i18n import format_number, pick
from course_utils.photos import ImageFileError, read_image

NAME = "predict_letter"
HEADING = f"{NAME}: "
TOLERANCE = 0.005  # probabilities this close are the same answer (reading a file another way
# can move a pixel by one grey level)
CROP_TEST = "crop_test.png"

Answer = tuple[str, float]


def lesson_steps(path: Any, model: Any, crop: bool = True, scale: bool = True) -> np.ndarray:
    """The 24 probabilities the model gives the image file at ``path``, by lesson 04b's steps:
    read it in grey, crop the centred square, resize it to 28x28, divide by 255, reshape to
    (1, 28, 28, 1) and predict. ``crop`` or ``scale`` False skip a step, as a slip would."""
    batch = prepared(read_image(path).convert("L"), crop=crop, scale=scale)
    return model.predict(batch, verbose=0)[0]


def prepared(image: Image.Image, crop: bool = True, scale: bool = True) -> np.ndarray:
    """A greyscale Pillow image as the model's batch of one, by the lesson's steps."""
    if crop:
        width, height = image.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        image = image.crop((left, top, left + side, top + side))
    pixels = np.asarray(image.resize((28, 28)), dtype=np.float32)
    return (pixels / 255 if scale else pixels).reshape(1, 28, 28, 1)


def check_predict_letter(
    function: Callable[[Any], Any], model: Any, paths: Any, lang: str | None = None
) -> Feedback:
    """Check a student's ``predict_letter(path)`` on the image files ``paths`` (and on a file
    of its own that tells a cropped image from a squashed one): right when it returns, for each
    one and every time, the letter and the probability that the lesson's steps give with
    ``model``."""
    paths = [Path(path) for path in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise ValueError(
            pick(
                lang,
                es="Indica al menos un archivo de imagen para comprobar predict_letter.",
                en="Give at least one image file to check predict_letter on.",
            )
        )
    readable, left_out = _readable(paths, lang)
    if not readable:
        return Feedback(NAME, None, HEADING + left_out.strip())
    _, failure = _answers(function, readable[:1], lang)
    if failure is not None:
        return Feedback(NAME, failure[0], HEADING + failure[1] + left_out)
    with tempfile.TemporaryDirectory() as folder:
        crop_test = _crop_test(readable, model, Path(folder) / CROP_TEST)
        checked = readable + ([crop_test] if crop_test else [])
        verdict = _verdict(function, model, checked, lang)
    return Feedback(NAME, verdict[0], HEADING + verdict[1] + left_out)


def _readable(paths: list[Path], lang: str | None) -> tuple[list[Path], str]:
    """The files the lesson's steps can read, and a note naming the others and why."""
    readable, notes = [], []
    for path in paths:
        try:
            read_image(path, lang)
        except ImageFileError as error:
            notes.append(str(error))
        else:
            readable.append(path)
    if not notes:
        return readable, ""
    return readable, " " + say(LEFT_OUT, lang) + " ".join(notes)


def _verdict(
    function: Callable[[Any], Any], model: Any, paths: list[Path], lang: str | None
) -> tuple[bool | None, str]:
    """Whether the function is right on ``paths`` (None: not written yet), and why."""
    answers, failure = _answers(function, paths, lang)
    if failure is not None:
        return failure
    expected = [lesson_steps(path, model) for path in paths]
    if all(_same(a, e) for a, e in zip(answers, expected, strict=True)):
        listed = ", ".join(
            f"{p.name} → {_shown(e, lang)}" for p, e in zip(paths, expected, strict=True)
        )
        return True, say(RIGHT, lang) + say(ALL_RIGHT, lang, count=len(paths), listed=listed)
    return False, say(NOT_YET, lang) + _why_wrong(answers, expected, paths, model, lang)


def _answers(
    function: Callable[[Any], Any], paths: list[Path], lang: str | None
) -> tuple[list[Any], tuple[bool | None, str] | None]:
    """The function's answer for each file, or the verdict that ends the check early: the
    function raised, it is not written yet (it returns None), or it answered the same file
    differently the second time."""
    answers = []
    for path in paths:
        try:
            first, second = function(path), function(path)
        except Exception as error:
            why = say(RAISED, lang, name=path.name, error=f"{type(error).__name__}: {error}")
            return answers, (False, say(NOT_YET, lang) + why)
        if first is None:
            return answers, (None, say(UNWRITTEN, lang))
        if _parsed(first) is not None and not _agree(_parsed(first), _parsed(second)):
            why = say(CHANGED, lang, name=path.name, first=repr(first), second=repr(second))
            return answers, (False, say(NOT_YET, lang) + why)
        answers.append(first)
    return answers, None


def _parsed(answer: Any) -> Answer | None:
    """``answer`` as (letter, probability) when it has that form, else None."""
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return None
    text, probability = answer
    if not isinstance(text, str) or isinstance(probability, bool):
        return None
    if isinstance(probability, np.ndarray) and probability.size == 1:
        probability = probability.item()
    if not isinstance(probability, (Real, np.floating)):
        return None
    return text, float(probability)


def _agree(one: Answer | None, other: Answer | None) -> bool:
    """True when two answers give the same letter and, within the tolerance, probability."""
    if one is None or other is None:
        return False
    return one[0] == other[0] and bool(np.isclose(one[1], other[1], rtol=0, atol=TOLERANCE))


def _same(answer: Any, probabilities: np.ndarray) -> bool:
    """True when ``answer`` is the letter and probability that ``probabilities`` give."""
    return _agree(_parsed(answer), _expected(probabilities))


def _expected(probabilities: np.ndarray) -> Answer:
    best = int(np.argmax(probabilities))
    return letter(best), float(probabilities[best])


def _shown(probabilities: np.ndarray, lang: str | None) -> str:
    text, probability = _expected(probabilities)
    return f"{text} ({format_number(probability, 4, lang)})"


def _why_wrong(
    answers: list[Any], expected: list[np.ndarray], paths: list[Path], model: Any, lang: str | None
) -> str:
    """What is wrong with the first wrong answer: its form, or a slip the answers reveal."""
    index = next(
        i for i, (a, e) in enumerate(zip(answers, expected, strict=True)) if not _same(a, e)
    )
    answer, name = answers[index], paths[index].name
    text, probability = _expected(expected[index])
    best = LETTERS.index(text)
    parsed = _parsed(answer)
    if parsed is None:
        return _wrong_form(answer, name, best, text, lang)
    for slip, why in SLIPS.items():
        variant = [lesson_steps(p, model, **{slip: False}) for p in paths]
        if all(map(_same, answers, variant)):
            return say(OTHER_ANSWERS, lang) + say(why, lang)
    if parsed[0] == text:
        found, right = (format_number(p, 4, lang) for p in (parsed[1], probability))
        return say(PROBABILITY, lang, name=name, found=found, probability=right)
    return say(GO_THROUGH, lang, name=name, answer=repr(answer), expected=repr((text, probability)))


def _wrong_form(answer: Any, name: str, best: int, text: str, lang: str | None) -> str:
    """The message for an answer that is not a (letter, probability) pair."""
    if isinstance(answer, Integral) and not isinstance(answer, bool) and int(answer) == best:
        return say(POSITION, lang, name=name, best=str(best), letter=repr(text))
    if np.ndim(answer) > 0 and np.size(answer) == NUM_CLASSES:
        return say(PROBABILITIES, lang, name=name, classes=NUM_CLASSES)
    if isinstance(answer, str):
        return say(ONLY_LETTER, lang, name=name, answer=repr(answer))
    return say(NOT_A_PAIR, lang, name=name, answer=repr(answer), kind=type(answer).__name__)


def _crop_test(paths: list[Path], model: Any, target: Path) -> Path | None:
    """Save at ``target`` a wide greyscale image whose centred square is one of the files' and
    whose sides come from another file (or are black or white), chosen so that the model gives
    another letter when the image is squashed instead of cropped; None if no candidate does."""
    squares = []
    for path in paths:
        image = read_image(path).convert("L")
        side = min(image.size)
        left, top = (image.width - side) // 2, (image.height - side) // 2
        squares.append(
            np.asarray(image.crop((left, top, left + side, top + side)).resize((56, 56)))
        )
    fills = [*squares, np.zeros((56, 56), np.uint8), np.full((56, 56), 255, np.uint8)]
    candidates = [
        np.hstack([fill[:, :28], centre, fill[:, 28:]])
        for centre in squares
        for fill in fills
        if fill is not centre
    ]
    images = [Image.fromarray(candidate) for candidate in candidates]
    cropped = model.predict(np.concatenate([prepared(i) for i in images]), verbose=0)
    squashed = model.predict(np.concatenate([prepared(i, crop=False) for i in images]), verbose=0)
    for image, one, other in zip(images, cropped, squashed, strict=True):
        if np.argmax(one) != np.argmax(other):
            image.save(target)
            return target
    return None


ALL_RIGHT: Text = {
    "es": (
        "Con todas las imágenes ({count}), llamada dos veces, tu función da la misma letra y la "
        "misma probabilidad que los pasos de la lección: {listed}."
    ),
    "en": (
        "For every image ({count} in all), called twice, your function gives the same letter "
        "and probability as the lesson's steps: {listed}."
    ),
}
LEFT_OUT: Text = {
    "es": (
        "Se dejaron fuera los archivos que no se pueden leer (el problema está en el archivo, "
        "no en tu función): "
    ),
    "en": (
        "Files that cannot be read were left out (the fault is in the file, not in your function): "
    ),
}
RAISED: Text = {
    "es": (
        "Con la imagen {name}, que los pasos de la lección sí leen, tu función lanzó {error}. "
        "Pruébala primero con una sola imagen, paso a paso."
    ),
    "en": (
        "With the image {name}, which the lesson's steps do read, your function raised {error}. "
        "Try it on one image first, step by step."
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
CHANGED: Text = {
    "es": (
        "Con la misma imagen, {name}, tu función respondió {first} la primera vez y {second} "
        "la segunda. Un modelo usado para predecir responde siempre lo mismo: predice con "
        "model.predict(...). Si llamas a model(...), las capas de aumento de datos siguen "
        "activas, como durante el entrenamiento."
    ),
    "en": (
        "For the same image, {name}, your function answered {first} the first time and "
        "{second} the second. A model used to predict always answers the same: predict with "
        "model.predict(...). Calling model(...) leaves the augmentation layers active, as in "
        "training."
    ),
}
POSITION: Text = {
    "es": (
        "Para {name} devuelves {best}, la posición de la letra, no la letra: letter({best}) la "
        "convierte en {letter}. Devuelve la letra y su probabilidad."
    ),
    "en": (
        "For {name} you return {best}, the letter's position, not the letter: letter({best}) "
        "turns it into {letter}. Return the letter and its probability."
    ),
}
PROBABILITIES: Text = {
    "es": (
        "Para {name} devuelves las {classes} probabilidades. La función debe devolver la letra "
        "de mayor probabilidad (argmax, pasada por letter()) y esa probabilidad."
    ),
    "en": (
        "For {name} you return the {classes} probabilities. The function must return the most "
        "probable letter (argmax, passed through letter()) and that probability."
    ),
}
ONLY_LETTER: Text = {
    "es": (
        "Para {name} devuelves solo {answer}. Devuelve también su probabilidad, las dos cosas "
        "a la vez: return letter(best), float(probabilities[best])."
    ),
    "en": (
        "For {name} you return only {answer}. Return its probability as well, both at once: "
        "return letter(best), float(probabilities[best])."
    ),
}
NOT_A_PAIR: Text = {
    "es": (
        "Para {name} devuelves {answer}, de tipo {kind}. La función debe devolver la letra como "
        "texto y su probabilidad como número, por ejemplo ('A', 0.98)."
    ),
    "en": (
        "For {name} you return {answer}, of type {kind}. The function must return the letter "
        "as text and its probability as a number, for example ('A', 0.98)."
    ),
}
OTHER_ANSWERS: Text = {
    "es": "Tus respuestas no son las de los pasos de la lección. ",
    "en": "Your answers are not those of the lesson's steps. ",
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
            "cuadrado central: la mano queda deformada, más estrecha. El archivo "
            f"{CROP_TEST}, que la comprobación añade, lo delata."
        ),
        "en": (
            "They match an image resized to 28{times}28 without first cropping the centred "
            f"square: the hand comes out squashed. The file {CROP_TEST}, which the check adds, "
            "gives it away."
        ),
    },
}
PROBABILITY: Text = {
    "es": (
        "Para {name} la letra es correcta, pero das una probabilidad de {found} y los pasos de "
        "la lección dan {probability}. Devuelve la probabilidad de esa letra, tal como sale de "
        "model.predict, y repasa los pasos."
    ),
    "en": (
        "For {name} the letter is right, but you give a probability of {found} and the "
        "lesson's steps give {probability}. Return that letter's probability as model.predict "
        "gives it, and go through the steps again."
    ),
}
GO_THROUGH: Text = {
    "es": (
        "Para {name} devuelves {answer}, pero los pasos de la lección dan {expected}. Repasa "
        "los pasos: escala de grises, cuadrado central, 28{times}28, división entre 255 y forma "
        "(1, 28, 28, 1)."
    ),
    "en": (
        "For {name} you return {answer}, but the lesson's steps give {expected}. Go through the "
        "steps again: greyscale, centred square, 28{times}28, division by 255 and shape "
        "(1, 28, 28, 1)."
    ),
}
