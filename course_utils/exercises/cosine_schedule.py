"""Lesson 04a's exercise: the cosine schedule for training with batches of 64 images.

The student writes ``schedule_64``, a Keras learning-rate schedule, and runs
``check_schedule(schedule_64, len(x_train), EPOCHS)``. The answer is right when it gives, at
every step, the rate of a cosine decay from the lesson's initial rate to 0 over the whole
training at 64 images per batch: ``EPOCHS`` times ``ceil(training images / 64)`` steps. Any
object that gives those rates is accepted, however it was built. A ``CosineDecay`` that does not
is read back through its configuration, to name the usual slip: epochs instead of steps, the
lesson's batch size of 32, one epoch's steps only, the division not rounded up, images instead
of batches, another initial rate, or a final rate other than 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from course_utils.exercises.feedback import NOT_YET, RIGHT, Feedback, Text, say

NAME = "schedule_64"
BATCH_SIZE = 64
LESSON_BATCH_SIZE = 32
INITIAL_RATE = 0.001


def expected_steps(train_size: int, epochs: int, batch_size: int = BATCH_SIZE) -> int:
    """The training steps of ``epochs`` epochs over ``train_size`` images in batches of
    ``batch_size``: Keras makes a last, smaller batch of what is left, so the division rounds up."""
    return epochs * math.ceil(train_size / batch_size)


def cosine_rates(
    steps: np.ndarray, decay_steps: float, initial: float = INITIAL_RATE
) -> np.ndarray:
    """The rates of a cosine decay from ``initial`` to 0 in ``decay_steps`` steps (0 after it)."""
    progress = np.minimum(steps, decay_steps) / decay_steps
    return initial * (1 + np.cos(np.pi * progress)) / 2


def check_schedule(answer: Any, train_size: int, epochs: int, lang: str | None = None) -> Feedback:
    """Check the student's ``schedule_64`` against a cosine decay from 0.001 to 0 over
    ``epochs`` epochs of ``train_size`` images in batches of 64, and say why, in the notebook's
    language."""
    heading = f"{NAME}: "
    if answer is None:
        return Feedback(NAME, None, heading + say(UNANSWERED, lang))
    values = {
        "images": train_size,
        "epochs": epochs,
        "per_epoch": math.ceil(train_size / BATCH_SIZE),
        "total": expected_steps(train_size, epochs),
        "left": train_size % BATCH_SIZE,
        "division": f"math.ceil({train_size} / {BATCH_SIZE})",
    }
    slip = _slip(answer, train_size, epochs)
    if slip is None:
        why = say(CORRECT, lang, **values) + (
            say(LEFT_OVER, lang, **values) if values["left"] else ""
        )
        return Feedback(NAME, True, heading + say(RIGHT, lang) + why)
    why = say(slip, lang, answer=_shown(answer), **values)
    return Feedback(NAME, False, heading + say(NOT_YET, lang) + why)


def _slip(answer: Any, train_size: int, epochs: int) -> Text | None:
    """None when ``answer`` is right; else the hint for what is wrong: its kind, the slip a
    ``CosineDecay``'s configuration shows, or rates that are not the expected ones."""
    if isinstance(answer, Real) and not isinstance(answer, bool):
        return FIXED_RATE
    if _is_optimizer(answer):
        return OPTIMIZER
    if isinstance(answer, bool) or not callable(answer):
        return NOT_A_SCHEDULE
    config = _cosine_config(answer)
    if config is not None:
        return _configuration_slip(config, train_size, epochs)
    return None if _gives_the_rates(answer, expected_steps(train_size, epochs)) else OTHER_RATES


def _is_optimizer(answer: Any) -> bool:
    return hasattr(answer, "apply_gradients") and hasattr(answer, "learning_rate")


def _shown(answer: Any) -> str:
    """A short description of the answer for the messages."""
    text = repr(answer)
    return text if len(text) <= 60 else f"{type(answer).__name__}(...)"


def _cosine_config(answer: Any) -> dict[str, Any] | None:
    """The configuration of a ``CosineDecay``; None for any other object."""
    import keras

    if not isinstance(answer, keras.optimizers.schedules.CosineDecay):
        return None
    return answer.get_config()


def _configuration_slip(config: dict[str, Any], train_size: int, epochs: int) -> Text | None:
    """The first slip a ``CosineDecay``'s configuration shows (its steps, then its rates), or
    None. With ``warmup_target`` set, the decay starts from it rather than from
    ``initial_learning_rate``; with no warm-up steps that is the same schedule."""
    decay_steps = float(config["decay_steps"])
    if not math.isclose(decay_steps, expected_steps(train_size, epochs)):
        for wrong, hint in _wrong_steps(train_size, epochs):
            if math.isclose(decay_steps, wrong):
                return hint
        return OTHER_STEPS
    target = config.get("warmup_target")
    if target is not None and float(config.get("warmup_steps") or 0) > 0:
        return WARMUP
    start = float(config["initial_learning_rate"] if target is None else target)
    if not math.isclose(start, INITIAL_RATE, rel_tol=1e-6):
        return INITIAL
    if float(config.get("alpha") or 0) != 0:
        return ALPHA
    return None


def _wrong_steps(train_size: int, epochs: int) -> list[tuple[float, Text]]:
    """The decay steps that the usual slips give, each with its hint."""
    return [
        (expected_steps(train_size, epochs, LESSON_BATCH_SIZE), OLD_BATCH),
        (epochs, EPOCHS_NOT_STEPS),
        (math.ceil(train_size / BATCH_SIZE), ONE_EPOCH),
        (epochs * (train_size // BATCH_SIZE), NOT_ROUNDED),
        (epochs * train_size / BATCH_SIZE, NOT_ROUNDED),
        (epochs * train_size, IMAGES),
    ]


def _gives_the_rates(schedule: Callable[[Any], Any], total: int) -> bool:
    """Whether ``schedule`` (any object other than a ``CosineDecay``) gives, step by step, the
    rates of the expected cosine, checked at 45 steps across the training and after it."""
    steps = np.linspace(0, total, 41).round().astype(int)
    steps = np.concatenate([steps, [1, total - 1, total + 1, total + 100]])
    try:
        rates = np.array([float(np.asarray(schedule(int(step)))) for step in steps])
    except Exception:
        return False
    expected = cosine_rates(steps.astype(float), total)
    return rates.shape == expected.shape and bool(
        np.allclose(rates, expected, rtol=1e-4, atol=1e-8)
    )


CORRECT: Text = {
    "es": (
        "Con {images} imágenes en lotes de 64, cada época tiene {per_epoch} pasos, y todo el "
        "entrenamiento, {epochs}{times}{per_epoch} = {total}. Tu planificación empieza en 0,001 y "
        "llega a 0 justo en el paso {total}, el último del entrenamiento."
    ),
    "en": (
        "With {images} images in batches of 64, each epoch has {per_epoch} steps, and the whole "
        "training has {epochs}{times}{per_epoch} = {total}. Your schedule starts at 0.001 and "
        "reaches 0 just at step {total}, the last of the training."
    ),
}
LEFT_OVER: Text = {
    "es": (
        " El último lote de cada época solo tiene {left} imágenes, pero también es un paso: por "
        "eso la división se redondea hacia arriba."
    ),
    "en": (
        " The last batch of each epoch holds only {left} images, but it is a step too: that is "
        "why the division is rounded up."
    ),
}
UNANSWERED: Text = {
    "es": (
        "todavía sin responder. Escribe tu planificación en schedule_64, ejecuta esa celda y "
        "vuelve a ejecutar esta."
    ),
    "en": (
        "not answered yet. Write your schedule in schedule_64, run that cell and run this one "
        "again."
    ),
}
FIXED_RATE: Text = {
    "es": (
        "schedule_64 es un número, {answer}: una tasa fija. Lo que se pide es una planificación "
        "que la vaya bajando, un objeto keras.optimizers.schedules.CosineDecay."
    ),
    "en": (
        "schedule_64 is a number, {answer}: a fixed rate. What is asked for is a schedule that "
        "lowers it, a keras.optimizers.schedules.CosineDecay object."
    ),
}
OPTIMIZER: Text = {
    "es": (
        "schedule_64 es un optimizador. Guarda en schedule_64 la planificación sola, la que le "
        "darías al optimizador como learning_rate."
    ),
    "en": (
        "schedule_64 is an optimizer. Store the schedule alone in schedule_64, the one you would "
        "give the optimizer as its learning_rate."
    ),
}
NOT_A_SCHEDULE: Text = {
    "es": (
        "schedule_64 tiene que ser una planificación de la tasa de aprendizaje, como "
        "keras.optimizers.schedules.CosineDecay(...); escribiste {answer}."
    ),
    "en": (
        "schedule_64 must be a learning-rate schedule, such as "
        "keras.optimizers.schedules.CosineDecay(...); you wrote {answer}."
    ),
}
OLD_BATCH: Text = {
    "es": (
        "Tu decay_steps corresponde al entrenamiento de la lección, con lotes de 32. Con lotes "
        "de 64, cada época tiene más o menos la mitad de pasos: divide las imágenes entre 64."
    ),
    "en": (
        "Your decay_steps counts the steps of the lesson's training, with batches of 32. With "
        "batches of 64, each epoch has about half as many steps: divide the images by 64."
    ),
}
EPOCHS_NOT_STEPS: Text = {
    "es": (
        "Tu decay_steps es el número de épocas, pero la planificación cuenta pasos: el "
        "optimizador le pide la tasa antes de cada lote. Multiplica las épocas por los pasos de "
        "una época."
    ),
    "en": (
        "Your decay_steps is the number of epochs, but the schedule counts steps: the optimizer "
        "asks it for the rate before every batch. Multiply the epochs by the steps of one epoch."
    ),
}
ONE_EPOCH: Text = {
    "es": (
        "Tu decay_steps corresponde a una sola época: la tasa llegaría a 0 al final de la "
        "primera y el resto del entrenamiento no aprendería nada. Multiplícalo por EPOCHS."
    ),
    "en": (
        "Your decay_steps counts the steps of one epoch only: the rate would reach 0 at the end "
        "of the first, and the rest of the training would learn nothing. Multiply it by EPOCHS."
    ),
}
NOT_ROUNDED: Text = {
    "es": (
        "Casi: falta redondear hacia arriba. {images} imágenes no llenan un número exacto de "
        "lotes de 64; Keras hace un último lote, más pequeño, con las que sobran, así que una "
        "época tiene {division} = {per_epoch} pasos."
    ),
    "en": (
        "Almost: the division must be rounded up. {images} images do not fill a whole number of "
        "batches of 64; Keras makes a last, smaller batch of the rest, so an epoch has "
        "{division} = {per_epoch} steps."
    ),
}
IMAGES: Text = {
    "es": (
        "Tu decay_steps cuenta imágenes, no pasos: en cada paso el optimizador corrige los pesos "
        "una vez, con un lote entero de 64 imágenes."
    ),
    "en": (
        "Your decay_steps counts images, not steps: at each step the optimizer corrects the "
        "weights once, with a whole batch of 64 images."
    ),
}
OTHER_STEPS: Text = {
    "es": (
        "decay_steps tiene que ser el número de pasos de todo el entrenamiento: EPOCHS por los "
        "pasos de una época, que son las imágenes de entrenamiento divididas entre 64, "
        "redondeando hacia arriba."
    ),
    "en": (
        "decay_steps must be the number of steps of the whole training: EPOCHS times the steps "
        "of one epoch, which are the training images divided by 64, rounded up."
    ),
}
INITIAL: Text = {
    "es": (
        "Los pasos están bien, pero la tasa inicial no: el ejercicio conserva la de la lección, "
        "initial_learning_rate=0.001."
    ),
    "en": (
        "The steps are right, but the initial rate is not: the exercise keeps the lesson's, "
        "initial_learning_rate=0.001."
    ),
}
WARMUP: Text = {
    "es": (
        "Los pasos están bien, pero añadiste un calentamiento (warmup_steps): la planificación "
        "de la lección empieza directamente en 0,001, sin él."
    ),
    "en": (
        "The steps are right, but you added a warm-up (warmup_steps): the lesson's schedule "
        "starts straight at 0.001, without one."
    ),
}
ALPHA: Text = {
    "es": (
        "Los pasos están bien, pero con alpha distinto de 0 la tasa no termina en 0, sino en "
        "alpha veces la inicial. Deja alpha en su valor por defecto."
    ),
    "en": (
        "The steps are right, but with alpha other than 0 the rate does not end at 0 but at "
        "alpha times the initial one. Leave alpha at its default."
    ),
}
OTHER_RATES: Text = {
    "es": (
        "Tu planificación no da las tasas de un decaimiento coseno que baja de 0,001 a 0 en "
        "{total} pasos ({epochs} épocas de {per_epoch} pasos). Constrúyela con "
        "keras.optimizers.schedules.CosineDecay."
    ),
    "en": (
        "Your schedule does not give the rates of a cosine decay from 0.001 to 0 over {total} "
        "steps ({epochs} epochs of {per_epoch} steps). Build it with "
        "keras.optimizers.schedules.CosineDecay."
    ),
}
