"""Figures the lessons show: sample images, augmented images, training curves and learning
rates, predictions, what the network learned, and image files on their way to the model.

Each function returns a matplotlib Figure; in a notebook, a figure created in a cell is
shown when the cell ends. Numbers on the axes follow the notebook's language (0,90 in
Spanish, 0.90 in English).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import PowerNorm
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, ScalarFormatter

from course_utils.data import LETTERS, NUM_CLASSES, letter
from course_utils.evaluation import accuracy_per_letter, confusion_counts
from course_utils.i18n import TIMES, format_percent, pick, resolve_language

CORRECT_COLOUR = "#1a7f37"
WRONG_COLOUR = "#cf222e"
CORRECT_MARK = "\u2713"  # check mark
WRONG_MARK = "\u2717"  # ballot x


class DecimalFormatter(ScalarFormatter):
    """Matplotlib's usual tick labels, with a decimal comma when the language is Spanish."""

    def __init__(self, lang: str | None = None) -> None:
        super().__init__()
        self.comma = resolve_language(lang) == "es"

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
    layers, maps = _feature_maps(model, image)
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
            es=(
                f"Los primeros {channels} mapas de características tras cada capa Conv2D y "
                "MaxPool2D"
            ),
            en=f"The first {channels} feature maps after each Conv2D and MaxPool2D layer",
        )
    )
    return figure


def _feature_maps(model: Any, image: np.ndarray) -> tuple[list[Any], list[np.ndarray]]:
    """The Conv2D and MaxPool2D layers of ``model``, and what each gives for one image, in
    inference mode."""
    import keras

    layers = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.Conv2D | keras.layers.MaxPooling2D)
    ]
    probe = keras.Model(inputs=model.inputs[0], outputs=[layer.output for layer in layers])
    outputs = probe(np.asarray(image, dtype="float32").reshape(1, 28, 28, 1), training=False)
    return layers, [keras.ops.convert_to_numpy(output)[0] for output in outputs]


def show_augmented(image: np.ndarray, versions: Any, label: int, lang: str | None = None) -> Figure:
    """One image, framed, followed by augmented versions of it, all on the same grey scale."""
    versions = as_images(_numpy(versions))
    figure, axes = _grid(len(versions) + 1)
    for ax, shown in zip(axes, [as_images(image)[0], *versions], strict=True):
        ax.imshow(shown, cmap="gray", vmin=0, vmax=1)
    axes[0].axis("on")
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for spine in axes[0].spines.values():
        spine.set(color="black", linewidth=2.5)
    axes[0].set_title(pick(lang, es="original", en="original"), fontsize=12)
    for number, ax in enumerate(axes[1:], start=1):
        ax.set_title(pick(lang, es=f"versión {number}", en=f"version {number}"), fontsize=11)
    name, count = letter(int(label)), len(versions)
    figure.suptitle(
        pick(
            lang,
            es=f"Una imagen de la letra {name} y {count} versiones aumentadas",
            en=f"An image of the letter {name} and {count} augmented versions",
        )
    )
    return figure


def show_batch(images: Any, labels: np.ndarray, lang: str | None = None) -> Figure:
    """A batch of images as the model receives them, each titled with its letter."""
    images = as_images(_numpy(images))
    figure, axes = _grid(len(images), columns=8, size=1.5)
    for ax, shown, label in zip(axes, images, labels, strict=True):
        ax.imshow(shown, cmap="gray", vmin=0, vmax=1)
        ax.set_title(letter(int(label)), fontsize=11)
    figure.suptitle(
        pick(
            lang,
            es=f"Un lote de {len(images)} imágenes tras el aumento de datos",
            en=f"A batch of {len(images)} images after data augmentation",
        )
    )
    return figure


def plot_learning_rate(
    schedule: Any, steps_per_epoch: int, epochs: int, lang: str | None = None
) -> Figure:
    """The learning rate a Keras schedule gives at every training step, with the epochs marked."""
    steps = np.arange(steps_per_epoch * epochs + 1)
    rates = _numpy(schedule(steps))
    figure, ax = plt.subplots(figsize=(8, 3.4), layout="constrained")
    ax.plot(steps / steps_per_epoch, rates, color="#4a90c2", lw=2)
    starts = np.arange(epochs + 1)
    ax.plot(starts, rates[starts * steps_per_epoch], "o", color="black", ms=4)
    ax.set_xticks(starts)
    ax.set_xlim(0, epochs)
    ax.set_ylim(0, None)
    ax.set_xlabel(pick(lang, es="épocas completadas", en="epochs completed"))
    ax.set_ylabel(pick(lang, es="tasa de aprendizaje", en="learning rate"))
    ax.set_title(
        pick(
            lang,
            es="La tasa de aprendizaje en cada paso del entrenamiento",
            en="The learning rate at each training step",
        )
    )
    ax.yaxis.set_major_formatter(DecimalFormatter(lang))
    ax.grid(alpha=0.3)
    return figure


def show_image_files(paths: list[Any], lang: str | None = None) -> Figure:
    """Image files as a phone shows them (upright), each titled with its name and its size in
    pixels."""
    from course_utils.photos import read_image

    figure, axes = _grid(len(paths), columns=4, size=2.8)
    for ax, path in zip(axes, paths, strict=True):
        image = read_image(path, lang)  # upright, as a phone shows it
        ax.imshow(np.asarray(image.convert("RGB")))
        width, height = image.size
        ax.set_title(f"{Path(path).name}\n{width}{TIMES}{height}", fontsize=10)
    figure.suptitle(
        pick(lang, es="Los archivos de imagen, tal como están", en="The image files, as they are")
    )
    return figure


def show_preprocessing(image: Any, square: Any, small: Any, lang: str | None = None) -> Figure:
    """Three stages of one image file on its way to the model: read in grey, cropped to the
    centred square, and resized to 28x28 (Pillow images, or arrays)."""
    stages = [
        (image, pick(lang, es="en gris", en="in grey")),
        (square, pick(lang, es="cuadrado central", en="centred square")),
        (small, pick(lang, es="reducida", en="resized")),
    ]
    figure, axes = plt.subplots(1, 3, figsize=(10, 3.6), layout="constrained")
    for ax, (stage, title) in zip(axes, stages, strict=True):
        pixels = np.squeeze(np.asarray(stage))
        ax.imshow(pixels, cmap="gray", vmin=0, vmax=255)
        height, width = pixels.shape[:2]
        ax.set_title(f"{title}: {width}{TIMES}{height}", fontsize=11)
        ax.set_xticks([])
        ax.set_yticks([])
    return figure


def _numpy(values: Any) -> np.ndarray:
    """A NumPy array from a NumPy array or a tensor of any Keras backend."""
    if isinstance(values, np.ndarray):
        return values
    import keras

    return keras.ops.convert_to_numpy(values)


def _grid(count: int, columns: int = 6, size: float = 1.9) -> tuple[Figure, list[Any]]:
    rows = max(1, -(-count // columns))
    figure, axes = plt.subplots(
        rows, columns, figsize=(size * columns, (size + 0.3) * rows), layout="constrained"
    )
    axes = list(np.ravel(axes))
    for ax in axes:
        ax.axis("off")
    return figure, axes[:count]
