"""Lesson 04b on real files: phone photos read upright, 16-bit images scaled, bad files named in
the lesson's language while the others keep their rows, and a damaged saved model."""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

from course_utils.layout import LANGUAGES, find_course
from course_utils.photos import ImageFileError, photo_paths, read_image, save_photo_like
from course_utils.saved_models import ModelDamagedError, require_saved_model
from course_utils.tools.notebook_io import read_notebook

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def portrait_jpeg(path: Path) -> Path:
    """A phone's portrait photo: stored 480x360 with EXIF orientation 6 (turn 90° to show),
    dark on its left half, so that the turn can be seen."""
    pixels = np.full((360, 480, 3), 230, np.uint8)
    pixels[:, :240] = 20
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(pixels).save(path, exif=exif)
    return path


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png(path: Path) -> Path:
    """A few bytes that claim a 20,000 x 10,000 picture (200 megapixels)."""
    header = struct.pack(">IIBBBBB", 20000, 10000, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 10))
        + png_chunk(b"IEND", b"")
    )
    return path


def bad_files(folder: Path) -> dict[str, Path]:
    """One file (or path) of each kind the lesson cannot read, by what it is."""
    folder.mkdir(exist_ok=True)
    good = folder / "good.jpg"
    Image.new("RGB", (300, 200), (90, 60, 40)).save(good)
    files = {
        "empty": folder / "empty.jpg",
        "truncated": folder / "truncated.jpg",
        "not an image": folder / "notes.png",
        "heic": folder / "IMG_0001.HEIC",
        "folder": folder / "a folder",
        "missing": folder / "missing.jpg",
        "huge": huge_png(folder / "huge.png"),
    }
    files["empty"].write_bytes(b"")
    files["truncated"].write_bytes(good.read_bytes()[:400])
    files["not an image"].write_text("not a picture")
    files["heic"].write_bytes(b"\0\0\0\x18ftypheic" + bytes(40))
    files["folder"].mkdir()
    return files


WORDS = {  # what the message must say, beyond the file's name
    "es": {
        "empty": "vacío",
        "truncated": "dañado o incompleto",
        "not an image": "no es una imagen",
        "heic": "Conviértela a JPEG",
        "folder": "es una carpeta",
        "missing": "No encuentro el archivo",
        "huge": "demasiados píxeles",
    },
    "en": {
        "empty": "empty",
        "truncated": "damaged or incomplete",
        "not an image": "is not an image",
        "heic": "Convert it to JPEG",
        "folder": "is a folder",
        "missing": "Cannot find the file",
        "huge": "too many pixels",
    },
}


def test_a_phone_portrait_is_read_upright(tmp_path: Path):
    path = portrait_jpeg(tmp_path / "portrait.jpg")
    with Image.open(path) as stored:
        assert stored.size == (480, 360)  # as the sensor saw it
    image = read_image(path)
    assert image.size == (360, 480) and image.mode == "RGB"
    grey = np.asarray(image.convert("L"), dtype=float)
    assert grey[:240].mean() < 60 < 200 < grey[240:].mean()  # the dark half is now on top


def test_show_image_files_draws_a_phone_portrait_upright(tmp_path: Path):
    from course_utils.plots import show_image_files

    figure = show_image_files([portrait_jpeg(tmp_path / "portrait.jpg")], lang="en")
    drawn = figure.axes[0].get_images()[0].get_array()
    assert drawn.shape[:2] == (480, 360)
    assert "360\u00d7480" in figure.axes[0].get_title()


def test_a_16_bit_greyscale_png_is_scaled_to_0_255(tmp_path: Path):
    path = tmp_path / "deep.png"
    values = np.linspace(0, 65535, 200 * 100).reshape(100, 200).astype(np.uint16)
    Image.fromarray(values).save(path)
    with Image.open(path) as stored:
        assert stored.mode.startswith("I")
    image = read_image(path)
    assert image.mode == "L"
    pixels = np.asarray(image, dtype=float)
    assert pixels.min() == 0 and pixels.max() == 255
    assert np.abs(pixels - values / 257).max() <= 0.5


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_file_that_cannot_be_read_is_named_in_the_lessons_language(lang: str, tmp_path: Path):
    for kind, path in bad_files(tmp_path).items():
        with pytest.raises(ImageFileError) as raised:
            read_image(path, lang=lang)
        message = str(raised.value)
        assert str(path) in message and WORDS[lang][kind] in message, (kind, message)
        assert "DecompressionBomb" not in message and "BytesIO" not in message


def test_a_single_path_in_my_photos_is_one_photo():
    assert photo_paths("../../my_photos/a.jpg") == [Path("../../my_photos/a.jpg")]
    assert photo_paths(Path("a.jpg")) == [Path("a.jpg")]
    assert photo_paths(["a.jpg", "b c.png"]) == [Path("a.jpg"), Path("b c.png")]
    assert photo_paths([]) == []


def lesson_cells(lang: str) -> dict[str, str]:
    notebook = read_notebook(find_course().notebooks / lang / "04b_new_images.ipynb")
    return {cell.get("id"): cell.source for cell in notebook.cells}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_lessons_table_keeps_the_good_files_and_names_the_bad_ones(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The lesson's own setup and all-images cells, in a real kernel started in notebooks/<lang>/,
    with a tiny model: every bad file is named in the lesson's language, no traceback, and the
    good ones (a portrait photo and a 16-bit PNG among them) get their rows."""
    monkeypatch.delenv("COURSE_LANG", raising=False)
    bad = bad_files(tmp_path / "bad")
    portrait = portrait_jpeg(tmp_path / "portrait.jpg")
    deep = tmp_path / "deep.png"
    Image.fromarray(np.full((50, 80), 40000, np.uint16)).save(deep)
    made = save_photo_like(np.full(784, 120), tmp_path / "valid_1_A.png")
    photos = [str(portrait), str(deep), *map(str, bad.values())]
    cells = lesson_cells(lang)
    prelude = (
        f"MY_PHOTOS = {photos!r}\nnew_images = [Path({str(made)!r})]\n"
        f"not_a_hand = Path({str(made)!r})\n"
        "model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),"
        " keras.layers.Dense(24, activation='softmax')])"
    )
    folder = tmp_path / "course" / "notebooks" / lang
    folder.mkdir(parents=True)
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(s) for s in (cells["setup"], prelude, cells["all-images"])]
    )
    NotebookClient(
        notebook, kernel_name="python3", resources={"metadata": {"path": folder}}
    ).execute()
    outputs = notebook.cells[-1].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    printed = ANSI.sub("", "".join(o.get("text", "") for o in outputs if o.output_type == "stream"))
    for kind, path in bad.items():
        assert f"{path}" in printed and WORDS[lang][kind] in printed, (kind, printed)
    table = next(o for o in outputs if o.output_type == "execute_result")["data"]["text/plain"]
    for name in ("valid_1_A.png", "portrait.jpg", "deep.png"):
        assert name in table
    assert ("primera" in table) == (lang == "es") and "missing.jpg" not in table


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory) -> Path:
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    path = tmp_path_factory.mktemp("models") / "04a_augmentation.keras"
    model.save(path)
    return path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_damaged_saved_model_says_to_run_lesson_04a_again(lang, saved_model, tmp_path: Path):
    assert require_saved_model(saved_model, lang=lang) == saved_model
    whole = saved_model.read_bytes()
    flipped = bytearray(whole)
    flipped[len(whole) // 3] ^= 0xFF
    for name, content in (("empty", b""), ("cut", whole[: len(whole) // 2]), ("flipped", flipped)):
        path = tmp_path / name / "04a_augmentation.keras"
        path.parent.mkdir()
        path.write_bytes(bytes(content))
        with pytest.raises(ModelDamagedError) as raised:
            require_saved_model(path, lang=lang)
        message = str(raised.value)
        assert (
            message.startswith({"es": "El modelo guardado", "en": "The saved model"}[lang])
            and {"es": "está dañado", "en": "is damaged"}[lang] in message
        ), message
        assert str(path) in message and "04a_augmentation.ipynb" in message


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_damaged_model_shows_only_its_message_in_a_kernel(lang, tmp_path: Path, monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    path = tmp_path / "04a_augmentation.keras"
    path.write_bytes(b"")
    folder = tmp_path / "notebooks" / lang
    folder.mkdir(parents=True)
    code = (
        "from course_utils.saved_models import require_saved_model\n"
        f"require_saved_model({str(path)!r})"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(
        notebook, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": folder}}
    ).execute()
    [error] = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    text = "\n".join(ANSI.sub("", line) for line in error.traceback)
    assert text.startswith({"es": "El modelo guardado", "en": "The saved model"}[lang]), text
    assert "Traceback" not in text and "File not found" not in text
