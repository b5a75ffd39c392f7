"""Facts a notebook displays for the student and the course runner reads back.

Each fact is shown as text in the notebook's language and also stored, in the same output,
as JSON under RECORD_MIME, so the runner reads the device and the final accuracies from the
executed notebook without scraping log text.
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from course_utils.i18n import pick

RECORD_MIME = "application/vnd.asl-course.record+json"


@dataclass(frozen=True)
class DeviceReport:
    """Where training runs: the first GPU if TensorFlow sees one, otherwise the CPU."""

    kind: str  # "GPU" or "CPU"
    name: str
    cores: int
    tensorflow: str
    keras: str
    lang: str | None = None

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
                f"Entrenamiento en la CPU {self.name}, con {self.cores} "
                f"{'núcleo' if self.cores == 1 else 'núcleos'} ({versions}). No hay GPU, así que "
                "cada época tarda más: entre medio minuto y un minuto en un equipo portátil."
            ),
            en=(
                f"Training on the CPU {self.name}, with {self.cores} "
                f"{'core' if self.cores == 1 else 'cores'} ({versions}). TensorFlow found no GPU, "
                "so each epoch takes longer: between half a minute and a minute on a laptop."
            ),
        )

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        return {"text/plain": str(self), RECORD_MIME: {"device": self.device}}


@dataclass(frozen=True)
class TrainingSummary:
    """The final figures of a training run."""

    epochs: int
    train_accuracy: float
    val_accuracy: float
    lang: str | None = None

    def __str__(self) -> str:
        train_es, valid_es = (
            f"{v:.1%}".replace(".", ",").replace("%", "\u00a0%") for v in self.accuracies
        )
        return pick(
            self.lang,
            es=(
                f"Tras {self.epochs} {'época' if self.epochs == 1 else 'épocas'}, la exactitud es "
                f"del {train_es} en entrenamiento y del {valid_es} en validación."
            ),
            en=(
                f"After {self.epochs} {'epoch' if self.epochs == 1 else 'epochs'}: training "
                f"accuracy {self.train_accuracy:.1%}, validation accuracy {self.val_accuracy:.1%}."
            ),
        )

    @property
    def accuracies(self) -> tuple[float, float]:
        return (self.train_accuracy, self.val_accuracy)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        record = {k: v for k, v in asdict(self).items() if k != "lang"}
        return {"text/plain": str(self), RECORD_MIME: record}


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


def read_records(notebook: Any) -> dict[str, Any]:
    """Merge every record that an executed notebook (an nbformat node) displayed."""
    merged: dict[str, Any] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(RECORD_MIME)
            if isinstance(record, dict):
                merged.update(record)
    return merged


def _cpu_name() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.startswith("model name"):
                return " ".join(line.split(":", 1)[1].split())
    return platform.processor() or platform.machine() or "unknown"
