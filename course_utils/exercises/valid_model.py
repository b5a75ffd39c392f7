"""Lesson 03's exercise 5: the student builds the lesson's network with ``padding="valid"``.

``check_valid_model(model_valid)`` reads the model the student built, layer by layer, and
compares it with the description in ``course_utils.lesson_model``: the input, the kinds of
layer and their order, each layer's settings, the padding, and then the output shapes and the
parameters Keras counts. Any correct way of writing it passes: ``keras.Sequential`` (with a
list or with ``add``) or the functional API, with or without names, ``MaxPool2D`` or
``MaxPooling2D``, and the ReLU inside the ``Conv2D`` or as a layer of its own. The first
difference found is explained in the notebook's language. Keras is not imported here: the
check only reads what the model says about itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from course_utils.exercises.feedback import NOT_YET, RIGHT, Feedback, Text, say
from course_utils.i18n import TIMES, pick
from course_utils.lesson_model import CNN_PARAMETERS, IMAGE_SIDE, Layer, lesson_cnn

NUMBER = 5
EXPECTED = lesson_cnn(padding="valid")
KINDS = {"MaxPooling2D": "MaxPool2D"}  # Keras's class name -> the lesson's name
PADDED = ("Conv2D", "MaxPool2D")


@dataclass
class Step:
    """One layer of the student's model, as the lesson describes layers."""

    kind: str
    name: str
    config: dict[str, Any]
    shape: tuple[int, ...]
    parameters: int


def check_valid_model(model: Any, lang: str | None = None) -> Feedback:
    """Check the model of exercise 5 and say, in the notebook's language, whether it is the
    lesson's network with ``padding="valid"``, and why (or what to change)."""
    heading = pick(lang, es=f"Ejercicio {NUMBER}: ", en=f"Exercise {NUMBER}: ")
    if model is None:
        return Feedback(NUMBER, None, heading + say(TEXTS["unanswered"], lang))
    problem = _problem(model, lang)
    if problem:
        return Feedback(NUMBER, False, heading + say(NOT_YET, lang) + problem)
    why = say(TEXTS["right"], lang, **_right_values())
    return Feedback(NUMBER, True, heading + say(RIGHT, lang) + why)


def _problem(model: Any, lang: str | None) -> str | None:
    """What is wrong with ``model``, in the notebook's language, or None."""
    if isinstance(model, list | tuple) and model and all(hasattr(x, "get_config") for x in model):
        return say(TEXTS["list"], lang)
    if not (hasattr(model, "layers") and hasattr(model, "count_params")):
        return say(TEXTS["not_a_model"], lang, kind=type(model).__name__)
    try:
        shape = tuple(model.inputs[0].shape[1:])
    except (AttributeError, IndexError, TypeError, ValueError):
        return say(TEXTS["no_input"], lang)
    if shape != EXPECTED[0].shape:
        return say(TEXTS["input"], lang, shape=shape, side=IMAGE_SIDE)
    steps = _steps(model)
    return (
        _layer_problem(steps, lang) or _padding_problem(steps, lang) or _count_problem(steps, lang)
    )


def _steps(model: Any) -> list[Step]:
    """The model's layers after its input, with a separate ReLU merged into the layer before."""
    steps: list[Step] = []
    for layer in model.layers:
        kind = KINDS.get(type(layer).__name__, type(layer).__name__)
        config = layer.get_config()
        if kind == "InputLayer":
            continue
        if kind in ("Activation", "ReLU") and steps:
            previous = steps[-1]
            if previous.config.get("activation") == "linear":
                previous.config["activation"] = config.get("activation", "relu")
                continue
        shape = tuple(layer.output.shape[1:])
        steps.append(Step(kind, layer.name, config, shape, int(layer.count_params())))
    return steps


def _layer_problem(steps: list[Step], lang: str | None) -> str | None:
    """The first layer whose kind or settings differ from the lesson's, explained."""
    expected = [layer.kind for layer in EXPECTED[1:]]
    found = [step.kind for step in steps]
    if found != expected:
        first = next(
            (i for i, (a, b) in enumerate(zip(found, expected, strict=False)) if a != b),
            min(len(found), len(expected)),
        )
        key = "missing" if len(found) < len(expected) else "layers"
        values = {
            "position": first + 1,
            "expected": expected[first] if first < len(expected) else "-",
            "found": found[first] if first < len(found) else "-",
            "lesson": ", ".join(expected),
            "yours": ", ".join(found),
        }
        return say(TEXTS[key], lang, **values)
    for position, (step, layer) in enumerate(zip(steps, EXPECTED[1:], strict=True), start=1):
        setting = _different_setting(step, layer)
        if setting:
            name, yours, lessons = setting
            values = {"position": position, "kind": step.kind, "setting": name}
            return say(TEXTS["setting"], lang, **values, yours=str(yours), lessons=str(lessons))
    return None


def _different_setting(step: Step, layer: Layer) -> tuple[str, Any, Any] | None:
    """(setting, the student's value, the lesson's value) for the first setting that differs."""
    config = step.config
    if step.kind == "MaxPool2D":
        strides = config.get("strides") or config.get("pool_size")
        wanted = {"pool_size": (layer.window, layer.window), "strides": (layer.window,) * 2}
        given = {"pool_size": tuple(config.get("pool_size", ())), "strides": tuple(strides)}
    elif step.kind == "Conv2D":
        wanted = {"filters": layer.size, "kernel_size": (layer.window,) * 2, "strides": (1, 1)}
        wanted["activation"] = layer.activation
        given = {key: config.get(key) for key in wanted}
        given["kernel_size"] = tuple(given["kernel_size"])
        given["strides"] = tuple(given["strides"])
    elif step.kind == "Dense":
        wanted = {"units": layer.size, "activation": layer.activation}
        given = {key: config.get(key) for key in wanted}
    elif step.kind == "Dropout":
        wanted, given = {"rate": layer.rate}, {"rate": config.get("rate")}
    else:
        return None
    for key, value in wanted.items():
        if given[key] != value:
            return key, given[key], value
    return None


def _padding_problem(steps: list[Step], lang: str | None) -> str | None:
    """The layers that still pad their input, if any."""
    padded = [f"{s.name} ({s.kind})" for s in steps if s.config.get("padding") == "same"]
    if padded:
        return say(TEXTS["same"], lang, layers=", ".join(padded))
    return None


def _count_problem(steps: list[Step], lang: str | None) -> str | None:
    """A layer whose output shape or parameters differ although its settings match."""
    for position, (step, layer) in enumerate(zip(steps, EXPECTED[1:], strict=True), start=1):
        if step.shape != layer.shape or step.parameters != layer.parameters:
            values = {"position": position, "kind": step.kind, "shape": step.shape}
            return say(TEXTS["count"], lang, **values, expected=layer.shape)
    return None


def _right_values() -> dict[str, Any]:
    """The numbers the explanation of a right answer quotes, from the lesson's description."""
    sides = [EXPECTED[0].shape[0]] + [layer.shape[0] for layer in EXPECTED if layer.kind in PADDED]
    steps = [f"{a} \u2192 {b}" for a, b in pairwise(sides)]
    flattened = next(layer for layer in EXPECTED if layer.kind == "Flatten").shape[0]
    dense = next(layer for layer in EXPECTED if layer.kind == "Dense")
    same_dense = next(layer for layer in lesson_cnn() if layer.kind == "Dense")
    return {
        "convs": ", ".join(steps[0::2]),
        "pools": ", ".join(steps[1::2]),
        "last": f"{sides[-1]}{TIMES}{sides[-1]}{TIMES}{EXPECTED[-5].shape[-1]}",
        "flattened": flattened,
        "dense": dense.parameters,
        "same_dense": same_dense.parameters,
        "units": dense.size,
        "total": sum(layer.parameters for layer in EXPECTED),
        "same_total": CNN_PARAMETERS,
    }


TEXTS: dict[str, Text] = {
    "unanswered": {
        "es": (
            "todavía sin responder. Construye el modelo en model_valid y vuelve a ejecutar esta "
            "celda."
        ),
        "en": "not answered yet. Build the model in model_valid and run this cell again.",
    },
    "right": {
        "es": (
            'Con padding="valid", cada Conv2D pierde un borde de un píxel alrededor ({convs}) '
            "y cada MaxPool2D descarta la fila y la columna sobrantes ({pools}): al "
            "final quedan mapas de {last}, Flatten da {flattened} valores y Dense({units}) "
            "tiene {dense} parámetros en lugar de {same_dense}. En total, {total} en lugar de "
            "{same_total}. Las Conv2D conservan sus parámetros: el relleno cambia el tamaño de "
            "los mapas, no el de los filtros."
        ),
        "en": (
            'With padding="valid", each Conv2D loses a one-pixel border all round ({convs}) '
            "and each MaxPool2D drops the leftover row and column ({pools}): the last "
            "maps are {last}, Flatten gives {flattened} values and Dense({units}) has {dense} "
            "parameters instead of {same_dense}. In total, {total} instead of {same_total}. "
            "The Conv2D layers keep their parameters: padding changes the size of the maps, "
            "not of the filters."
        ),
    },
    "list": {
        "es": (
            "model_valid es una lista de capas, no un modelo. Pásala a keras.Sequential: "
            "model_valid = keras.Sequential([...])."
        ),
        "en": (
            "model_valid is a list of layers, not a model. Pass it to keras.Sequential: "
            "model_valid = keras.Sequential([...])."
        ),
    },
    "not_a_model": {
        "es": (
            "model_valid tiene que ser un modelo de Keras, hecho con keras.Sequential o "
            "keras.Model; el tuyo es de tipo {kind}."
        ),
        "en": (
            "model_valid must be a Keras model, made with keras.Sequential or keras.Model; yours "
            "is of type {kind}."
        ),
    },
    "no_input": {
        "es": (
            "El modelo no sabe qué forma tienen sus entradas. Empieza por "
            f"keras.Input(shape=({IMAGE_SIDE}, {IMAGE_SIDE}, 1)), como el de la lección."
        ),
        "en": (
            "The model does not know the shape of its input. Start it with "
            f"keras.Input(shape=({IMAGE_SIDE}, {IMAGE_SIDE}, 1)), as the lesson's does."
        ),
    },
    "input": {
        "es": (
            "La entrada tiene forma {shape}, pero cada imagen es de {side}{times}{side} píxeles "
            f"con 1 canal: keras.Input(shape=({IMAGE_SIDE}, {IMAGE_SIDE}, 1))."
        ),
        "en": (
            "The input has shape {shape}, but each image is {side}{times}{side} pixels with 1 "
            f"channel: keras.Input(shape=({IMAGE_SIDE}, {IMAGE_SIDE}, 1))."
        ),
    },
    "missing": {
        "es": (
            "Falta alguna capa. La capa {position} tendría que ser {expected} y es {found}. "
            "Las de la lección: {lesson}. Las tuyas: {yours}."
        ),
        "en": (
            "A layer is missing. Layer {position} should be {expected} and is {found}. The "
            "lesson's: {lesson}. Yours: {yours}."
        ),
    },
    "layers": {
        "es": (
            "Las capas no son las de la lección: la {position} tendría que ser {expected} y es "
            "{found}. Las de la lección: {lesson}. Las tuyas: {yours}."
        ),
        "en": (
            "The layers are not the lesson's: layer {position} should be {expected} and is "
            "{found}. The lesson's: {lesson}. Yours: {yours}."
        ),
    },
    "setting": {
        "es": (
            "La capa {position} ({kind}) tiene {setting} = {yours}, y la de la lección, "
            "{lessons}. Solo cambia el relleno (padding); todo lo demás queda igual."
        ),
        "en": (
            "Layer {position} ({kind}) has {setting} = {yours}, and the lesson's has {lessons}. "
            "Only the padding changes; everything else stays the same."
        ),
    },
    "same": {
        "es": (
            'Todavía con padding="same": {layers}. Todas las Conv2D y MaxPool2D llevan '
            'padding="valid" (o ningún padding, porque "valid" es el valor por defecto de '
            "Keras)."
        ),
        "en": (
            'Still padding="same": {layers}. Every Conv2D and MaxPool2D takes padding="valid" '
            '(or no padding at all: "valid" is Keras\'s default).'
        ),
    },
    "count": {
        "es": (
            "La capa {position} ({kind}) da una salida de forma {shape}, y tendría que dar "
            "{expected}. Revisa las capas anteriores."
        ),
        "en": (
            "Layer {position} ({kind}) gives an output of shape {shape}; it should give "
            "{expected}. Check the layers before it."
        ),
    },
}
