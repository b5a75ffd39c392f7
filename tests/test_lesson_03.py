"""Lesson 03: its cells survive being run again, and what its prose says about the data is what
the data shows."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient

from course_utils.layout import find_course
from course_utils.tools.notebook_io import read_notebook

COURSE = find_course()
[LESSON] = COURSE.lessons("03_*")
ROWS = 40
# The cells a student may run again on their own, each run twice in a row.
AGAIN = ["labels", "normalise", "reshape"]


def lesson_cells(lang: str = "en") -> dict:
    return {cell.get("id"): cell for cell in read_notebook(LESSON.path(lang)).cells}


def test_preparation_cells_survive_being_run_again(prepared_dir: Path):
    """In a real kernel started in the lesson's folder: the cells up to `labels`, then `labels`
    again (it used to pop the column and fail with KeyError: 'label'), and the same for the cells
    after it; the arrays come out as after a single run."""
    cells = lesson_cells()
    parameters = f'{cells["parameters"].source}\nDATA_DIR = "{prepared_dir}"\nMAX_ROWS = {ROWS}'
    sources = [parameters, cells["setup"].source, cells["load"].source]
    for cell_id in AGAIN:
        sources += [cells[cell_id].source] * 2
    sources.append(
        "print(x_train.shape, x_valid.shape, y_train.shape, y_valid.shape)\n"
        "print(y_train_labels.tolist(), list(train_df.columns[:2]))"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    folder = LESSON.path("en").parent
    NotebookClient(
        notebook, kernel_name="python3", allow_errors=True, resources={"metadata": {"path": folder}}
    ).execute()
    errors = [o for c in notebook.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{o.ename}: {o.evalue}" for o in errors]
    printed = "".join(o.get("text", "") for o in notebook.cells[-1].outputs).splitlines()
    shape = f"({ROWS}, 28, 28, 1)"
    assert printed[0] == f"{shape} {shape} ({ROWS}, 24) ({ROWS}, 24)"
    labels = pd.read_csv(prepared_dir / "sign_mnist_train.csv", nrows=ROWS)["label"]
    assert printed[1] == f"{list(labels)} ['label', 'pixel1']"


# --------------------------------------------------------------------------- near-copies

SAMPLE, SEED, NEAR_COPY = 3000, 0, 0.98
# What the results discussion says, in each language: the sample, the count, its share.
QUOTED = {
    "en": ["Of 3,000 training images", "above 0.98", "only 334 (4.7%)", "below 0.85"],
    "es": ["De 3000 imágenes", "mayor que 0,98", "solo 334 (el 4,7\u00a0%)", "no llega a 0,85"],
}


def standardised(pixels: np.ndarray) -> np.ndarray:
    """Each row minus its mean, divided by its length: dot products are then correlations."""
    centred = pixels - pixels.mean(axis=1, keepdims=True)
    return centred / np.linalg.norm(centred, axis=1, keepdims=True)


def best_correlations(rows: np.ndarray, train: np.ndarray, skip: np.ndarray | None = None):
    """For each of ``rows``, its largest correlation with a training image (not itself)."""
    best = np.empty(len(rows), dtype="float32")
    for start in range(0, len(rows), 500):
        block = rows[start : start + 500] @ train.T
        if skip is not None:
            block[np.arange(len(block)), skip[start : start + 500]] = -1
        best[start : start + 500] = block.max(axis=1)
    return best


@pytest.mark.slow  # about half a minute of matrix products on two cores
def test_validation_images_are_not_near_copies_of_training_images(prepared_dir: Path):
    frames = {
        name: pd.read_csv(prepared_dir / f"sign_mnist_{name}.csv").drop(columns="label")
        for name in ("train", "valid")
    }
    train, valid = (standardised(f.to_numpy(dtype="float32")) for f in frames.values())
    sample = np.random.default_rng(SEED).choice(len(train), SAMPLE, replace=False)
    in_train = best_correlations(train[sample], train, skip=sample)
    in_valid = best_correlations(valid, train)
    assert in_train.min() > NEAR_COPY
    assert (in_valid > NEAR_COPY).sum() == 334 and len(valid) == 7172
    assert f"{334 / 7172:.1%}" == "4.7%"
    assert (in_valid < 0.85).mean() > 0.5
    for lang, quoted in QUOTED.items():
        text = lesson_cells(lang)["results-discussion"].source
        for words in quoted:
            assert words in text, (lang, words)
