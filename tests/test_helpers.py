"""The helpers the notebooks call: plots, confusion summary, reports, language choice."""

from __future__ import annotations

import types
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from course_utils import i18n
from course_utils.dataset import DEFAULT_DATA_DIR, LETTERS, locate_dataset
from course_utils.evaluation import confusion_counts, most_confused
from course_utils.plots import plot_history, show_predictions, show_sample_images
from course_utils.report import (
    RECORD_MIME,
    TrainingSummary,
    device_report,
    read_records,
    training_summary,
)


@pytest.fixture(scope="module")
def valid_rows() -> tuple[np.ndarray, np.ndarray]:
    """The first 200 rows of the prepared validation file: pixels in 0-1 and labels."""
    frame = pd.read_csv(locate_dataset(DEFAULT_DATA_DIR) / "sign_mnist_valid.csv", nrows=200)
    labels = frame.pop("label").to_numpy()
    return frame.to_numpy(dtype="float32") / 255, labels


def fake_history(accuracy, val_accuracy, loss=None, val_loss=None):
    """A stand-in for keras.callbacks.History: only its ``history`` dict is read."""
    loss = loss or [1 - a for a in accuracy]
    val_loss = val_loss or [1 - a for a in val_accuracy]
    metrics = {
        "accuracy": accuracy,
        "val_accuracy": val_accuracy,
        "loss": loss,
        "val_loss": val_loss,
    }
    return types.SimpleNamespace(history=metrics)


def titles(figure) -> list[str]:
    return [ax.get_title() for ax in figure.axes if ax.get_title()]


def test_sample_grid_titles_each_image_with_its_letter(valid_rows):
    pixels, labels = valid_rows
    figure = show_sample_images(pixels, labels, count=12, seed=3, lang="en")
    shown = titles(figure)
    assert len(shown) == 12 and set(shown) <= set(LETTERS)
    images = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    for image, title in zip(images, shown, strict=True):
        matches = [
            i for i in range(len(pixels)) if np.array_equal(pixels[i].reshape(28, 28), image)
        ]
        assert LETTERS[labels[matches[0]]] == title
    assert figure._suptitle.get_text() == "Examples from the training set"


def test_sample_grid_is_reproducible_and_speaks_spanish(valid_rows):
    pixels, labels = valid_rows
    first = titles(show_sample_images(pixels, labels, seed=7, lang="es"))
    second = show_sample_images(pixels, labels, seed=7, lang="es")
    assert first == titles(second)
    assert second._suptitle.get_text() == "Ejemplos del conjunto de entrenamiento"


def test_history_plot_draws_both_curves_per_metric():
    history = fake_history([0.5, 0.9, 0.99], [0.4, 0.8, 0.7])
    figure = plot_history(history, lang="es")
    accuracy_ax, loss_ax = figure.axes
    assert [tuple(line.get_ydata()) for line in accuracy_ax.lines] == [
        (0.5, 0.9, 0.99),
        (0.4, 0.8, 0.7),
    ]
    assert accuracy_ax.get_xlabel() == "época"
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "entrenamiento",
        "validación",
    ]


def test_prediction_gallery_shows_mistakes_in_red(valid_rows):
    pixels, labels = valid_rows
    predicted = labels.copy()
    predicted[:5] = (labels[:5] + 1) % 24  # five known mistakes
    figure = show_predictions(pixels, labels, predicted, count=8, seed=0, lang="en")
    shown = [ax for ax in figure.axes if ax.get_title()]
    wrong = [ax for ax in shown if ax.title.get_color() == "#cf222e"]
    assert len(shown) == 8 and len(wrong) == 4
    for ax in wrong:
        predicted_letter, true_letter = (line.split(": ")[1] for line in ax.get_title().split("\n"))
        assert predicted_letter != true_letter


def test_prediction_gallery_without_mistakes(valid_rows):
    pixels, labels = valid_rows
    figure = show_predictions(pixels, labels, labels, count=6, lang="es")
    shown = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert len(shown) == 6 and all(t.startswith("predicha: ") for t in shown)


def test_confusion_counts_and_most_confused():
    true = np.array([0, 0, 0, 0, 1, 1, 2, 23, 23, 23])
    predicted = np.array([0, 1, 1, 2, 1, 0, 2, 22, 22, 23])
    matrix = confusion_counts(true, predicted)
    assert matrix.sum() == len(true) and matrix[0, 1] == 2 and matrix[23, 22] == 2
    table = most_confused(true, predicted, top=3, lang="en")
    assert list(table.columns) == ["true letter", "predicted as", "images", "% of that letter"]
    assert table.values.tolist() == [["A", "B", 2, 50.0], ["Y", "X", 2, 66.7], ["A", "C", 1, 25.0]]
    spanish = most_confused(true, predicted, top=1, lang="es")
    assert next(iter(spanish.columns)) == "letra real"


def test_training_summary_reads_the_last_epoch_and_is_recorded():
    summary = training_summary(fake_history([0.5, 0.97], [0.4, 0.9312]), lang="es")
    assert summary == TrainingSummary(2, 0.97, 0.9312, "es")
    bundle = summary._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Tras 2 épocas, la exactitud es del 97,0\u00a0% en entrenamiento "
        "y del 93,1\u00a0% en validación."
    )
    assert bundle[RECORD_MIME] == {"epochs": 2, "train_accuracy": 0.97, "val_accuracy": 0.9312}
    english = training_summary(fake_history([0.5], [0.25]), lang="en")
    assert str(english) == "After 1 epoch: training accuracy 50.0%, validation accuracy 25.0%."


def test_device_report_names_the_device_tensorflow_sees():
    import tensorflow as tf

    report = device_report(lang="en")
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert report.on_gpu == on_gpu
    assert report.device.startswith("GPU" if on_gpu else "CPU")
    assert report.tensorflow == tf.__version__
    assert report._repr_mimebundle_()[RECORD_MIME] == {"device": report.device}


def test_read_records_merges_what_a_notebook_displayed():
    import nbformat

    notebook = nbformat.v4.new_notebook()
    for record in ({"device": "CPU x"}, {"epochs": 3, "val_accuracy": 0.5}):
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [nbformat.v4.new_output("display_data", data={RECORD_MIME: record})]
        notebook.cells.append(cell)
    assert read_records(notebook) == {"device": "CPU x", "epochs": 3, "val_accuracy": 0.5}


@pytest.mark.parametrize(
    ("env", "folder", "expected"),
    [(None, "es", "es"), (None, "en", "en"), (None, "elsewhere", "en"), ("es", "en", "es")],
)
def test_notebook_language(env, folder, expected, tmp_path: Path, monkeypatch):
    (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / folder)
    if env:
        monkeypatch.setenv("COURSE_LANG", env)
    else:
        monkeypatch.delenv("COURSE_LANG", raising=False)
    assert i18n.notebook_language() == expected
    assert i18n.pick(None, es="sí", en="yes") == ("sí" if expected == "es" else "yes")


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="fr"):
        i18n.pick("fr", es="sí", en="yes")
