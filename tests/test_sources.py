"""fetch_data in-process: every kind of source, every bad input, real downloads from 127.0.0.1."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import kagglehub
import pytest

from course_utils.data import DataError, sha256_of
from course_utils.tools import preparation
from course_utils.tools.preparation import originals_location
from course_utils.tools.sources import KAGGLE_HANDLE, fetch_data

pytestmark = pytest.mark.usefixtures("offline")

PREPARED_NAMES = ["sign_mnist_train.csv", "sign_mnist_valid.csv"]
DEST_LISTING = ["provenance.json", *PREPARED_NAMES]  # the prepared files and their origin


def assert_prepared(dest: Path, prepared_dir: Path) -> None:
    """``dest`` holds exactly the two prepared files, identical to the shared prepared copy."""
    assert sorted(p.name for p in dest.iterdir()) == DEST_LISTING  # no .part file left
    for name in PREPARED_NAMES:
        assert (dest / name).read_bytes() == (prepared_dir / name).read_bytes()
    assert sha256_of(dest / "sign_mnist_valid.csv") == preparation.VALID.prepared_sha256


# --------------------------------------------------------------------------- every source kind


SOURCE_KINDS = {
    "plain_csv_folder": "plain_source",
    "gz_folder": "gz_source",
    "nested_folder": "nested_source",
    "kaggle_zip": "kaggle_zip",
    "lf_line_endings": "lf_source",
}


@pytest.fixture(params=list(SOURCE_KINDS))
def source(request: pytest.FixtureRequest) -> Path:
    return request.getfixturevalue(SOURCE_KINDS[request.param])


def test_every_source_kind_prepares_both_files(source, tmp_path, prepared_dir, snapshot):
    dest = tmp_path / "asl_data"
    result = fetch_data(source=source, dest=dest, use_kaggle=False, mirrors=[])
    assert result.already_prepared is False
    assert result.origin == str(source)
    assert result.files == [dest / name for name in PREPARED_NAMES]
    assert_prepared(dest, prepared_dir)
    assert originals_location(dest) == source.resolve()  # the tests find the originals there

    # A second run changes nothing and says so.
    before = snapshot(dest)
    again = fetch_data(source=source, dest=dest, use_kaggle=False, mirrors=[])
    assert again.already_prepared is True
    assert again.files == result.files
    assert snapshot(dest) == before


def test_asl_data_source_env_var_is_the_source(
    monkeypatch, gz_source, half_prepared_dest, prepared_dir
):
    # CI sets it relative to the repository root, i.e. relative to the working directory.
    monkeypatch.chdir(gz_source.parent)
    monkeypatch.setenv("ASL_DATA_SOURCE", gz_source.name)
    # One prepared file is there, the other missing: both end up right.
    result = fetch_data(dest=half_prepared_dest, use_kaggle=False, mirrors=[])
    assert result.already_prepared is False
    assert result.origin == gz_source.name
    assert_prepared(half_prepared_dest, prepared_dir)


def test_an_explicit_source_wins_over_the_env_var(
    monkeypatch, tmp_path, gz_source, one_pixel_changed_source
):
    monkeypatch.setenv("ASL_DATA_SOURCE", str(gz_source))
    dest = tmp_path / "asl_data"
    with pytest.raises(DataError) as caught:
        fetch_data(source=one_pixel_changed_source, dest=dest, use_kaggle=False, mirrors=[])
    assert str(one_pixel_changed_source / "sign_mnist_train.csv") in str(caught.value)
    assert not dest.exists()


# --------------------------------------------------------------------------- bad local sources


def test_a_bad_source_gives_one_clear_error_and_writes_nothing(
    bad_source, half_prepared_dest, prepared_dir, snapshot
):
    source, at_fault, words = bad_source
    before = snapshot(half_prepared_dest)
    with pytest.raises(DataError) as caught:
        fetch_data(source=source, dest=half_prepared_dest, use_kaggle=False, mirrors=[])
    message = str(caught.value)
    assert str(at_fault) in message
    for word in words:
        assert word in message
    # The good prepared file is the very same file, and nothing was added (no .part file).
    assert snapshot(half_prepared_dest) == before
    good = "sign_mnist_train.csv"
    assert (half_prepared_dest / good).read_bytes() == (prepared_dir / good).read_bytes()


def test_a_bad_source_leaves_no_new_destination_folder(one_pixel_changed_source, tmp_path):
    dest = tmp_path / "new" / "asl_data"
    with pytest.raises(DataError, match="not the original"):
        fetch_data(source=one_pixel_changed_source, dest=dest, use_kaggle=False, mirrors=[])
    assert not (tmp_path / "new").exists()


def test_a_file_that_is_neither_folder_nor_zip_is_refused(tmp_path, plain_source):
    with pytest.raises(DataError, match=r"neither a folder nor a \.zip archive"):
        fetch_data(
            source=plain_source / "sign_mnist_test.csv",
            dest=tmp_path / "dest",
            use_kaggle=False,
            mirrors=[],
        )


def test_a_folder_without_the_csvs_names_the_file_it_lacks(tmp_path):
    source = tmp_path / "empty"
    (source / "sub").mkdir(parents=True)
    with pytest.raises(DataError) as caught:
        fetch_data(source=source, dest=tmp_path / "dest", use_kaggle=False, mirrors=[])
    assert f"{source} holds no sign_mnist_train.csv" in str(caught.value)
    assert not (tmp_path / "dest").exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permissions; test_fetch_cli drops them")
def test_a_read_only_destination_is_refused_in_process(tmp_path, gz_source, snapshot):
    dest = tmp_path / "readonly"
    dest.mkdir()
    (dest / "sign_mnist_train.csv").write_bytes(b"placeholder")
    before = snapshot(dest)
    dest.chmod(0o555)
    try:
        with pytest.raises(DataError, match=f"Cannot write the prepared data to {dest}"):
            fetch_data(source=gz_source, dest=dest, use_kaggle=False, mirrors=[])
        assert snapshot(dest) == before
    finally:
        dest.chmod(0o755)


def test_a_write_that_fails_half_way_leaves_no_temporary_file(
    half_prepared_dest, plain_source, prepared_dir
):
    # The valid file's place is taken by a folder: staging works, the final rename fails.
    (half_prepared_dest / "sign_mnist_valid.csv").mkdir()
    with pytest.raises(DataError, match=f"Cannot write the prepared data to {half_prepared_dest}"):
        fetch_data(source=plain_source, dest=half_prepared_dest, use_kaggle=False, mirrors=[])
    assert sorted(p.name for p in half_prepared_dest.iterdir()) == PREPARED_NAMES  # no .part
    assert (half_prepared_dest / "sign_mnist_valid.csv").is_dir()
    train = half_prepared_dest / "sign_mnist_train.csv"
    assert train.read_bytes() == (prepared_dir / "sign_mnist_train.csv").read_bytes()


def test_a_destination_that_is_a_file_is_refused(tmp_path, gz_source):
    dest = tmp_path / "asl_data"
    dest.write_bytes(b"not a folder")
    with pytest.raises(DataError, match=f"Cannot write the prepared data to {dest}"):
        fetch_data(source=gz_source, dest=dest, use_kaggle=False, mirrors=[])
    assert dest.read_bytes() == b"not a folder"


# --------------------------------------------------------------------------- no network


def test_without_network_nor_source_the_error_lists_every_attempt(
    monkeypatch, tmp_path, closed_port, half_prepared_dest, snapshot
):
    calls = []

    def offline_kaggle(handle, *args, **kwargs):
        calls.append(handle)
        raise ConnectionError("Failed to resolve 'www.kaggle.com'")

    monkeypatch.setattr(kagglehub, "dataset_download", offline_kaggle)
    mirror = f"http://127.0.0.1:{closed_port}/{{name}}"
    downloads = tmp_path / "downloads"
    before = snapshot(half_prepared_dest)
    with pytest.raises(DataError) as caught:
        fetch_data(dest=half_prepared_dest, mirrors=[mirror], download_dir=downloads)
    message = str(caught.value)
    assert calls == [KAGGLE_HANDLE]
    assert f"Kaggle ({KAGGLE_HANDLE}): ConnectionError: Failed to resolve" in message
    assert f"{mirror}: ConnectionError" in message
    assert "--source path/to/archive.zip" in message
    assert "kaggle.com/datasets/datamunge/sign-language-mnist" in message
    assert snapshot(half_prepared_dest) == before
    assert not any(downloads.rglob("*.csv*"))


def test_the_mirrors_come_from_asl_data_mirrors_when_not_given(offline, tmp_path):
    # ``offline`` sets ASL_DATA_MIRRORS to a closed local port: the default mirrors are unused.
    with pytest.raises(DataError) as caught:
        fetch_data(dest=tmp_path / "dest", use_kaggle=False, download_dir=tmp_path / "dl")
    message = str(caught.value)
    assert f"http://127.0.0.1:{offline}/{{name}}: ConnectionError" in message
    assert "githubusercontent" not in message
    assert not (tmp_path / "dest").exists()


def test_a_failed_download_leaves_no_new_folder_beside_the_destination(tmp_path):
    with pytest.raises(DataError, match="every download failed"):
        fetch_data(dest=tmp_path / "course" / "asl_data")
    assert list(tmp_path.iterdir()) == []  # neither asl_data/, downloads/ nor course/


def test_without_any_mirror_the_error_says_so(tmp_path):
    with pytest.raises(DataError, match=r"no source configured"):
        fetch_data(dest=tmp_path / "dest", use_kaggle=False, mirrors=[], download_dir=tmp_path)
    assert not (tmp_path / "dest").exists()


# --------------------------------------------------------------------------- real downloads


@pytest.mark.slow  # serves and checks the real files
def test_a_mirror_is_downloaded_for_real_and_checked(
    http_mirror, plain_source, tmp_path, prepared_dir
):
    mirror = http_mirror(plain_source)
    downloads = tmp_path / "downloads"
    dest = tmp_path / "asl_data"
    result = fetch_data(
        dest=dest, use_kaggle=False, mirrors=[mirror.template], download_dir=downloads
    )
    assert result.origin == mirror.template
    assert mirror.requested("sign_mnist_train.csv") == [200]
    assert mirror.requested("sign_mnist_test.csv") == [200]
    assert_prepared(dest, prepared_dir)
    for name in ("sign_mnist_train.csv", "sign_mnist_test.csv"):
        assert (downloads / name).read_bytes() == (plain_source / name).read_bytes()


def test_a_mirror_serving_a_modified_file_is_refused(
    http_mirror, one_pixel_changed_source, tmp_path, half_prepared_dest, snapshot
):
    bad = http_mirror(one_pixel_changed_source)
    downloads = tmp_path / "downloads"
    before = snapshot(half_prepared_dest)
    with pytest.raises(DataError) as caught:
        fetch_data(
            dest=half_prepared_dest,
            use_kaggle=False,
            mirrors=[bad.template],
            download_dir=downloads,
        )
    message = str(caught.value)
    assert f"{bad.template}: ValueError: SHA256 hash of downloaded file" in message
    assert preparation.TRAIN.sha256_crlf in message
    assert bad.requested("sign_mnist_train.csv") == [200]
    assert snapshot(half_prepared_dest) == before
    assert not downloads.exists()  # no copy of the bad download, nor an empty folder


@pytest.mark.slow  # serves and checks the real files twice
def test_after_a_404_and_a_modified_file_the_next_mirror_is_used(
    http_mirror, one_pixel_changed_source, plain_source, tmp_path, prepared_dir
):
    empty = tmp_path / "empty_mirror"
    empty.mkdir()
    missing = http_mirror(empty)
    bad = http_mirror(one_pixel_changed_source)
    good = http_mirror(plain_source)
    dest = tmp_path / "asl_data"
    result = fetch_data(
        dest=dest,
        use_kaggle=False,
        mirrors=[missing.template, bad.template, good.template],
        download_dir=tmp_path / "downloads",
    )
    assert result.origin == good.template
    assert missing.requested("sign_mnist_train.csv") == [404]
    assert bad.requested("sign_mnist_train.csv") == [200]  # served in full, then refused
    assert good.requested("sign_mnist_train.csv") == [200]
    assert good.requested("sign_mnist_test.csv") == [200]
    assert_prepared(dest, prepared_dir)


def test_a_mirror_missing_one_file_reports_the_404(http_mirror, tmp_path, plain_source):
    partial = tmp_path / "partial_mirror"
    partial.mkdir()
    shutil.copyfile(plain_source / "sign_mnist_train.csv", partial / "sign_mnist_train.csv")
    mirror = http_mirror(partial)
    dest = tmp_path / "asl_data"
    with pytest.raises(DataError) as caught:
        fetch_data(
            dest=dest,
            use_kaggle=False,
            mirrors=[mirror.template],
            download_dir=tmp_path / "downloads",
        )
    assert f"{mirror.template}: HTTPError: 404" in str(caught.value)
    assert mirror.requested("sign_mnist_test.csv") == [404]
    assert not dest.exists()


# --------------------------------------------------------------------------- kagglehub


def test_kaggle_is_tried_before_the_mirrors(
    monkeypatch, http_mirror, kaggle_folder, plain_source, tmp_path, prepared_dir
):
    calls = []

    def download(handle, *args, **kwargs):
        calls.append(handle)
        return str(kaggle_folder)

    monkeypatch.setattr(kagglehub, "dataset_download", download)
    mirror = http_mirror(plain_source)
    dest = tmp_path / "asl_data"
    result = fetch_data(dest=dest, mirrors=[mirror.template], download_dir=tmp_path / "dl")
    assert calls == [KAGGLE_HANDLE]
    assert result.origin == f"Kaggle ({KAGGLE_HANDLE})"
    assert mirror.requests == []
    assert_prepared(dest, prepared_dir)


def test_a_bad_kaggle_download_is_refused_and_the_mirrors_are_tried(
    monkeypatch, http_mirror, one_pixel_changed_source, tmp_path
):
    monkeypatch.setattr(
        kagglehub, "dataset_download", lambda handle, *a, **k: str(one_pixel_changed_source)
    )
    empty = tmp_path / "empty_mirror"
    empty.mkdir()
    mirror = http_mirror(empty)
    dest = tmp_path / "asl_data"
    with pytest.raises(DataError) as caught:
        fetch_data(dest=dest, mirrors=[mirror.template], download_dir=tmp_path / "dl")
    message = str(caught.value)
    assert f"Kaggle ({KAGGLE_HANDLE}): DataError: {one_pixel_changed_source}" in message
    assert "this is not the original sign_mnist_train.csv" in message
    assert f"{mirror.template}: HTTPError: 404" in message
    assert mirror.requested("sign_mnist_train.csv") == [404]
    assert not dest.exists()
