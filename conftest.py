"""Root pytest configuration: nbval's notebook cells, and how pytest-xdist shares out the tests.

nbval's cells belong to the slow, full-run subset. Under pytest-xdist (``-n auto`` in
pyproject.toml) each unit of work below runs in one worker, in collection order:

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

import os
import re
from pathlib import PurePosixPath
from typing import Any

import pytest


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


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
