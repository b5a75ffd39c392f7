"""The hosted edition (Colab, Kaggle): setup cell first, the lesson's cells unchanged, absolute
links, GPU metadata, the 04b fallback, the links printed, and clear errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.layout import LANGUAGES, Course, find_course
from course_utils.tools.cli import main
from course_utils.tools.errors import UsageError
from course_utils.tools.hosted_cell import SETUP_CELL_ID
from course_utils.tools.hosted_edition import (
    FALLBACK_CELL_ID,
    MARKER,
    Repository,
    absolute_links,
    repository,
    write_hosted_edition,
)
from course_utils.tools.hosted_runtime import (
    HostedSetupError,
    detect_platform,
    kaggle_input_source,
    missing_distributions,
    train_missing_model,
)
from course_utils.tools.notebook_io import read_notebook

COURSE = find_course(Path(__file__).parent)
URL = "https://github.com/teacher/asl-course"
LINK_TARGETS = re.compile(r"(?:\]\(|src=\")([^)\"\s]+)")


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hosted") / "hosted"
    write_hosted_edition(COURSE, out, Repository(URL, "v1.0"))
    return out


def lesson_cells(notebook) -> list[tuple]:
    return [
        (c.id, c.cell_type, c.metadata.get("tags"))
        for c in notebook.cells
        if c.id not in (SETUP_CELL_ID, FALLBACK_CELL_ID)
    ]


def test_each_lesson_is_the_setup_cell_then_the_lessons_cells(edition: Path):
    for lesson in COURSE.lessons():
        for lang in LANGUAGES:
            original = read_notebook(lesson.path(lang))
            hosted = read_notebook(edition / lang / lesson.path(lang).name)
            first = hosted.cells[0]
            assert first.id == SETUP_CELL_ID and first.cell_type == "code"
            assert f'LESSON_LANGUAGE = "{lang}"' in first.source
            assert f'COURSE_URL = "{URL}"' in first.source
            assert 'COURSE_REF = "v1.0"' in first.source
            assert lesson_cells(hosted) == lesson_cells(original)
            code = {c.id: c.source for c in original.cells if c.cell_type == "code"}
            assert {c.id: c.source for c in hosted.cells if c.id in code} == code
            # the stored outputs the lesson's text refers to ("the stored log below") stay
            outputs = {c.id: c.outputs for c in original.cells if c.cell_type == "code"}
            assert {c.id: c.outputs for c in hosted.cells if c.id in outputs} == outputs


def test_links_are_absolute_at_the_ref(edition: Path):
    text = (edition / "en" / "03_asl_cnn.ipynb").read_text(encoding="utf-8")
    raw = "https://raw.githubusercontent.com/teacher/asl-course/v1.0"
    assert f"{raw}/img/conv2d.png" in text
    assert f"{URL}/blob/v1.0/GLOSSARY.md" in text
    assert f"{URL}/blob/v1.0/datasets/README.md" in text
    colab = "https://colab.research.google.com/github/teacher/asl-course/blob/v1.0"
    assert f"{colab}/hosted/en/04a_augmentation.ipynb" in text
    for path in edition.glob("*/*.ipynb"):
        for cell in read_notebook(path).cells:
            if cell.cell_type == "markdown":
                for target in LINK_TARGETS.findall(cell.source):
                    assert re.match(r"^https://|^#", target), f"{path}: {target}"


def test_link_rewriting_keeps_fragments_and_absolute_links():
    repo = Repository("file:///srv/course", "main")
    text = "[a](../../README.md#performance) ![d](../../img/x.png) [k](https://keras.io) [s](#top)"
    assert absolute_links(text, "es", repo, "hosted") == (
        "[a](file:///srv/course/README.md#performance) ![d](file:///srv/course/img/x.png) "
        "[k](https://keras.io) [s](#top)"
    )


def test_metadata_asks_for_a_gpu(edition: Path):
    for path in edition.glob("*/*.ipynb"):
        metadata = read_notebook(path).metadata
        assert metadata.accelerator == "GPU"
        assert metadata.colab.gpuType == "T4"
        assert metadata.kaggle.accelerator == "gpu" and metadata.kaggle.isGpuEnabled
        assert metadata.kaggle.isInternetEnabled


def test_only_a_lesson_that_loads_another_lessons_model_gets_the_fallback(edition: Path):
    for path in sorted(edition.glob("*/*.ipynb")):
        cells = read_notebook(path).cells
        ids = [c.id for c in cells]
        loads = [i for i, c in enumerate(cells) if "require_saved_model(" in c.source]
        if not loads:
            assert FALLBACK_CELL_ID not in ids, path
            continue
        fallback = cells[loads[0] - 1]
        assert fallback.id == FALLBACK_CELL_ID, path
        name = re.search(r"\"(\w+)\.keras\"", cells[loads[0]].source)[1]
        assert f'"{name}.keras"' in fallback.source and "MAX_ROWS=MAX_ROWS" in fallback.source


def test_the_edition_passes_the_courses_lint(edition: Path):
    for command in (["check"], ["format", "--check"]):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "ruff",
                *command,
                "--config",
                str(COURSE.root / "pyproject.toml"),
                str(edition),
            ],
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_cli_prints_the_links_and_replaces_only_its_own_edition(tmp_path, capsys):
    out = tmp_path / "hosted"
    args = ["hosted-edition", "--url", f"{URL}/tree/main", "--out", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr().out
    colab = "https://colab.research.google.com/github/teacher/asl-course/blob/main/hosted/"
    kaggle = "https://kaggle.com/kernels/welcome?src=https://github.com/teacher/asl-course/blob/"
    for lesson in COURSE.lessons():
        for lang in LANGUAGES:
            assert f"{colab}{lang}/{lesson.path(lang).name}" in printed
            assert f"{kaggle}main/hosted/{lang}/{lesson.path(lang).name}" in printed
            binder = "https://mybinder.org/v2/gh/teacher/asl-course/main?urlpath=lab/tree/"
            assert f"{binder}notebooks/{lang}/{lesson.path(lang).name}" in printed
    assert (out / MARKER).is_file()
    assert main(args) == 0  # an earlier edition is replaced
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    assert main([*args[:-1], str(mine)]) == 2
    assert "is not empty" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "keep me"


def test_without_url_the_tool_stops_with_a_clear_error(tmp_path: Path):
    done = subprocess.run(
        [sys.executable, "-m", "course_utils", "hosted-edition", "--out", str(tmp_path / "o")],
        cwd=COURSE.root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: the course has no repository URL")
    assert "[project.urls]" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "o").exists()


def test_repository_comes_from_pyproject_or_the_command_line(tmp_path: Path):
    root = tmp_path / "course"
    (root / "notebooks").mkdir(parents=True)
    pyproject = '[project]\nname = "asl-cnn-course"\n[project.urls]\nRepository = "{}"\n'
    (root / "pyproject.toml").write_text(pyproject.format(f"{URL}/tree/release"))
    assert repository(Course(root), None, None) == Repository(URL, "release")
    assert repository(Course(root), None, "v2") == Repository(URL, "v2")
    assert repository(Course(root), "file:///x", "main") == Repository("file:///x", "main")
    (root / "pyproject.toml").write_text(pyproject.format(URL))
    with pytest.raises(UsageError, match="no git ref"):
        repository(Course(root), None, None)
    with pytest.raises(UsageError, match="not a GitHub repository"):
        repository(Course(root), "https://example.org/course.git", "main")


def test_platform_detection(monkeypatch: pytest.MonkeyPatch):
    for name in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "google.colab", raising=False)
    assert detect_platform() is None
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert detect_platform() == "kaggle"
    monkeypatch.setitem(sys.modules, "google.colab", object())
    assert detect_platform() == "colab"


def test_an_attached_kaggle_dataset_is_found(tmp_path: Path):
    assert kaggle_input_source(tmp_path / "none") is None
    nested = tmp_path / "sign-language-mnist" / "sign_mnist_train"
    nested.mkdir(parents=True)
    (nested / "sign_mnist_train.csv").write_text("x")
    (tmp_path / "sign-language-mnist" / "sign_mnist_train.csv").write_text("x")
    assert kaggle_input_source(tmp_path) == tmp_path / "sign-language-mnist"


def test_nothing_the_platforms_ship_is_reinstalled():
    assert missing_distributions({"json": "json", "no_such_module_xyz": "no-such"}) == ["no-such"]


def test_the_fallback_says_what_is_missing_in_the_lessons_language(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COURSE_LANG", "es")
    with pytest.raises(HostedSetupError, match="Falta el modelo") as caught:
        train_missing_model(tmp_path / "04a_augmentation.keras")
    assert caught.value._render_traceback_() == [f"\x1b[31m{caught.value}\x1b[0m"]
    present = tmp_path / "model.keras"
    present.write_bytes(b"")
    assert train_missing_model(present) == present


def test_the_setup_cell_outside_the_course_and_the_platforms_fails_clearly(edition, tmp_path):
    source = read_notebook(edition / "es" / "03_asl_cnn.ipynb").cells[0].source
    env = {k: v for k, v in os.environ.items() if k not in ("COLAB_RELEASE_TAG",)}
    env.pop("KAGGLE_KERNEL_RUN_TYPE", None)
    done = subprocess.run(
        [sys.executable, "-c", source], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "Este cuaderno no está dentro del curso" in done.stderr


def test_the_setup_cell_in_a_clone_only_sets_the_language(edition: Path, tmp_path: Path):
    source = read_notebook(edition / "es" / "03_asl_cnn.ipynb").cells[0].source
    probe = "\nimport os\nprint(os.environ['COURSE_LANG'], os.getcwd())"
    env = {k: v for k, v in os.environ.items() if k not in ("COLAB_RELEASE_TAG", "COURSE_LANG")}
    env.pop("KAGGLE_KERNEL_RUN_TYPE", None)
    done = subprocess.run(
        [sys.executable, "-c", source + probe],
        cwd=COURSE.root / "notebooks" / "en",
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Curso listo" in done.stdout
    assert done.stdout.strip().endswith(f"es {COURSE.root / 'notebooks' / 'es'}")
    assert not (COURSE.root / "asl-cnn-course").exists()


def test_the_setup_cell_says_when_it_cannot_get_the_code(tmp_path: Path):
    out = tmp_path / "hosted"
    write_hosted_edition(COURSE, out, Repository((tmp_path / "no-repo").as_uri(), "main"))
    source = read_notebook(out / "es" / "04b_new_images.ipynb").cells[0].source
    env = {**os.environ, "COLAB_RELEASE_TAG": "test"}
    work = tmp_path / "content"
    work.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", source], cwd=work, env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "No pude obtener el código del curso de file://" in done.stderr
    assert "vuelve a ejecutar esta celda" in done.stderr
    assert list(work.iterdir()) == []  # nothing half-fetched left behind


def test_the_setup_cell_run_again_on_colab_reuses_the_course_it_is_in(edition: Path):
    source = read_notebook(edition / "en" / "04a_augmentation.ipynb").cells[0].source
    env = {**os.environ, "COLAB_RELEASE_TAG": "test"}
    env.pop("COURSE_LANG", None)
    done = subprocess.run(
        [sys.executable, "-c", source],
        cwd=COURSE.root / "notebooks" / "es",
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Getting the course's code" not in done.stdout  # nothing fetched again
    assert f"Course ready: {COURSE.root} (colab)." in done.stdout
