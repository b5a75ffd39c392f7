"""The lessons' exercises, and the checks that tell you whether your answer is right, and why.

Lesson 03: write your answer in the variable (``answer_1 = ...``) and run the check cell:
``check_exercise(1, answer_1)``. The expected answers are not typed in by hand: they are
computed below from the same rules the lesson explains (a test also compares them with the
parameters Keras counts for the same layers).

Lesson 04b: write the function ``predict_letter(path)`` and run
``check_predict_letter(predict_letter, model, paths)``, which compares its letters with those
of the lesson's own steps, written out below in ``lesson_steps``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from pathlib import Path
from typing import Any

import numpy as np

from course_utils.data import NUM_CLASSES as LETTER_COUNT
from course_utils.data import letter
from course_utils.i18n import format_number, pick

TIMES = "\u00d7"  # the multiplication sign


# --------------------------------------------------------------------------- the rules


def conv2d_parameters(kernel_size: int, input_channels: int, filters: int) -> int:
    """Weights and biases of a Conv2D layer with square kernels: each filter has one weight per
    pixel of its window in every input channel, plus one bias."""
    return (kernel_size * kernel_size * input_channels + 1) * filters


def dense_parameters(inputs: int, units: int) -> int:
    """Weights and biases of a Dense layer: one weight per input for each unit, plus one bias."""
    return (inputs + 1) * units


def pooled_size(size: int, pool: int = 2, padding: str = "same") -> int:
    """Height (or width) after a MaxPool2D of ``pool`` x ``pool`` with stride ``pool``.

    "same" keeps the leftover row or column (rounds up); "valid" drops it (rounds down).
    """
    if padding == "same":
        return math.ceil(size / pool)
    if padding == "valid":
        return (size - pool) // pool + 1
    raise ValueError(f"padding must be 'same' or 'valid', not {padding!r}")


# --------------------------------------------------------------------------- the lesson's model

IMAGE_SIDE = 28
FILTERS = (75, 50, 25)  # filters of the three Conv2D layers
DENSE_UNITS = 512
NUM_CLASSES = 24

# The side of the maps entering the last MaxPool2D: 28 -> 14 -> 7 after two "same" poolings.
SIDE_BEFORE_LAST_POOL = pooled_size(pooled_size(IMAGE_SIDE))
FLATTENED = pooled_size(SIDE_BEFORE_LAST_POOL) ** 2 * FILTERS[2]  # 4 x 4 x 25 = 400
CNN_PARAMETERS = (
    conv2d_parameters(3, 1, FILTERS[0])
    + conv2d_parameters(3, FILTERS[0], FILTERS[1])
    + conv2d_parameters(3, FILTERS[1], FILTERS[2])
    + 4 * sum(FILTERS)  # batch normalization: scale, offset, moving mean and variance
    + dense_parameters(FLATTENED, DENSE_UNITS)
    + dense_parameters(DENSE_UNITS, NUM_CLASSES)
)

# --------------------------------------------------------------------------- the answers

# 1. The first Conv2D, if the photos were in colour (3 channels).
RGB_CONV_PARAMETERS = conv2d_parameters(3, 3, FILTERS[0])
# 2. The output shape of the last MaxPool2D with padding="valid".
VALID_SIDE = pooled_size(SIDE_BEFORE_LAST_POOL, padding="valid")
VALID_POOL_SHAPE = (VALID_SIDE, VALID_SIDE, FILTERS[2])
# 3. The first Dense layer's parameters after that change.
VALID_DENSE_PARAMETERS = dense_parameters(math.prod(VALID_POOL_SHAPE), DENSE_UNITS)
# 4. A dense network on the same images: Flatten, Dense(512, relu), Dense(24, softmax).
DENSE_NETWORK_PARAMETERS = dense_parameters(IMAGE_SIDE * IMAGE_SIDE, DENSE_UNITS) + (
    dense_parameters(DENSE_UNITS, NUM_CLASSES)
)


# --------------------------------------------------------------------------- the checks


@dataclass(frozen=True)
class Feedback:
    """The verdict on one answer: ``correct`` is None while the exercise is not answered."""

    exercise: int | str
    correct: bool | None
    message: str

    def __str__(self) -> str:
        return self.message

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.message)


def check_exercise(number: int, answer: Any, lang: str | None = None) -> Feedback:
    """Check ``answer`` to exercise ``number`` (1 to 4) and say, in the notebook's language,
    whether it is right and why."""
    if isinstance(number, bool) or not isinstance(number, int) or number not in _CHECKS:
        raise ValueError(
            pick(
                lang,
                es=f"Hay ejercicios del 1 al {len(_CHECKS)} (un número entero), no {number!r}.",
                en=f"There are exercises 1 to {len(_CHECKS)} (a whole number), not {number!r}.",
            )
        )
    heading = pick(lang, es=f"Ejercicio {number}: ", en=f"Exercise {number}: ")
    if answer is None:
        return Feedback(
            number,
            None,
            heading
            + pick(
                lang,
                es=(
                    f"todavía sin responder. Escribe tu respuesta en answer_{number} y vuelve "
                    "a ejecutar esta celda."
                ),
                en=(
                    f"not answered yet. Write your answer in answer_{number} and run this cell "
                    "again."
                ),
            ),
        )
    correct, why = _CHECKS[number](answer, lang)
    verdict = (
        pick(lang, es="¡correcto! ", en="correct! ")
        if correct
        else pick(lang, es="todavía no. ", en="not yet. ")
    )
    return Feedback(number, correct, heading + verdict + why)


def _n(value: float, lang: str | None, decimals: int = 0) -> str:
    """A number as the notebook's language writes it."""
    return format_number(value, decimals, lang)


def _whole_number(answer: Any, lang: str | None) -> int | str:
    """The answer as an int, or a message saying that a whole number is expected."""
    if isinstance(answer, Integral) and not isinstance(answer, bool):
        return int(answer)
    if isinstance(answer, Real) and not isinstance(answer, bool) and float(answer).is_integer():
        return int(answer)
    return pick(
        lang,
        es=(
            f"La respuesta tiene que ser un número entero, sin comillas ni separadores de "
            f"miles (por ejemplo 1234), y has escrito {answer!r}."
        ),
        en=(
            f"The answer must be a whole number, without quotes or thousands separators "
            f"(for example 1234); you wrote {answer!r}."
        ),
    )


def _check_1(answer: Any, lang: str | None) -> tuple[bool, str]:
    value = _whole_number(answer, lang)
    if isinstance(value, str):
        return False, value
    n = RGB_CONV_PARAMETERS
    weights = 3 * 3 * 3
    if value == n:
        return True, pick(
            lang,
            es=(
                f"Cada filtro abarca los 3 canales, así que tiene 3{TIMES}3{TIMES}3 = {weights} "
                f"pesos y 1 sesgo; con 75 filtros: 75{TIMES}{weights + 1} = {_n(n, lang)}, "
                "casi el triple que con imágenes en escala de grises (750)."
            ),
            en=(
                f"Each filter spans the 3 channels, so it has 3{TIMES}3{TIMES}3 = {weights} "
                f"weights and 1 bias; with 75 filters: 75{TIMES}{weights + 1} = "
                f"{_n(n, lang)}, almost three times as many as with greyscale "
                "images (750)."
            ),
        )
    if value == n - 75:
        why = pick(
            lang,
            es="Has contado los pesos, pero te faltan los sesgos: uno por filtro.",
            en="You counted the weights but left out the biases: one per filter.",
        )
    elif value == conv2d_parameters(3, 1, 75):
        why = pick(
            lang,
            es=(
                "Ese es el número de la capa actual, con 1 canal. Con fotos en color, cada "
                "filtro tiene pesos para cada uno de los 3 canales."
            ),
            en=(
                "That is the current layer's count, with 1 channel. With colour photos, each "
                "filter has weights for each of the 3 channels."
            ),
        )
    elif value == weights + 1:
        why = pick(
            lang,
            es="Eso es lo que tiene un solo filtro; la capa tiene 75.",
            en="That is what one filter has; the layer has 75 of them.",
        )
    else:
        why = pick(
            lang,
            es=(
                f"Cuenta los pesos de un filtro (alto {TIMES} ancho {TIMES} canales de entrada), "
                "súmale su sesgo y multiplica por el número de filtros."
            ),
            en=(
                f"Count one filter's weights (height {TIMES} width {TIMES} input channels), add "
                "its bias and multiply by the number of filters."
            ),
        )
    return False, why


def _check_2(answer: Any, lang: str | None) -> tuple[bool, str]:
    shape = tuple(answer) if isinstance(answer, tuple | list) else None
    if shape and shape[0] is None:  # (None, height, width, channels), as model.summary() shows
        shape = shape[1:]
    if shape is None or not all(isinstance(n, Integral) for n in shape):
        return False, pick(
            lang,
            es=(
                "La respuesta tiene que ser una forma: una tupla de números enteros, como "
                f"(7, 7, 50); has escrito {answer!r}."
            ),
            en=f"The answer must be a shape: a tuple of whole numbers, like (7, 7, 50); you "
            f"wrote {answer!r}.",
        )
    side = VALID_SIDE
    if shape == VALID_POOL_SHAPE:
        return True, pick(
            lang,
            es=(
                f"Sin relleno, la fila y la columna sobrantes del mapa de 7{TIMES}7 se "
                f"descartan: caben {side} bloques de 2{TIMES}2 en cada dirección, y el número "
                f"de canales (25) no cambia. Forma: {VALID_POOL_SHAPE}."
            ),
            en=(
                f"Without padding, the leftover row and column of the 7{TIMES}7 map are "
                f"dropped: {side} blocks of 2{TIMES}2 fit in each direction, and the number of "
                f"channels (25) does not change. Shape: {VALID_POOL_SHAPE}."
            ),
        )
    if len(shape) != 3:
        why = pick(
            lang,
            es="Da tres números: alto, ancho y canales.",
            en="Give three numbers: height, width and channels.",
        )
    elif shape[:2] == (4, 4):
        why = pick(
            lang,
            es=(
                'Eso es lo que da padding="same", que conserva la fila y la columna sobrantes. '
                'Con padding="valid", ¿qué pasa con ellas?'
            ),
            en=(
                'That is what padding="same" gives, keeping the leftover row and column. With '
                'padding="valid", what happens to them?'
            ),
        )
    elif shape[2] != FILTERS[2]:
        why = pick(
            lang,
            es=(
                "MaxPool2D no cambia el número de canales: salen tantos como filtros tiene la "
                "Conv2D anterior."
            ),
            en=(
                "MaxPool2D does not change the number of channels: as many come out as the "
                "Conv2D before it has filters."
            ),
        )
    else:
        why = pick(
            lang,
            es=(
                f"Entra un mapa de 7{TIMES}7. ¿Cuántos bloques completos de 2{TIMES}2, con "
                "paso 2, caben en cada dirección?"
            ),
            en=(
                f"A 7{TIMES}7 map goes in. How many whole 2{TIMES}2 blocks, with stride 2, fit "
                "in each direction?"
            ),
        )
    return False, why


def _check_3(answer: Any, lang: str | None) -> tuple[bool, str]:
    value = _whole_number(answer, lang)
    if isinstance(value, str):
        return False, value
    n, inputs = VALID_DENSE_PARAMETERS, math.prod(VALID_POOL_SHAPE)
    current = dense_parameters(FLATTENED, DENSE_UNITS)
    side = VALID_SIDE
    if value == n:
        return True, pick(
            lang,
            es=(
                f"Flatten produce {side}{TIMES}{side}{TIMES}25 = {inputs} valores, y cada una "
                f"de las 512 neuronas tiene {inputs} pesos y 1 sesgo: "
                f"{inputs + 1}{TIMES}512 = {_n(n, lang)}, frente a los "
                f"{_n(current, lang)} de ahora."
            ),
            en=(
                f"Flatten gives {side}{TIMES}{side}{TIMES}25 = {inputs} values, and each of the "
                f"512 units has {inputs} weights and 1 bias: {inputs + 1}{TIMES}512 = "
                f"{_n(n, lang)}, against {_n(current, lang)} "
                "now."
            ),
        )
    if value == n - DENSE_UNITS:
        why = pick(
            lang,
            es="Te faltan los sesgos: uno por neurona.",
            en="You left out the biases: one per unit.",
        )
    elif value == current:
        why = pick(
            lang,
            es=(
                "Ese es el número actual, con 400 entradas. Con la nueva forma del ejercicio 2, "
                "¿cuántos valores salen de Flatten?"
            ),
            en=(
                "That is the current count, with 400 inputs. With the new shape of exercise 2, "
                "how many values come out of Flatten?"
            ),
        )
    elif value == inputs:
        why = pick(
            lang,
            es="Ese es el número de valores que salen de Flatten, no el de parámetros de Dense.",
            en="That is how many values come out of Flatten, not the Dense layer's parameters.",
        )
    else:
        why = pick(
            lang,
            es=(
                "Multiplica los valores de la forma del ejercicio 2 para saber cuántas entradas "
                "recibe Dense; cada neurona tiene un peso por entrada y un sesgo."
            ),
            en=(
                "Multiply the numbers of exercise 2's shape to find how many inputs the Dense "
                "layer gets; each unit has one weight per input and one bias."
            ),
        )
    return False, why


def _check_4(answer: Any, lang: str | None) -> tuple[bool, str]:
    value = _whole_number(answer, lang)
    if isinstance(value, str):
        return False, value
    n = DENSE_NETWORK_PARAMETERS
    hidden = dense_parameters(IMAGE_SIDE * IMAGE_SIDE, DENSE_UNITS)
    output = dense_parameters(DENSE_UNITS, NUM_CLASSES)
    if value == n:
        return True, pick(
            lang,
            es=(
                f"Cada una de las 512 neuronas ocultas tiene 784 pesos y 1 sesgo: "
                f"785{TIMES}512 = {_n(hidden, lang)}; cada una de las 24 de salida, 512 pesos y "
                f"1 sesgo: 513{TIMES}24 = {_n(output, lang)}. En total, {_n(n, lang)}: "
                f"{_n(n / CNN_PARAMETERS, lang, 2)} veces los {_n(CNN_PARAMETERS, lang)} "
                "parámetros de nuestra CNN, y sin aprovechar qué píxeles son vecinos."
            ),
            en=(
                f"Each of the 512 hidden units has 784 weights and 1 bias: 785{TIMES}512 = "
                f"{_n(hidden, lang)}; each of the 24 output units, 512 weights and 1 bias: "
                f"513{TIMES}24 = {_n(output, lang)}. In total, {_n(n, lang)}: "
                f"{_n(n / CNN_PARAMETERS, lang, 2)} times our CNN's {_n(CNN_PARAMETERS, lang)} "
                "parameters, without making any use of which pixels are neighbours."
            ),
        )
    if value == n - DENSE_UNITS - NUM_CLASSES:
        why = pick(
            lang,
            es="Te faltan los sesgos: uno por neurona, en las dos capas.",
            en="You left out the biases: one per unit, in both layers.",
        )
    elif value == hidden:
        why = pick(
            lang,
            es="Esa es solo la capa oculta; suma también la de salida, de 24 neuronas.",
            en="That is the hidden layer alone; add the output layer, with 24 units, too.",
        )
    else:
        why = pick(
            lang,
            es=(
                f"Flatten convierte cada imagen en 28{TIMES}28 = 784 valores; cuenta los pesos y "
                "los sesgos de cada capa Dense y súmalos."
            ),
            en=(
                f"Flatten turns each image into 28{TIMES}28 = 784 values; count the weights and "
                "biases of each Dense layer and add them up."
            ),
        )
    return False, why


_CHECKS: dict[int, Callable[[Any, str | None], tuple[bool, str]]] = {
    1: _check_1,
    2: _check_2,
    3: _check_3,
    4: _check_4,
}


# --------------------------------------------------------------------------- lesson 04b


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
    name = "predict_letter"
    heading = f"{name}: "
    paths = [Path(path) for path in paths]
    if not paths:
        raise ValueError("Give at least one image file to check predict_letter on.")
    answers = []
    for path in paths:
        try:
            answers.append(function(path))
        except Exception as error:
            return Feedback(
                name,
                False,
                heading
                + pick(lang, es="todavía no. ", en="not yet. ")
                + pick(
                    lang,
                    es=(
                        f"Con la imagen {path.name}, tu función lanzó {type(error).__name__}: "
                        f"{error}. Pruébala primero con una sola imagen, paso a paso."
                    ),
                    en=(
                        f"With the image {path.name}, your function raised "
                        f"{type(error).__name__}: {error}. Try it on one image first, step by "
                        "step."
                    ),
                ),
            )
        if answers[0] is None:
            return Feedback(
                name,
                None,
                heading
                + pick(
                    lang,
                    es=(
                        "todavía sin responder: tu función devuelve None. Escribe sus pasos en "
                        "la celda de predict_letter, ejecútala y vuelve a ejecutar esta."
                    ),
                    en=(
                        "not answered yet: your function returns None. Write its steps in the "
                        "predict_letter cell, run it and run this cell again."
                    ),
                ),
            )
    expected = [lesson_steps(path, model) for path in paths]
    letters = [letter(int(p.argmax())) for p in expected]
    if all(_same_letter(a, e) for a, e in zip(answers, letters, strict=True)):
        listed = ", ".join(
            f"{path.name} → {found}" for path, found in zip(paths, letters, strict=True)
        )
        return Feedback(
            name,
            True,
            heading
            + pick(
                lang,
                es=(
                    f"¡correcto! Para las {len(paths)} imágenes, tu función da la misma letra "
                    f"que los pasos de la lección: {listed}."
                ),
                en=(
                    f"correct! For all {len(paths)} images, your function gives the same letter "
                    f"as the lesson's steps: {listed}."
                ),
            ),
        )
    return Feedback(
        name,
        False,
        heading
        + pick(lang, es="todavía no. ", en="not yet. ")
        + _why_predict_letter_is_wrong(answers, letters, expected, paths, model, lang),
    )


def _same_letter(answer: Any, expected: str) -> bool:
    """True when ``answer`` is the text ``expected`` (never for an array or a number)."""
    return isinstance(answer, str) and answer == expected


def _why_predict_letter_is_wrong(
    answers: list[Any],
    letters: list[str],
    expected: list[np.ndarray],
    paths: list[Path],
    model: Any,
    lang: str | None,
) -> str:
    index = next(
        i for i, (a, e) in enumerate(zip(answers, letters, strict=True)) if not _same_letter(a, e)
    )
    answer, path = answers[index], paths[index]
    best = int(expected[index].argmax())
    if isinstance(answer, Integral) and not isinstance(answer, bool) and int(answer) == best:
        return pick(
            lang,
            es=(
                f"Para {path.name} devuelves {best}, la posición de la letra, no la letra: "
                f"letter({best}) la convierte en {letters[index]!r}."
            ),
            en=(
                f"For {path.name} you return {best}, the letter's position, not the letter: "
                f"letter({best}) turns it into {letters[index]!r}."
            ),
        )
    if np.ndim(answer) > 0 and np.size(answer) == LETTER_COUNT:
        return pick(
            lang,
            es=(
                f"Para {path.name} devuelves las {LETTER_COUNT} probabilidades. La función debe "
                "devolver una sola letra: la de mayor probabilidad (argmax), pasada por letter()."
            ),
            en=(
                f"For {path.name} you return the {LETTER_COUNT} probabilities. The function "
                "must return one letter: the most probable one (argmax), passed through letter()."
            ),
        )
    if not isinstance(answer, str):
        return pick(
            lang,
            es=(
                f"Para {path.name} devuelves {answer!r}, de tipo {type(answer).__name__}. La "
                "función debe devolver la letra como texto, por ejemplo 'A'."
            ),
            en=(
                f"For {path.name} you return {answer!r}, of type {type(answer).__name__}. The "
                "function must return the letter as text, for example 'A'."
            ),
        )
    slips = {
        "scale": pick(
            lang,
            es=(
                "Coinciden con los de una imagen sin dividir entre 255: el modelo aprendió con "
                "píxeles entre 0 y 1."
            ),
            en=(
                "They match an image that was not divided by 255: the model learned on pixels "
                "between 0 and 1."
            ),
        ),
        "crop": pick(
            lang,
            es=(
                f"Coinciden con los de una imagen reducida a 28{TIMES}28 sin recortar antes el "
                "cuadrado central: la mano queda deformada, más estrecha."
            ),
            en=(
                f"They match an image resized to 28{TIMES}28 without first cropping the centred "
                "square: the hand comes out squashed."
            ),
        ),
    }
    for slip, why in slips.items():
        variant = [letter(int(lesson_steps(p, model, **{slip: False}).argmax())) for p in paths]
        matches = all(_same_letter(a, v) for a, v in zip(answers, variant, strict=True))
        if variant != letters and matches:
            return (
                pick(
                    lang,
                    es="Tus letras no son las de los pasos de la lección. ",
                    en="Your letters are not those of the lesson's steps. ",
                )
                + why
            )
    return pick(
        lang,
        es=(
            f"Para {path.name} devuelves {answer!r}, pero los pasos de la lección dan "
            f"{letters[index]!r}. Repasa los pasos: escala de grises, cuadrado central, "
            f"28{TIMES}28, división entre 255 y forma (1, 28, 28, 1)."
        ),
        en=(
            f"For {path.name} you return {answer!r}, but the lesson's steps give "
            f"{letters[index]!r}. Go through the steps again: greyscale, centred square, "
            f"28{TIMES}28, division by 255 and shape (1, 28, 28, 1)."
        ),
    )
