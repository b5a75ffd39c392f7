"""The student edition: the lessons as committed, and a folder that works on its own."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lab_browser import broken_links

from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.cli import main
from course_utils.tools.drift import SYNC_KEY
from course_utils.tools.errors import UsageError
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.student_edition import supported_pythons, write_student_edition

COURSE = find_course()


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("edition") / "asl-course"
    assert main(["student-edition", "--out", str(out)]) == 0
    return out


def test_edition_holds_the_lessons_with_their_stored_outputs(edition: Path):
    """The lessons' text points at their stored outputs ("the stored log below"): they stay."""
    for lesson in COURSE.lessons():
        for lang in LANGUAGES:
            source = lesson.path(lang)
            copy = read_notebook(edition / "notebooks" / lang / source.name)
            original = read_notebook(source)
            assert [
                (c.id, c.cell_type, c.source, c.metadata.get("tags"), c.get("outputs"))
                for c in copy.cells
            ] == [
                (c.id, c.cell_type, c.source, c.metadata.get("tags"), c.get("outputs"))
                for c in original.cells
            ]
            assert not any(SYNC_KEY in c.metadata for c in copy.cells)  # maintainers' only
    assert sorted(p.name for p in (edition / "img").iterdir()) == sorted(
        p.name for p in COURSE.images.iterdir()
    )
    for needed in ("GLOSSARY.md", "datasets/README.md", "README.md", "pyproject.toml"):
        assert (edition / needed).is_file(), needed
    overrides = "jupyter/labconfig/default_setting_overrides.json"
    assert (edition / overrides).read_bytes() == (COURSE.root / overrides).read_bytes()


def test_every_relative_link_of_a_lesson_resolves_in_the_edition(edition: Path):
    notebooks = sorted((edition / "notebooks").glob("*/*.ipynb"))
    assert notebooks
    broken = {str(n.relative_to(edition)): broken_links(n, edition) for n in notebooks}
    assert not any(broken.values()), broken


def test_the_readme_gives_a_student_every_step_without_make(edition: Path):
    readme = (edition / "README.md").read_text(encoding="utf-8")
    for lang in LANGUAGES:
        for step in (
            "python3 -m venv .venv",
            "py -3.12 -m venv .venv",
            ".venv/bin/python -m pip install .",
            ".venv\\Scripts\\python -m pip install .",
            ".venv/bin/python -m course_utils fetch-data",
            f".venv/bin/python -m course_utils lab --lang {lang}",
            f".venv\\Scripts\\python -m course_utils lab --lang {lang}",
            "fetch-data --source",
            "ASL_DATA_SOURCE",
        ):
            assert step in readme, step
    versions = supported_pythons(COURSE.root / "pyproject.toml")
    assert versions and all(version in readme for version in versions)
    for text in (readme, (edition / "datasets" / "README.md").read_text(encoding="utf-8")):
        assert "make " not in text


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
