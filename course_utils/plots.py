"""Figures the lessons show: sample images, training curves, predictions.

Each function returns a matplotlib Figure; in a notebook, a figure created in a cell is
shown when the cell ends.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils.dataset import letter
from course_utils.i18n import pick

CORRECT_COLOUR = "#1a7f37"
WRONG_COLOUR = "#cf222e"


def as_images(pixels: np.ndarray) -> np.ndarray:
    """View flat 784-pixel rows, or (28, 28, 1) images, as an array of 28x28 images."""
    return np.asarray(pixels).reshape(-1, 28, 28)


def show_sample_images(
    pixels: np.ndarray,
    labels: np.ndarray,
    count: int = 12,
    seed: int = 0,
    lang: str | None = None,
) -> Figure:
    """A grid of ``count`` images picked at random (reproducibly), each titled with its letter."""
    images = as_images(pixels)
    chosen = np.random.default_rng(seed).choice(
        len(images), size=min(count, len(images)), replace=False
    )
    figure, axes = _grid(len(chosen))
    for ax, index in zip(axes, chosen, strict=False):
        ax.imshow(images[index], cmap="gray")
        ax.set_title(letter(int(labels[index])), fontsize=14)
    figure.suptitle(
        pick(lang, es="Ejemplos del conjunto de entrenamiento", en="Examples from the training set")
    )
    return figure


def plot_history(history: Any, lang: str | None = None) -> Figure:
    """Accuracy and loss per epoch, for training and validation, from a Keras History."""
    metrics = history.history
    epochs = np.arange(1, len(metrics["accuracy"]) + 1)
    figure, (acc_ax, loss_ax) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    train = pick(lang, es="entrenamiento", en="training")
    valid = pick(lang, es="validación", en="validation")
    for ax, key, title in (
        (acc_ax, "accuracy", pick(lang, es="Exactitud (accuracy)", en="Accuracy")),
        (loss_ax, "loss", pick(lang, es="Pérdida (loss)", en="Loss")),
    ):
        ax.plot(epochs, metrics[key], "o-", label=train)
        ax.plot(epochs, metrics[f"val_{key}"], "s--", label=valid)
        ax.set_title(title)
        ax.set_xlabel(pick(lang, es="época", en="epoch"))
        ax.set_xticks(epochs)
        ax.grid(alpha=0.3)
        ax.legend()
    return figure


def show_predictions(
    pixels: np.ndarray,
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    count: int = 12,
    seed: int = 0,
    lang: str | None = None,
) -> Figure:
    """Images with their predicted and true letters, green when right and red when wrong.

    Up to half of the images are mistakes, when there are any, so that the gallery shows
    what the model gets wrong as well as what it gets right.
    """
    images = as_images(pixels)
    true_labels, predicted_labels = np.asarray(true_labels), np.asarray(predicted_labels)
    rng = np.random.default_rng(seed)
    wrong = np.flatnonzero(true_labels != predicted_labels)
    right = np.flatnonzero(true_labels == predicted_labels)
    n_wrong = min(len(wrong), count // 2)
    n_right = min(len(right), count - n_wrong)
    chosen = np.concatenate(
        [rng.choice(wrong, n_wrong, replace=False), rng.choice(right, n_right, replace=False)]
    )
    chosen = rng.permutation(chosen).astype(int)
    figure, axes = _grid(len(chosen))
    for ax, index in zip(axes, chosen, strict=False):
        predicted, true = int(predicted_labels[index]), int(true_labels[index])
        ax.imshow(images[index], cmap="gray")
        ax.set_title(
            pick(
                lang,
                es=f"predicha: {letter(predicted)}\nreal: {letter(true)}",
                en=f"predicted: {letter(predicted)}\ntrue: {letter(true)}",
            ),
            color=CORRECT_COLOUR if predicted == true else WRONG_COLOUR,
            fontsize=11,
        )
    return figure


def _grid(count: int, columns: int = 6) -> tuple[Figure, list[Any]]:
    rows = max(1, -(-count // columns))
    figure, axes = plt.subplots(
        rows, columns, figsize=(1.9 * columns, 2.2 * rows), layout="constrained"
    )
    axes = list(np.ravel(axes))
    for ax in axes:
        ax.axis("off")
    return figure, axes[:count]
