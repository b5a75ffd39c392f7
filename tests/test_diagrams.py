"""The explanatory diagrams: legible, reproducible PNG files, shown large enough to read, and
written in each language where they hold a decimal number."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image
import matplotlib.style
import matplotlib.text
import numpy as np
import pytest

from course_utils import lesson_model
from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.diagrams import (
    DENSE_LAYERS,
    DIAGRAMS,
    DPI,
    cnn_layers,
    draw_diagrams,
    dropout_network,
    dropout_rate,
)
from course_utils.tools.notebook_io import read_notebook

NAMES = [
    "dense.png",
    "cnn.es.png",
    "cnn.en.png",
    "conv2d.png",
    "maxpool2d.png",
    "dropout.es.png",
    "dropout.en.png",
]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COURSE = find_course(Path(__file__).parent)
# The height of a capital letter in DejaVu Sans, matplotlib's default font, as a share of the
# font size; and the smallest capital height, in screen pixels, that reads at normal zoom.
CAP_HEIGHT = 0.729
MIN_CAP_PIXELS = 12


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The diagrams drawn once into a folder that does not exist yet."""
    out_dir = tmp_path_factory.mktemp("diagrams") / "img"
    return out_dir, draw_diagrams(out_dir)


def chunk_types(data: bytes) -> list[bytes]:
    """The types of the chunks of a PNG file, in order."""
    types, offset = [], len(PNG_SIGNATURE)
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        types.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return types


def test_the_figures_are_written_and_nothing_else(drawn: tuple[Path, list[Path]]) -> None:
    out_dir, written = drawn
    assert list(DIAGRAMS) == NAMES
    assert written == [out_dir / name for name in NAMES]
    assert sorted(path.name for path in out_dir.iterdir()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_each_file_is_a_valid_png(drawn: tuple[Path, list[Path]], name: str) -> None:
    data = (drawn[0] / name).read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    types = chunk_types(data)
    assert types[0] == b"IHDR"
    assert types[-1] == b"IEND"
    assert not {b"tEXt", b"iTXt", b"zTXt", b"tIME"} & set(types), "metadata breaks reproducibility"
    assert matplotlib.image.imread(drawn[0] / name).ndim == 3


@pytest.mark.parametrize(
    ("name", "min_width", "portrait"),
    [
        ("dense.png", 300, None),
        ("cnn.es.png", 300, True),
        ("cnn.en.png", 300, True),
        ("conv2d.png", 600, False),
        ("maxpool2d.png", 450, False),
        ("dropout.es.png", 600, False),
        ("dropout.en.png", 600, False),
    ],
)
def test_each_figure_has_its_shape_and_a_white_background(
    drawn: tuple[Path, list[Path]], name: str, min_width: int, portrait: bool | None
) -> None:
    pixels = matplotlib.image.imread(drawn[0] / name)
    height, width = pixels.shape[:2]
    assert width >= min_width
    if portrait:
        assert height > 2.5 * width
    elif portrait is False:
        assert width > 1.3 * height
    corners = pixels[[0, 0, -1, -1], [0, -1, 0, -1], :3]
    np.testing.assert_array_equal(corners, 1.0)


@pytest.mark.parametrize("name", NAMES)
def test_each_figure_has_content(drawn: tuple[Path, list[Path]], name: str) -> None:
    grey = matplotlib.image.imread(drawn[0] / name)[..., :3].mean(axis=2)
    assert grey.std() > 0.1
    assert (grey < 0.5).mean() > 0.01, "too little dark ink: text and lines are missing"


def test_drawing_again_gives_the_same_bytes_whatever_the_callers_style(
    drawn: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    with matplotlib.style.context("dark_background"), matplotlib.style.context({"font.size": 30}):
        again = draw_diagrams(tmp_path)
    for first, second in zip(drawn[1], again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_drawing_replaces_existing_files(tmp_path: Path) -> None:
    (tmp_path / "cnn.en.png").write_bytes(b"stale")
    draw_diagrams(tmp_path)
    assert (tmp_path / "cnn.en.png").read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(NAMES)


def test_the_dropout_diagram_is_the_dense_part_of_the_model() -> None:
    """One hidden layer, like the model's single Dense(512), crossed out at the rate of the
    Dropout that follows it."""
    lesson = read_notebook(COURSE.notebooks / "en" / "03_asl_cnn.ipynb")
    model = next(cell.source for cell in lesson.cells if cell.get("id") == "model")
    dense_part = model[model.index("Flatten()") :]
    hidden = re.findall(r"Dense\(units=(\d+), activation=\"relu\"\)", dense_part)
    rates = [float(rate) for rate in re.findall(r"Dropout\(([0-9.]+)\)", dense_part)]
    assert len(dropout_network()) - 2 == len(hidden) == 1
    assert rates == [lesson_model.DENSE_DROPOUT] == [dropout_rate()]


@pytest.mark.parametrize(("lang", "written"), [("es", "Dropout 0,3"), ("en", "Dropout 0.3")])
def test_rates_are_written_as_each_language_writes_decimals(lang: str, written: str) -> None:
    for name in (f"dropout.{lang}.png", f"cnn.{lang}.png"):
        with matplotlib.style.context("default"):
            figure = DIAGRAMS[name]()
        texts = [text.get_text() for text in figure.findobj(matplotlib.text.Text)]
        assert written in texts, (name, texts)
        other = "." if lang == "es" else ","
        assert not any(re.search(rf"\d{re.escape(other)}\d", text) for text in texts), texts


def test_the_network_diagram_is_the_model_the_lesson_builds() -> None:
    import keras
    from keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D

    lesson = read_notebook(COURSE.lessons("03_*")[0].path("en"))
    namespace = {"keras": keras, "num_classes": 24, "MaxPool2D": MaxPool2D}
    namespace |= {
        cls.__name__: cls for cls in (BatchNormalization, Conv2D, Dense, Dropout, Flatten)
    }
    exec(next(c.source for c in lesson.cells if c.get("id") == "model"), namespace)
    model = namespace["model"]
    layers = cnn_layers("en")
    drawn = [(kind, shape) for kind, _, shape in layers]
    built = [("Input", str(tuple(model.input_shape[1:])))]
    for layer in model.layers:
        shape = tuple(layer.output.shape[1:])
        kind = {"MaxPooling2D": "MaxPool2D"}.get(type(layer).__name__, type(layer).__name__)
        built.append((kind, str(shape) if len(shape) > 1 else f"({shape[0]})"))
    assert drawn == built
    for (kind, label, _), layer in zip(layers[1:], model.layers, strict=True):
        config = layer.get_config()
        for key in ("filters", "units", "rate"):
            if key in config:
                assert f"{kind} {config[key]}" in label
        if "activation" in config and config["activation"] != "linear":
            assert label.endswith(config["activation"])


def test_the_dense_diagram_is_the_model_lesson_02_builds() -> None:
    import keras
    from keras.layers import Dense

    lesson = read_notebook(COURSE.lessons("02_*")[0].path("en"))
    namespace = {"keras": keras, "num_classes": 24, "Dense": Dense}
    exec(next(c.source for c in lesson.cells if c.get("id") == "model"), namespace)
    model = namespace["model"]
    built = [("Input", f"({model.input_shape[1]})")]
    built += [("Dense", f"({layer.units})") for layer in model.layers]
    assert [(kind, shape) for kind, _, shape in DENSE_LAYERS] == built
    for (_, label, _), layer in zip(DENSE_LAYERS[1:], model.layers, strict=True):
        assert label == f"Dense {layer.units}, {layer.get_config()['activation']}"


def shown_widths() -> list[tuple[str, str, int]]:
    """(language, diagram, width in pixels) for every diagram the lessons show."""
    found = []
    for lesson in COURSE.lessons():
        for lang in LANGUAGES:
            for cell in read_notebook(lesson.path(lang)).cells:
                if cell.cell_type != "markdown":
                    continue
                for tag in re.findall(r"<img\s[^>]*>", cell.source):
                    name = Path(re.search(r'src="([^"]+)"', tag).group(1)).name
                    width = re.search(r'width="(\d+)"', tag)
                    assert width, f"{lang}: {name} is shown without a width"
                    found.append((lang, name, int(width.group(1))))
    return found


@pytest.mark.parametrize(("lang", "name", "shown"), shown_widths(), ids=lambda value: str(value))
def test_every_label_of_a_shown_diagram_reads_at_normal_zoom(
    lang: str, name: str, shown: int
) -> None:
    """The committed PNG, shown at the notebook's width, is not enlarged, and its smallest
    label is at least MIN_CAP_PIXELS high on screen."""
    drawn = matplotlib.image.imread(COURSE.images / name).shape[1]
    assert shown <= drawn, f"{name} is enlarged from {drawn} to {shown} px and looks blurred"
    with matplotlib.style.context("default"):
        figure = DIAGRAMS[name]()
    sizes = [
        text.get_fontsize()
        for text in figure.findobj(matplotlib.text.Text)
        if text.get_text().strip()
    ]
    cap_pixels = min(sizes) * DPI / 72 * CAP_HEIGHT * shown / drawn
    needed = shown * MIN_CAP_PIXELS / cap_pixels
    assert cap_pixels >= MIN_CAP_PIXELS, (
        f"{lang}: {name} at {shown} of its {drawn} px: the smallest label is "
        f"{cap_pixels:.1f} px high; show it at {needed:.0f} px or more"
    )


def test_the_committed_diagrams_are_the_drawn_ones(drawn: tuple[Path, list[Path]]) -> None:
    for path in drawn[1]:
        committed = COURSE.images / path.name
        assert committed.read_bytes() == path.read_bytes(), (
            f"img/{path.name} is out of date: run python -m course_utils diagrams"
        )


def test_each_lesson_shows_the_diagrams_of_its_own_language() -> None:
    shown = shown_widths()
    for lang, name, _ in shown:
        suffixes = Path(name).suffixes
        assert len(suffixes) == 1 or suffixes[0] == f".{lang}", f"{lang} shows {name}"
    assert {("es", "dropout.es.png"), ("en", "dropout.en.png")} <= {
        (lang, name) for lang, name, _ in shown
    }
