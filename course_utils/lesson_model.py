"""The network of lessons 03 and 04a, described once, and the rules that give its shapes and
parameters.

The exercises of lesson 03 compute their answers from this description, and the network
diagram (``img/cnn.png``) draws it; a test builds the lesson's own ``model`` cell with Keras
and compares it with this description layer by layer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from course_utils.data import NUM_CLASSES

IMAGE_SIDE = 28
FILTERS = (75, 50, 25)  # the three Conv2D layers
KERNEL = 3  # each Conv2D's filters are KERNEL x KERNEL
POOL = 2  # each MaxPool2D takes POOL x POOL blocks, with stride POOL
DENSE_UNITS = 512
DROPOUT_AFTER_CONV = {1: 0.2}  # a Dropout right after the Conv2D of block 1 (counting from 0)
DENSE_DROPOUT = 0.3


def conv2d_parameters(kernel_size: int, input_channels: int, filters: int) -> int:
    """Weights and biases of a Conv2D layer with square kernels: each filter has one weight per
    pixel of its window in every input channel, plus one bias."""
    return (kernel_size * kernel_size * input_channels + 1) * filters


def dense_parameters(inputs: int, units: int) -> int:
    """Weights and biases of a Dense layer: one weight per input for each unit, plus one bias."""
    return (inputs + 1) * units


def pooled_size(size: int, pool: int = POOL, padding: str = "same") -> int:
    """Height (or width) after a MaxPool2D of ``pool`` x ``pool`` with stride ``pool``.

    "same" keeps the leftover row or column (rounds up); "valid" drops it (rounds down).
    """
    if padding == "same":
        return math.ceil(size / pool)
    if padding == "valid":
        return (size - pool) // pool + 1
    raise ValueError(f"padding must be 'same' or 'valid', not {padding!r}")


@dataclass(frozen=True)
class Layer:
    """One layer: its Keras class, what sets it apart (filters, units, rate, activation), the
    shape of one image's output and its number of parameters."""

    kind: str
    shape: tuple[int, ...]
    parameters: int = 0
    size: int | None = None  # filters of a Conv2D, units of a Dense
    window: int | None = None  # the side of a Conv2D's kernel or a MaxPool2D's block
    rate: float | None = None  # a Dropout's rate
    activation: str | None = None


def convolved_size(size: int, kernel: int = KERNEL, padding: str = "same") -> int:
    """Height (or width) after a Conv2D of ``kernel`` x ``kernel`` with stride 1.

    "same" pads the border and keeps the size; "valid" only places the kernel where it fits.
    """
    if padding == "same":
        return size
    if padding == "valid":
        return size - kernel + 1
    raise ValueError(f"padding must be 'same' or 'valid', not {padding!r}")


def lesson_cnn(last_padding: str | None = None, padding: str = "same") -> tuple[Layer, ...]:
    """The lesson's network, from its input to its softmax, with ``padding`` in every Conv2D and
    MaxPool2D, except that ``last_padding``, when given, is the padding of the last MaxPool2D
    (lesson 03's exercise 2 asks about "valid" there; exercise 5 builds the all-"valid" one)."""
    side, channels = IMAGE_SIDE, 1
    layers = [Layer("Input", (side, side, channels))]
    for block, filters in enumerate(FILTERS):
        parameters = conv2d_parameters(KERNEL, channels, filters)
        channels = filters
        side = convolved_size(side, KERNEL, padding)
        layers.append(
            Layer("Conv2D", (side, side, channels), parameters, filters, KERNEL, None, "relu")
        )
        if block in DROPOUT_AFTER_CONV:
            layers.append(Layer("Dropout", (side, side, channels), rate=DROPOUT_AFTER_CONV[block]))
        layers.append(Layer("BatchNormalization", (side, side, channels), 4 * channels))
        last = block == len(FILTERS) - 1
        side = pooled_size(side, POOL, last_padding if last and last_padding else padding)
        layers.append(Layer("MaxPool2D", (side, side, channels), window=POOL))
    flattened = side * side * channels
    layers += [
        Layer("Flatten", (flattened,)),
        Layer(
            "Dense",
            (DENSE_UNITS,),
            dense_parameters(flattened, DENSE_UNITS),
            DENSE_UNITS,
            activation="relu",
        ),
        Layer("Dropout", (DENSE_UNITS,), rate=DENSE_DROPOUT),
        Layer(
            "Dense",
            (NUM_CLASSES,),
            dense_parameters(DENSE_UNITS, NUM_CLASSES),
            NUM_CLASSES,
            activation="softmax",
        ),
    ]
    return tuple(layers)


LESSON_CNN = lesson_cnn()
CNN_PARAMETERS = sum(layer.parameters for layer in LESSON_CNN)
FLATTENED = next(layer.shape[0] for layer in LESSON_CNN if layer.kind == "Flatten")
