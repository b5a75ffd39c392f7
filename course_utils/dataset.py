"""The Sign Language MNIST files: checksums, the course's label scheme, preparation, loading.

Kaggle labels the 24 static letters 0-24 and skips 9 (J, which needs motion). The course
shifts labels 10-24 down by one so that they run 0-23 and ``to_categorical(y, 24)`` works.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from course_utils.files import stage
from course_utils.i18n import pick

LETTERS = "ABCDEFGHIKLMNOPQRSTUVWXY"
NUM_CLASSES = len(LETTERS)
HEADER = "label," + ",".join(f"pixel{i}" for i in range(1, 785))

COURSE_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = COURSE_ROOT / "datasets" / "asl_data"
FETCH_COMMAND = "python -m course_utils fetch-data"


@dataclass(frozen=True)
class Split:
    """One of the two files: Kaggle's original and the course's prepared copy."""

    original_name: str
    prepared_name: str
    rows: int
    sha256_crlf: str
    sha256_lf: str
    prepared_sha256: str

    @property
    def accepted_sha256(self) -> tuple[str, str]:
        return (self.sha256_crlf, self.sha256_lf)


TRAIN = Split(
    original_name="sign_mnist_train.csv",
    prepared_name="sign_mnist_train.csv",
    rows=27455,
    sha256_crlf="4c2897f19fab2b0ae2a7e4fa82e969043315d9f3a1a9cc0948b576bf1189a7e5",
    sha256_lf="b7ff39ad5f1210fa765ce11aa5f20c2e97fe467ffc22231aac923c863eef75c4",
    prepared_sha256="10f899da0a61640fb4a86acb469045f655cb77f0c68f96ff325aaa2c27ca8eb9",
)
VALID = Split(
    original_name="sign_mnist_test.csv",
    prepared_name="sign_mnist_valid.csv",
    rows=7172,
    sha256_crlf="0e9d67bae23e67f40728e0b63bf15ad4bd5175947b8a9fac5dd9f17ce133c47b",
    sha256_lf="178c0dd21c4b0e86d58df12f14ea1e9efa795ad19d146802b3b28094a16d56ae",
    prepared_sha256="78215ff6597d4052c3875bf74105e17291d431c66addc9b01f066fb62662b67d",
)
SPLITS = (TRAIN, VALID)


class DataError(Exception):
    """A problem with the data that the user can fix; the message says how."""


class DatasetNotFoundError(DataError, FileNotFoundError):
    """The prepared files are missing or are not the course's files."""


def course_label(kaggle_label: int) -> int:
    """Map a Kaggle label (0-24 without 9) to the course's label (0-23)."""
    if kaggle_label == 9 or not 0 <= kaggle_label <= 24:
        raise ValueError(f"Kaggle label {kaggle_label} does not exist (valid: 0-8 and 10-24).")
    return kaggle_label - 1 if kaggle_label > 9 else kaggle_label


def letter(label: int) -> str:
    """The letter of a course label, e.g. ``letter(3) == "D"`` and ``letter(23) == "Y"``."""
    if not 0 <= label < NUM_CLASSES:
        raise ValueError(f"Label {label} is outside 0-{NUM_CLASSES - 1}.")
    return LETTERS[label]


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def verify_original(content: bytes, split: Split, origin: str) -> None:
    """Raise DataError unless ``content`` is Kaggle's original file (CRLF or LF endings)."""
    digest = sha256(content)
    if digest not in split.accepted_sha256:
        raise DataError(
            f"{origin}: this is not the original {split.original_name} (its sha256 is "
            f"{digest}, expected {split.sha256_crlf}, or {split.sha256_lf} for the copy with "
            "LF line endings). The file is modified, truncated or from another dataset. "
            "Download the dataset again from "
            "https://www.kaggle.com/datasets/datamunge/sign-language-mnist and point "
            "--source (or ASL_DATA_SOURCE) at the new copy."
        )


def to_course_format(content: bytes) -> bytes:
    """Rewrite a verified Kaggle CSV with course labels 0-23 and LF line endings."""
    lines = content.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
    out = [lines[0]]
    for row in lines[1:]:
        label, pixels = row.split(b",", 1)
        out.append(b"%d,%s" % (course_label(int(label)), pixels))
    return b"\n".join(out) + b"\n"


def is_prepared(data_dir: Path) -> bool:
    """True when both prepared files are present in ``data_dir`` with the expected content."""
    for split in SPLITS:
        path = data_dir / split.prepared_name
        try:
            if not path.is_file() or sha256(path.read_bytes()) != split.prepared_sha256:
                return False
        except OSError:  # unreadable: not usable as prepared data (the caller says why)
            return False
    return True


def ensure_writable(dest: Path) -> None:
    """Create ``dest`` if needed and check that files can be written in it."""
    try:
        dest.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=dest):
            pass
    except OSError as exc:
        raise _unwritable(dest, exc) from exc


def write_prepared(originals: Mapping[Split, bytes], dest: Path) -> list[Path]:
    """Convert verified originals and write them into ``dest``, each file atomically.

    Every file is first written in full to a temporary file beside its target; the targets
    are replaced only once all of them are complete, so a failure or an interruption leaves
    the previous files (or none) and no partial file behind.
    """
    ensure_writable(dest)
    staged: list[tuple[Path, Path]] = []
    try:
        for split, content in originals.items():
            converted = to_course_format(content)
            if sha256(converted) != split.prepared_sha256:
                raise DataError(
                    f"Converting {split.original_name} gave unexpected content; "
                    "please report this as a bug in course_utils."
                )
            target = dest / split.prepared_name
            staged.append((stage(target, converted), target))
        for temporary, target in staged:
            os.replace(temporary, target)
    except OSError as exc:
        raise _unwritable(dest, exc) from exc
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
    return [target for _, target in staged]


def _unwritable(dest: Path, exc: OSError) -> DataError:
    reason = exc.strerror or str(exc)
    return DataError(
        f"Cannot write the prepared data to {dest}: {reason}. Choose a folder you can write to "
        f"with --dest, or fix the folder's permissions, then run `{FETCH_COMMAND}` again."
    )


def locate_dataset(data_dir: str | os.PathLike[str], lang: str | None = None) -> Path:
    """Return ``data_dir`` as a Path once both prepared CSV files are found in it.

    Raises DatasetNotFoundError, in the notebook's language, with the command that fixes it.
    """
    folder = Path(data_dir)
    missing = [s.prepared_name for s in SPLITS if not (folder / s.prepared_name).is_file()]
    if missing:
        raise DatasetNotFoundError(
            pick(
                lang,
                es=(
                    f"No encuentro {' ni '.join(missing)} en la carpeta {folder}. "
                    "Prepara los datos (basta con hacerlo una vez) con este comando, desde la "
                    f"carpeta principal del curso: {FETCH_COMMAND} (o bien: make data)"
                ),
                en=(
                    f"Cannot find {' and '.join(missing)} in the folder {folder}. "
                    "To prepare the data (you only need to do this once), run this command "
                    f"from the course's main folder: {FETCH_COMMAND} (or: make data)"
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
