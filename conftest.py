"""Root pytest configuration: nbval's notebook cells, and how pytest-xdist shares out the tests.

nbval's cells belong to the slow, full-run subset. A lesson that trains a model (its parameters
cell declares EPOCHS) trains in full once per run, in one language: the twins' code cells are
the same (tests/test_notebooks.py checks it), and the browser test and the hosted stand-in run
every lesson quickly in both languages. The training lessons take the languages in turn (02 in
es, 03 in en, 04a in es, ...); the other language's cells are skipped, saying why.
``--every-language`` runs every training lesson in both languages (a GPU runner, a release), and
a notebook named on the command line always runs.

Under pytest-xdist (``-n auto`` in pyproject.toml) each unit of work below runs in one worker, in
the order of lessons, then languages:

- the notebooks of one lesson number, in both languages: a notebook's cells must run in order in
  one kernel, and lesson 04b loads the model that 04a saves;
- the browser test's file: it runs a language's lessons in order with one MODEL_DIR;
- any other test, alone.

Different units run side by side, in one worker per core and, with the slow tests, one more: many
of those spend their time waiting for a server, a browser or a kernel, and the extra worker keeps
the cores busy meanwhile. On a GPU, TensorFlow gives the first kernel to start nearly all of the
GPU's memory, so the kernels that the workers start grow theirs as needed instead.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from course_utils.layout import LANGUAGES, find_lessons
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.parameters import trains_a_model


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--every-language",
        action="store_true",
        help="nbval: train every training lesson in full in each language, not in one of them",
    )


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")  # inherited by every kernel


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: one worker per usable core, and one more unless the slow tests are left out
    (the quick ones keep the cores busy; there, one more worker only collects the tests again).
    PYTEST_XDIST_AUTO_NUM_WORKERS, when set, decides instead."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist reads it
    if hasattr(os, "sched_getaffinity"):  # the cores this process may use (Linux)
        cores = len(os.sched_getaffinity(0))
    else:
        cores = os.cpu_count() or 1
    quick = "not slow" in (config.option.markexpr or "")
    return cores if quick else cores + 1


@functools.cache
def full_run_languages(notebooks_dir: Path) -> dict[str, tuple[str, ...]]:
    """Lesson name -> the languages nbval runs it in by default: one, in turn, for each lesson
    that trains (declares EPOCHS), and all of them for the others."""
    languages, turn = {}, 0
    for lesson in find_lessons(notebooks_dir):
        path = next(p for p in lesson.paths.values() if p.is_file())
        if trains_a_model(read_notebook(path), path):
            languages[lesson.name] = (LANGUAGES[turn % len(LANGUAGES)],)
            turn += 1
        else:
            languages[lesson.name] = LANGUAGES
    return languages


def notebook_order(item: pytest.Item) -> tuple[Any, ...]:
    """Tests first as collected, then nbval's notebooks by lesson, then language (04a's before
    04b's in either language), each notebook's cells in order."""
    if item.path.suffix != ".ipynb":
        return (0,)
    lang = item.path.parent.name
    return (1, item.path.stem, LANGUAGES.index(lang) if lang in LANGUAGES else len(LANGUAGES))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    named = {Path(arg.split("::")[0]).resolve() for arg in config.args}
    for item in items:
        if item.path.suffix != ".ipynb":
            continue
        item.add_marker(pytest.mark.slow)
        lang, lesson = item.path.parent.name, item.path.stem
        chosen = full_run_languages(item.path.parent.parent).get(lesson, LANGUAGES)
        if lang in chosen or config.getoption("every_language") or item.path in named:
            continue
        item.add_marker(
            pytest.mark.skip(
                reason=f"{lesson} trains in full once per run, in {'/'.join(chosen)}: the twins "
                "share their code (pytest --every-language, or naming this notebook, runs it)"
            )
        )
    items.sort(key=notebook_order)


# Test files whose tests share state in order (the browser test's MODEL_DIR per language).
IN_ORDER = {"tests/test_browser.py"}


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its lesson for a notebook cell, its file for the files
    in IN_ORDER, and otherwise the test alone."""
    path = PurePosixPath(nodeid.split("::")[0])
    if path.suffix == ".ipynb":
        number = re.match(r"\d+", path.name)
        return f"lesson-{number[0] if number else path.stem}"
    return str(path) if str(path) in IN_ORDER else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class LessonScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return LessonScheduling(config, log)
