"""The explanatory figures: four legible, reproducible PNG files."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import matplotlib.style
import numpy as np
import pytest

from course_utils.figures import FIGURES, draw_figures

NAMES = ["cnn.png", "conv2d.png", "maxpool2d.png", "dropout.png"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    """The figures drawn once into a folder that does not exist yet."""
    out_dir = tmp_path_factory.mktemp("figures") / "img"
    return out_dir, draw_figures(out_dir)


def chunk_types(data: bytes) -> list[bytes]:
    """The types of the chunks of a PNG file, in order."""
    types, offset = [], len(PNG_SIGNATURE)
    while offset < len(data):
        length = int.from_bytes(data[offset : offset + 4], "big")
        types.append(data[offset + 4 : offset + 8])
        offset += 12 + length
    return types


def test_the_four_figures_are_written_and_nothing_else(drawn: tuple[Path, list[Path]]) -> None:
    out_dir, written = drawn
    assert list(FIGURES) == NAMES
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
        ("cnn.png", 300, True),
        ("conv2d.png", 600, False),
        ("maxpool2d.png", 450, False),
        ("dropout.png", 600, False),
    ],
)
def test_each_figure_has_its_shape_and_a_white_background(
    drawn: tuple[Path, list[Path]], name: str, min_width: int, portrait: bool
) -> None:
    pixels = matplotlib.image.imread(drawn[0] / name)
    height, width = pixels.shape[:2]
    # Drawn at least about twice the width at which the notebooks show it.
    assert width >= min_width
    if portrait:
        assert height > 2.5 * width
    else:
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
        again = draw_figures(tmp_path)
    for first, second in zip(drawn[1], again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_drawing_replaces_existing_files(tmp_path: Path) -> None:
    (tmp_path / "cnn.png").write_bytes(b"stale")
    draw_figures(tmp_path)
    assert (tmp_path / "cnn.png").read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(NAMES)
