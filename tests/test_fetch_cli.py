"""``python -m course_utils fetch-data`` in a subprocess: success, a no-op rerun, clean errors."""

from __future__ import annotations

import ctypes
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PREPARED_NAMES = ["sign_mnist_train.csv", "sign_mnist_valid.csv"]
DEST_LISTING = ["provenance.json", *PREPARED_NAMES]  # the prepared files and their origin
ORIGINAL_GZ = ["sign_mnist_test.csv.gz", "sign_mnist_train.csv.gz"]
NOBODY = 65534


def run_fetch(*args: object, env: dict[str, str], cwd: Path, **kwargs: Any):
    return subprocess.run(
        [sys.executable, "-m", "course_utils", "fetch-data", *map(str, args)],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        **kwargs,
    )


def assert_one_clean_error(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    """A non-zero exit with a single ``error:`` message on stderr, no traceback, no stdout."""
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ")
    for word in words:
        assert word in proc.stderr


def assert_prepared(dest: Path, prepared_dir: Path) -> None:
    assert sorted(p.name for p in dest.iterdir()) == DEST_LISTING
    for name in PREPARED_NAMES:
        assert (dest / name).read_bytes() == (prepared_dir / name).read_bytes()


# --------------------------------------------------------------------------- success


def test_env_var_source_prepares_and_a_second_run_says_the_data_is_in_place(
    gz_source, tmp_path, cli_env, prepared_dir, snapshot
):
    dest = tmp_path / "asl_data"
    # As in CI: ASL_DATA_SOURCE relative to the working directory.
    env = {**cli_env, "ASL_DATA_SOURCE": gz_source.name}
    first = run_fetch("--dest", dest, env=env, cwd=gz_source.parent)
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""
    assert f"Prepared from {gz_source.name}:" in first.stdout
    for name in PREPARED_NAMES:
        assert str(dest / name) in first.stdout
    assert_prepared(dest, prepared_dir)

    before = snapshot(dest)
    second = run_fetch("--dest", dest, env=env, cwd=gz_source.parent)
    assert second.returncode == 0, second.stderr
    assert second.stdout == f"The prepared data is already in place and intact: {dest}\n"
    assert snapshot(dest) == before


def test_source_option_takes_kaggles_zip(kaggle_zip, tmp_path, cli_env, prepared_dir):
    dest = tmp_path / "asl_data"
    proc = run_fetch("--source", kaggle_zip, "--dest", dest, env=cli_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"Prepared from {kaggle_zip}:" in proc.stdout
    assert_prepared(dest, prepared_dir)


# --------------------------------------------------------------------------- bad sources


def test_a_bad_source_gives_one_message_and_leaves_the_destination_alone(
    bad_source, half_prepared_dest, prepared_dir, cli_env, tmp_path, snapshot
):
    source, at_fault, words = bad_source
    before = snapshot(half_prepared_dest)
    proc = run_fetch("--source", source, "--dest", half_prepared_dest, env=cli_env, cwd=tmp_path)
    assert_one_clean_error(proc, str(at_fault), *words)
    assert snapshot(half_prepared_dest) == before
    good = "sign_mnist_train.csv"
    assert (half_prepared_dest / good).read_bytes() == (prepared_dir / good).read_bytes()


def test_a_bad_source_creates_no_destination_folder(truncated_gz_source, tmp_path, cli_env):
    dest = tmp_path / "new" / "asl_data"
    proc = run_fetch("--source", truncated_gz_source, "--dest", dest, env=cli_env, cwd=tmp_path)
    assert_one_clean_error(proc, "is not a complete gzip file")
    assert not (tmp_path / "new").exists()


def test_without_source_nor_network_no_folder_is_left(tmp_path, cli_env):
    dest = tmp_path / "work" / "asl_data"
    proc = run_fetch("--dest", dest, env=cli_env, cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "error: Could not get the dataset" in proc.stderr
    assert not (tmp_path / "work").exists()  # no asl_data/, and no downloads/ beside it


# --------------------------------------------------------------------------- permissions

PR_CAPBSET_DROP = 24
# CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root ignore file modes.
DAC_CAPABILITIES = (1, 2, 3)


def _drop_dac_capabilities() -> None:
    """In the child, before exec: remove the capabilities that let root ignore permissions."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in DAC_CAPABILITIES:
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _probe(kwargs: dict[str, Any]) -> str | None:
    """None when a child run with ``kwargs`` imports course_utils yet cannot write in a 0o555
    folder; otherwise why not."""
    folder = Path(tempfile.mkdtemp(prefix="asl-probe-"))
    try:
        folder.chmod(0o755)
        locked = folder / "locked"
        locked.mkdir(mode=0o555)
        locked.chmod(0o555)
        code = (
            "import sys, course_utils.tools.cli\n"
            "try:\n    open(sys.argv[1] + '/x', 'wb')\n"
            "except PermissionError:\n    sys.exit(0)\n"
            "sys.exit(3)\n"
        )
        proc = subprocess.run(
            [sys.executable, "-c", code, str(locked)],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=120,
            **kwargs,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        (folder / "locked").chmod(0o755)
        shutil.rmtree(folder, ignore_errors=True)
    if proc.returncode == 3:
        return "it can still write in a read-only folder"
    if proc.returncode != 0:
        return (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    return None


@pytest.fixture(scope="session")
def unprivileged() -> dict[str, Any]:
    """subprocess.run arguments for a child on which file permissions are enforced.

    As root (CI), the child runs as user nobody when that user can run this Python;
    otherwise (e.g. a Python under /root, mode 0700) it stays root but loses the
    capabilities that bypass file modes. Skips only if neither is possible.
    """
    if os.geteuid() != 0:
        return {}
    attempts = {
        f"user {NOBODY}": {"user": NOBODY, "group": NOBODY, "extra_groups": []},
        "root without CAP_DAC_OVERRIDE/CAP_DAC_READ_SEARCH/CAP_FOWNER": {
            "preexec_fn": _drop_dac_capabilities
        },
    }
    reasons = []
    for name, kwargs in attempts.items():
        reason = _probe(kwargs)
        if reason is None:
            return kwargs
        reasons.append(f"as {name}: {reason}")
    pytest.skip("cannot drop privileges for a child process (" + "; ".join(reasons) + ")")


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    """A temporary folder that an unprivileged child can reach (pytest's are mode 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="asl-cli-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(folder)


def _readable_copy(src_dir: Path, names: list[str], dst_dir: Path) -> Path:
    dst_dir.mkdir()
    dst_dir.chmod(0o755)
    for name in names:
        shutil.copyfile(src_dir / name, dst_dir / name)
        (dst_dir / name).chmod(0o644)
    return dst_dir


def test_a_read_only_destination_gives_one_message_and_stays_untouched(
    unprivileged, world_readable_tmp, gz_source, prepared_dir, cli_env, snapshot
):
    source = _readable_copy(gz_source, ORIGINAL_GZ, world_readable_tmp / "source")
    dest = _readable_copy(prepared_dir, ["sign_mnist_train.csv"], world_readable_tmp / "asl_data")
    dest.chmod(0o555)
    before = snapshot(dest)
    proc = run_fetch(
        "--source", source, "--dest", dest, env=cli_env, cwd=world_readable_tmp, **unprivileged
    )
    assert_one_clean_error(
        proc, f"Cannot write the prepared data to {dest}", "Permission denied", "--dest"
    )
    assert snapshot(dest) == before
    assert stat.S_IMODE(dest.stat().st_mode) == 0o555


def test_an_unreadable_source_gives_one_message(
    unprivileged, world_readable_tmp, gz_source, cli_env
):
    source = _readable_copy(gz_source, ORIGINAL_GZ, world_readable_tmp / "source")
    source.chmod(0o000)
    dest = world_readable_tmp / "asl_data"
    dest.mkdir()
    dest.chmod(0o777)
    proc = run_fetch(
        "--source", source, "--dest", dest, env=cli_env, cwd=world_readable_tmp, **unprivileged
    )
    assert_one_clean_error(proc, f"Cannot read {source}: Permission denied", "--source")
    assert list(dest.iterdir()) == []


def test_main_in_process_prints_the_error_and_returns_1(tmp_path, capsys, monkeypatch):
    from course_utils.tools import cli

    monkeypatch.delenv("ASL_DATA_SOURCE", raising=False)
    missing = tmp_path / "no" / "archive.zip"
    dest = tmp_path / "asl_data"
    assert cli.main(["fetch-data", "--source", str(missing), "--dest", str(dest)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: The data source {missing} does not exist.")
    assert err.count("\n") == 1
    assert not dest.exists()


# --------------------------------------------------------------------------- misplaced settings


def test_a_url_as_the_local_source_says_where_urls_belong(tmp_path, cli_env):
    env = {**cli_env, "ASL_DATA_SOURCE": "https://example.org/sign_mnist/"}
    dest = tmp_path / "asl_data"
    proc = run_fetch("--dest", dest, env=env, cwd=tmp_path)
    assert_one_clean_error(
        proc, "https://example.org/sign_mnist/ is a URL", "ASL_DATA_MIRRORS", "{name}"
    )
    assert not dest.exists()


def test_partial_files_of_a_killed_run_are_removed(gz_source, tmp_path, cli_env, prepared_dir):
    dest = tmp_path / "asl_data"
    dest.mkdir()
    stale = dest / ".sign_mnist_train.csv.k3j2h1.part"
    stale.write_bytes(b"label,pixel1\n3,10")
    proc = run_fetch("--source", gz_source, "--dest", dest, env=cli_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not stale.exists()
    assert_prepared(dest, prepared_dir)
