"""Lesson 02's exercises: a count of parameters, a reading of the training log, and a network
the student changes in code.

``check_dense_exercise(1, answer_1)``: the parameters of the network with its hidden layers
halved, a ``NumericExercise`` computed from ``course_utils.dense_model``.
``check_dense_exercise(2, answer_2, history)``: the epoch of the best validation accuracy, read
from this run's log; the expected answer comes from ``history``.
``check_dense_exercise(3, exercise_model)``: the student's Keras model, the lesson's network with
a Dropout layer after each hidden layer; the check reads the model's layers.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

from course_utils.data import NUM_CLASSES
from course_utils.dense_model import (
    DENSE_PARAMETERS,
    HIDDEN_UNITS,
    PIXELS,
    dense_network,
    network_parameters,
)
from course_utils.exercises.feedback import NOT_YET, RIGHT, Feedback, Text, exercise_number, say
from course_utils.exercises.numeric import NumericExercise, read_whole_number
from course_utils.i18n import format_percent, pick

NUMBERS = (1, 2, 3)
HALF = tuple(units // 2 for units in HIDDEN_UNITS)
_HALF_LAYERS = dense_network(HALF)
_HALF_PARAMETERS = network_parameters(_HALF_LAYERS)
_HALF_HIDDEN = _HALF_PARAMETERS - _HALF_LAYERS[-1].parameters
_BIASES = sum(HALF) + NUM_CLASSES
MAX_RATE = 0.5  # the highest Dropout rate the exercise accepts

# --------------------------------------------------------------------------- exercise 1

HALVED = NumericExercise(
    expected=_HALF_PARAMETERS,
    values={
        "units": HALF[0],
        "pixels": PIXELS,
        "first": _HALF_LAYERS[1].parameters,
        "second": _HALF_LAYERS[2].parameters,
        "output": _HALF_LAYERS[3].parameters,
        "n": _HALF_PARAMETERS,
        "now": DENSE_PARAMETERS,
        "share": round(100 * _HALF_PARAMETERS / DENSE_PARAMETERS),
    },
    right={
        "es": (
            "({pixels} + 1){times}{units} = {first}, ({units} + 1){times}{units} = {second} y "
            "({units} + 1){times}24 = {output}: {n} en total, el {share}\u00a0% de los {now} de "
            "la lección. Reducir las neuronas a la mitad no reduce los parámetros a la mitad: las "
            "{pixels} entradas siguen ahí, y la capa entre las dos ocultas se queda con la cuarta "
            "parte."
        ),
        "en": (
            "({pixels} + 1){times}{units} = {first}, ({units} + 1){times}{units} = {second} and "
            "({units} + 1){times}24 = {output}: {n} in all, {share}% of the lesson's {now}. "
            "Halving the units does not halve the parameters: the {pixels} inputs are still "
            "there, and the layer between the two hidden ones keeps only a quarter of its own."
        ),
    },
    hints=(
        (
            _HALF_PARAMETERS - _BIASES,
            {
                "es": "Te faltan los sesgos: uno por neurona, en las tres capas.",
                "en": "You left out the biases: one per unit, in all three layers.",
            },
        ),
        (
            DENSE_PARAMETERS // 2,
            {
                "es": (
                    "Esa es la mitad de {now}, pero los parámetros no bajan a la mitad: cuenta "
                    "capa por capa, con {pixels} entradas en la primera."
                ),
                "en": (
                    "That is half of {now}, but the parameters do not halve: count layer by "
                    "layer, with {pixels} inputs into the first one."
                ),
            },
        ),
        (
            DENSE_PARAMETERS,
            {
                "es": "Ese es el número de la red de la lección, con capas ocultas de 512.",
                "en": "That is the lesson's network, with hidden layers of 512.",
            },
        ),
        (
            _HALF_HIDDEN,
            {
                "es": "Esas son solo las dos capas ocultas; suma también la de salida.",
                "en": "That is the two hidden layers alone; add the output layer, too.",
            },
        ),
    ),
    fallback={
        "es": (
            "Cuenta cada capa Dense por separado: (entradas + 1){times}neuronas. La primera "
            "recibe {pixels} valores; la segunda, los {units} de la primera; la de salida tiene "
            "24 neuronas."
        ),
        "en": (
            "Count each Dense layer on its own: (inputs + 1){times}units. The first gets "
            "{pixels} values; the second, the first one's {units}; the output layer has 24 "
            "units."
        ),
    },
)

# --------------------------------------------------------------------------- exercise 2


def best_epoch_exercise(history: Any, answer: Any, lang: str | None) -> NumericExercise:
    """Exercise 2 for this run: the epoch (from 1) whose validation accuracy is highest. On a
    tie, any of the tied epochs is right."""
    validation = [float(value) for value in history.history["val_accuracy"]]
    training = [float(value) for value in history.history["accuracy"]]
    best = max(range(len(validation)), key=lambda i: (validation[i], -i)) + 1
    tied = [i + 1 for i, value in enumerate(validation) if value == validation[best - 1]]
    expected = answer if read_whole_number(answer) in tied else best
    best_training = max(range(len(training)), key=lambda i: (training[i], -i)) + 1
    epochs = len(validation)
    values = {
        "best": expected,
        "accuracy": format_percent(validation[best - 1], 2, lang),
        "last": format_percent(validation[-1], 2, lang),
        "epochs": epochs,
    }
    hints: list[tuple[Any, Text]] = [(lambda n: not 1 <= n <= epochs, OUT_OF_RANGE)]
    if best_training != best:
        hints.append((best_training, TRAINING_PEAK))
    if epochs != best:
        hints.append((epochs, LAST_EPOCH))
    hints.append((best - 1, FROM_ZERO))
    return NumericExercise(expected, BEST_RIGHT, tuple(hints), BEST_FALLBACK, values)


BEST_RIGHT: Text = {
    "es": (
        "La exactitud de validación más alta, del {accuracy}, es la de la época {best}. La "
        "última época ({epochs}) termina en el {last}: el modelo que queda al final no es el "
        "mejor que hubo durante el entrenamiento."
    ),
    "en": (
        "The highest validation accuracy, {accuracy}, is epoch {best}'s. The last epoch "
        "({epochs}) ends at {last}: the model you are left with is not the best one the "
        "training went through."
    ),
}
OUT_OF_RANGE: Text = {
    "es": "El entrenamiento tuvo {epochs} épocas, numeradas del 1 al {epochs}.",
    "en": "The training ran {epochs} epochs, numbered 1 to {epochs}.",
}
TRAINING_PEAK: Text = {
    "es": (
        "En esa época es máxima la exactitud de entrenamiento (accuracy); la pregunta es por "
        "la de validación (val_accuracy)."
    ),
    "en": (
        "That is where training accuracy (accuracy) peaks; the question is about validation "
        "accuracy (val_accuracy)."
    ),
}
LAST_EPOCH: Text = {
    "es": (
        "Esa es la última época, y su val_accuracy ({last}) no es la más alta. Busca el "
        "valor máximo en todo el registro."
    ),
    "en": (
        "That is the last epoch, and its val_accuracy ({last}) is not the highest. Look for "
        "the largest value in the whole log."
    ),
}
FROM_ZERO: Text = {
    "es": (
        "Casi: Keras numera las épocas desde 1 («Epoch 1/{epochs}»), mientras que una "
        "posición de Python, como la que da np.argmax, empieza en 0. Suma 1."
    ),
    "en": (
        "Nearly: Keras numbers the epochs from 1 ('Epoch 1/{epochs}'), whereas a Python "
        "position, such as np.argmax gives, starts at 0. Add 1."
    ),
}
BEST_FALLBACK: Text = {
    "es": (
        "Busca en el registro la línea con la val_accuracy más alta (o el punto más alto de la "
        "curva de validación) y escribe el número de su época."
    ),
    "en": (
        "Find the log line with the highest val_accuracy (or the highest point of the "
        "validation curve) and write its epoch number."
    ),
}

# --------------------------------------------------------------------------- exercise 3


def model_verdict(model: Any, lang: str | None) -> tuple[bool, str]:
    """Whether ``model`` is the lesson's network with a Dropout layer (rate above 0, at most
    MAX_RATE) after each hidden Dense layer, and why (or the first problem found)."""
    import keras

    if not isinstance(model, keras.Model):
        return False, say(NOT_A_MODEL, lang, kind=type(model).__name__)
    if not model.built or not model.inputs:
        return False, say(NO_INPUT, lang, pixels=PIXELS)
    shape = tuple(model.inputs[0].shape[1:])
    if shape != (PIXELS,):
        return False, say(WRONG_INPUT, lang, shape=shape, pixels=PIXELS)
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    others = sorted({type(layer).__name__ for layer in layers} - {"Dense", "Dropout"})
    if others:
        return False, say(OTHER_LAYERS, lang, names=", ".join(others))
    dense = [(layer.units, layer.activation.__name__) for layer in layers if _is_dense(layer)]
    wanted = [(units, "relu") for units in HIDDEN_UNITS] + [(NUM_CLASSES, "softmax")]
    if dense != wanted:
        return False, say(WRONG_DENSE, lang, found=_described(dense), wanted=_described(wanted))
    return _dropout_verdict(layers, lang)


def _dropout_verdict(layers: list[Any], lang: str | None) -> tuple[bool, str]:
    """The Dropout part of the check, once the Dense layers are the lesson's."""
    if not _is_dense(layers[-1]):
        return False, say(AFTER_OUTPUT, lang)
    rates = [float(layer.rate) for layer in layers if not _is_dense(layer)]
    if not rates:
        return False, say(NO_DROPOUT, lang)
    if any(rate <= 0 or rate > MAX_RATE for rate in rates):
        return False, say(BAD_RATE, lang, rates=_rates(rates, lang))
    dense_at = [i for i, layer in enumerate(layers) if _is_dense(layer)]
    missing = [
        number for number, (here, after) in enumerate(pairwise(dense_at), 1) if after - here == 1
    ]
    if missing:
        joined = pick(lang, es=" y ", en=" and ").join(map(str, missing))
        return False, say(MISSING_AFTER[len(missing) > 1], lang, hidden=joined)
    return True, say(MODEL_RIGHT, lang, n=DENSE_PARAMETERS, rates=_rates(rates, lang))


def _rates(rates: list[float], lang: str | None) -> str:
    """The rates as the notebook's language writes them: "0.3, 0.5" in English, "0,3; 0,5" in
    Spanish (where a comma is the decimal sign)."""
    english = [f"{rate:g}" for rate in rates]
    spanish = [rate.replace(".", ",") for rate in english]
    return pick(lang, es="; ".join(spanish), en=", ".join(english))


def _is_dense(layer: Any) -> bool:
    return type(layer).__name__ == "Dense"


def _described(dense: list[tuple[int, str]]) -> str:
    return ", ".join(f"Dense({units}, {activation})" for units, activation in dense) or "-"


NOT_A_MODEL: Text = {
    "es": (
        "exercise_model tiene que ser un modelo de Keras, como el que crea keras.Sequential(); "
        "ahora es un {kind}."
    ),
    "en": (
        "exercise_model must be a Keras model, such as keras.Sequential() makes; it is a "
        "{kind} now."
    ),
}
NO_INPUT: Text = {
    "es": (
        "El modelo no sabe qué forma tienen sus entradas. Empieza, como la lección, con "
        "keras.Input(shape=({pixels},))."
    ),
    "en": (
        "The model does not know the shape of its input. Start, as the lesson does, with "
        "keras.Input(shape=({pixels},))."
    ),
}
WRONG_INPUT: Text = {
    "es": (
        "La entrada tiene forma {shape}, pero cada imagen llega como una fila de {pixels} "
        "valores: keras.Input(shape=({pixels},))."
    ),
    "en": (
        "The input has shape {shape}, but each image comes as a row of {pixels} values: "
        "keras.Input(shape=({pixels},))."
    ),
}
OTHER_LAYERS: Text = {
    "es": "El ejercicio solo añade capas Dropout; quita {names}.",
    "en": "The exercise only adds Dropout layers; take out {names}.",
}
WRONG_DENSE: Text = {
    "es": (
        "Las capas Dense tienen que ser las de la lección, {wanted}, para que la comparación "
        "muestre solo el efecto del Dropout; las tuyas son {found}."
    ),
    "en": (
        "The Dense layers must be the lesson's, {wanted}, so that the comparison shows what "
        "Dropout alone does; yours are {found}."
    ),
}
AFTER_OUTPUT: Text = {
    "es": (
        "La última capa tiene que ser la Dense de salida, con softmax: un Dropout después "
        "apagaría probabilidades de letras. Pon cada Dropout justo después de una capa oculta."
    ),
    "en": (
        "The last layer must be the softmax Dense output: a Dropout after it would switch off "
        "letters' probabilities. Put each Dropout right after a hidden layer."
    ),
}
NO_DROPOUT: Text = {
    "es": "La red no tiene ninguna capa Dropout todavía.",
    "en": "The network has no Dropout layer yet.",
}
BAD_RATE: Text = {
    "es": (
        "Las tasas de Dropout son {rates}. La tasa es la fracción de valores que se apagan, "
        "entre 0 y 1: usa una entre 0,2 y 0,5 (0 no apaga nada)."
    ),
    "en": (
        "The Dropout rates are {rates}. The rate is the share of values switched off, between 0 "
        "and 1: use one between 0.2 and 0.5 (0 switches nothing off)."
    ),
}
MISSING_AFTER: tuple[Text, Text] = (
    {
        "es": "Falta un Dropout después de la capa oculta {hidden}.",
        "en": "A Dropout is missing after hidden layer {hidden}.",
    },
    {
        "es": "Falta un Dropout después de las capas ocultas {hidden}.",
        "en": "A Dropout is missing after hidden layers {hidden}.",
    },
)
MODEL_RIGHT: Text = {
    "es": (
        "Cada capa oculta va seguida de un Dropout (tasas: {rates}). El modelo sigue teniendo "
        "{n} parámetros: el Dropout no añade ninguno, solo apaga valores durante el "
        "entrenamiento. Ejecuta la celda siguiente para entrenarlo."
    ),
    "en": (
        "Each hidden layer is followed by a Dropout (rates: {rates}). The model still has {n} "
        "parameters: Dropout adds none, it only switches values off during training. Run the "
        "next cell to train it."
    ),
}

# --------------------------------------------------------------------------- the check


def check_dense_exercise(
    number: int, answer: Any, history: Any = None, lang: str | None = None
) -> Feedback:
    """Check ``answer`` to lesson 02's exercise ``number`` (exercise 2 also needs the training's
    ``history``) and say, in the notebook's language, whether it is right and why."""
    number = exercise_number(number, len(NUMBERS), lang)
    heading = pick(lang, es=f"Ejercicio {number}: ", en=f"Exercise {number}: ")
    variable = "exercise_model" if number == 3 else f"answer_{number}"
    if answer is None:
        return Feedback(f"02-{number}", None, heading + say(UNANSWERED, lang, variable=variable))
    if number == 1:
        correct, why = HALVED.verdict(answer, lang)
    elif number == 2:
        if history is None:
            raise ValueError(
                pick(
                    lang,
                    es="El ejercicio 2 necesita el historial del entrenamiento: history.",
                    en="Exercise 2 needs the training's history: history.",
                )
            )
        correct, why = best_epoch_exercise(history, answer, lang).verdict(answer, lang)
    else:
        correct, why = model_verdict(answer, lang)
    return Feedback(
        f"02-{number}", correct, heading + say(RIGHT if correct else NOT_YET, lang) + why
    )


UNANSWERED: Text = {
    "es": (
        "todavía sin responder. Escribe tu respuesta en {variable} y vuelve a ejecutar esta celda."
    ),
    "en": "not answered yet. Write your answer in {variable} and run this cell again.",
}
