"""Lesson 03: its cells survive being run again, what its prose says about the data is what the
data shows, and the figures it quotes from its run are those of its stored outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbclient import NotebookClient
from test_lesson_02 import log_of, percent, stored_text
from test_lesson_04 import TABLE_ROW

from course_utils.i18n import format_percent
from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.notebook_io import read_notebook

COURSE = find_course()
[LESSON] = COURSE.lessons("03_*")
ROWS = 40
# The cells a student may run again on their own, each run twice in a row.
AGAIN = ["labels", "normalise", "reshape"]


def lesson_cells(lang: str = "en") -> dict:
    return {cell.get("id"): cell for cell in read_notebook(LESSON.path(lang)).cells}


@pytest.mark.slow  # a real kernel: in make test, not in make test-quick
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


# --------------------------------------------------------------------------- the stored run

ORDINALS = {
    "en": (
        "first",
        "second",
        "third",
        "fourth",
        "fifth",
        "sixth",
        "seventh",
        "eighth",
        "ninth",
        "tenth",
    ),
    "es": (
        "primera",
        "segunda",
        "tercera",
        "cuarta",
        "quinta",
        "sexta",
        "séptima",
        "octava",
        "novena",
        "décima",
    ),
}
# How the text ties a validation accuracy to its epoch: "95.93% in the fifth".
IN_EPOCH = {"en": "{} in the {}", "es": "{} en la {}"}
BETWEEN = {"en": "between {} and {}", "es": "entre el {} y el {}"}
POINTS = {8: {"en": "eight points", "es": "ocho puntos"}}
NOT_LAST = {
    "en": "the best result is not the last epoch's",
    "es": "el mejor resultado no es el de la última época",
}


def stored_log(lang: str) -> dict[str, list[float]]:
    """The stored log of lesson 03's "train" cell."""
    return log_of(lesson_cells(lang)["train"])


def assert_quoted(figures: list[str], lang: str, cell_id: str) -> None:
    text = lesson_cells(lang)[cell_id].source
    missing = [figure for figure in figures if figure not in text]
    assert not missing, f"{cell_id} ({lang}) does not quote {missing}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_results_text_and_the_conclusion_quote_the_stored_log(lang: str):
    """The results discussion follows the stored log epoch by epoch: training accuracy, the
    lowest validation accuracy and the best (every epoch that reached it), the dip after the
    first epoch and the range from then on, the final figure, the validation loss's extremes and
    the promise the check cell keeps; the Conclusion quotes the final figure and the range."""
    log = stored_log(lang)
    training, validation, loss = log["accuracy"], log["val_accuracy"], log["val_loss"]
    cells = lesson_cells(lang)
    ordinal, at = ORDINALS[lang], IN_EPOCH[lang].format
    assert len(validation) == len(ordinal) == 10
    assert percent(validation[-1], lang) in stored_text(cells["final-accuracy"])

    above_99 = next(epoch for epoch, value in enumerate(training) if value > 0.99)
    best = [epoch for epoch, value in enumerate(validation) if value == max(validation)]
    lowest = validation.index(min(validation))
    later = validation[1:]  # from the second epoch on
    dip = later.index(min(later)) + 1
    by_loss = sorted(range(len(loss)), key=loss.__getitem__)
    assert lowest == 0, "the text calls the first epoch's figure the lowest"
    assert min(training[best[0] :]) > 0.999, "training accuracy is above 99.9% during the swings"
    assert validation[-1] < max(validation), "the best result is not the last epoch's"
    # The text's story: best in the fifth and ninth epochs, a dip in the sixth and seventh, and
    # the validation loss lowest where accuracy is best.
    assert (dip, best) == (6, [4, 8]) and sorted(by_loss[:2]) == best
    first_of_two, second_of_two = (ordinal[epoch] for epoch in sorted(by_loss[:2]))
    figures = {
        "en": [
            f"above 99% from the {ordinal[above_99]} epoch",
            f"ends at {percent(training[-1], lang)}",
            "above 99.9%",
            f"ends at {percent(validation[-1], lang)}",
            f"its lowest values come in the {first_of_two} and {second_of_two} epochs",
            f"its highest in the {ordinal[by_loss[-1]]}",
            f"above {format_percent(0.85, 0, lang)}",
        ],
        "es": [
            f"supera el 99\u00a0% desde la {ordinal[above_99]} época",
            f"termina en el {percent(training[-1], lang)}",
            "pasa del 99,9\u00a0%",
            f"termina en el {percent(validation[-1], lang)}",
            f"sus valores más bajos llegan en la {first_of_two} y la {second_of_two} época",
            f"el más alto, en la {ordinal[by_loss[-1]]}",
            f"por encima del {format_percent(0.85, 0, lang)}",
        ],
    }[lang]
    between = BETWEEN[lang].format(percent(min(later), lang), percent(max(later), lang))
    assert_quoted(
        [
            *figures,
            at(percent(validation[lowest], lang), ordinal[lowest]),
            *(at(percent(validation[epoch], lang), ordinal[epoch]) for epoch in best),
            at(percent(validation[dip - 1], lang), ordinal[dip - 1]),
            at(percent(validation[dip], lang), ordinal[dip]),
            between,
            POINTS[round(100 * (max(later) - min(later)))][lang],
            NOT_LAST[lang],
        ],
        lang,
        "results-discussion",
    )
    assert validation[-1] >= 0.85, "the promise holds for the stored run"
    assert "0.85 <= summary.val_accuracy" in cells["accuracy-check"].source
    assert stored_text(cells["accuracy-check"]).strip() == "True"
    trained_to = {"en": "trained it to {} validation accuracy", "es": "hasta un {} de exactitud"}
    assert_quoted(
        [trained_to[lang].format(percent(validation[-1], lang)), between], lang, "next-steps"
    )


def stored_table(lang: str) -> list[tuple[str, str, int, float]]:
    """(true letter, predicted letter, images, % of the true letter) of the stored mix-ups."""
    text = stored_text(lesson_cells(lang)["confusion"])
    return [
        (t, p, int(n), float(share.replace(",", "."))) for t, p, n, share in TABLE_ROW.findall(text)
    ]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_per_letter_text_quotes_the_stored_mix_ups(lang: str):
    """The stored table gives each mix-up's images and their share of the true letter: together
    they fix that letter's number of images, and what it lost caps its accuracy. The text quotes
    both for the two letters that lose the largest share to a single other letter, and the
    Conclusion names the first as the worst, recognised in about three images in four. (The
    per-letter chart is only an image: the rest of what it shows is not checked here.)"""
    rows = stored_table(lang)
    assert len(rows) == 8
    first, second = sorted(rows, key=lambda row: -row[3])[:2]
    quoted = []
    caps = []
    for true, predicted, images, share in (first, second):
        [total] = [n for n in range(images, 100 * images) if abs(100 * images / n - share) <= 0.05]
        caps.append(1 - images / total)
        lost = {
            "en": f"{true} lost at least {images} of its {total}",
            "es": f"la {true} perdió al menos {images} de sus {total}",
        }
        quoted += [lost[lang], format_percent(caps[-1], 1, lang)]
        quoted.append({"en": f"to {predicted}", "es": f"con la {predicted}"}[lang])
    assert_quoted(quoted, lang, "letter-accuracy-intro")
    assert round(4 * caps[0]) == 3, "the Conclusion's three images in four"
    worst = {
        "en": [f"above all {first[0]}", "three images in four", f"and {second[0]},"],
        "es": [f"sobre todo la {first[0]}", "tres de cada cuatro", f"y la {second[0]},"],
    }
    assert_quoted(worst[lang], lang, "next-steps")
    into = [row for row in rows if row[1] == first[1]]
    assert len(into) == 3, "three letters taken for the same one"
    taken = {"en": "{} images of three different letters", "es": "{} imágenes de tres letras"}
    assert_quoted([taken[lang].format(sum(row[2] for row in into))], lang, "confusion-discussion")
