"""A newcomer's machine: a fresh copy of the course, nothing beside it, no settings, and
the data only over the network (a real HTTP server on 127.0.0.1 stands in for the mirrors;
Kaggle is unreachable). `make test-quick` must pass there as it is."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.layout import find_course

COURSE = find_course()
pytestmark = pytest.mark.slow


def fresh_clone(destination: Path) -> Path:
    """The files a clone of the course would have: tracked or new, never git-ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=COURSE.root,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = COURSE.root / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


def test_make_test_quick_passes_with_the_data_only_from_a_mirror(
    tmp_path: Path, plain_source: Path, http_mirror, closed_port: int
):
    clone = fresh_clone(tmp_path / "newcomer" / "course")
    # Nothing beside the course (no data folder of the team's) and no prepared data in it.
    assert [p.name for p in clone.parent.iterdir()] == ["course"]
    assert not (clone / "datasets" / "asl_data").exists()
    venv = Path(sys.prefix)
    stamp = subprocess.run(
        "cat pyproject.toml | cksum | cut -d' ' -f1",
        shell=True,
        cwd=clone,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not (venv / f".installed-{stamp}").is_file():
        pytest.fail(f"run the tests from the course's own environment ({venv} lacks make's stamp)")
    mirror = http_mirror(plain_source)
    dead = f"http://127.0.0.1:{closed_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASL_", "PYTEST_"))}
    env.update(
        ASL_DATA_MIRRORS=mirror.template,
        KAGGLEHUB_CACHE=str(tmp_path / "kagglehub"),
        HTTPS_PROXY=dead,  # Kaggle is out of reach; the loopback mirror is not
        https_proxy=dead,
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    proc = subprocess.run(
        ["make", "test-quick", f"VENV={venv}", "PYTEST_ARGS=-q -p no:cacheprovider"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.returncode == 0, tail
    assert " passed" in proc.stdout and " error" not in proc.stdout.splitlines()[-1], tail
    assert mirror.requested("sign_mnist_train.csv") == [200], "the data came from the mirror"
    assert (clone / "datasets" / "downloads" / "sign_mnist_train.csv").is_file()
