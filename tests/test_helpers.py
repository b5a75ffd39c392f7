"""The helpers the notebooks call: plots, confusion summaries, records, language choice."""

from __future__ import annotations

import re
import types
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from course_utils import i18n
from course_utils.data import LETTERS, locate_dataset
from course_utils.evaluation import accuracy_per_letter, confusion_counts, most_confused
from course_utils.layout import find_course
from course_utils.plots import (
    CORRECT_MARK,
    WRONG_MARK,
    plot_accuracy_per_letter,
    plot_confusion_matrix,
    plot_history,
    show_feature_maps,
    show_filters,
    show_predictions,
    show_sample_images,
)
from course_utils.records import (
    RECORD_MIME,
    TrainingSummary,
    device_report,
    training_summary,
)

NBSP = "\u00a0"


@pytest.fixture(scope="module")
def valid_rows() -> tuple[np.ndarray, np.ndarray]:
    """The first 200 rows of the prepared validation file: pixels in 0-1 and labels."""
    frame = pd.read_csv(locate_dataset(find_course().data) / "sign_mnist_valid.csv", nrows=200)
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


@pytest.mark.parametrize(("lang", "separator"), [("es", ","), ("en", ".")])
def test_history_plot_writes_decimals_as_the_language_does(lang, separator):
    figure = plot_history(fake_history([0.5, 0.9, 0.99], [0.4, 0.8, 0.7]), lang=lang)
    figure.canvas.draw()
    for ax in figure.axes:
        labels = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert labels and all(separator in label for label in labels), labels
        other = "." if separator == "," else ","
        assert not any(other in label for label in labels), labels


def test_prediction_gallery_marks_mistakes_in_red_and_with_a_cross(valid_rows):
    pixels, labels = valid_rows
    predicted = labels.copy()
    predicted[:5] = (labels[:5] + 1) % 24  # five known mistakes
    figure = show_predictions(pixels, labels, predicted, count=8, seed=0, lang="en")
    shown = [ax for ax in figure.axes if ax.get_title()]
    wrong = [ax for ax in shown if ax.title.get_color() == "#cf222e"]
    assert len(shown) == 8 and len(wrong) == 4
    for ax in shown:
        predicted_letter, true_letter = (line.split(": ")[1] for line in ax.get_title().split("\n"))
        mark = WRONG_MARK if ax in wrong else CORRECT_MARK
        assert ax.get_title().startswith(f"{mark} predicted: ")
        assert (predicted_letter != true_letter) == (ax in wrong)


def test_prediction_gallery_without_mistakes(valid_rows):
    pixels, labels = valid_rows
    figure = show_predictions(pixels, labels, labels, count=6, lang="es")
    shown = [ax.get_title() for ax in figure.axes if ax.get_title()]
    assert len(shown) == 6 and all(t.startswith(f"{CORRECT_MARK} predicha: ") for t in shown)


def test_confusion_counts_and_most_confused():
    true = np.array([0, 0, 0, 0, 1, 1, 2, 23, 23, 23])
    predicted = np.array([0, 1, 1, 2, 1, 0, 2, 22, 22, 23])
    matrix = confusion_counts(true, predicted)
    assert matrix.sum() == len(true) and matrix[0, 1] == 2 and matrix[23, 22] == 2
    table = most_confused(true, predicted, top=3, lang="en")
    assert list(table.columns) == ["true letter", "predicted as", "images", "% of that letter"]
    assert table.values.tolist() == [
        ["A", "B", 2, "50.0"],
        ["Y", "X", 2, "66.7"],
        ["A", "C", 1, "25.0"],
    ]
    spanish = most_confused(true, predicted, top=3, lang="es")
    assert list(spanish.columns) == ["letra real", "predicha como", "imágenes", "% de esa letra"]
    assert spanish.iloc[:, 3].tolist() == ["50,0", "66,7", "25,0"]
    assert "66,7" in spanish.to_string() and "66.7" not in spanish.to_string()


def test_accuracy_per_letter_on_real_labels(valid_rows):
    _, labels = valid_rows
    predicted = labels.copy()
    first = labels[0]
    mistakes = np.flatnonzero(labels == first)[:2]
    predicted[mistakes] = (first + 1) % 24
    accuracy = accuracy_per_letter(labels, predicted)
    assert list(accuracy.index) == list(LETTERS)
    count = (labels == first).sum()
    assert accuracy[LETTERS[first]] == pytest.approx((count - 2) / count)
    others = [LETTERS[k] for k in np.unique(labels) if k != first]
    assert (accuracy[others] == 1).all()
    absent = [letter for k, letter in enumerate(LETTERS) if k not in set(labels)]
    assert accuracy[absent].isna().all()


@pytest.mark.parametrize(("lang", "true_axis"), [("es", "letra real"), ("en", "true letter")])
def test_confusion_matrix_heatmap_has_letters_on_both_axes(valid_rows, lang, true_axis):
    _, labels = valid_rows
    predicted = labels.copy()
    predicted[:3] = (labels[:3] + 1) % 24
    figure = plot_confusion_matrix(labels, predicted, lang=lang)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(LETTERS)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(LETTERS)
    assert ax.get_ylabel() == true_axis
    np.testing.assert_allclose(
        ax.images[0].get_array().sum(axis=1)[np.unique(labels)], 1.0
    )  # each row of shares adds up to 1
    counts = confusion_counts(labels, predicted)
    written = sorted(int(t.get_text()) for t in ax.texts)
    assert written == sorted(counts[counts > 0].tolist())


@pytest.mark.parametrize(
    ("lang", "legend"), [("es", "todas las letras: "), ("en", "all letters: ")]
)
def test_accuracy_per_letter_chart(valid_rows, lang, legend):
    _, labels = valid_rows
    predicted = labels.copy()
    predicted[:20] = (labels[:20] + 1) % 24
    figure = plot_accuracy_per_letter(labels, predicted, lang=lang)
    ax = figure.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(LETTERS)
    heights = [bar.get_height() for bar in ax.patches]
    expected = accuracy_per_letter(labels, predicted).to_numpy()
    np.testing.assert_allclose(heights, expected)
    label = ax.get_legend().get_texts()[0].get_text()
    assert label == legend + i18n.format_percent(0.9, 1, lang)  # 180 of 200 right
    figure.canvas.draw()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks[-1] == ("100" + NBSP + "%" if lang == "es" else "100%")


def lesson_model():
    """The lesson's CNN, built and untrained (the layers of the notebook's "model" cell)."""
    import keras
    from keras.layers import BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPool2D

    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            Conv2D(75, (3, 3), strides=1, padding="same", activation="relu"),
            BatchNormalization(),
            MaxPool2D((2, 2), strides=2, padding="same"),
            Conv2D(50, (3, 3), strides=1, padding="same", activation="relu"),
            Dropout(0.2),
            BatchNormalization(),
            MaxPool2D((2, 2), strides=2, padding="same"),
            Conv2D(25, (3, 3), strides=1, padding="same", activation="relu"),
            BatchNormalization(),
            MaxPool2D((2, 2), strides=2, padding="same"),
            Flatten(),
            Dense(512, activation="relu"),
            Dropout(0.3),
            Dense(24, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def model():
    return lesson_model()


def test_filters_show_every_kernel_of_the_first_layer(model):
    figure = show_filters(model.layers[0], lang="en")
    shown = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    kernel = model.layers[0].get_weights()[0]
    assert len(shown) == 75
    for index in (0, 37, 74):
        np.testing.assert_array_equal(shown[index], kernel[:, :, 0, index])
    limits = {ax.images[0].get_clim() for ax in figure.axes if ax.images}
    assert len(limits) == 1, "all filters must share one colour scale"
    assert figure._suptitle.get_text() == "The 75 3\u00d73 filters of the first Conv2D layer"
    for other in (model.layers[3], model.layers[4]):  # 75 input channels; no weights at all
        with pytest.raises(ValueError, match="one-channel"):
            show_filters(other)


def test_feature_maps_follow_the_image_through_the_blocks(model, valid_rows):
    import keras

    pixels, _ = valid_rows
    figure = show_feature_maps(model, pixels[0], channels=4, lang="es")
    rows = [ax for ax in figure.axes if ax.get_visible() and ax.get_ylabel()]
    names = [ax.get_ylabel().split("\n")[0] for ax in rows]
    kinds = [re.sub(r"_\d+$", "", name) for name in names]  # Keras numbers repeated names
    assert kinds == ["imagen"] + ["conv2d", "max_pooling2d"] * 3
    assert names[1:] == [
        layer.name for layer in model.layers if re.match(r"(conv|max_)", layer.name)
    ]
    sizes = [ax.images[0].get_array().shape for ax in rows]
    assert sizes == [(28, 28), (28, 28), (14, 14), (14, 14), (7, 7), (7, 7), (4, 4)]
    # The first map of the first Conv2D is that layer's output for this image.
    probe = keras.Model(model.inputs[0], model.layers[0].output)
    expected = probe(pixels[:1].reshape(1, 28, 28, 1))[0, :, :, 0]
    np.testing.assert_allclose(rows[1].images[0].get_array(), expected, rtol=1e-5, atol=1e-6)


def test_training_summary_reads_the_last_epoch_and_is_recorded():
    summary = training_summary(fake_history([0.5, 0.97], [0.4, 0.9312]), lang="es")
    assert summary == TrainingSummary(2, 0.97, 0.9312, "es")
    bundle = summary._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Tras 2 épocas, la exactitud es del 97,00\u00a0% en entrenamiento "
        "y del 93,12\u00a0% en validación."
    )
    assert bundle[RECORD_MIME] == {"epochs": 2, "train_accuracy": 0.97, "val_accuracy": 0.9312}
    english = training_summary(fake_history([0.5], [0.25]), lang="en")
    assert str(english) == "After 1 epoch: training accuracy 50.00%, validation accuracy 25.00%."


@pytest.mark.parametrize(
    ("value", "spanish", "english"),
    [
        (0.9997450113296509, "99,97\u00a0%", "99.97%"),  # the lesson's stored run
        (0.99999, "99,99\u00a0%", "99.99%"),  # below 1: never shown as 100
        (1.0, "100,00\u00a0%", "100.00%"),
    ],
)
def test_training_summary_never_rounds_up_to_100(value, spanish, english):
    assert f"del {spanish} en entrenamiento" in str(TrainingSummary(3, value, 0.5, "es"))
    assert f"training accuracy {english}," in str(TrainingSummary(3, value, 0.5, "en"))


@pytest.mark.parametrize(
    ("value", "decimals", "spanish", "english"),
    [
        (2100, 0, "2100", "2,100"),
        (264049, 0, "264\u00a0049", "264,049"),
        (13.16, 1, "13,2", "13.2"),
    ],
)
def test_numbers_are_written_as_each_language_writes_them(value, decimals, spanish, english):
    assert i18n.format_number(value, decimals, "es") == spanish
    assert i18n.format_number(value, decimals, "en") == english


def test_the_language_is_the_one_given_else_the_notebooks(monkeypatch):
    monkeypatch.setenv("COURSE_LANG", "es")
    assert [i18n.resolve_language(lang) for lang in ("en", None)] == ["en", "es"]
    with pytest.raises(ValueError, match="'fr'"):
        i18n.resolve_language("fr")


@pytest.mark.parametrize("lang", ["es", "en"])
def test_device_report_on_a_cpu_claims_no_time_for_this_machine(lang):
    from course_utils.records import DeviceReport

    text = str(DeviceReport("CPU", "Some CPU", 2, "2.21.0", "3.15.1", lang))
    assert "2.21.0" in text and "Some CPU" in text
    assert (
        "TensorFlow no detectó ninguna GPU" if lang == "es" else "TensorFlow detected no GPU"
    ) in text
    for claim in ("minut", "portátil", "laptop", "medio", "half"):
        assert claim not in text


def test_device_report_names_the_device_tensorflow_sees():
    import tensorflow as tf

    report = device_report(lang="en")
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert report.on_gpu == on_gpu
    assert report.device.startswith("GPU" if on_gpu else "CPU")
    assert report.tensorflow == tf.__version__
    assert report._repr_mimebundle_()[RECORD_MIME] == {"device": report.device}


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
