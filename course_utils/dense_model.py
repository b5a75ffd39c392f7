"""The dense network of lesson 02, described once: the row of 784 pixels, two hidden Dense
layers and a softmax output.

Lesson 02's exercises compute their answers from this description, and its diagram
(``img/dense.png``) draws it; a test builds the lesson's own ``model`` cell with Keras and
compares it with this description layer by layer.
"""

from __future__ import annotations

from course_utils.data import NUM_CLASSES
from course_utils.lesson_model import IMAGE_SIDE, Layer, dense_parameters

PIXELS = IMAGE_SIDE * IMAGE_SIDE  # one image as a flat row: 784 values
HIDDEN_UNITS = (512, 512)  # the two hidden Dense layers, as in NVIDIA's course


def dense_network(hidden: tuple[int, ...] = HIDDEN_UNITS) -> tuple[Layer, ...]:
    """Lesson 02's network, from its input to its softmax, with ``hidden`` units in each hidden
    Dense layer (ReLU)."""
    layers = [Layer("Input", (PIXELS,))]
    inputs = PIXELS
    for units in hidden:
        layers.append(
            Layer("Dense", (units,), dense_parameters(inputs, units), units, activation="relu")
        )
        inputs = units
    layers.append(
        Layer(
            "Dense",
            (NUM_CLASSES,),
            dense_parameters(inputs, NUM_CLASSES),
            NUM_CLASSES,
            activation="softmax",
        )
    )
    return tuple(layers)


def network_parameters(layers: tuple[Layer, ...]) -> int:
    """All the weights and biases of ``layers``."""
    return sum(layer.parameters for layer in layers)


DENSE_NETWORK = dense_network()
DENSE_PARAMETERS = network_parameters(DENSE_NETWORK)
