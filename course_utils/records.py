"""Records a notebook displays: facts for the student that the course runner reads back.

Each record is shown as text in the notebook's language and also stored, in the same output,
as JSON under RECORD_MIME: the fields each record class lists in ``RECORDED``. The runner's
report reads those fields from the executed notebook instead of scraping log text.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from course_utils.i18n import format_percent, pick

RECORD_MIME = "application/vnd.asl-course.record+json"


class Record:
    """Shown as its text, with the fields its class lists in ``RECORDED`` as JSON beside."""

    RECORDED: ClassVar[tuple[str, ...]] = ()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {"text/plain": str(self), RECORD_MIME: recorded_fields(self)}


@dataclass(frozen=True)
class DeviceReport(Record):
    """Where training runs: the first GPU if TensorFlow sees one, otherwise the CPU."""

    kind: str  # "GPU" or "CPU"
    name: str
    cores: int
    tensorflow: str
    keras: str
    lang: str | None = None

    RECORDED: ClassVar[tuple[str, ...]] = ("device",)

    @property
    def on_gpu(self) -> bool:
        return self.kind == "GPU"

    @property
    def device(self) -> str:
        """A language-neutral description, as the run report shows it."""
        return f"GPU {self.name}" if self.on_gpu else f"CPU {self.name} ({self.cores} cores)"

    def __str__(self) -> str:
        versions = f"TensorFlow {self.tensorflow}, Keras {self.keras}"
        if self.on_gpu:
            return pick(
                self.lang,
                es=f"Entrenamiento en la GPU {self.name} ({versions}).",
                en=f"Training on the GPU {self.name} ({versions}).",
            )
        return pick(
            self.lang,
            es=(
                f"Entrenamiento en una CPU {self.name} de {self.cores} "
                f"{'núcleo' if self.cores == 1 else 'núcleos'} ({versions}). TensorFlow no "
                "detectó ninguna GPU, así que cada época tardará más que en una GPU; el registro "
                "del entrenamiento indica cuántos segundos tarda cada una en este equipo."
            ),
            en=(
                f"Training on the CPU: {self.name}, {self.cores} "
                f"{'core' if self.cores == 1 else 'cores'} ({versions}). TensorFlow detected "
                "no GPU, so each epoch will take longer than on a GPU; the training log shows "
                "how many seconds each one takes on this machine."
            ),
        )


@dataclass(frozen=True)
class TrainingSummary(Record):
    """The final figures of a training run."""

    epochs: int
    train_accuracy: float
    val_accuracy: float
    lang: str | None = None

    RECORDED: ClassVar[tuple[str, ...]] = ("epochs", "train_accuracy", "val_accuracy")

    def __str__(self) -> str:
        train, valid = (_accuracy_text(value, self.lang) for value in self.accuracies)
        return pick(
            self.lang,
            es=(
                f"Tras {self.epochs} {'época' if self.epochs == 1 else 'épocas'}, la exactitud es "
                f"del {train} en entrenamiento y del {valid} en validación."
            ),
            en=(
                f"After {self.epochs} {'epoch' if self.epochs == 1 else 'epochs'}: training "
                f"accuracy {train}, validation accuracy {valid}."
            ),
        )

    @property
    def accuracies(self) -> tuple[float, float]:
        return (self.train_accuracy, self.val_accuracy)


@dataclass(frozen=True)
class ValidationSummary(Record):
    """How validation accuracy ended: its best epoch, and the accuracy of the last epochs."""

    best_epoch: int
    best_val_accuracy: float
    last_val_accuracies: tuple[float, ...]  # the last epochs' accuracies, oldest first
    lang: str | None = None

    RECORDED: ClassVar[tuple[str, ...]] = (
        "best_epoch",
        "best_val_accuracy",
        "last_val_accuracies",
    )

    def __str__(self) -> str:
        best = _accuracy_text(self.best_val_accuracy, self.lang)
        last = [_accuracy_text(value, self.lang) for value in self.last_val_accuracies]
        joined = last[0]
        if len(last) > 1:
            joined = pick(self.lang, es=" y ", en=" and ").join([", ".join(last[:-1]), last[-1]])
        return pick(
            self.lang,
            es=(
                f"La mejor exactitud de validación, del {best}, se alcanzó en la época "
                f"{self.best_epoch}. "
                + (
                    f"En las {len(last)} últimas épocas: {joined}."
                    if len(last) > 1
                    else f"En la última época: {joined}."
                )
            ),
            en=(
                f"Best validation accuracy: {best}, at epoch {self.best_epoch}. "
                + (
                    f"Over the last {len(last)} epochs: {joined}."
                    if len(last) > 1
                    else f"In the last epoch: {joined}."
                )
            ),
        )


RECORD_CLASSES = tuple(Record.__subclasses__())  # in the order they are defined


def recorded_fields(record: Any) -> dict[str, Any]:
    """The fields of ``record`` that its class declares in ``RECORDED``, for the runner."""
    return {name: getattr(record, name) for name in record.RECORDED}


def device_report(lang: str | None = None) -> DeviceReport:
    """Describe the device TensorFlow will train on, with the library versions."""
    import keras
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    versions = (tf.__version__, keras.__version__, lang)
    if gpus:
        details = tf.config.experimental.get_device_details(gpus[0])
        return DeviceReport("GPU", details.get("device_name", gpus[0].name), len(gpus), *versions)
    return DeviceReport("CPU", _cpu_name(), os.cpu_count() or 1, *versions)


def training_summary(history: Any, lang: str | None = None) -> TrainingSummary:
    """Summarise a Keras ``History``: epochs run and the last epoch's accuracies."""
    metrics = history.history
    return TrainingSummary(
        epochs=len(metrics["accuracy"]),
        train_accuracy=float(metrics["accuracy"][-1]),
        val_accuracy=float(metrics["val_accuracy"][-1]),
        lang=lang,
    )


def validation_summary(history: Any, last: int = 3, lang: str | None = None) -> ValidationSummary:
    """The best epoch of a Keras ``History`` by validation accuracy (the first, on a tie) and
    the validation accuracy of its ``last`` epochs."""
    accuracies = [float(value) for value in history.history["val_accuracy"]]
    best = max(range(len(accuracies)), key=lambda index: (accuracies[index], -index))
    return ValidationSummary(
        best_epoch=best + 1,
        best_val_accuracy=accuracies[best],
        last_val_accuracies=tuple(accuracies[-last:]),
        lang=lang,
    )


def _accuracy_text(value: float, lang: str | None) -> str:
    """An accuracy in percent with two decimals (0.99975 reads 99.97 %), which reads 100 only
    when it is exactly 1: 0.99999 reads 99.99 %, not 100.00 %."""
    if value < 1 and round(100 * value, 2) >= 100:
        value = 0.9999
    return format_percent(value, 2, lang)


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    return platform.processor() or platform.machine() or "unknown"
