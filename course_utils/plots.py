"""Figures the lessons show: sample images, training curves, predictions, what the network
learned.

Each function returns a matplotlib Figure; in a notebook, a figure created in a cell is
shown when the cell ends. Numbers on the axes follow the notebook's language (0,90 in
Spanish, 0.90 in English).
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from course_utils.data import LETTERS, NUM_CLASSES, letter
from course_utils.evaluation import accuracy_per_letter, confusion_counts
from course_utils.i18n import format_percent, pick

CORRECT_COLOUR = "#1a7f37"
WRONG_COLOUR = "#cf222e"
CORRECT_MARK = "\u2713"  # check mark
WRONG_MARK = "\u2717"  # ballot x
TIMES = "\u00d7"  # multiplication sign


class DecimalFormatter(ScalarFormatter):
    """Matplotlib's usual tick labels, with a decimal comma when the language is Spanish."""

    def __init__(self, lang: str | None = None) -> None:
        super().__init__()
        self.comma = pick(lang, es="es", en="en") == "es"

    def __call__(self, x: float, pos: int | None = None) -> str:
        text = super().__call__(x, pos)
        return text.replace(".", ",") if self.comma else text


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
        ax.yaxis.set_major_formatter(DecimalFormatter(lang))
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
    """Images with their predicted and true letters, marked \u2713 in green when right and
    \u2717 in red when wrong.

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
        mark = CORRECT_MARK if predicted == true else WRONG_MARK
        ax.imshow(images[index], cmap="gray")
        ax.set_title(
            pick(
                lang,
                es=f"{mark} predicha: {letter(predicted)}\nreal: {letter(true)}",
                en=f"{mark} predicted: {letter(predicted)}\ntrue: {letter(true)}",
            ),
            color=CORRECT_COLOUR if predicted == true else WRONG_COLOUR,
            fontsize=11,
        )
    return figure


def plot_confusion_matrix(
    true_labels: np.ndarray, predicted_labels: np.ndarray, lang: str | None = None
) -> Figure:
    """The 24x24 confusion matrix: one row per true letter, one column per predicted letter.

    Each cell shows how many images fell there (empty cells are left blank); its colour is
    that count as a share of the row's images, on a square-root scale so that small
    mistakes remain visible beside the large counts of the diagonal.
    """
    matrix = confusion_counts(true_labels, predicted_labels)
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    figure, ax = plt.subplots(figsize=(9.5, 9), layout="constrained")
    shown = ax.imshow(shares, cmap="Blues", norm=PowerNorm(0.5, vmin=0, vmax=1))
    for (row, column), count in np.ndenumerate(matrix):
        if count:
            dark = shares[row, column] > 0.3
            ax.text(
                column,
                row,
                str(count),
                ha="center",
                va="center",
                fontsize=7.5,
                color="white" if dark else "black",
                fontweight="normal" if row == column else "bold",
            )
    ticks = np.arange(NUM_CLASSES)
    ax.set_xticks(ticks, list(LETTERS))
    ax.set_yticks(ticks, list(LETTERS))
    ax.set_xlabel(pick(lang, es="letra predicha", en="predicted letter"))
    ax.set_ylabel(pick(lang, es="letra real", en="true letter"))
    ax.xaxis.set_label_position("top")
    ax.xaxis.tick_top()
    bar = figure.colorbar(shown, ax=ax, shrink=0.8)
    bar.set_label(pick(lang, es="parte de las imágenes de la fila", en="share of the row's images"))
    bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: format_percent(x, 0, lang)))
    return figure


def plot_accuracy_per_letter(
    true_labels: np.ndarray, predicted_labels: np.ndarray, lang: str | None = None
) -> Figure:
    """A bar per letter: the share of its images that the model labelled correctly.

    A dashed line marks the accuracy over all images.
    """
    per_letter = accuracy_per_letter(true_labels, predicted_labels)
    overall = float(np.mean(np.asarray(true_labels) == np.asarray(predicted_labels)))
    figure, ax = plt.subplots(figsize=(11, 3.8), layout="constrained")
    ax.bar(per_letter.index, per_letter.to_numpy(), color="#4a90c2")
    ax.axhline(
        overall,
        color="black",
        ls="--",
        lw=1,
        label=pick(
            lang,
            es=f"todas las letras: {format_percent(overall, 1, lang)}",
            en=f"all letters: {format_percent(overall, 1, lang)}",
        ),
    )
    ax.set_ylim(0, 1.05)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda x, _: format_percent(x, 0, lang)))
    ax.set_xlabel(pick(lang, es="letra real", en="true letter"))
    ax.set_title(pick(lang, es="Exactitud por letra", en="Accuracy per letter"))
    ax.grid(axis="y", alpha=0.3)
    ax.legend(loc="lower left")
    return figure


def show_filters(filters: Any, columns: int = 15, lang: str | None = None) -> Figure:
    """The filters of a Conv2D layer on one-channel images, one small square per filter.

    ``filters`` is the layer itself or its kernel, of shape (height, width, 1, count). All
    squares share one colour scale: red for positive weights, blue for negative ones, white
    for zero.
    """
    weights = filters.get_weights() if hasattr(filters, "get_weights") else [filters]
    kernel = np.asarray(weights[0] if weights else [])
    if kernel.ndim != 4 or kernel.shape[2] != 1:
        raise ValueError(
            f"Expected the kernel of a Conv2D on one-channel images, of shape (height, width, "
            f"1, filters); got shape {kernel.shape}."
        )
    count = kernel.shape[3]
    limit = float(np.abs(kernel).max()) or 1.0
    rows = -(-count // columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(0.75 * columns, 0.8 * rows + 0.6), layout="constrained"
    )
    for index, ax in enumerate(np.ravel(axes)):
        ax.axis("off")
        if index < count:
            ax.imshow(kernel[:, :, 0, index], cmap="RdBu_r", vmin=-limit, vmax=limit)
    height, width = kernel.shape[:2]
    figure.suptitle(
        pick(
            lang,
            es=f"Los {count} filtros de {height}{TIMES}{width} de la primera capa Conv2D",
            en=f"The {count} {height}{TIMES}{width} filters of the first Conv2D layer",
        )
    )
    return figure


def show_feature_maps(
    model: Any, image: np.ndarray, channels: int = 8, lang: str | None = None
) -> Figure:
    """What one image becomes inside ``model``: the first ``channels`` feature maps after each
    Conv2D and MaxPool2D layer, one row per layer, below the image itself.

    The model runs in inference mode (dropout off, batch normalization with its moving
    averages). Each map has its own grey scale: white is its largest value, black its smallest.
    """
    import keras

    layers = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.MaxPooling2D)
    ]
    probe = keras.Model(inputs=model.inputs[0], outputs=[layer.output for layer in layers])
    outputs = probe(np.asarray(image, dtype="float32").reshape(1, 28, 28, 1), training=False)
    maps = [keras.ops.convert_to_numpy(output)[0] for output in outputs]
    figure, axes = plt.subplots(
        len(layers) + 1,
        channels,
        figsize=(1.3 * channels + 1.2, 1.3 * (len(layers) + 1)),
        layout="constrained",
        squeeze=False,
    )
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
    axes[0, 0].imshow(as_images(image)[0], cmap="gray")
    axes[0, 0].set_ylabel(pick(lang, es="imagen", en="image") + f"\n28{TIMES}28", fontsize=9)
    for ax in axes[0, 1:]:
        ax.set_visible(False)
    for row, (layer, values) in zip(axes[1:], zip(layers, maps, strict=True), strict=True):
        height, width, depth = values.shape
        for channel, ax in enumerate(row):
            if channel >= depth:
                ax.set_visible(False)
                continue
            ax.imshow(values[:, :, channel], cmap="gray")
        row[0].set_ylabel(f"{layer.name}\n{height}{TIMES}{width}{TIMES}{depth}", fontsize=9)
    figure.suptitle(
        pick(
            lang,
            es=f"Los primeros {channels} mapas de rasgos tras cada capa Conv2D y MaxPool2D",
            en=f"The first {channels} feature maps after each Conv2D and MaxPool2D layer",
        )
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
