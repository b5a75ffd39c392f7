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
from course_utils.i18n import format_number, format_percent
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
LOG_LINE = re.compile(
    r"^\d+/\d+ - (\d+)s - .* - accuracy: ([\d.]+) - .* val_accuracy: ([\d.]+) - val_loss", re.M
)
TABLE_ROW = re.compile(r"^\d+\s+([A-Z])\s+([A-Z])\s+(\d+)\s+([\d.,]+)$", re.M)
ARROW = "\u2192"
EPOCH = {"es": "época", "en": "epoch"}
AND = {"es": "y", "en": "and"}
# Small numbers as the text writes them in words (cardinal; ordinal for "the second epoch").
CARDINAL_EN = "zero one two three four five six seven eight nine ten eleven twelve thirteen"
CARDINAL_ES = "cero una dos tres cuatro cinco seis siete ocho nueve diez once doce trece"
ORDINAL_EN = "zeroth first second third fourth fifth sixth seventh eighth ninth tenth"
ORDINAL_ES = "cero primera segunda tercera cuarta quinta sexta séptima octava novena décima"
WORDS = {"en": CARDINAL_EN.split(" "), "es": CARDINAL_ES.split(" ")}
ORDINALS = {"en": ORDINAL_EN.split(" "), "es": ORDINAL_ES.split(" ")}
TIMING = re.compile(r"\d\s*(?:s\b|seconds|segundos|minutes|minutos)")


def lesson_path(pattern: str, lang: str) -> Path:
    [lesson] = COURSE.lessons(pattern)
    return lesson.path(lang)


def cells(path: Path) -> dict[str, object]:
    return {cell.get("id"): cell for cell in read_notebook(path).cells}


def stored_text(path: Path, cell_id: str) -> str:
    """What the cell ``cell_id`` printed or returned, as text."""
    outputs = cells(path)[cell_id].outputs
    return "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in outputs)


def stored_log(path: Path) -> list[tuple[int, float]]:
    """(seconds, validation accuracy) of each epoch in the stored log of the cell "train"."""
    log = LOG_LINE.findall(stored_text(path, "train"))
    return [(int(seconds), float(accuracy)) for seconds, _, accuracy in log]


def stored_train_accuracies(path: Path) -> list[float]:
    return [float(accuracy) for _, accuracy, _ in LOG_LINE.findall(stored_text(path, "train"))]


def stored_pairs(path: Path) -> list[tuple[str, str, int]]:
    """(true letter, predicted letter, images) of the stored table of the cell "confusion"."""
    return [(t, p, int(n)) for t, p, n, _ in TABLE_ROW.findall(stored_text(path, "confusion"))]


def percent(value: float, lang: str) -> str:
    return format_percent(value, 2, lang)


def epochs_named(accuracies: list[float], value: float, lang: str) -> str:
    """ "epoch 5", or "epochs 5 and 9" when the log reaches ``value`` in more than one epoch."""
    numbers = [str(i + 1) for i, a in enumerate(accuracies) if a == value]
    if len(numbers) == 1:
        return f"{EPOCH[lang]} {numbers[0]}"
    return f"{EPOCH[lang]}s {', '.join(numbers[:-1])} {AND[lang]} {numbers[-1]}"


def quoted_with_epochs(accuracies: list[float], value: float, lang: str) -> str:
    return f"{percent(value, lang)} ({epochs_named(accuracies, value, lang)})"


def quoted_figures(path: Path, lang: str) -> list[str]:
    """What 04a's text must quote from the stored run of the lesson at ``path``: final, mean and
    lowest of the last three, and best (with its epoch) validation accuracies, and the three most
    frequent mix-ups with their counts."""
    accuracies = [accuracy for _, accuracy in stored_log(path)]
    return [
        percent(accuracies[-1], lang),
        percent(sum(accuracies[-3:]) / 3, lang),
        percent(min(accuracies[-3:]), lang),
        quoted_with_epochs(accuracies, max(accuracies), lang),
        *(f"{t} {ARROW} {p} ({n})" for t, p, n in stored_pairs(path)[:3]),
    ]


def table_row(compare: str, label: str) -> list[str]:
    """The two figures of the comparison table's row that starts with ``label``."""
    [row] = [line for line in compare.splitlines() if line.startswith(f"| {label} |")]
    return [cell.strip() for cell in row.strip("|").split("|")[1:]]


ROWS = {  # label of the row in 04a's comparison table: final, mean, lowest, best
    "es": (
        "exactitud final de validación",
        "exactitud media de validación en las tres últimas épocas",
        "la más baja de las tres últimas épocas",
        "mejor exactitud de validación",
    ),
    "en": (
        "final validation accuracy",
        "mean validation accuracy of the last three epochs",
        "lowest of the last three epochs",
        "best validation accuracy",
    ),
}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04as_comparison_quotes_each_lesson_in_its_column(lang: str):
    """Every figure of the table comes from the stored run of its own lesson (03's from its
    English notebook), in the row that names it."""
    compare = cells(lesson_path("04a_*", lang))["compare"].source
    figures = {
        name: quoted_figures(lesson_path(name, "en" if name == "03_*" else lang), lang)
        for name in ("03_*", "04a_*")
    }
    for index, label in enumerate(ROWS[lang]):
        assert table_row(compare, label) == [figures["03_*"][index], figures["04a_*"][index]]
    mixups = table_row(
        compare,
        {"es": "las confusiones más frecuentes", "en": "the most frequent mix-ups"}[lang]
        + (", con su número de imágenes" if lang == "es" else ", with their number of images"),
    )
    assert mixups == [", ".join(figures["03_*"][4:]), ", ".join(figures["04a_*"][4:])]
    epochs = [len(stored_log(lesson_path(name, "en"))) for name in ("03_*", "04a_*")]
    assert table_row(compare, EPOCH[lang] + "s") == [str(n) for n in epochs]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_quotes_the_final_accuracies_where_it_names_them(lang: str):
    final03 = percent(stored_log(lesson_path("03_*", "en"))[-1][1], lang)
    final04a = percent(stored_log(lesson_path("04a_*", lang))[-1][1], lang)
    text = cells(lesson_path("04a_*", lang))
    assert final03 in text["title"].source
    assert final04a in text["results-discussion"].source
    means = [quoted_figures(lesson_path(n, "en"), lang)[1] for n in ("03_*", "04a_*")]
    assert all(mean in text["next-steps"].source for mean in means)
    assert final04a in cells(lesson_path("04b_*", lang))["title"].source
    last = [a for _, a in stored_log(lesson_path("04a_*", lang))[-3:]]
    between = {"es": "entre el {} y el {}", "en": "between {} and {}"}[lang]
    low, high = percent(min(last), lang), percent(max(last), lang)
    assert between.format(low, high) in text["next-steps"].source


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_and_04b_have_no_placeholders_left(lang: str):
    for name in ("04a_*", "04b_*"):
        for cell in read_notebook(lesson_path(name, lang)).cells:
            if cell.cell_type == "markdown":
                assert "TBD" not in cell.source and "\u27e6" not in cell.source, cell.get("id")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04as_comparison_counts_the_wrong_images_of_each_stored_run(lang: str):
    """03's wrong images follow from its final accuracy (its notebook does not print the count),
    04a's are printed by its cell "predictions"; the text quotes their difference and the number
    of pairs left in 04a's confusion table."""
    lesson03, lesson04a = lesson_path("03_*", "en"), lesson_path("04a_*", lang)
    valid = int(re.search(r"\(\d+, 28, 28, 1\), \((\d+),", stored_text(lesson04a, "prepare"))[1])
    final03 = stored_log(lesson03)[-1][1]
    wrong03 = round(valid * (1 - final03))
    assert abs(wrong03 / valid - (1 - final03)) <= 0.00005  # the only count the 4 decimals allow
    wrong04a = int(stored_text(lesson04a, "predictions"))
    assert wrong04a / valid == pytest.approx(1 - stored_log(lesson04a)[-1][1], abs=0.00005)
    of = {"es": "de", "en": "of"}[lang]
    shown = format_number(valid, 0, lang)
    compare = cells(lesson04a)["compare"].source
    label = {
        "es": "imágenes de validación erróneas al final",
        "en": "wrong validation images at the end",
    }
    assert table_row(compare, label[lang]) == [
        f"{wrong03} {of} {shown}",
        f"{wrong04a} {of} {shown}",
    ]
    assert f" {wrong03 - wrong04a} " in compare
    pairs = len(stored_pairs(lesson04a))
    assert {"es": f"solo {pairs} parejas", "en": f"just {pairs} pairs"}[lang] in compare


def share_in_words(share: float, letter: str, lang: str) -> str:
    """A share of a letter's images (in %) as the text words it: "almost a quarter of the U's"."""
    if abs(share - 25) < 0.5:
        quarter = {"es": "una cuarta parte", "en": "a quarter"}[lang]
    elif 22 <= share < 25:
        quarter = {"es": "casi una cuarta parte", "en": "almost a quarter"}[lang]
    else:
        pytest.fail(f"{share}% of the {letter}'s: the text needs new words for this share")
    return {"es": f"{quarter} de las {letter}", "en": f"{quarter} of the {letter}'s"}[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04as_comparison_says_which_of_03s_mix_ups_are_gone(lang: str):
    """03's three most frequent mix-ups are not in 04a's stored table, and the text names them,
    the first with its count and its share of the letter's images, in words."""
    lesson03, lesson04a = lesson_path("03_*", "en"), lesson_path("04a_*", lang)
    rows03 = TABLE_ROW.findall(stored_text(lesson03, "confusion"))[:3]
    left = {(t, p) for t, p, _ in stored_pairs(lesson04a)}
    assert not left & {(t, p) for t, p, _, _ in rows03}
    compare = cells(lesson04a)["compare"].source
    true, predicted, count, share = rows03[0]
    sentence = next(s for s in compare.split(". ") if f"{true} {ARROW} {predicted}, " in s)
    assert f" {count} " in sentence
    assert share_in_words(float(share.replace(",", ".")), true, lang) in sentence
    for t, p, _, _ in rows03[1:]:
        assert f"{t} {ARROW} {p}" in sentence


def points_in_words(points: float, lang: str) -> str:
    """A swing in percentage points as the text words it: "eight points", "almost 10 points"."""
    whole = round(points)
    if abs(points - whole) < 0.05:
        return f"{WORDS[lang][whole]} {'puntos' if lang == 'es' else 'points'}"
    if points < whole:
        return {"es": f"casi {whole} puntos", "en": f"almost {whole} points"}[lang]
    return {"es": f"más de {int(points)} puntos", "en": f"more than {int(points)} points"}[lang]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04as_comparison_says_why_it_uses_means_and_names_three_differences(lang: str):
    """03's validation accuracy swings from one epoch to another even after its first epoch:
    the text quotes the swing, in words, and its lowest and best epochs from the stored log, says
    it is one seed, and counts three differences, not two."""
    accuracies = [a for _, a in stored_log(lesson_path("03_*", "en"))]
    after_first = accuracies[1:]
    low, high = min(after_first), max(after_first)
    compare = cells(lesson_path("04a_*", lang))["compare"].source
    for value in (low, high):
        shown = quoted_with_epochs(accuracies, value, lang)
        assert f"{'el ' if lang == 'es' else ''}{shown}" in compare, shown
    words = {
        "es": ("Sin contar su primera época", "una sola semilla", "tres diferencias"),
        "en": ("Leaving its first epoch aside", "one seed", "three differences"),
    }[lang] + (
        {"es": "tres cosas", "en": "three ways"}[lang],
        points_in_words(100 * (high - low), lang),
    )
    for phrase in words:
        assert phrase in compare, phrase
    assert {"es": "dos cambios", "en": "two changes"}[lang] not in compare


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_quotes_no_timings_and_no_unstored_trial(lang: str):
    """Timings depend on the machine: the text points at the log instead. And nothing stored
    shows a trial run before the lesson's, so the text does not mention one."""
    text = cells(lesson_path("04a_*", lang))
    for cell_id in ("train-intro", "compare", "results-discussion"):
        assert not TIMING.search(text[cell_id].source), (
            cell_id,
            TIMING.search(text[cell_id].source),
        )
    prose = "\n".join(c.source for c in text.values() if c.cell_type == "markdown")
    gone = {
        "es": ("prueba previa", "antes de esta ejecución", "tomada después de una prueba"),
        "en": ("trial before this run", "before this run", "made after a trial"),
    }
    for phrase in gone[lang]:
        assert phrase not in prose, phrase
    assert "benchmarks/training_speed.py" in text["compare"].source


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("lesson", ["02_*", "04a_*"])
def test_says_two_log_lines_per_epoch_as_the_stored_log_shows(lesson: str, lang: str):
    path = lesson_path(lesson, lang)
    log = [line for line in stored_text(path, "train").splitlines() if line.strip()]
    epochs = len(stored_log(path))
    assert len(log) == 2 * epochs
    assert all(line.startswith("Epoch ") for line in log[::2])
    intro = cells(path)["train-intro"].source
    assert {"es": "dos líneas por época", "en": "two lines per epoch"}[lang] in intro
    assert {"es": "una línea por época", "en": "one line per epoch"}[lang] not in intro


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_compares_training_accuracy_with_03s_stored_log(lang: str):
    """The text's "03 passed 99% in the second epoch; 04a stays under 99% for its first nine
    epochs", with the epochs read from the two stored logs."""
    first_03 = next(
        i for i, a in enumerate(stored_train_accuracies(lesson_path("03_*", "en"))) if a >= 0.99
    )
    path = lesson_path("04a_*", lang)
    first_04a = next(i for i, a in enumerate(stored_train_accuracies(path)) if a >= 0.99)
    intro = cells(path)["train-intro"].source
    words = {
        "es": (
            f"en la {ORDINALS['es'][first_03 + 1]} época",
            f"durante sus {WORDS['es'][first_04a]} primeras épocas",
        ),
        "en": (
            f"in the {ORDINALS['en'][first_03 + 1]} epoch",
            f"for its first {WORDS['en'][first_04a]} epochs",
        ),
    }
    assert all(phrase in intro for phrase in words[lang]), words[lang]
    since = {"es": "desde la {} época", "en": "from the {} epoch"}[lang]
    assert since.format(ORDINALS[lang][first_03 + 1]) in cells(path)["results-discussion"].source


FIRST_OR_NEXT = re.compile(
    r"(\d+[.,]\d\d\u00a0?%) (?:after the|tras la) (\w+)(?: (?:epoch|época|one))?"
)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04as_results_discussion_quotes_its_stored_log(lang: str):
    """Every validation accuracy it quotes "after the sixth epoch" (or "the next one") is that
    epoch's in the stored log; the last three and the best come with their epoch; "from epoch k
    on it stays above x%" holds from epoch k and not from the one before; and the final training
    accuracies of 03 and 04a are quoted, 04a's compared in words with its validation accuracy."""
    path = lesson_path("04a_*", lang)
    accuracies = [a for _, a in stored_log(path)]
    text = cells(path)["results-discussion"].source
    epoch = 0
    found = FIRST_OR_NEXT.findall(text)
    assert len(found) >= 3, found
    for shown, word in found:
        epoch = epoch + 1 if word in ("next", "siguiente") else ORDINALS[lang].index(word)
        assert shown == percent(accuracies[epoch - 1], lang), (shown, word)
    last = [percent(a, lang) for a in accuracies[-3:]]
    assert {
        "es": f"del {last[0]}, {last[1]} y {last[2]}",
        "en": f"{last[0]}, {last[1]} and {last[2]}",
    }[lang] in text
    best = max(accuracies)
    best_epoch = epochs_named(accuracies, best, lang)
    assert {
        "es": f"el {percent(best, lang)}, llegó en la {best_epoch}",
        "en": f"{percent(best, lang)}, came at {best_epoch}",
    }[lang] in text
    pattern = {
        "es": r"desde la época (\d+) se mantiene por encima del (\d+)\u00a0%",
        "en": r"from epoch (\d+) on it stays above (\d+)%",
    }
    since, above = map(int, re.search(pattern[lang], text).groups())
    assert min(accuracies[since - 1 :]) > above / 100 >= accuracies[since - 2]
    train03 = stored_train_accuracies(lesson_path("03_*", "en"))[-1]
    train04a = stored_train_accuracies(path)[-1]
    if abs(train04a - accuracies[-1]) < 0.0005:
        relation = {"es": "prácticamente igual que ella", "en": "level with it"}
    elif train04a < accuracies[-1]:
        relation = {"es": "algo por debajo de ella", "en": "slightly below it"}
    else:
        relation = {"es": "algo por encima de ella", "en": "slightly above it"}
    assert {
        "es": f"terminó en el {percent(train03, lang)}",
        "en": f"ended at {percent(train03, lang)}",
    }[lang] in text
    assert {
        "es": f"aquí termina en el {percent(train04a, lang)}, {relation['es']}",
        "en": f"here it ends at {percent(train04a, lang)}, {relation['en']}",
    }[lang] in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_04a_describes_the_cosine_schedule_as_its_formula_gives_it(lang: str):
    """Flat at both ends, steepest in the middle: the drops per epoch the text quotes are the
    formula's with the lesson's parameters and the stored step counts."""
    import math

    path = lesson_path("04a_*", lang)
    per_epoch, total = map(int, re.findall(r"\d+", stored_text(path, "schedule")))
    epochs = total // per_epoch

    def rate(epoch: float) -> float:
        return 0.001 * (1 + math.cos(math.pi * epoch * per_epoch / total)) / 2

    drops = [rate(e) - rate(e + 1) for e in range(epochs)]
    steepest = max(range(epochs), key=drops.__getitem__)
    assert drops[0] == pytest.approx(drops[-1]) and steepest == epochs // 2
    intro = cells(path)["schedule-intro"].source
    for value, decimals in ((drops[0], 6), (drops[steepest], 5), (rate(epochs / 2), 4)):
        assert format_number(value, decimals, lang) in intro
    between = {
        "es": "entre las {} y las {} épocas completadas",
        "en": "between {} and {} epochs completed",
    }
    assert between[lang].format(steepest, steepest + 1) in intro
    assert {"es": "cae deprisa hacia el final", "en": "falls quickly towards the end"}[
        lang
    ] not in intro


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
