"""Image files for lesson 04b: validation images dressed up as photos, one that is no hand,
and reading any image file the way a phone shows it.

The model of lesson 04a has never trained on the validation images, so files made from them
are new images with a known letter. ``save_photo_like`` makes one look like a photo file:
larger, in colour, not square, with some noise, as PNG or JPEG. ``read_image`` reads a file
upright and with 8 bits per channel, or says in the notebook's language why it cannot.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from course_utils.errors import LessonError
from course_utils.i18n import pick

SKIN_TINT = (1.0, 0.84, 0.7)  # red, green and blue factors: a warm, skin-like colour


def save_photo_like(
    pixels: np.ndarray,
    path: str | os.PathLike[str],
    side: int = 360,
    seed: int = 0,
) -> Path:
    """Save a 28x28 greyscale image (values 0-255, flat or not) as a photo-like colour file.

    The image is enlarged to ``side`` x ``side`` pixels (bicubic), tinted, widened to a 4:3
    landscape frame by repeating its left and right edges, and given a little Gaussian noise
    (seeded). The format follows the file's extension (.png, .jpg). Returns the path.
    """
    grey = Image.fromarray(np.asarray(pixels, dtype=np.uint8).reshape(28, 28))
    large = np.asarray(grey.resize((side, side), Image.Resampling.BICUBIC), dtype=np.float64)
    margin = (side * 4 // 3 - side) // 2
    wide = np.pad(large, ((0, 0), (margin, margin)), mode="edge")
    colour = wide[:, :, None] * np.array(SKIN_TINT)
    colour += np.random.default_rng(seed).normal(0, 6, colour.shape)
    return _save(colour, path)


def save_not_a_hand(path: str | os.PathLike[str], size: tuple[int, int] = (480, 360)) -> Path:
    """Save a drawing with no hand in it: a sky, a yellow sun and green hills.

    ``size`` is (width, height). Returns the path.
    """
    width, height = size
    y, x = np.mgrid[0:height, 0:width] / height
    picture = np.empty((height, width, 3))
    picture[:] = np.stack([120 + 80 * y, 170 + 50 * y, 255 - 20 * y], axis=-1)
    sun = (x - 0.95) ** 2 + (y - 0.3) ** 2 < 0.15**2
    picture[sun] = (250, 215, 60)
    hills = y > 0.7 + 0.08 * np.sin(6 * x)
    picture[hills] = (60, 150, 70)
    return _save(picture, path)


def _save(picture: np.ndarray, path: str | os.PathLike[str]) -> Path:
    path = Path(path)
    image = Image.fromarray(np.clip(picture, 0, 255).round().astype(np.uint8))
    if path.suffix.lower() in (".jpg", ".jpeg"):
        image.save(path, quality=90)
    else:
        image.save(path)
    return path


# --------------------------------------------------------------------------- reading any file

HEIC_SUFFIXES = (".heic", ".heif")
HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


class ImageFileError(LessonError):
    """An image file the lesson cannot read; the message names it and says what to do."""


def photo_paths(photos: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """``MY_PHOTOS`` as a list of paths: one text or path is one photo, not a list of letters."""
    if isinstance(photos, (str, os.PathLike)):
        return [Path(photos)]
    return [Path(photo) for photo in photos]


def read_image(path: str | os.PathLike[str], lang: str | None = None) -> Image.Image:
    """The picture in the file at ``path``, upright and with 8 bits per channel (mode "L" or
    "RGB"), as it would be shown on a phone's screen.

    Phones store a photo as the sensor saw it and record in its EXIF data how to turn it;
    ``ImageOps.exif_transpose`` applies that turn. A 16-bit greyscale image (0-65,535) is scaled
    to 0-255. A file that is missing, a folder, empty, damaged, not an image, a HEIC photo or
    too large to read safely raises ImageFileError, in the notebook's language, naming it.
    """
    path = Path(path)
    _check_path(path, lang)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageFileError(say(TOO_LARGE, lang, name=path)) from None
    except (OSError, SyntaxError, ValueError) as error:  # UnidentifiedImageError is an OSError
        raise ImageFileError(_unreadable(path, error, lang)) from None
    return _eight_bits(image)


def _check_path(path: Path, lang: str | None) -> None:
    """Raise ImageFileError when ``path`` is not a file with something in it."""
    if path.is_dir():
        raise ImageFileError(say(FOLDER, lang, name=path))
    if not path.is_file():
        raise ImageFileError(say(MISSING, lang, name=path, folder=Path.cwd()))
    if path.stat().st_size == 0:
        raise ImageFileError(say(EMPTY, lang, name=path))


def _unreadable(path: Path, error: Exception, lang: str | None) -> str:
    """The message for a file Pillow could not read: a HEIC photo, or a damaged or other file."""
    with path.open("rb") as file:
        head = file.read(12)
    if path.suffix.lower() in HEIC_SUFFIXES or (head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS):
        return say(HEIC, lang, name=path)
    if isinstance(error, Image.UnidentifiedImageError):
        return say(NOT_AN_IMAGE, lang, name=path)
    return say(DAMAGED, lang, name=path)


def _eight_bits(image: Image.Image) -> Image.Image:
    """``image`` as mode "L" or "RGB": 16- and 32-bit greyscale scaled from 0-65,535 to 0-255."""
    if image.mode == "L" or image.mode == "RGB":
        return image
    if image.mode.startswith("I"):
        values = np.asarray(image, dtype=np.float64) / 257
        return Image.fromarray(np.clip(values, 0, 255).round().astype(np.uint8))
    if image.mode == "F":
        return Image.fromarray(np.clip(np.asarray(image), 0, 255).round().astype(np.uint8))
    return image.convert("RGB")


Text = dict[str, str]


def say(text: Text, lang: str | None, **values: object) -> str:
    """``text`` in the notebook's language, with ``values`` filled in."""
    return pick(lang, es=text["es"], en=text["en"]).format(**values)


MISSING: Text = {
    "es": (
        "No encuentro el archivo {name}. Revisa la ruta: las rutas relativas parten de la "
        "carpeta del cuaderno ({folder})."
    ),
    "en": (
        "Cannot find the file {name}. Check the path: relative paths start from the notebook's "
        "folder ({folder})."
    ),
}
FOLDER: Text = {
    "es": "{name} es una carpeta, no un archivo de imagen: pon en la lista cada foto que contiene.",
    "en": "{name} is a folder, not an image file: list each photo inside it instead.",
}
EMPTY: Text = {
    "es": "El archivo {name} está vacío (0 bytes): vuelve a copiar la foto.",
    "en": "The file {name} is empty (0 bytes): copy the photo again.",
}
NOT_AN_IMAGE: Text = {
    "es": (
        "El archivo {name} no es una imagen que se pueda leer: guárdalo como JPEG o PNG, o "
        "quítalo de la lista."
    ),
    "en": (
        "The file {name} is not an image that can be read: save it as JPEG or PNG, or take it "
        "off the list."
    ),
}
DAMAGED: Text = {
    "es": "El archivo {name} está dañado o incompleto: vuelve a copiar la foto.",
    "en": "The file {name} is damaged or incomplete: copy the photo again.",
}
HEIC: Text = {
    "es": (
        "El archivo {name} es una foto HEIC (el formato de los iPhone), que la lección no sabe "
        "leer. Conviértela a JPEG: ábrela y expórtala como JPEG, o compártela por correo, que "
        "suele enviarla en JPEG; para que el iPhone haga las próximas en JPEG, elige Ajustes → "
        "Cámara → Formatos → Más compatible."
    ),
    "en": (
        "The file {name} is a HEIC photo (the iPhone's format), which the lesson cannot read. "
        "Convert it to JPEG: open it and export it as JPEG, or send it by e-mail, which usually "
        "sends it as JPEG; to make the iPhone take the next ones as JPEG, choose Settings → "
        "Camera → Formats → Most Compatible."
    ),
}
TOO_LARGE: Text = {
    "es": (
        "La imagen {name} tiene demasiados píxeles para leerla sin riesgo (más de 89 millones). "
        "Redúcela antes, por ejemplo a 2000 píxeles de lado, con cualquier editor de fotos."
    ),
    "en": (
        "The image {name} has too many pixels to be read safely (over 89 million). Shrink it "
        "first, for example to 2,000 pixels per side, with any photo editor."
    ),
}
