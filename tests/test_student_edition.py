"""The student edition: no outputs, the same cells and tags, and it works on its own."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.cli import main
from course_utils.tools.errors import UsageError
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.student_edition import write_student_edition

COURSE = find_course()


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edition") / "asl-course"
    assert main(["student-edition", "--out", str(out)]) == 0
    return out


def test_edition_mirrors_the_lessons_without_outputs(edition: Path):
    for lesson in COURSE.lessons():
        for lang in LANGUAGES:
            source = lesson.path(lang)
            copy = read_notebook(edition / "notebooks" / lang / source.name)
            original = read_notebook(source)
            assert [(c.id, c.cell_type, c.source, c.metadata.get("tags")) for c in copy.cells] == [
                (c.id, c.cell_type, c.source, c.metadata.get("tags")) for c in original.cells
            ]
            code = [c for c in copy.cells if c.cell_type == "code"]
            assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert sorted(p.name for p in (edition / "img").iterdir()) == sorted(
        p.name for p in COURSE.images.iterdir()
    )
    for linked in ("GLOSSARY.md", "datasets/README.md", "README.md", "pyproject.toml"):
        assert (edition / linked).is_file(), linked
    assert "fetch-data" in (edition / "README.md").read_text()


@pytest.mark.slow
def test_the_edition_runs_a_lesson_with_only_itself_on_disk(
    edition: Path, originals_source: Path, tmp_path: Path
):
    alone = tmp_path / "alone"
    shutil.copytree(edition, alone)
    # The edition's own course_utils, not the repository's (-P: not the working folder either).
    env = {**os.environ, "PYTHONPATH": str(alone)}
    env.pop("ASL_DATA_SOURCE", None)

    def course(*args: str, cwd: Path = alone) -> subprocess.CompletedProcess:
        command = [sys.executable, "-P", "-m", "course_utils", *args]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)

    where = subprocess.run(
        [sys.executable, "-P", "-c", "import course_utils; print(course_utils.__file__)"],
        cwd=alone / "notebooks" / "es",
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.startswith(str(alone))
    fetched = course("fetch-data", "--source", str(originals_source))
    assert fetched.returncode == 0, fetched.stderr
    assert (alone / "datasets" / "asl_data" / "sign_mnist_train.csv").is_file()
    ran = course(
        "run", "--lang", "es", "--pattern", "03_*", "-p", "EPOCHS", "1", "-p", "MAX_ROWS", "200"
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert (alone / "build" / "executed" / "es" / "03_asl_cnn.ipynb").is_file()
    assert (alone / "models" / "03_asl_cnn.keras").is_file()


@pytest.mark.parametrize(
    "inside", [".", "notebooks", "notebooks/es", "img", "img/new", "course_utils/x"]
)
def test_edition_is_never_written_into_the_sources_nor_what_it_copies(inside: str):
    with pytest.raises(UsageError, match=r"sources|not empty"):
        write_student_edition(COURSE, COURSE.root / inside)
    assert not (COURSE.root / "course_utils" / "x").exists()


def test_an_unwritable_folder_is_one_error_and_leaves_nothing(tmp_path: Path, capsys):
    assert main(["student-edition", "--out", "/proc/x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: Cannot write the student edition to /proc/x") and "--out" in err
    assert len(err.splitlines()) == 1


def test_a_write_that_fails_half_way_leaves_nothing(tmp_path: Path, capsys, monkeypatch):
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(shutil, "copy2", disk_full)  # after the notebooks and img/ (copytree)
    assert main(["student-edition", "--out", str(tmp_path / "edition")]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_existing_file_or_folder_is_not_overwritten(tmp_path: Path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    assert main(["student-edition", "--out", str(existing)]) == 2
    assert main(["student-edition", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"--out {existing} is a file" in err and "is not empty" in err
    assert "Traceback" not in err
    assert existing.read_text() == "mine" and list(tmp_path.iterdir()) == [existing]
