"""Lessons 04a and 04b: the figures 04a's text quotes (from lesson 03's stored run and from its
own), the goal of 04a's stored run, and the helpers that 04b calls."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from course_utils.evaluation import top_predictions
from course_utils.i18n import format_percent
from course_utils.layout import LANGUAGES, find_course
from course_utils.photos import save_not_a_hand, save_photo_like
from course_utils.plots import (
    plot_learning_rate,
    show_augmented,
    show_batch,
    show_image_files,
    show_preprocessing,
)
from course_utils.records import RECORD_MIME, ValidationSummary, validation_summary
from course_utils.saved_models import ModelDamagedError, ModelNotFoundError, require_saved_model
from course_utils.tools.notebook_io import read_notebook
from course_utils.tools.run_report import read_records

COURSE = find_course()
LOG_LINE = re.compile(r"^\d+/\d+ - (\d+)s - .* val_accuracy: ([\d.]+) - val_loss", re.M)
TABLE_ROW = re.compile(r"^\d+\s+([A-Z])\s+([A-Z])\s+(\d+)\s+[\d.,]+$", re.M)
ARROW = "\u2192"
EPOCH = {"es": "época", "en": "epoch"}
SECONDS = {"es": "entre {} y {} segundos", "en": "between {} and {} seconds"}


def lesson_path(pattern: str, lang: str) -> Path:
    [lesson] = COURSE.lessons(pattern)
    return lesson.path(lang)


def cells(path: Path) -> dict[str, object]:
    return {cell.get("id"): cell for cell in read_notebook(path).cells}


def stored_log(path: Path) -> list[tuple[int, float]]:
    """(seconds, validation accuracy) of each epoch in the stored log of the cell "train"."""
    train = cells(path)["train"]
    text = "".join(output.get("text", "") for output in train.outputs)
    return [(int(seconds), float(accuracy)) for seconds, accuracy in LOG_LINE.findall(text)]


def stored_pairs(path: Path) -> list[tuple[str, str, int]]:
    """(true letter, predicted letter, images) of the stored table of the cell "confusion"."""
    output = cells(path)["confusion"].outputs[0]
    return [(t, p, int(n)) for t, p, n in TABLE_ROW.findall(output["data"]["text/plain"])]


def quoted_figures(path: Path, lang: str) -> list[str]:
    """What 04a's text must quote from the stored run of the lesson at ``path``: final, best
    (with its epoch) and lowest of the last three validation accuracies, and the three most
    frequent mix-ups with their counts."""
    log = stored_log(path)
    accuracies = [accuracy for _, accuracy in log]
    best = max(range(len(accuracies)), key=lambda i: (accuracies[i], -i))
    return [
        format_percent(accuracies[-1], 2, lang),
        f"{format_percent(accuracies[best], 2, lang)} ({EPOCH[lang]} {best + 1})",
        format_percent(min(accuracies[-3:]), 2, lang),
        *(f"{t} {ARROW} {p} ({n})" for t, p, n in stored_pairs(path)[:3]),
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_quotes_lesson_03s_stored_run(lang: str):
    """Lesson 03's figures in 04a come from 03's stored English notebook (the epoch times from
    both of its notebooks), never retyped."""
    lesson03 = lesson_path("03_*", "en")
    text = cells(lesson_path("04a_*", lang))
    compare = text["compare"].source
    for figure in quoted_figures(lesson03, lang):
        assert figure in compare, f"{figure!r} missing from 04a's comparison ({lang})"
    final = format_percent(stored_log(lesson03)[-1][1], 2, lang)
    assert final in text["title"].source
    seconds = [s for other in LANGUAGES for s, _ in stored_log(lesson_path("03_*", other))]
    assert SECONDS[lang].format(min(seconds), max(seconds)) in text["train-intro"].source


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_quotes_its_own_stored_run(lang: str):
    path = lesson_path("04a_*", lang)
    text = cells(path)
    compare = text["compare"].source
    for figure in quoted_figures(path, lang):
        assert figure in compare, f"{figure!r} missing from 04a's comparison ({lang})"
    seconds = [s for s, _ in stored_log(path)]
    assert SECONDS[lang].format(min(seconds), max(seconds)) in text["train-intro"].source
    final = format_percent(stored_log(path)[-1][1], 2, lang)
    assert final in text["results-discussion"].source
    assert final in cells(lesson_path("04b_*", lang))["title"].source


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04as_stored_run_reaches_the_lessons_goal(lang: str):
    """Final validation accuracy at least 0.99, each of the last three epochs at least 0.98."""
    records = read_records(read_notebook(lesson_path("04a_*", lang)))
    assert records["val_accuracy"] >= 0.99
    assert len(records["last_val_accuracies"]) == 3
    assert min(records["last_val_accuracies"]) >= 0.98
    assert records["last_val_accuracies"][-1] == records["val_accuracy"]


# --------------------------------------------------------------------------- the helpers


def fake_history(val_accuracy):
    import types

    return types.SimpleNamespace(history={"val_accuracy": val_accuracy})


def test_validation_summary_keeps_the_first_best_epoch_and_the_last_three():
    summary = validation_summary(fake_history([0.5, 0.99, 0.97, 0.99, 0.985]), lang="en")
    assert summary == ValidationSummary(2, 0.99, (0.97, 0.99, 0.985), "en")
    assert str(summary) == (
        "Best validation accuracy: 99.00%, at epoch 2. Over the last 3 epochs: 97.00%, "
        "99.00% and 98.50%."
    )
    spanish = validation_summary(fake_history([0.5, 0.99, 0.97, 0.99, 0.985]), lang="es")
    assert str(spanish) == (
        "La mejor exactitud de validación, del 99,00\u00a0%, se alcanzó en la época 2. En las 3 "
        "últimas épocas: 97,00\u00a0%, 99,00\u00a0% y 98,50\u00a0%."
    )
    assert summary._repr_mimebundle_()[RECORD_MIME] == {
        "best_epoch": 2,
        "best_val_accuracy": 0.99,
        "last_val_accuracies": (0.97, 0.99, 0.985),
    }
    single = validation_summary(fake_history([0.25]), lang="es")
    assert str(single).endswith("En la última época: 25,00\u00a0%.")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_missing_model_names_the_lesson_and_the_command(lang: str, tmp_path: Path):
    path = tmp_path / "04a_augmentation.keras"
    with pytest.raises(ModelNotFoundError) as raised:
        require_saved_model(path, lang=lang)
    message = str(raised.value)
    assert str(path) in message and "04a_augmentation.ipynb" in message
    assert f"python -m course_utils run --pattern '04a_*' --lang {lang}" in message
    assert message.startswith({"es": "No encuentro el modelo", "en": "Cannot find the model"}[lang])
    assert isinstance(raised.value, FileNotFoundError)
    path.write_bytes(b"model")  # there, but not a .keras archive: tests/test_lesson_04b_files.py
    with pytest.raises(ModelDamagedError):
        require_saved_model(str(path), lang=lang)


def test_photo_like_files_hide_the_validation_image_in_their_centre(tmp_path: Path):
    from PIL import Image

    pixels = np.zeros((28, 28))
    pixels[6:22, 10:18] = 255  # a bright bar: easy to find again
    for name, side in (("a.png", 240), ("b.jpg", 300)):
        path = save_photo_like(pixels, tmp_path / name, side=side, seed=1)
        with Image.open(path) as image:
            assert image.mode == "RGB" and image.size == (side * 4 // 3, side)
            assert image.format == ("PNG" if name.endswith("png") else "JPEG")
            grey = image.convert("L")
            margin = (image.width - side) // 2
            back = np.asarray(grey.crop((margin, 0, margin + side, side)).resize((28, 28)))
        assert np.corrcoef(back.ravel(), pixels.ravel())[0, 1] > 0.95
    with Image.open(save_not_a_hand(tmp_path / "n.png", size=(200, 100))) as image:
        assert image.size == (200, 100) and image.mode == "RGB"


@pytest.mark.parametrize(
    ("lang", "columns", "cell"),
    [
        ("en", ["image", "first", "second", "third"], "B (70.0%)"),
        ("es", ["imagen", "primera", "segunda", "tercera"], "B (70,0\u00a0%)"),
    ],
)
def test_top_predictions_lists_the_three_most_probable_letters(lang, columns, cell):
    probabilities = np.zeros((2, 24))
    probabilities[0, [1, 0, 23]] = [0.7, 0.2, 0.1]
    probabilities[1, 2] = 1.0
    table = top_predictions(probabilities, ["x.png", "y.jpg"], lang=lang)
    assert list(table.columns) == columns
    assert table.iloc[0, 1:].tolist()[0] == cell
    assert [value[0] for value in table.iloc[0, 1:]] == ["B", "A", "Y"]
    assert table.iloc[1, 1].startswith("C (100")
    with pytest.raises(ValueError, match="24 probabilities"):
        top_predictions(np.zeros((1, 3)), ["x"])
    with pytest.raises(ValueError, match="names"):
        top_predictions(probabilities, ["x"])


def test_augmentation_figures(tmp_path: Path):
    rng = np.random.default_rng(0)
    image, versions = rng.random((28, 28, 1)), rng.random((11, 28, 28, 1))
    figure = show_augmented(image, versions, 3, lang="es")
    assert figure._suptitle.get_text() == "Una imagen de la letra D y 11 versiones aumentadas"
    shown = [ax for ax in figure.axes if ax.images]
    assert len(shown) == 12 and shown[0].get_title() == "original"
    np.testing.assert_array_equal(shown[1].images[0].get_array(), versions[0, :, :, 0])
    batch = show_batch(rng.random((32, 28, 28, 1)), np.arange(32) % 24, lang="en")
    assert [ax.get_title() for ax in batch.axes if ax.images][:3] == ["A", "B", "C"]


@pytest.mark.parametrize(("lang", "tick"), [("es", "0,0010"), ("en", "0.0010")])
def test_learning_rate_plot_follows_the_schedule(lang: str, tick: str):
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(0.001, decay_steps=40)
    figure = plot_learning_rate(schedule, steps_per_epoch=10, epochs=4, lang=lang)
    ax = figure.axes[0]
    curve, starts = ax.get_lines()
    np.testing.assert_allclose(curve.get_ydata()[[0, 20, 40]], [0.001, 0.0005, 0.0], atol=1e-7)
    np.testing.assert_array_equal(starts.get_xdata(), [0, 1, 2, 3, 4])
    figure.canvas.draw()
    assert tick in [t.get_text() for t in ax.get_yticklabels()]


def test_image_file_figures(tmp_path: Path):
    from PIL import Image

    paths = [save_not_a_hand(tmp_path / "n.png", size=(120, 90))]
    figure = show_image_files(paths, lang="en")
    assert [ax.get_title() for ax in figure.axes if ax.images] == ["n.png\n120\u00d790"]
    grey = Image.open(paths[0]).convert("L")
    square, small = grey.crop((15, 0, 105, 90)), grey.resize((28, 28))
    stages = show_preprocessing(grey, square, small, lang="es")
    assert [ax.get_title() for ax in stages.axes] == [
        "en gris: 120\u00d790",
        "cuadrado central: 90\u00d790",
        "reducida: 28\u00d728",
    ]


def test_the_new_images_folder_is_a_build_product():
    assert COURSE.new_images.parent == COURSE.build
