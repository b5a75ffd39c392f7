"""Lesson 03's exercises: numbers and shapes, each described as data and read by one check.

An exercise gives its expected answer (computed from ``course_utils.lesson_model``, never typed
in), why that answer is right, a hint for each known wrong answer, and a fallback hint. Texts are
``str.format`` templates in both languages; ``{times}`` is the multiplication sign and the other
names are the exercise's ``values``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np

from course_utils.data import NUM_CLASSES
from course_utils.exercises.feedback import NOT_YET, RIGHT, Feedback, Text, exercise_number, say
from course_utils.i18n import pick
from course_utils.lesson_model import (
    CNN_PARAMETERS,
    DENSE_UNITS,
    FILTERS,
    FLATTENED,
    IMAGE_SIDE,
    KERNEL,
    conv2d_parameters,
    dense_parameters,
    lesson_cnn,
)

Matcher = Any  # a known wrong answer, or a predicate on the answer


@dataclass(frozen=True)
class NumericExercise:
    """An exercise whose answer is a whole number or a shape (a tuple of whole numbers)."""

    expected: int | tuple[int, ...]
    right: Text
    hints: tuple[tuple[Matcher, Text], ...]
    fallback: Text
    values: dict[str, Any] = field(default_factory=dict)

    def verdict(self, answer: Any, lang: str | None) -> tuple[bool, str]:
        """Whether ``answer`` is right, and why (or a hint), in the notebook's language."""
        reader = read_shape if isinstance(self.expected, tuple) else read_whole_number
        value = reader(answer)
        if value is None:
            return False, say(WRONG_KIND[reader], lang, answer=repr(answer))
        if value == self.expected:
            return True, say(self.right, lang, **self.values)
        for matcher, hint in self.hints:
            if matcher(value) if callable(matcher) else value == matcher:
                return False, say(hint, lang, **self.values)
        return False, say(self.fallback, lang, **self.values)


def read_whole_number(answer: Any) -> int | None:
    """``answer`` as an int when it is a whole number (2100, 2100.0, np.int64(2100)), else None;
    True and False are not numbers here."""
    if isinstance(answer, bool | np.bool_) or not isinstance(answer, Real):
        return None
    return int(answer) if float(answer).is_integer() else None


def read_shape(answer: Any) -> tuple[int, ...] | None:
    """``answer`` as a tuple of ints when it is a sequence of whole numbers ((3, 3, 25),
    [3, 3, 25], np.array([3, 3, 25]), (3.0, 3.0, 25.0)), without the leading None that
    model.summary() shows for the batch; else None."""
    if not isinstance(answer, tuple | list | np.ndarray) or np.ndim(answer) != 1:
        return None
    items = list(answer)
    if items and items[0] is None:
        items = items[1:]
    numbers = [read_whole_number(item) for item in items]
    return None if not numbers or None in numbers else tuple(numbers)


WRONG_KIND: dict[Callable[[Any], Any], Text] = {
    read_whole_number: {
        "es": (
            "La respuesta tiene que ser un número entero, sin comillas ni separadores de miles "
            "(por ejemplo, 1234); escribiste {answer}."
        ),
        "en": (
            "The answer must be a whole number, without quotes or thousands separators (for "
            "example 1234); you wrote {answer}."
        ),
    },
    read_shape: {
        "es": (
            "La respuesta tiene que ser una forma: una tupla de números enteros, como (7, 7, 50); "
            "escribiste {answer}."
        ),
        "en": (
            "The answer must be a shape: a tuple of whole numbers, like (7, 7, 50); you wrote "
            "{answer}."
        ),
    },
}
BIASES_MISSING: Text = {
    "es": "Te faltan los sesgos: uno por neurona.",
    "en": "You left out the biases: one per unit.",
}

# --------------------------------------------------------------------------- the exercises

_RGB_FILTER_WEIGHTS = KERNEL * KERNEL * 3
_VALID = lesson_cnn(last_padding="valid")
_VALID_POOL = next(layer for layer in reversed(_VALID) if layer.kind == "MaxPool2D")
_SAME_POOL = next(layer for layer in reversed(lesson_cnn()) if layer.kind == "MaxPool2D")
_VALID_DENSE = next(layer for layer in _VALID if layer.kind == "Dense")
_SIDE_BEFORE_LAST_POOL = next(
    layer.shape[0] for layer in reversed(_VALID) if layer.kind == "BatchNormalization"
)
_HIDDEN = dense_parameters(IMAGE_SIDE * IMAGE_SIDE, DENSE_UNITS)
_OUTPUT = dense_parameters(DENSE_UNITS, NUM_CLASSES)

EXERCISES: dict[int, NumericExercise] = {
    # 1. The first Conv2D, if the photos were in colour (3 channels).
    1: NumericExercise(
        expected=conv2d_parameters(KERNEL, 3, FILTERS[0]),
        values={
            "weights": _RGB_FILTER_WEIGHTS,
            "filters": FILTERS[0],
            "per_filter": _RGB_FILTER_WEIGHTS + 1,
            "n": conv2d_parameters(KERNEL, 3, FILTERS[0]),
            "grey": conv2d_parameters(KERNEL, 1, FILTERS[0]),
        },
        right={
            "es": (
                "Cada filtro abarca los 3 canales, así que tiene 3{times}3{times}3 = {weights} "
                "pesos y 1 sesgo; con {filters} filtros: {filters}{times}{per_filter} = {n}, casi "
                "el triple que con imágenes en escala de grises ({grey})."
            ),
            "en": (
                "Each filter spans the 3 channels, so it has 3{times}3{times}3 = {weights} "
                "weights and 1 bias; with {filters} filters: {filters}{times}{per_filter} = {n}, "
                "almost three times as many as with greyscale images ({grey})."
            ),
        },
        hints=(
            (
                conv2d_parameters(KERNEL, 3, FILTERS[0]) - FILTERS[0],
                {
                    "es": "Contaste los pesos, pero te faltan los sesgos: uno por filtro.",
                    "en": "You counted the weights but left out the biases: one per filter.",
                },
            ),
            (
                conv2d_parameters(KERNEL, 1, FILTERS[0]),
                {
                    "es": (
                        "Ese es el número de la capa actual, con 1 canal. Con fotos en color, "
                        "cada filtro tiene pesos para cada uno de los 3 canales."
                    ),
                    "en": (
                        "That is the current layer's count, with 1 channel. With colour photos, "
                        "each filter has weights for each of the 3 channels."
                    ),
                },
            ),
            (
                _RGB_FILTER_WEIGHTS + 1,
                {
                    "es": "Eso es lo que tiene un solo filtro; la capa tiene {filters}.",
                    "en": "That is what one filter has; the layer has {filters} of them.",
                },
            ),
        ),
        fallback={
            "es": (
                "Cuenta los pesos de un filtro (alto {times} ancho {times} canales de entrada), "
                "súmale su sesgo y multiplica por el número de filtros."
            ),
            "en": (
                "Count one filter's weights (height {times} width {times} input channels), add "
                "its bias and multiply by the number of filters."
            ),
        },
    ),
    # 2. The output shape of the last MaxPool2D with padding="valid".
    2: NumericExercise(
        expected=_VALID_POOL.shape,
        values={
            "shape": _VALID_POOL.shape,
            "side": _VALID_POOL.shape[0],
            "before": _SIDE_BEFORE_LAST_POOL,
            "channels": FILTERS[-1],
        },
        right={
            "es": (
                "Sin relleno, la fila y la columna sobrantes del mapa de {before}{times}{before} "
                "se descartan: caben {side} bloques de 2{times}2 en cada dirección, y el número "
                "de canales ({channels}) no cambia. Forma: {shape}."
            ),
            "en": (
                "Without padding, the leftover row and column of the {before}{times}{before} map "
                "are dropped: {side} blocks of 2{times}2 fit in each direction, and the number of "
                "channels ({channels}) does not change. Shape: {shape}."
            ),
        },
        hints=(
            (
                lambda shape: len(shape) != 3,
                {
                    "es": "Da tres números: alto, ancho y canales.",
                    "en": "Give three numbers: height, width and channels.",
                },
            ),
            (
                lambda shape: shape[:2] == _SAME_POOL.shape[:2],
                {
                    "es": (
                        'Eso es lo que da padding="same", que conserva la fila y la columna '
                        'sobrantes. Con padding="valid", ¿qué pasa con ellas?'
                    ),
                    "en": (
                        'That is what padding="same" gives, keeping the leftover row and column. '
                        'With padding="valid", what happens to them?'
                    ),
                },
            ),
            (
                lambda shape: shape[2] != FILTERS[-1],
                {
                    "es": (
                        "MaxPool2D no cambia el número de canales: salen tantos como filtros "
                        "tiene la Conv2D anterior."
                    ),
                    "en": (
                        "MaxPool2D does not change the number of channels: as many come out as "
                        "the Conv2D before it has filters."
                    ),
                },
            ),
        ),
        fallback={
            "es": (
                "Entra un mapa de {before}{times}{before}. ¿Cuántos bloques completos de "
                "2{times}2, con paso 2, caben en cada dirección?"
            ),
            "en": (
                "A {before}{times}{before} map goes in. How many whole 2{times}2 blocks, with "
                "stride 2, fit in each direction?"
            ),
        },
    ),
    # 3. The first Dense layer's parameters after that change.
    3: NumericExercise(
        expected=_VALID_DENSE.parameters,
        values={
            "side": _VALID_POOL.shape[0],
            "channels": FILTERS[-1],
            "inputs": math.prod(_VALID_POOL.shape),
            "inputs_and_bias": math.prod(_VALID_POOL.shape) + 1,
            "units": DENSE_UNITS,
            "n": _VALID_DENSE.parameters,
            "current": dense_parameters(FLATTENED, DENSE_UNITS),
            "flattened": FLATTENED,
        },
        right={
            "es": (
                "Flatten produce {side}{times}{side}{times}{channels} = {inputs} valores, y cada "
                "una de las {units} neuronas tiene {inputs} pesos y 1 sesgo: "
                "{inputs_and_bias}{times}{units} = {n}, frente a los {current} de ahora."
            ),
            "en": (
                "Flatten gives {side}{times}{side}{times}{channels} = {inputs} values, and each "
                "of the {units} units has {inputs} weights and 1 bias: "
                "{inputs_and_bias}{times}{units} = {n}, against {current} now."
            ),
        },
        hints=(
            (_VALID_DENSE.parameters - DENSE_UNITS, BIASES_MISSING),
            (
                dense_parameters(FLATTENED, DENSE_UNITS),
                {
                    "es": (
                        "Ese es el número actual, con {flattened} entradas. Con la nueva forma "
                        "del ejercicio 2, ¿cuántos valores salen de Flatten?"
                    ),
                    "en": (
                        "That is the current count, with {flattened} inputs. With the new shape "
                        "of exercise 2, how many values come out of Flatten?"
                    ),
                },
            ),
            (
                math.prod(_VALID_POOL.shape),
                {
                    "es": (
                        "Ese es el número de valores que salen de Flatten, no el de parámetros "
                        "de Dense."
                    ),
                    "en": (
                        "That is how many values come out of Flatten, not the Dense layer's "
                        "parameters."
                    ),
                },
            ),
        ),
        fallback={
            "es": (
                "Multiplica los valores de la forma del ejercicio 2 para saber cuántas entradas "
                "recibe Dense; cada neurona tiene un peso por entrada y un sesgo."
            ),
            "en": (
                "Multiply the numbers of exercise 2's shape to find how many inputs the Dense "
                "layer gets; each unit has one weight per input and one bias."
            ),
        },
    ),
    # 4. A dense network on the same images: Flatten, Dense(512, relu), Dense(24, softmax).
    4: NumericExercise(
        expected=_HIDDEN + _OUTPUT,
        values={
            "pixels": IMAGE_SIDE * IMAGE_SIDE,
            "pixels_and_bias": IMAGE_SIDE * IMAGE_SIDE + 1,
            "units": DENSE_UNITS,
            "units_and_bias": DENSE_UNITS + 1,
            "classes": NUM_CLASSES,
            "hidden": _HIDDEN,
            "output": _OUTPUT,
            "n": _HIDDEN + _OUTPUT,
            "ratio": (_HIDDEN + _OUTPUT) / CNN_PARAMETERS,
            "cnn": CNN_PARAMETERS,
            "side": IMAGE_SIDE,
        },
        right={
            "es": (
                "Cada una de las {units} neuronas ocultas tiene {pixels} pesos y 1 sesgo: "
                "{pixels_and_bias}{times}{units} = {hidden}; cada una de las {classes} de salida, "
                "{units} pesos y 1 sesgo: {units_and_bias}{times}{classes} = {output}. En total, "
                "{n}: {ratio} veces los {cnn} parámetros de nuestra CNN, y sin aprovechar qué "
                "píxeles son vecinos."
            ),
            "en": (
                "Each of the {units} hidden units has {pixels} weights and 1 bias: "
                "{pixels_and_bias}{times}{units} = {hidden}; each of the {classes} output units, "
                "{units} weights and 1 bias: {units_and_bias}{times}{classes} = {output}. In "
                "total, {n}: {ratio} times our CNN's {cnn} parameters, without making any use of "
                "which pixels are neighbours."
            ),
        },
        hints=(
            (
                _HIDDEN + _OUTPUT - DENSE_UNITS - NUM_CLASSES,
                {
                    "es": "Te faltan los sesgos: uno por neurona, en las dos capas.",
                    "en": "You left out the biases: one per unit, in both layers.",
                },
            ),
            (
                _HIDDEN,
                {
                    "es": (
                        "Esa es solo la capa oculta; suma también la de salida, de {classes} "
                        "neuronas."
                    ),
                    "en": (
                        "That is the hidden layer alone; add the output layer, with {classes} "
                        "units, too."
                    ),
                },
            ),
        ),
        fallback={
            "es": (
                "Flatten convierte cada imagen en {side}{times}{side} = {pixels} valores; cuenta "
                "los pesos y los sesgos de cada capa Dense y súmalos."
            ),
            "en": (
                "Flatten turns each image into {side}{times}{side} = {pixels} values; count the "
                "weights and biases of each Dense layer and add them up."
            ),
        },
    ),
}


def check_exercise(number: int, answer: Any, lang: str | None = None) -> Feedback:
    """Check ``answer`` to lesson 03's exercise ``number`` and say, in the notebook's language,
    whether it is right and why."""
    number = exercise_number(number, len(EXERCISES), lang)
    heading = pick(lang, es=f"Ejercicio {number}: ", en=f"Exercise {number}: ")
    if answer is None:
        return Feedback(number, None, heading + say(UNANSWERED, lang, number=str(number)))
    correct, why = EXERCISES[number].verdict(answer, lang)
    return Feedback(number, correct, heading + say(RIGHT if correct else NOT_YET, lang) + why)


UNANSWERED: Text = {
    "es": (
        "todavía sin responder. Escribe tu respuesta en answer_{number} y vuelve a ejecutar "
        "esta celda."
    ),
    "en": "not answered yet. Write your answer in answer_{number} and run this cell again.",
}
