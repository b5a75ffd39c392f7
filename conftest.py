"""Root pytest configuration for nbval's notebook cells.

They belong to the slow, full-run subset. Under pytest-xdist (``make test`` runs ``-n auto
--dist loadgroup``) the cells of one notebook must run in order in one kernel, and a lesson's
notebooks share saved models (04b loads the model 04a saves): so every notebook of one lesson
number, in both languages, forms one group, which a single worker runs in collection order.
"""

import re

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.slow)
            number = re.match(r"\d+", item.path.name)
            group = f"lesson-{number[0] if number else item.path.stem}"
            item.add_marker(pytest.mark.xdist_group(group))
