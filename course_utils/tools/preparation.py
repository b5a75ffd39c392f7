"""Preparing the course's data: Kaggle's original CSVs, checked, converted and written safely.

Kaggle labels the 24 static letters 0-24 and skips 9 (J, which needs motion). The course
shifts labels 10-24 down by one so that they run 0-23 and ``to_categorical(y, 24)`` works.
Next to the prepared files, ``provenance.json`` records where the originals came from, so
that the tests (and anyone curious) can find them again without any setting.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from course_utils.data import (
    FETCH_COMMAND,
    PREPARED_SHA256,
    TRAIN_FILE,
    VALID_FILE,
    DataError,
    sha256_of,
)
from course_utils.tools.files import stage, write_atomically

PROVENANCE_FILE = "provenance.json"
SOURCE_ENV = "ASL_DATA_SOURCE"  # a local copy of the originals (see sources.fetch_data)
KAGGLE_HANDLE = "datamunge/sign-language-mnist"
KAGGLE_PAGE = f"https://www.kaggle.com/datasets/{KAGGLE_HANDLE}"


@dataclass(frozen=True)
class Split:
    """One of the two files: Kaggle's original and the course's prepared copy."""

    original_name: str
    prepared_name: str
    rows: int
    sha256_crlf: str
    sha256_lf: str

    @property
    def prepared_sha256(self) -> str:
        return PREPARED_SHA256[self.prepared_name]

    @property
    def accepted_sha256(self) -> tuple[str, str]:
        return (self.sha256_crlf, self.sha256_lf)


TRAIN = Split(
    original_name="sign_mnist_train.csv",
    prepared_name=TRAIN_FILE,
    rows=27455,
    sha256_crlf="4c2897f19fab2b0ae2a7e4fa82e969043315d9f3a1a9cc0948b576bf1189a7e5",
    sha256_lf="b7ff39ad5f1210fa765ce11aa5f20c2e97fe467ffc22231aac923c863eef75c4",
)
VALID = Split(
    original_name="sign_mnist_test.csv",
    prepared_name=VALID_FILE,
    rows=7172,
    sha256_crlf="0e9d67bae23e67f40728e0b63bf15ad4bd5175947b8a9fac5dd9f17ce133c47b",
    sha256_lf="178c0dd21c4b0e86d58df12f14ea1e9efa795ad19d146802b3b28094a16d56ae",
)
SPLITS = (TRAIN, VALID)


def course_label(kaggle_label: int) -> int:
    """Map a Kaggle label (0-24 without 9) to the course's label (0-23)."""
    if kaggle_label == 9 or not 0 <= kaggle_label <= 24:
        raise ValueError(f"Kaggle label {kaggle_label} does not exist (valid: 0-8 and 10-24).")
    return kaggle_label - 1 if kaggle_label > 9 else kaggle_label


def verify_original(content: bytes, split: Split, origin: str) -> None:
    """Raise DataError unless ``content`` is Kaggle's original file (CRLF or LF endings)."""
    digest = hashlib.sha256(content).hexdigest()
    if digest not in split.accepted_sha256:
        raise DataError(
            f"{origin}: this is not the original {split.original_name} (its sha256 is "
            f"{digest}, expected {split.sha256_crlf}, or {split.sha256_lf} for the copy with "
            "LF line endings). The file is modified, truncated or from another dataset. "
            f"Download the dataset again from {KAGGLE_PAGE} and point --source (or {SOURCE_ENV}) "
            "at the new copy."
        )


def to_course_format(content: bytes) -> bytes:
    """Rewrite a verified Kaggle CSV with course labels 0-23 and LF line endings."""
    lines = content.replace(b"\r\n", b"\n").rstrip(b"\n").split(b"\n")
    out = [lines[0]]
    for row in lines[1:]:
        label, pixels = row.split(b",", 1)
        out.append(b"%d,%s" % (course_label(int(label)), pixels))
    return b"\n".join(out) + b"\n"


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
            target = dest / split.prepared_name
            staged.append((stage(target, to_course_format(content)), target))
            if sha256_of(staged[-1][0]) != split.prepared_sha256:  # what is on disk
                raise DataError(
                    f"Converting {split.original_name} gave unexpected content; "
                    "please report this as a bug in course_utils."
                )
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


def write_provenance(dest: Path, origin: str, originals: Path) -> Path:
    """Record, beside the prepared files, where their verified originals can be read again."""
    path = dest / PROVENANCE_FILE
    record = {"origin": origin, "originals": str(originals.resolve())}
    write_atomically(path, (json.dumps(record, indent=2) + "\n").encode("utf-8"))
    return path


def originals_location(data_dir: Path) -> Path | None:
    """The folder or archive that ``data_dir``'s files were prepared from, if still there."""
    try:
        record = json.loads((data_dir / PROVENANCE_FILE).read_text(encoding="utf-8"))
        location = Path(record["originals"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return location if location.exists() else None
