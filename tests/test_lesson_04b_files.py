"""Lesson 04b on real files: phone photos read upright, 16-bit images scaled, bad files named in
the lesson's language while the others keep their rows, and a damaged saved model; and the
figures its text quotes from its stored outputs."""

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


@pytest.mark.slow  # a real kernel: in make test, not in make test-quick
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


@pytest.mark.slow  # a real kernel: in make test, not in make test-quick
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


# --------------------------------------------------------------------------- the quoted figures


def stored_outputs(lang: str) -> dict[str, str]:
    """What each code cell of 04b printed or returned, as text."""
    notebook = read_notebook(find_course().notebooks / lang / "04b_new_images.ipynb")
    return {
        cell.get("id"): "".join(
            o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in cell.outputs
        )
        for cell in notebook.cells
        if cell.cell_type == "code"
    }


PERCENT = r"\d+[.,]\d+\u00a0?%"
THRESHOLD_ROW = re.compile(
    rf"^\d+\s+([\d.,]+)\s+(\d+) \(({PERCENT})\)\s+({PERCENT}|-)\s+(\d+)\s*$", re.M
)
TOP3_ROW = re.compile(rf"^\d+\s+(\S+)\s+([A-Z]) \(({PERCENT})\)\s+([A-Z]) \(({PERCENT})\)", re.M)


def stored_top3(lang: str) -> dict[str, tuple[str, str, str, str]]:
    """File name: first letter, its probability, second letter, its probability."""
    table = stored_outputs(lang)["all-images"]
    return {name: rest for name, *rest in TOP3_ROW.findall(table)}


def as_number(text: str) -> float:
    return float(text.replace("\u00a0", "").rstrip("%").replace(",", "."))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_threshold_paragraph_quotes_the_stored_threshold_table(lang: str):
    """The "not sure" count and share, the accuracy on the rest and the mistakes left at the
    threshold the lesson applies to its files, as the stored `threshold-valid` table gives them;
    and the mistakes at the lowest threshold, which turns no image away, and how many of the
    images turned away the model had got right."""
    outputs, text = stored_outputs(lang), lesson_cells(lang)
    rows = {row[0]: row[1:] for row in THRESHOLD_ROW.findall(outputs["threshold-valid"])}
    assert len(rows) == 4, outputs["threshold-valid"]
    [threshold] = re.findall(r"^THRESHOLD = ([\d.]+)$", text["threshold-files"], re.M)
    shown = threshold.replace(".", ",") if lang == "es" else threshold
    unsure, share, accuracy, mistakes = rows[shown]
    lowest, (unsure_low, _, _, mistakes_low) = next(iter(rows.items()))
    assert unsure_low == "0"  # the text says the lowest threshold turns no image away
    lesson_04a = read_notebook(find_course().notebooks / lang / "04a_augmentation.ipynb")
    [predictions] = [c for c in lesson_04a.cells if c.get("id") == "predictions"]
    wrong_04a = predictions.outputs[0]["data"]["text/plain"]
    assert mistakes_low == wrong_04a  # all the mistakes of 04a's model: "all 21 mistakes"
    right = int(unsure) - (int(mistakes_low) - int(mistakes))
    paragraph = text["threshold-files-intro"]
    quoted = {
        "es": [
            f"Con un umbral de {shown}, {unsure} de las imágenes de validación (el {share}) pasan",
            f"la exactitud con las demás es del {accuracy}.",
            f"bajan de {mistakes_low} a {mistakes}:",
            f"con {lowest} ninguna imagen pasa a «no estoy seguro» y quedan los {mistakes_low}",
            f"entre las {unsure} imágenes apartadas, junto con {right} imágenes que había acertado",
        ],
        "en": [
            f"With a threshold of {shown}, {unsure} of the validation images ({share}) become",
            f"the accuracy on the others is {accuracy}.",
            f"fall from {mistakes_low} to {mistakes}:",
            f'with {lowest} no image becomes "not sure" and all {mistakes_low} mistakes remain',
            f"among the {unsure} images turned away, along with {right} images it had got right",
        ],
    }
    for phrase in quoted[lang]:
        assert phrase in paragraph, phrase
    assert "TBD" not in paragraph and "\u27e6" not in paragraph


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_text_quotes_the_stored_probabilities_of_the_files_and_the_landscape(lang: str):
    """The landscape's two most probable letters with their probabilities, where the text names
    them; the files' lowest first probability ("at least"); the files that do not round to
    100.0%, with what they leave to their second letter; and what the threshold did to the
    landscape and the six files in the stored `threshold-files` output."""
    top3, text = stored_top3(lang), lesson_cells(lang)
    landscape = top3.pop("not_a_hand.png")
    assert len(top3) == 6 and all(first == name[8] for name, (first, *_) in top3.items())
    first, p_first, second, p_second = landscape
    named = {
        "es": [f"la {first} con un {p_first}", f"la {second} con un {p_second}"],
        "en": [f"{first} with {p_first}", f"{second} with {p_second}"],
    }[lang]
    assert all(phrase in text["not-a-hand"] for phrase in named), named
    for cell_id in ("threshold-intro", "threshold-discussion", "next-steps"):
        assert p_first in text[cell_id], cell_id
    lowest = min((row[1] for row in top3.values()), key=as_number)
    at_least = {"es": f"al menos un {lowest}", "en": f"at least {lowest}"}[lang]
    assert at_least in text["threshold-intro"]
    assert lowest in text["not-a-hand"]
    below = [row for row in top3.values() if as_number(row[1]) < 99.95]
    numbers = (
        "cero uno dos tres cuatro cinco seis"
        if lang == "es"
        else "zero one two three four five six"
    )
    word = numbers.split(" ")[6 - len(below)]
    rounded = {"es": f"{word} reciben un 100,0\u00a0%", "en": f"{word} of them get 100.0%"}[lang]
    assert rounded in text["all-discussion"]
    for _, p1, _, p2 in below:
        assert p1 in text["all-discussion"] and p2 in text["all-discussion"]
    kept = re.findall(r"\('(\S+)', '(\S)'\)", stored_outputs(lang)["threshold-files"])
    assert all(got == name[8] for name, got in kept if name.startswith("valid_"))
    assert {
        "es": "Los seis archivos conservan sus letras",
        "en": "The six files keep their letters",
    }[lang] in text["threshold-discussion"]
    landscape_kept = dict(kept)["not_a_hand.png"]
    if landscape_kept == "?":
        pytest.fail("the landscape became 'not sure': the threshold discussion must say so")
    assert landscape_kept == first
    [threshold] = re.findall(r"^THRESHOLD = ([\d.]+)$", text["threshold-files"], re.M)
    assert as_number(p_first) >= 100 * float(threshold) + 5  # "well above the threshold"
    kept_words = {
        "es": f"y también el paisaje: con un {p_first}, queda muy por encima del umbral"
        f" y conserva su {first}",
        "en": f"and so does the landscape: at {p_first}, it is well above the threshold"
        f" and keeps its {first}",
    }
    assert kept_words[lang] in text["threshold-discussion"]
