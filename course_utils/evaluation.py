"""Which letters the model gets right, which it confuses, and its top guesses for an image."""

from __future__ import annotations

import numpy as np
import pandas as pd

from course_utils.data import LETTERS, NUM_CLASSES
from course_utils.i18n import format_number, format_percent, pick


def confusion_counts(true_labels: np.ndarray, predicted_labels: np.ndarray) -> np.ndarray:
    """A 24x24 matrix: row = true label, column = predicted label, value = number of images."""
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=int)
    np.add.at(matrix, (np.asarray(true_labels), np.asarray(predicted_labels)), 1)
    return matrix


def accuracy_per_letter(true_labels: np.ndarray, predicted_labels: np.ndarray) -> pd.Series:
    """For each letter, the fraction of its images that the model labelled correctly.

    The index holds the 24 letters; a letter without images gets NaN.
    """
    matrix = confusion_counts(true_labels, predicted_labels)
    totals = matrix.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        correct = np.where(totals > 0, np.diag(matrix) / totals, np.nan)
    return pd.Series(correct, index=list(LETTERS), name="accuracy")


def most_confused(
    true_labels: np.ndarray,
    predicted_labels: np.ndarray,
    top: int = 5,
    lang: str | None = None,
) -> pd.DataFrame:
    """The ``top`` most frequent mistakes: true letter, letter predicted, count and share.

    The share is the percentage of that true letter's images that received the wrong letter,
    written with one decimal as the notebook's language writes it ("13.2" or "13,2").
    """
    matrix = confusion_counts(true_labels, predicted_labels)
    per_letter = matrix.sum(axis=1)
    mistakes = [
        (int(matrix[t, p]), t, p)
        for t in range(NUM_CLASSES)
        for p in range(NUM_CLASSES)
        if t != p and matrix[t, p] > 0
    ]
    mistakes.sort(key=lambda item: (-item[0], item[1], item[2]))
    columns = (
        pick(lang, es="letra real", en="true letter"),
        pick(lang, es="predicha como", en="predicted as"),
        pick(lang, es="imágenes", en="images"),
        pick(lang, es="% de esa letra", en="% of that letter"),
    )
    rows = [
        (LETTERS[t], LETTERS[p], count, format_number(100 * count / per_letter[t], 1, lang))
        for count, t, p in mistakes[:top]
    ]
    return pd.DataFrame(rows, columns=columns)


def top_predictions(
    probabilities: np.ndarray, names: list[str], k: int = 3, lang: str | None = None
) -> pd.DataFrame:
    """One row per image: its name and the ``k`` most probable letters, most probable first,
    each with its probability as a percentage written as the notebook's language writes it."""
    probabilities = np.asarray(probabilities)
    if probabilities.ndim != 2 or probabilities.shape[1] != NUM_CLASSES:
        raise ValueError(
            f"Expected one row of {NUM_CLASSES} probabilities per image; got shape "
            f"{probabilities.shape}."
        )
    if len(names) != len(probabilities):
        raise ValueError(f"{len(names)} names for {len(probabilities)} rows of probabilities.")
    ordinals = pick(lang, es="primera segunda tercera", en="first second third").split()
    columns = [pick(lang, es="imagen", en="image")] + [
        ordinals[rank] if rank < len(ordinals) else f"#{rank + 1}" for rank in range(k)
    ]
    rows = []
    for name, row in zip(names, probabilities, strict=True):
        best = np.argsort(row, kind="stable")[::-1][:k]
        rows.append(
            [name] + [f"{LETTERS[i]} ({format_percent(float(row[i]), 1, lang)})" for i in best]
        )
    return pd.DataFrame(rows, columns=columns)


def threshold_costs(
    confidence: np.ndarray, correct: np.ndarray, thresholds: list[float], lang: str | None = None
) -> pd.DataFrame:
    """What answering "not sure" below each threshold costs and gains on a set of images.

    ``confidence`` holds each image's largest probability and ``correct`` whether its most
    probable letter is right. One row per threshold: how many images (and what share) become
    "not sure", the accuracy on the others, and how many wrong answers are still given.
    """
    confidence, correct = np.asarray(confidence), np.asarray(correct, dtype=bool)
    if confidence.shape != correct.shape or confidence.ndim != 1:
        raise ValueError(f"Shapes differ: {confidence.shape} and {correct.shape}.")
    rows = []
    for threshold in thresholds:
        sure = confidence >= threshold
        unsure = int((~sure).sum())
        rows.append(
            [
                format_number(threshold, len(f"{threshold}".split(".")[-1]), lang),
                f"{unsure} ({format_percent(unsure / len(sure), 1, lang)})",
                format_percent(float(correct[sure].mean()), 2, lang) if sure.any() else "-",
                int((sure & ~correct).sum()),
            ]
        )
    columns = pick(
        lang,
        es="umbral|«no estoy seguro»|exactitud en el resto|errores que quedan",
        en='threshold|"not sure"|accuracy on the rest|mistakes left',
    ).split("|")
    return pd.DataFrame(rows, columns=columns)
