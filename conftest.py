"""Root pytest configuration: nbval's notebook cells, and how pytest-xdist shares out the tests.

nbval's cells belong to the slow, full-run subset. Under pytest-xdist (``-n auto`` in
pyproject.toml) each unit of work below runs in one worker, in collection order:

- the notebooks of one lesson number, in both languages: a notebook's cells must run in order in
  one kernel, and lesson 04b loads the model that 04a saves;
- each test file: the browser test runs a language's lessons in order with one MODEL_DIR.

Different units run side by side.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)


def work_unit(nodeid: str) -> str:
    """The unit of work a test belongs to: its lesson for a notebook cell, else its file."""
    path = PurePosixPath(nodeid.split("::")[0])
    if path.suffix == ".ipynb":
        number = re.match(r"\d+", path.name)
        return f"lesson-{number[0] if number else path.stem}"
    return str(path)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    from xdist.scheduler import LoadScopeScheduling

    class LessonScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return work_unit(nodeid)

    return LessonScheduling(config, log)
