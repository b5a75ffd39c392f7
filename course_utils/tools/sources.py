"""Where the original Kaggle CSV files come from: a local copy, Kaggle, or pinned mirrors.

``fetch_data`` tries, in order: the local source given as an argument or in
``ASL_DATA_SOURCE``; Kaggle through kagglehub; the mirrors, downloaded with pooch and checked
by hash. Everything is verified before anything is written.
"""

from __future__ import annotations

import gzip
import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from course_utils.data import DataError, is_prepared
from course_utils.tools.files import remove_stale_parts
from course_utils.tools.preparation import (
    KAGGLE_HANDLE,
    KAGGLE_PAGE,
    SOURCE_ENV,
    SPLITS,
    Split,
    ensure_writable,
    verify_original,
    write_prepared,
    write_provenance,
)

MIRRORS_ENV = "ASL_DATA_MIRRORS"
# Each mirror is a URL template in which {name} stands for the original file name.
MIRRORS = (
    "https://raw.githubusercontent.com/lindseyeggleston/sign_mnist/"
    "d5ec7ce6313c671a968e2fd5854281ddd2abd34f/data/{name}",
    "https://raw.githubusercontent.com/16snathan/18794-final-project/"
    "1143857e16004ead4ee57a3e50b80b09ee39caa8/{name}",
)


@dataclass(frozen=True)
class FetchResult:
    """What ``fetch_data`` did: the prepared files, and where the data came from."""

    files: list[Path]
    origin: str
    already_prepared: bool


def fetch_data(
    *,
    dest: Path,
    source: str | os.PathLike[str] | None = None,
    mirrors: Sequence[str] | None = None,
    use_kaggle: bool = True,
    download_dir: Path | None = None,
) -> FetchResult:
    """Prepare the course's two CSV files in ``dest``, caching downloads in ``download_dir``
    (by default a ``downloads`` folder beside ``dest``, as in the course's layout).

    Does nothing when they are already there and intact. Raises DataError with a message
    that names the file at fault and the fix.
    """
    dest_dir = Path(dest)
    files = [dest_dir / split.prepared_name for split in SPLITS]
    remove_stale_parts(dest_dir)
    if is_prepared(dest_dir):
        return FetchResult(files, str(dest_dir), already_prepared=True)

    download_dir = download_dir or dest_dir.parent / "downloads"
    # Deepest first, the cache's before the destination's: they may share new parents.
    created = _missing_folders(download_dir) + _missing_folders(dest_dir)
    try:
        ensure_writable(dest_dir)
        source = source if source is not None else os.environ.get(SOURCE_ENV) or None
        if source is not None:
            location = _local_path(str(source))
            originals, origin = read_local_source(location), str(source)
        else:
            originals, origin, location = _download(
                mirrors if mirrors is not None else _mirrors_from_env(), use_kaggle, download_dir
            )
        write_prepared(originals, dest_dir)
        write_provenance(dest_dir, origin, location)
    except BaseException:
        _remove_empty(created)  # a failed run leaves no new, empty folder behind
        raise
    return FetchResult(files, origin, already_prepared=False)


def _local_path(source: str) -> Path:
    """``source`` as a local path; a URL gets a message saying where URLs belong."""
    if "://" in source:
        raise DataError(
            f"{source} is a URL, but --source and {SOURCE_ENV} take a local folder or .zip "
            f"file. To download from a server of your own, put a URL template in {MIRRORS_ENV} "
            f"instead, with {{name}} where the file name goes, for example: "
            f"{MIRRORS_ENV}='{source.rstrip('/')}/{{name}}'"
        )
    return Path(source).expanduser()


def _missing_folders(folder: Path) -> list[Path]:
    """The folders, deepest first, that creating ``folder`` would create."""
    missing = []
    for candidate in (folder, *folder.parents):
        try:
            if candidate.exists():
                break
        except OSError:
            break
        missing.append(candidate)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    """Remove each of ``folders`` that exists and is empty, in the order given."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:  # not empty (or never created): kept
            continue


def read_local_source(path: Path) -> dict[Split, bytes]:
    """Read and verify both originals from a folder (plain or .gz files) or Kaggle's .zip."""
    try:
        originals = _read_source(path)
    except OSError as exc:
        raise DataError(
            f"Cannot read {exc.filename or path}: {exc.strerror or exc}. Make the data source "
            f"readable, or copy it to a folder of yours and point --source (or {SOURCE_ENV}) "
            "there."
        ) from exc
    for split, (content, origin) in originals.items():
        verify_original(content, split, origin)
    return {split: content for split, (content, _) in originals.items()}


def _read_source(path: Path) -> dict[Split, tuple[bytes, str]]:
    if not path.exists():
        raise DataError(
            f"The data source {path} does not exist. Give --source (or {SOURCE_ENV}) the "
            "folder that holds sign_mnist_train.csv and sign_mnist_test.csv (plain or .gz), "
            f"or the .zip archive downloaded from {KAGGLE_PAGE}."
        )
    if path.is_dir():
        return {split: _read_file(_find_in_folder(path, split)) for split in SPLITS}
    if zipfile.is_zipfile(path):
        return _read_zip(path)
    if path.suffix.lower() == ".zip":
        raise DataError(
            f"The archive {path} is damaged or incomplete (it cannot be read as a .zip file); "
            f"it was probably cut off while downloading. Download it again from {KAGGLE_PAGE}."
        )
    raise DataError(
        f"{path} is neither a folder nor a .zip archive. Give --source (or {SOURCE_ENV}) "
        "the folder that holds sign_mnist_train.csv and sign_mnist_test.csv, or Kaggle's "
        ".zip archive."
    )


def _find_in_folder(folder: Path, split: Split) -> Path:
    names = (split.original_name, split.original_name + ".gz")
    for candidate_dir in (folder, *sorted(p for p in folder.iterdir() if p.is_dir())):
        for name in names:
            if (candidate_dir / name).is_file():
                return candidate_dir / name
    raise DataError(
        f"{folder} holds no {split.original_name} (nor {split.original_name}.gz), neither "
        f"directly nor one folder down. Point --source (or {SOURCE_ENV}) at the folder where "
        f"Kaggle's files were unpacked, or at the .zip archive from {KAGGLE_PAGE}."
    )


def _read_file(path: Path) -> tuple[bytes, str]:
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as handle:
                return handle.read(), str(path)
        return path.read_bytes(), str(path)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise DataError(
            f"{path} is not a complete gzip file ({exc}); it was probably cut off while "
            "copying or downloading. Copy or download it again."
        ) from exc
    except OSError as exc:
        raise DataError(f"Cannot read {path}: {exc.strerror or exc}.") from exc


def _read_zip(path: Path) -> dict[Split, tuple[bytes, str]]:
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted(archive.namelist(), key=lambda name: name.count("/"))
            found: dict[Split, tuple[bytes, str]] = {}
            for split in SPLITS:
                member = next(
                    (m for m in members if m.rsplit("/", 1)[-1] == split.original_name), None
                )
                if member is None:
                    raise DataError(
                        f"The archive {path} does not contain {split.original_name}. Use the "
                        f"archive that the Download button of {KAGGLE_PAGE} gives, or the "
                        "folder where its files were unpacked."
                    )
                found[split] = (archive.read(member), f"{path}:{member}")
            return found
    except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
        raise DataError(
            f"The archive {path} is damaged ({exc}). Download it again from {KAGGLE_PAGE}."
        ) from exc


def _mirrors_from_env() -> Sequence[str]:
    configured = os.environ.get(MIRRORS_ENV, "").split()
    return configured or MIRRORS


def _download(
    mirrors: Sequence[str], use_kaggle: bool, download_dir: Path
) -> tuple[dict[Split, bytes], str, Path]:
    """The verified originals, where they came from, and where they now lie on disk."""
    failures: list[str] = []
    if use_kaggle:
        try:
            folder = _from_kaggle()
            return read_local_source(folder), f"Kaggle ({KAGGLE_HANDLE})", folder
        except Exception as exc:  # kagglehub raises many types for network and API errors
            failures.append(f"Kaggle ({KAGGLE_HANDLE}): {_short(exc)}")
    for template in mirrors:
        try:
            return _from_mirror(template, download_dir), template, download_dir
        except Exception as exc:  # pooch raises requests' errors and ValueError on a bad hash
            failures.append(f"{template}: {_short(exc)}")
    tried = "\n  - ".join(failures) or "(no source configured)"
    raise DataError(
        "Could not get the dataset: no local source was given and every download failed:\n"
        f"  - {tried}\n"
        f"Without network, download the archive from {KAGGLE_PAGE} on another machine, "
        "copy it here and run: python -m course_utils fetch-data --source path/to/archive.zip"
    )


def _from_kaggle() -> Path:
    """The folder where kagglehub keeps its copy of the dataset (downloaded if needed)."""
    import kagglehub

    return Path(kagglehub.dataset_download(KAGGLE_HANDLE))


def _from_mirror(template: str, download_dir: Path) -> dict[Split, bytes]:
    import pooch

    originals: dict[Split, bytes] = {}
    for split in SPLITS:
        path = pooch.retrieve(
            template.format(name=split.original_name),
            known_hash=f"sha256:{split.sha256_crlf}",
            fname=split.original_name,
            path=download_dir,
            progressbar=True,
        )
        content = Path(path).read_bytes()
        verify_original(content, split, path)
        originals[split] = content
    return originals


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
