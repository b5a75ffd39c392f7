"""The lessons' diagrams in img/, drawn with matplotlib.

The diagrams hold no Spanish or English words, only numbers, symbols, tensor shapes and Keras
layer names. Those with a decimal number (the dropout rates) are drawn once per language,
``name.es.png`` with a decimal comma and ``name.en.png`` with a decimal point; the others serve
both notebooks. They are drawn on the Agg canvas without pyplot, and ``draw_diagrams`` writes
byte-identical files every time it runs with the same matplotlib version and fonts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import partial
from pathlib import Path

import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch, Rectangle

from course_utils.dense_model import DENSE_NETWORK
from course_utils.i18n import TIMES, format_number
from course_utils.layout import LANGUAGES
from course_utils.lesson_model import LESSON_CNN, Layer
from course_utils.tools.files import write_atomically

DPI = 150

# Fill colour of each Keras layer kind, shared by all the figures.
LAYER_COLOURS = {
    "Input": "#e3e3e3",
    "Conv2D": "#a6cee3",
    "BatchNormalization": "#d4c4e6",
    "MaxPool2D": "#fdcf8f",
    "Dropout": "#f6a5a5",
    "Flatten": "#fbf0a0",
    "Dense": "#b2dfa5",
}
_EDGE = "#333333"
_MUTED = "#4d4d4d"
_HIGHLIGHT = "#f4a259"  # the 3x3 patch and the output value it produces
_HIGHLIGHT_FILL = "#fde3c8"
_DROPPED = "#c0392b"


def _square(side: int) -> str:
    """The size of a square grid, such as 3x3, written with the multiplication sign."""
    return f"{side}{TIMES}{side}"


def _rate(rate: float, lang: str) -> str:
    """A dropout rate as ``lang`` writes it: 0,3 in Spanish, 0.3 in English."""
    return format_number(rate, 1, lang)


def _label(layer: Layer, lang: str) -> str:
    """What the diagram writes in a layer's box: its kind and what sets it apart."""
    if layer.kind == "Conv2D":
        return f"Conv2D {layer.size}, {_square(layer.window)}, {layer.activation}"
    if layer.kind == "MaxPool2D":
        return f"MaxPool2D {_square(layer.window)}"
    if layer.kind == "Dropout":
        return f"Dropout {_rate(layer.rate, lang)}"
    if layer.kind == "Dense":
        return f"Dense {layer.size}, {layer.activation}"
    return layer.kind


def _stack(layers: tuple[Layer, ...], lang: str) -> tuple[tuple[str, str, str], ...]:
    """A network, top to bottom, as the diagram in ``lang`` writes it: kind, label, output shape."""
    return tuple(
        (layer.kind, _label(layer, lang), f"({', '.join(map(str, layer.shape))})")
        for layer in layers
    )


def cnn_layers(lang: str) -> tuple[tuple[str, str, str], ...]:
    """Lesson 03's model (course_utils.lesson_model) as the diagram in ``lang`` writes it."""
    return _stack(LESSON_CNN, lang)


# Lesson 02's network (course_utils.dense_model): no decimals in its labels, so one figure serves
# both languages.
DENSE_LAYERS = _stack(DENSE_NETWORK, "en")

_CONV_INPUT = np.array(
    [
        [1, 0, 2, 3, 1, 0],
        [0, 1, 3, 2, 0, 1],
        [2, 0, 1, 3, 1, 0],
        [1, 2, 0, 1, 3, 2],
        [0, 1, 2, 0, 1, 3],
        [3, 0, 1, 2, 0, 1],
    ]
)
_CONV_KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
_CONV_AT = (1, 3)  # top-left corner (row, column) of the highlighted patch

_POOL_INPUT = np.array(
    [
        [1, 3, 2, 1],
        [4, 2, 0, 5],
        [3, 1, 1, 2],
        [0, 2, 6, 4],
    ]
)
_POOL_COLOURS = ("#a6cee3", "#fdcf8f", "#b2dfa5", "#f6b8d1")
_POOL_STRONG = ("#4a90c2", "#e8902a", "#4fa845", "#d9579a")

# Neurons per layer of the dense part, drawn small: the Flatten values, the single hidden Dense
# layer that the model's last Dropout follows, and the output layer.
_NETWORK = (5, 10, 4)
# Hidden layer -> indices of the dropped neurons: 3 of the 10, the rate of that Dropout (0.3).
_DROPPED_NEURONS = {1: (1, 4, 8)}
_NEURON_DX, _NEURON_DY, _NEURON_RADIUS = 1.9, 0.52, 0.2


def _new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A white figure of ``width`` by ``height`` inches with one frameless axes filling it."""
    figure = Figure(figsize=(width, height), facecolor="white")
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_axis_off()
    return figure, axes


def _arrow(axes: Axes, start: tuple[float, float], end: tuple[float, float]) -> None:
    axes.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, lw=1.4, color=_EDGE)
    )


def draw_cnn(lang: str) -> Figure:
    """Lesson 03's model as a vertical stack of layers with their output shapes."""
    return _draw_stack(cnn_layers(lang))


def draw_dense() -> Figure:
    """Lesson 02's dense network, drawn the same way."""
    return _draw_stack(DENSE_LAYERS)


def _draw_stack(layers: tuple[tuple[str, str, str], ...]) -> Figure:
    """A vertical stack of layers with their output shapes, joined by arrows."""
    slot, box_height, width = 0.62, 0.48, 2.45
    figure, axes = _new_figure(width, slot * len(layers))
    axes.set_xlim(0, width)
    axes.set_ylim(slot * len(layers), 0)
    for index, (kind, label, shape) in enumerate(layers):
        top = index * slot + (slot - box_height) / 2
        axes.add_patch(
            FancyBboxPatch(
                (0.06, top),
                width - 0.12,
                box_height,
                boxstyle="round,pad=0,rounding_size=0.06",
                facecolor=LAYER_COLOURS[kind],
                edgecolor=_EDGE,
                lw=0.9,
            )
        )
        centre = width / 2
        axes.text(centre, top + 0.16, label, ha="center", va="center", fontsize=12)
        axes.text(centre, top + 0.35, shape, ha="center", va="center", fontsize=11, color=_MUTED)
        if index:
            _arrow(axes, (centre, top - (slot - box_height) - 0.01), (centre, top + 0.01))
    return figure


def _grid(
    axes: Axes,
    values: np.ndarray,
    left: float,
    top: float,
    fills: np.ndarray | str = "white",
    *,
    bold: np.ndarray | bool = False,
    fontsize: float = 13,
    colour: str = "black",
) -> None:
    """Draw ``values`` as a grid of unit cells whose top-left corner is at (left, top)."""
    rows, columns = values.shape
    fills = np.broadcast_to(np.asarray(fills, dtype=object), values.shape)
    bold = np.broadcast_to(bold, values.shape)
    for row in range(rows):
        for column in range(columns):
            x, y = left + column, top - row - 1
            axes.add_patch(
                Rectangle((x, y), 1, 1, facecolor=fills[row, column], edgecolor=_EDGE, lw=0.8)
            )
            axes.text(
                x + 0.5,
                y + 0.5,
                str(values[row, column]),
                ha="center",
                va="center",
                fontsize=fontsize,
                color=colour,
                fontweight="bold" if bold[row, column] else "normal",
            )


def _outline(axes: Axes, left: float, top: float, size: int, colour: str) -> None:
    """A thick square frame of ``size`` cells around a block whose top-left is (left, top)."""
    axes.add_patch(
        Rectangle((left, top - size), size, size, fill=False, edgecolor=colour, lw=3, zorder=3)
    )


def _symbol(axes: Axes, x: float, y: float, text: str) -> None:
    axes.text(x, y, text, ha="center", va="center", fontsize=17)


def _caption(axes: Axes, x: float, y: float, text: str) -> None:
    axes.text(x, y, text, ha="center", va="top", fontsize=11.5, color=_MUTED)


def draw_conv2d() -> Figure:
    """A 3x3 kernel over a 6x6 input (padding "valid"): the patch, the products and their sum."""
    size = _CONV_KERNEL.shape[0]
    row, column = _CONV_AT
    patch = _CONV_INPUT[row : row + size, column : column + size]
    windows = np.lib.stride_tricks.sliding_window_view(_CONV_INPUT, _CONV_KERNEL.shape)
    output = (windows * _CONV_KERNEL).sum(axis=(2, 3))
    products = patch * _CONV_KERNEL
    kernel_fill = LAYER_COLOURS["Conv2D"]

    figure, axes = _new_figure(5.6, 3.7)
    axes.set_xlim(-0.1, 16.1)
    axes.set_ylim(-10.7, 0.1)
    axes.set_aspect("equal")

    # Input * kernel = output, with the patch and the value it gives highlighted.
    input_fill = np.full(_CONV_INPUT.shape, "white", dtype=object)
    input_fill[row : row + size, column : column + size] = _HIGHLIGHT_FILL
    _grid(axes, _CONV_INPUT, 0, 0, input_fill)
    _outline(axes, column, -row, size, _HIGHLIGHT)
    _caption(axes, 3, -6.2, _square(6))
    _symbol(axes, 6.75, -3, "\u2217")
    _grid(axes, _CONV_KERNEL, 7.5, -1.5, kernel_fill)
    _caption(axes, 9, -4.7, _square(3))
    _symbol(axes, 11.25, -3, "=")
    output_fill = np.full(output.shape, "white", dtype=object)
    output_fill[row, column] = _HIGHLIGHT_FILL
    chosen = np.zeros(output.shape, dtype=bool)
    chosen[row, column] = True
    _grid(axes, output, 12, -1, output_fill, bold=chosen)
    _outline(axes, 12 + column, -1 - row, 1, _HIGHLIGHT)
    _caption(axes, 14, -5.2, _square(4))

    # Patch times kernel, element by element, then the sum.
    top = -7.6
    _grid(axes, patch, 0, top, _HIGHLIGHT_FILL)
    _outline(axes, 0, top, size, _HIGHLIGHT)
    _symbol(axes, 3.75, top - 1.5, TIMES)
    _grid(axes, _CONV_KERNEL, 4.5, top, kernel_fill)
    _symbol(axes, 8.25, top - 1.5, "=")
    _grid(axes, products, 9, top, "#f2f2f2")
    _arrow(axes, (12.3, top - 1.5), (14.7, top - 1.5))
    _symbol(axes, 13.5, top - 0.95, "\u03a3")
    _grid(axes, output[row : row + 1, column : column + 1], 15, top - 1, _HIGHLIGHT_FILL, bold=True)
    _outline(axes, 15, top - 1, 1, _HIGHLIGHT)
    return figure


def draw_maxpool2d() -> Figure:
    """A 4x4 input in four 2x2 blocks and the 2x2 output that keeps each block's maximum."""
    blocks = np.arange(4).reshape(2, 2).repeat(2, axis=0).repeat(2, axis=1)
    fills = np.array(_POOL_COLOURS, dtype=object)[blocks]
    pooled = _POOL_INPUT.reshape(2, 2, 2, 2).max(axis=(1, 3))
    is_max = pooled.repeat(2, axis=0).repeat(2, axis=1) == _POOL_INPUT

    figure, axes = _new_figure(4.4, 2.2)
    axes.set_xlim(-0.1, 9.1)
    axes.set_ylim(-4.1, 0.4)
    axes.set_aspect("equal")
    _grid(axes, _POOL_INPUT, 0, 0, fills, bold=is_max, fontsize=14)
    for block in range(4):
        _outline(axes, 2 * (block % 2), -2 * (block // 2), 2, _POOL_STRONG[block])
    axes.text(5.4, -1.75, f"MaxPool2D\n{_square(2)}", ha="center", va="bottom", fontsize=12)
    _arrow(axes, (4.3, -2), (6.5, -2))
    strong = np.array(_POOL_STRONG, dtype=object).reshape(2, 2)
    _grid(axes, pooled, 7, -1, strong, bold=True, fontsize=14, colour="white")
    return figure


def _network(axes: Axes, left: float, dropped: dict[int, tuple[int, ...]]) -> None:
    """Draw the dense network from x = ``left``, crossing out the ``dropped`` neurons."""

    def position(layer: int, neuron: int) -> tuple[float, float]:
        return left + layer * _NEURON_DX, ((_NETWORK[layer] - 1) / 2 - neuron) * _NEURON_DY

    def kept(layer: int, neuron: int) -> bool:
        return neuron not in dropped.get(layer, ())

    for layer in range(len(_NETWORK) - 1):
        for a in range(_NETWORK[layer]):
            for b in range(_NETWORK[layer + 1]):
                if kept(layer, a) and kept(layer + 1, b):
                    (x0, y0), (x1, y1) = position(layer, a), position(layer + 1, b)
                    axes.plot([x0, x1], [y0, y1], color="#8a8a8a", lw=0.7, zorder=1)
    for layer, count in enumerate(_NETWORK):
        fill = LAYER_COLOURS["Input" if layer == 0 else "Dense"]
        for neuron in range(count):
            centre = position(layer, neuron)
            if kept(layer, neuron):
                axes.add_patch(Circle(centre, _NEURON_RADIUS, fc=fill, ec=_EDGE, lw=1, zorder=2))
                continue
            axes.add_patch(
                Circle(centre, _NEURON_RADIUS, fc="#f2f2f2", ec="#aaaaaa", lw=1, ls="--", zorder=2)
            )
            x, y = centre
            reach = _NEURON_RADIUS * 0.75
            for sign in (1, -1):
                axes.plot(
                    [x - reach, x + reach],
                    [y - sign * reach, y + sign * reach],
                    color=_DROPPED,
                    lw=2,
                    zorder=3,
                    solid_capstyle="round",
                )


def dropout_network() -> tuple[int, ...]:
    """Neurons per layer of the dropout diagram's network."""
    return _NETWORK


def dropout_rate() -> float:
    """The share of the hidden neurons that the dropout diagram crosses out."""
    hidden = sum(_NETWORK[1:-1])
    return sum(len(dropped) for dropped in _DROPPED_NEURONS.values()) / hidden


def draw_dropout(lang: str) -> Figure:
    """The same dense network complete (left) and with dropped hidden neurons (right)."""
    span = (len(_NETWORK) - 1) * _NEURON_DX  # width of one network
    gap = 3.1  # between the two networks, for the arrow
    half_height = (max(_NETWORK) - 1) * _NEURON_DY / 2 + 0.4

    figure, axes = _new_figure(6.0, 6.0 * 2 * half_height / (2 * span + gap + 0.8))
    axes.set_xlim(-0.4, 2 * span + gap + 0.4)
    axes.set_ylim(-half_height, half_height)
    axes.set_aspect("equal")
    _network(axes, 0, {})
    _network(axes, span + gap, _DROPPED_NEURONS)
    middle = span + gap / 2
    label = f"Dropout {_rate(dropout_rate(), lang)}"
    axes.text(middle, 0.25, label, ha="center", va="bottom", fontsize=13)
    _arrow(axes, (middle - 0.75, 0), (middle + 0.75, 0))
    return figure


DIAGRAMS: dict[str, Callable[[], Figure]] = {
    "dense.png": draw_dense,
    **{f"cnn.{lang}.png": partial(draw_cnn, lang) for lang in LANGUAGES},
    "conv2d.png": draw_conv2d,
    "maxpool2d.png": draw_maxpool2d,
    **{f"dropout.{lang}.png": partial(draw_dropout, lang) for lang in LANGUAGES},
}


def draw_diagrams(out_dir: Path) -> list[Path]:
    """Draw every diagram into ``out_dir`` as PNG, each file written atomically; return the paths.

    The figures are drawn with matplotlib's default style, whatever the caller's settings, and
    the PNG files carry no software version, so the same matplotlib writes the same bytes.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in DIAGRAMS.items():
        buffer = io.BytesIO()
        with matplotlib.style.context("default"):
            figure = build()
            figure.savefig(
                buffer,
                format="png",
                dpi=DPI,
                bbox_inches="tight",
                pad_inches=0.04,
                facecolor="white",
                metadata={"Software": None},
            )
        figure.clear()
        target = out_dir / name
        write_atomically(target, buffer.getvalue())
        written.append(target)
    return written
