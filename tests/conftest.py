"""Shared fixtures: Kaggle's real Sign Language MNIST files, laid out as every kind of source.

Everything is built once per session from the originals that ``python -m course_utils
fetch-data`` (``make data``, which ``make test`` runs first) obtained: a local copy, Kaggle's
cache or the mirrors' download cache, as ``datasets/asl_data/provenance.json`` records. No
environment variable is read. The fixtures must be treated as read-only by the tests: copy
before modifying. Nothing here touches the network.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import os
import shutil
import socket
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from course_utils.layout import Course, find_course
from course_utils.tools.preparation import PROVENANCE_FILE, SPLITS, originals_location
from course_utils.tools.sources import MIRRORS_ENV, SOURCE_ENV, read_local_source

COURSE = find_course(Path(__file__).parent)

SPLIT_NAMES = ("train", "test")
ORIGINAL_NAME = {"train": "sign_mnist_train.csv", "test": "sign_mnist_test.csv"}
PREPARED_NAME = {"train": "sign_mnist_train.csv", "test": "sign_mnist_valid.csv"}
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
NO_PROXY_VARS = ("NO_PROXY", "no_proxy")


@dataclass(frozen=True)
class KaggleFacts:
    """What SOURCES.md (in the shared data folder) states about the original files."""

    sha256: dict[str, str]
    rows: dict[str, int]
    label_counts: dict[str, dict[int, int]]
    first_row_start: dict[str, bytes]
    header: bytes = b"label," + b",".join(b"pixel%d" % i for i in range(1, 785))


def _counts(text: str) -> dict[int, int]:
    return {int(k): int(v) for k, v in (pair.split(":") for pair in text.split())}


FACTS = KaggleFacts(
    sha256={
        "train": "4c2897f19fab2b0ae2a7e4fa82e969043315d9f3a1a9cc0948b576bf1189a7e5",
        "test": "0e9d67bae23e67f40728e0b63bf15ad4bd5175947b8a9fac5dd9f17ce133c47b",
    },
    rows={"train": 27455, "test": 7172},
    label_counts={
        "train": _counts(
            "0:1126 1:1010 2:1144 3:1196 4:957 5:1204 6:1090 7:1013 8:1162 10:1114 11:1241 "
            "12:1055 13:1151 14:1196 15:1088 16:1279 17:1294 18:1199 19:1186 20:1161 21:1082 "
            "22:1225 23:1164 24:1118"
        ),
        "test": _counts(
            "0:331 1:432 2:310 3:245 4:498 5:247 6:348 7:436 8:288 10:331 11:209 12:394 13:291 "
            "14:246 15:347 16:164 17:144 18:246 19:248 20:266 21:346 22:206 23:267 24:332"
        ),
    },
    first_row_start={"train": b"3,107,118,127,134,", "test": b"6,149,149,150,150,"},
)


@pytest.fixture(scope="session")
def kaggle_facts() -> KaggleFacts:
    return FACTS


# --------------------------------------------------------------------------- the originals


@pytest.fixture(scope="session")
def course() -> Course:
    """The course these tests belong to."""
    return COURSE


@pytest.fixture(scope="session")
def originals_source() -> Path:
    """The folder or archive that ``fetch-data`` prepared the course's data from."""
    location = originals_location(COURSE.data)
    if location is None:
        pytest.fail(
            "These tests use Kaggle's original files that `python -m course_utils fetch-data` "
            f"obtained, but {COURSE.data / PROVENANCE_FILE} is missing or names a place that "
            "no longer exists. Run `make data` (if the data was prepared by an older version of "
            f"the course, delete {COURSE.data} first).",
            pytrace=False,
        )
    return location


@pytest.fixture(scope="session")
def originals(originals_source: Path) -> dict[str, bytes]:
    """Kaggle's original CSVs (CRLF endings), verified, by split ("train", "test")."""
    contents = read_local_source(originals_source)
    names = dict(zip(SPLITS, SPLIT_NAMES, strict=True))
    return {names[split]: content for split, content in contents.items()}


def link_or_copy(src: Path, dst: Path) -> Path:
    """Hard-link ``src`` to ``dst`` (cheap for 100 MB of CSVs), copying where links fail."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)
    return dst


@pytest.fixture(scope="session")
def sources_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sources")


@pytest.fixture(scope="session")
def plain_source(sources_root: Path, originals: dict[str, bytes]) -> Path:
    """A folder with the two original CSVs, uncompressed, CRLF endings."""
    folder = sources_root / "plain"
    folder.mkdir()
    for split, name in ORIGINAL_NAME.items():
        (folder / name).write_bytes(originals[split])
    return folder


@pytest.fixture(scope="session")
def gz_source(sources_root: Path, originals: dict[str, bytes]) -> Path:
    """A folder with the two originals as .csv.gz files."""
    folder = sources_root / "gz"
    folder.mkdir()
    for split, name in ORIGINAL_NAME.items():
        (folder / f"{name}.gz").write_bytes(gzip.compress(originals[split], compresslevel=1))
    return folder


@pytest.fixture(scope="session")
def nested_source(sources_root: Path, plain_source: Path) -> Path:
    """A folder whose CSVs sit one folder down, as in Kaggle's unpacked archive."""
    folder = sources_root / "nested"
    for name in ORIGINAL_NAME.values():
        link_or_copy(plain_source / name, folder / name.removesuffix(".csv") / name)
    return folder


@pytest.fixture(scope="session")
def lf_source(sources_root: Path, originals: dict[str, bytes]) -> Path:
    """A folder with the originals converted to LF line endings (as some copies online are)."""
    folder = sources_root / "lf"
    folder.mkdir()
    for split, name in ORIGINAL_NAME.items():
        (folder / name).write_bytes(originals[split].replace(b"\r\n", b"\n"))
    return folder


def png_bytes(pixels: bytes, width: int = 28, height: int = 28) -> bytes:
    """A valid 8-bit grayscale PNG of ``pixels`` (row-major), for Kaggle's sample images."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + pixels[y * width : (y + 1) * width] for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="session")
def sample_pngs(originals: dict[str, bytes]) -> dict[str, bytes]:
    """The image files that Kaggle's archive holds besides the CSVs (here: real rows as PNGs)."""
    rows = originals["train"].split(b"\r\n", 3)[1:3]
    images = [bytes(int(v) for v in row.split(b",")[1:]) for row in rows]
    return {
        "amer_sign2.png": png_bytes(images[0]),
        "amer_sign3.png": png_bytes(images[1]),
        "american_sign_language.PNG": png_bytes(images[0]),
    }


def kaggle_members(plain_source: Path) -> list[tuple[str, Path, bool]]:
    """Kaggle's archive layout: each CSV at the top and again one folder down.

    Each member comes with whether it is the top-level copy.
    """
    members = []
    for name in ORIGINAL_NAME.values():
        members.append((name, plain_source / name, True))
        members.append((f"{name.removesuffix('.csv')}/{name}", plain_source / name, False))
    return members


@pytest.fixture(scope="session")
def kaggle_folder(sources_root: Path, plain_source: Path, sample_pngs: dict[str, bytes]) -> Path:
    """A folder laid out like Kaggle's unpacked archive (what kagglehub.dataset_download gives)."""
    folder = sources_root / "kaggle_download" / "versions" / "1"
    for member, src, _ in kaggle_members(plain_source):
        link_or_copy(src, folder / member)
    for name, content in sample_pngs.items():
        (folder / name).write_bytes(content)
    return folder


@pytest.fixture(scope="session")
def kaggle_zip(sources_root: Path, plain_source: Path, sample_pngs: dict[str, bytes]) -> Path:
    """An archive.zip laid out like the one the Download button of Kaggle's page gives."""
    path = sources_root / "zip" / "archive.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in sample_pngs.items():
            archive.writestr(name, content)
        for member, src, top_level in kaggle_members(plain_source):
            # Kaggle deflates every member; the nested duplicates are stored here to spare
            # the session some seconds of compression (the reader takes the top-level ones).
            archive.write(src, member, zipfile.ZIP_DEFLATED if top_level else zipfile.ZIP_STORED)
    return path


# --------------------------------------------------------------------------- bad sources


@pytest.fixture(scope="session")
def one_pixel_changed_source(sources_root: Path, originals: dict[str, bytes]) -> Path:
    """The originals, except that one pixel of the first train row differs (107 -> 108)."""
    folder = sources_root / "one_pixel_changed"
    folder.mkdir()
    train = originals["train"]
    start = train.index(b"\r\n") + 2  # first data row: "3,107,118,..."
    assert train[start : start + 6] == b"3,107,"
    changed = train[: start + 2] + b"108" + train[start + 5 :]
    assert len(changed) == len(train) and changed != train
    (folder / ORIGINAL_NAME["train"]).write_bytes(changed)
    (folder / ORIGINAL_NAME["test"]).write_bytes(originals["test"])
    return folder


@pytest.fixture(scope="session")
def truncated_gz_source(sources_root: Path, gz_source: Path) -> Path:
    """A folder whose train .gz was cut off halfway (as by an interrupted copy)."""
    folder = sources_root / "truncated_gz"
    folder.mkdir()
    train = (gz_source / f"{ORIGINAL_NAME['train']}.gz").read_bytes()
    (folder / f"{ORIGINAL_NAME['train']}.gz").write_bytes(train[: len(train) // 2])
    link_or_copy(gz_source / f"{ORIGINAL_NAME['test']}.gz", folder / f"{ORIGINAL_NAME['test']}.gz")
    return folder


@pytest.fixture(scope="session")
def zip_without_csvs(sources_root: Path, sample_pngs: dict[str, bytes]) -> Path:
    """A valid .zip that holds Kaggle's images but none of the CSVs."""
    path = sources_root / "zip_without_csvs" / "archive.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in sample_pngs.items():
            archive.writestr(name, content)
        archive.writestr("sign_mnist_train/README.txt", "the CSVs are missing")
    return path


@pytest.fixture(scope="session")
def truncated_zip(sources_root: Path, kaggle_zip: Path) -> Path:
    """Kaggle's archive cut off halfway, as by an interrupted download."""
    path = sources_root / "truncated_zip" / "archive.zip"
    path.parent.mkdir()
    content = kaggle_zip.read_bytes()
    path.write_bytes(content[: len(content) // 2])
    return path


@pytest.fixture(scope="session")
def corrupted_zip(sources_root: Path, kaggle_zip: Path) -> Path:
    """Kaggle's archive with one byte flipped inside the compressed top-level train CSV."""
    path = sources_root / "corrupted_zip" / "archive.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(kaggle_zip) as archive:
        member = archive.getinfo(ORIGINAL_NAME["train"])
    content = bytearray(kaggle_zip.read_bytes())
    # The local header is 30 bytes plus the name and extra field; the data follows.
    name_len, extra_len = struct.unpack("<HH", content[member.header_offset + 26 :][:4])
    data_start = member.header_offset + 30 + name_len + extra_len
    content[data_start + member.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(content))
    return path


# --------------------------------------------------------------------------- prepared data


@pytest.fixture(scope="session")
def prepared_dir(tmp_path_factory: pytest.TempPathFactory, plain_source: Path) -> Path:
    """One copy of the course's prepared files, shared by read-only checks."""
    from course_utils.tools.sources import fetch_data

    root = tmp_path_factory.mktemp("prepared")
    dest = root / "asl_data"
    result = fetch_data(
        source=plain_source, dest=dest, download_dir=root / "downloads", use_kaggle=False
    )
    assert not result.already_prepared
    return dest


# --------------------------------------------------------------------------- no network


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A 127.0.0.1 port bound for the whole session but never listening: connections fail."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, closed_port: int) -> int:
    """No data source configured and no way out: proxies, mirrors and Kaggle all fail locally.

    Clears ASL_DATA_SOURCE, points the default mirrors and every proxy at a closed local
    port (127.0.0.1 itself stays reachable, for the tests' own HTTP servers) and replaces
    ``kagglehub.dataset_download`` by a stand-in that raises ConnectionError; tests that
    need another behaviour patch it again. Returns the closed port.
    """
    import kagglehub

    dead = f"http://127.0.0.1:{closed_port}"
    monkeypatch.delenv(SOURCE_ENV, raising=False)
    monkeypatch.setenv(MIRRORS_ENV, f"{dead}/{{name}}")
    for name in PROXY_VARS:
        monkeypatch.setenv(name, dead)
    for name in NO_PROXY_VARS:
        monkeypatch.setenv(name, "127.0.0.1,localhost")

    def no_network(handle: str, *args: object, **kwargs: object) -> str:
        raise ConnectionError(f"network disabled in tests (kagglehub asked for {handle})")

    monkeypatch.setattr(kagglehub, "dataset_download", no_network)
    return closed_port


@pytest.fixture(scope="session")
def fake_kagglehub_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in ``kagglehub`` package for subprocesses: dataset_download raises."""
    root = tmp_path_factory.mktemp("fake_kagglehub")
    (root / "kagglehub").mkdir()
    (root / "kagglehub" / "__init__.py").write_text(
        "def dataset_download(handle, *args, **kwargs):\n"
        "    raise ConnectionError(f'network disabled in tests (kagglehub asked for {handle})')\n"
    )
    return root


@pytest.fixture
def cli_env(closed_port: int, fake_kagglehub_dir: Path, tmp_path: Path) -> dict[str, str]:
    """Environment for ``python -m course_utils`` in a subprocess, offline like ``offline``."""
    dead = f"http://127.0.0.1:{closed_port}"
    env = {k: v for k, v in os.environ.items() if k not in (SOURCE_ENV, "PYTHONPATH")}
    env.update({name: dead for name in PROXY_VARS})
    env.update({name: "127.0.0.1,localhost" for name in NO_PROXY_VARS})
    env[MIRRORS_ENV] = f"{dead}/{{name}}"
    env["KAGGLEHUB_CACHE"] = str(tmp_path / "kagglehub_cache")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(fake_kagglehub_dir), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


# --------------------------------------------------------------------------- local mirrors


@dataclass
class Mirror:
    """A real HTTP server on 127.0.0.1 serving one folder, and the requests it answered."""

    template: str
    requests: list[tuple[str, int]]

    def requested(self, name: str) -> list[int]:
        """The status codes sent for ``/name``."""
        return [code for path, code in self.requests if path == f"/{name}"]


class _RecordingHandler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, record: list[tuple[str, int]], **kwargs) -> None:
        self._record = record
        super().__init__(*args, **kwargs)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self._record.append((self.path, int(getattr(code, "value", code))))

    def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
        pass


@pytest.fixture
def http_mirror() -> Iterator[Callable[[Path], Mirror]]:
    """Start a ThreadingHTTPServer on 127.0.0.1 (port 0) serving a folder; returns its Mirror."""
    servers: list[tuple[http.server.ThreadingHTTPServer, threading.Thread]] = []

    def start(folder: Path) -> Mirror:
        record: list[tuple[str, int]] = []
        handler = functools.partial(_RecordingHandler, record=record, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        port = server.server_address[1]
        return Mirror(template=f"http://127.0.0.1:{port}/{{name}}", requests=record)

    yield start
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- helpers


def take_snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every entry under ``folder`` (hidden .part files included): (inode, size, mtime_ns)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def snapshot() -> Callable[[Path], dict[str, tuple[int, int, int]]]:
    """``snapshot(folder)``: what is in a folder, to show that a run left it untouched."""
    return take_snapshot


@pytest.fixture
def half_prepared_dest(tmp_path: Path, prepared_dir: Path) -> Path:
    """A destination holding one good prepared file (train) while the other is missing."""
    dest = tmp_path / "dest"
    dest.mkdir()
    shutil.copy2(prepared_dir / PREPARED_NAME["train"], dest / PREPARED_NAME["train"])
    return dest


# --------------------------------------------------------------------------- bad local sources

BAD_SOURCES = {
    # name: (fixture giving the bad source or None for a missing path, path at fault, words)
    "missing": (None, "", ["does not exist", "--source", "ASL_DATA_SOURCE"]),
    "one_pixel_changed": (
        "one_pixel_changed_source",
        "sign_mnist_train.csv",
        ["this is not the original sign_mnist_train.csv", "Download the dataset again"],
    ),
    "truncated_gz": (
        "truncated_gz_source",
        "sign_mnist_train.csv.gz",
        ["is not a complete gzip file", "Copy or download it again"],
    ),
    "zip_without_csvs": (
        "zip_without_csvs",
        "",
        ["does not contain sign_mnist_train.csv", "Download button"],
    ),
    "truncated_zip": ("truncated_zip", "", ["damaged or incomplete", "Download it again"]),
    "corrupted_zip": ("corrupted_zip", "", ["is damaged", "Download it again"]),
}


@pytest.fixture(params=sorted(BAD_SOURCES))
def bad_source(request, tmp_path) -> tuple[Path, Path, list[str]]:
    """(source, the path its error must name, words of the message that say what to do)."""
    fixture, at_fault, words = BAD_SOURCES[request.param]
    path = request.getfixturevalue(fixture) if fixture else tmp_path / "no" / "archive.zip"
    return path, path / at_fault if at_fault else path, words
