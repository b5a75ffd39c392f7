"""The lessons' data: the letters behind the labels, and finding the prepared CSV files.

The course's labels run 0-23, one per static letter of the ASL alphabet (J and Z need motion
and are absent). ``python -m course_utils fetch-data`` prepares the two files from Kaggle's
originals; datasets/README.md says how the labels were shifted.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from course_utils.errors import LessonError
from course_utils.i18n import pick

LETTERS = "ABCDEFGHIKLMNOPQRSTUVWXY"
NUM_CLASSES = len(LETTERS)
FETCH_COMMAND = "python -m course_utils fetch-data"
TRAIN_FILE = "sign_mnist_train.csv"
VALID_FILE = "sign_mnist_valid.csv"
# The sha256 of each prepared file: anything else is not the course's data.
PREPARED_SHA256 = {
    TRAIN_FILE: "10f899da0a61640fb4a86acb469045f655cb77f0c68f96ff325aaa2c27ca8eb9",
    VALID_FILE: "78215ff6597d4052c3875bf74105e17291d431c66addc9b01f066fb62662b67d",
}


class DataError(LessonError):
    """A problem with the data that the user can fix; the message says how."""


class DatasetNotFoundError(DataError, FileNotFoundError):
    """The prepared files are missing or are not the course's files."""


def letter(label: int) -> str:
    """The letter of a course label, e.g. ``letter(3) == "D"`` and ``letter(23) == "Y"``."""
    if not 0 <= label < NUM_CLASSES:
        raise ValueError(f"Label {label} is outside 0-{NUM_CLASSES - 1}.")
    return LETTERS[label]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_prepared(data_dir: Path) -> bool:
    """True when both prepared files are in ``data_dir`` with the expected content."""
    for name, expected in PREPARED_SHA256.items():
        path = data_dir / name
        try:
            if not path.is_file() or sha256_of(path) != expected:
                return False
        except OSError:  # unreadable: not usable as prepared data (the caller says why)
            return False
    return True


def locate_dataset(data_dir: str | os.PathLike[str], lang: str | None = None) -> Path:
    """Return ``data_dir`` as a Path once both prepared CSV files are found in it.

    Raises DatasetNotFoundError, in the notebook's language, with the command that fixes it.
    """
    folder = Path(data_dir)
    missing = [name for name in PREPARED_SHA256 if not (folder / name).is_file()]
    if missing:
        raise DatasetNotFoundError(
            pick(
                lang,
                es=(
                    f"No encuentro {' ni '.join(missing)} en la carpeta {folder}. "
                    "Prepara los datos (basta con hacerlo una vez) con este comando, desde la "
                    f"carpeta principal del curso: {FETCH_COMMAND}"
                ),
                en=(
                    f"Cannot find {' and '.join(missing)} in the folder {folder}. "
                    "To prepare the data (you only need to do this once), run this command "
                    f"from the course's main folder: {FETCH_COMMAND}"
                ),
            )
        )
    if not is_prepared(folder):
        raise DatasetNotFoundError(
            pick(
                lang,
                es=(
                    f"Los archivos de {folder} no son los que prepara el curso (quizá se "
                    f"copiaron a mano desde Kaggle o están incompletos). Vuelve a prepararlos "
                    f"con este comando, desde la carpeta principal del curso: {FETCH_COMMAND}"
                ),
                en=(
                    f"The files in {folder} are not the ones the course prepares (perhaps "
                    f"they were copied from Kaggle by hand, or are incomplete). Prepare them "
                    f"again with this command, run from the course's main folder: {FETCH_COMMAND}"
                ),
            )
        )
    return folder
