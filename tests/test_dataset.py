"""The course's label scheme and prepared files, checked on the real data and SOURCES.md."""

from __future__ import annotations

import hashlib
import io
import shutil
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_utils.data import (
    FETCH_COMMAND,
    NUM_CLASSES,
    DataError,
    DatasetNotFoundError,
    letter,
    locate_dataset,
)
from course_utils.tools import preparation
from course_utils.tools.preparation import course_label, verify_original

pytestmark = pytest.mark.usefixtures("offline")

PREPARED = {"train": "sign_mnist_train.csv", "test": "sign_mnist_valid.csv"}
SPLIT = {"train": preparation.TRAIN, "test": preparation.VALID}
KAGGLE_LABELS = [*range(0, 9), *range(10, 25)]


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@pytest.fixture(scope="session")
def prepared_bytes(prepared_dir: Path) -> dict[str, bytes]:
    return {split: (prepared_dir / name).read_bytes() for split, name in PREPARED.items()}


@pytest.fixture(scope="session")
def prepared_frames(prepared_dir: Path) -> dict[str, pd.DataFrame]:
    """The prepared files as a student's notebook loads them."""
    return {split: pd.read_csv(prepared_dir / name) for split, name in PREPARED.items()}


@pytest.fixture(scope="session")
def original_frames(originals: dict[str, bytes]) -> dict[str, pd.DataFrame]:
    return {split: pd.read_csv(io.BytesIO(content)) for split, content in originals.items()}


# --------------------------------------------------------------------------- labels


def test_letter_maps_course_labels_0_to_23_to_the_24_static_letters():
    assert "".join(letter(label) for label in range(24)) == "ABCDEFGHIKLMNOPQRSTUVWXY"
    assert NUM_CLASSES == 24


@pytest.mark.parametrize("label", [-1, 24, 25])
def test_letter_refuses_labels_outside_0_to_23(label: int):
    with pytest.raises(ValueError, match=str(label)):
        letter(label)


def test_course_label_keeps_0_to_8_and_shifts_10_to_24_down_by_one():
    assert [course_label(k) for k in range(0, 9)] == list(range(0, 9))
    assert [course_label(k) for k in range(10, 25)] == list(range(9, 24))


@pytest.mark.parametrize("kaggle_label", [9, 25, -1, 100])
def test_course_label_refuses_labels_kaggle_never_uses(kaggle_label: int):
    with pytest.raises(ValueError, match=str(kaggle_label)):
        course_label(kaggle_label)


def test_shifted_labels_keep_kaggles_letters():
    # SOURCES.md: Kaggle's label is the letter's place in the alphabet (A=0, ... Y=24).
    for kaggle in KAGGLE_LABELS:
        assert letter(course_label(kaggle)) == string.ascii_uppercase[kaggle]


# --------------------------------------------------------------------------- the originals


def test_originals_are_the_files_sources_md_describes(originals, kaggle_facts):
    for split, content in originals.items():
        assert sha256_hex(content) == kaggle_facts.sha256[split]
        assert SPLIT[split].sha256_crlf == kaggle_facts.sha256[split]
        lines = content.split(b"\r\n")
        assert lines[0] == kaggle_facts.header
        assert lines[-1] == b""  # the last row ends in CRLF too
        assert len(lines) - 2 == kaggle_facts.rows[split] == SPLIT[split].rows
        assert lines[1].startswith(kaggle_facts.first_row_start[split])


def test_lf_checksums_are_those_of_the_real_files_with_lf_endings(originals):
    for split, content in originals.items():
        assert sha256_hex(content.replace(b"\r\n", b"\n")) == SPLIT[split].sha256_lf


def test_facts_used_by_the_tests_are_those_of_sources_md(originals_source, kaggle_facts):
    sources_md = originals_source / "SOURCES.md"
    if not sources_md.is_file():
        pytest.skip(f"no SOURCES.md beside the originals in {originals_source} to compare with")
    text = sources_md.read_text(encoding="utf-8")
    for split in ("train", "test"):
        assert kaggle_facts.sha256[split] in text
        assert f"{kaggle_facts.rows[split]:,}" in text
        counts = " ".join(f"{k}:{v}" for k, v in kaggle_facts.label_counts[split].items())
        assert f"({kaggle_facts.rows[split]:,} rows): {counts}" in text
        assert kaggle_facts.first_row_start[split].decode().rstrip(",") in text


def test_verify_original_refuses_a_copy_with_one_pixel_changed(originals):
    content = originals["test"]
    start = content.index(b"\r\n") + 2
    assert content[start : start + 6] == b"6,149,"
    changed = content[: start + 2] + b"150" + content[start + 5 :]
    with pytest.raises(DataError) as caught:
        verify_original(changed, preparation.VALID, "copy/sign_mnist_test.csv")
    message = str(caught.value)
    assert message.startswith("copy/sign_mnist_test.csv: this is not the original")
    assert sha256_hex(changed) in message
    assert "Download the dataset again" in message
    verify_original(content, preparation.VALID, "real")  # the real file passes


# --------------------------------------------------------------------------- real rows


def test_first_train_row_keeps_kaggle_label_3_which_is_d(originals, prepared_bytes):
    kaggle_row = originals["train"].split(b"\r\n", 2)[1]
    prepared_row = prepared_bytes["train"].split(b"\n", 2)[1]
    assert kaggle_row.startswith(b"3,107,118,127,134,")
    label, pixels = prepared_row.split(b",", 1)
    assert int(label) == 3
    assert letter(int(label)) == "D"
    assert pixels == kaggle_row.split(b",", 1)[1]


def test_a_row_kaggle_labels_24_becomes_23_which_is_y(originals, prepared_bytes):
    kaggle_rows = originals["train"].split(b"\r\n")[1:-1]
    prepared_rows = prepared_bytes["train"].split(b"\n")[1:-1]
    index = next(i for i, row in enumerate(kaggle_rows) if row.startswith(b"24,"))
    label, pixels = prepared_rows[index].split(b",", 1)
    assert int(label) == 23
    assert letter(int(label)) == "Y"
    assert pixels == kaggle_rows[index].split(b",", 1)[1]


@pytest.mark.parametrize("split", ["train", "test"])
def test_prepared_rows_are_kaggles_rows_with_shifted_labels(
    split, original_frames, prepared_frames
):
    original, prepared = original_frames[split], prepared_frames[split]
    assert list(prepared.columns) == list(original.columns)
    np.testing.assert_array_equal(prepared.iloc[:, 1:].to_numpy(), original.iloc[:, 1:].to_numpy())
    kaggle = original["label"].to_numpy()
    np.testing.assert_array_equal(
        prepared["label"].to_numpy(), np.where(kaggle > 9, kaggle - 1, kaggle)
    )


# --------------------------------------------------------------------------- prepared files


def test_prepared_files_load_with_pandas_to_the_course_shapes(prepared_frames):
    train, valid = prepared_frames["train"], prepared_frames["test"]
    assert train.shape == (27455, 785)
    assert valid.shape == (7172, 785)
    assert train.drop(columns="label").shape == (27455, 784)
    assert valid.drop(columns="label").shape == (7172, 784)
    assert list(train.columns) == ["label", *(f"pixel{i}" for i in range(1, 785))]


@pytest.mark.parametrize("split", ["train", "test"])
def test_prepared_files_hold_24_classes_and_pixels_0_to_255(split, prepared_frames):
    frame = prepared_frames[split]
    assert sorted(frame["label"].unique()) == list(range(24))
    pixels = frame.drop(columns="label").to_numpy()
    assert np.issubdtype(pixels.dtype, np.integer)
    assert pixels.min() == 0
    assert pixels.max() == 255


@pytest.mark.parametrize("split", ["train", "test"])
def test_prepared_label_counts_are_sources_md_counts_after_the_shift(
    split, prepared_frames, kaggle_facts
):
    counts = prepared_frames[split]["label"].value_counts().to_dict()
    expected = {course_label(k): n for k, n in kaggle_facts.label_counts[split].items()}
    assert counts == expected
    assert counts[23] == kaggle_facts.label_counts[split][24]  # train: 1118
    assert counts[8] == kaggle_facts.label_counts[split][8]
    assert counts[9] == kaggle_facts.label_counts[split][10]
    assert sum(counts.values()) == kaggle_facts.rows[split]


def test_prepared_files_use_lf_endings_and_the_standard_header(prepared_bytes, kaggle_facts):
    for split, content in prepared_bytes.items():
        assert b"\r" not in content
        assert content.endswith(b"\n")
        assert content.split(b"\n", 1)[0] == kaggle_facts.header
        assert content.count(b"\n") == kaggle_facts.rows[split] + 1
        assert sha256_hex(content) == SPLIT[split].prepared_sha256


# --------------------------------------------------------------------------- locate_dataset


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", ["No encuentro", "Prepara", "carpeta"]),
        ("en", ["Cannot find", "To prepare the data"]),
    ],
)
def test_locate_dataset_without_the_files_names_the_folder_and_the_command(tmp_path, lang, words):
    folder = tmp_path / "asl_data"
    folder.mkdir()
    with pytest.raises(DatasetNotFoundError) as caught:
        locate_dataset(folder, lang=lang)
    message = str(caught.value)
    assert isinstance(caught.value, FileNotFoundError)
    assert isinstance(caught.value, DataError)
    assert str(folder) in message
    assert "python -m course_utils fetch-data" in message
    assert FETCH_COMMAND in message
    assert "sign_mnist_train.csv" in message
    assert "sign_mnist_valid.csv" in message
    for word in words:
        assert word in message


def test_locate_dataset_names_only_the_missing_file(half_prepared_dest):
    with pytest.raises(DatasetNotFoundError) as caught:
        locate_dataset(half_prepared_dest, lang="en")
    message = str(caught.value)
    assert "sign_mnist_valid.csv" in message
    assert "sign_mnist_train.csv" not in message


def test_locate_dataset_on_a_folder_that_does_not_exist(tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    with pytest.raises(DatasetNotFoundError, match="No encuentro"):
        locate_dataset(missing, lang="es")
    assert not missing.exists()


@pytest.fixture
def kaggle_copied_by_hand(tmp_path: Path, plain_source: Path) -> Path:
    """Kaggle's originals copied (and the test file renamed) under the prepared names."""
    folder = tmp_path / "asl_data"
    folder.mkdir()
    shutil.copyfile(plain_source / "sign_mnist_train.csv", folder / "sign_mnist_train.csv")
    shutil.copyfile(plain_source / "sign_mnist_test.csv", folder / "sign_mnist_valid.csv")
    return folder


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("es", ["no son los que prepara el curso", "a mano", "Vuelve a prepararlos"]),
        ("en", ["not the ones the course prepares", "copied from Kaggle by hand"]),
    ],
)
def test_locate_dataset_refuses_kaggle_originals_copied_by_hand(kaggle_copied_by_hand, lang, words):
    with pytest.raises(DatasetNotFoundError) as caught:
        locate_dataset(kaggle_copied_by_hand, lang=lang)
    message = str(caught.value)
    assert str(kaggle_copied_by_hand) in message
    assert FETCH_COMMAND in message
    for word in words:
        assert word in message


def test_locate_dataset_refuses_a_truncated_prepared_file(tmp_path, prepared_dir):
    folder = tmp_path / "asl_data"
    folder.mkdir()
    shutil.copyfile(prepared_dir / "sign_mnist_train.csv", folder / "sign_mnist_train.csv")
    content = (prepared_dir / "sign_mnist_valid.csv").read_bytes()
    (folder / "sign_mnist_valid.csv").write_bytes(content[: len(content) // 2])
    with pytest.raises(DatasetNotFoundError, match="incomplete"):
        locate_dataset(folder, lang="en")


def test_locate_dataset_returns_the_folder_of_good_files(prepared_dir):
    assert locate_dataset(prepared_dir, lang="es") == prepared_dir
    located = locate_dataset(str(prepared_dir), lang="en")
    assert isinstance(located, Path)
    assert located == prepared_dir


@pytest.mark.parametrize(("course_lang", "word"), [("es", "No encuentro"), ("en", "Cannot find")])
def test_locate_dataset_speaks_the_notebooks_language_by_default(
    tmp_path, monkeypatch, course_lang, word
):
    monkeypatch.setenv("COURSE_LANG", course_lang)
    with pytest.raises(DatasetNotFoundError, match=word):
        locate_dataset(tmp_path)
