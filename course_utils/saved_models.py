"""The trained models that a lesson saves for later lessons, and what to do when one is missing.

A lesson saves its model as ``<lesson name>.keras`` in its ``MODEL_DIR`` (``models/`` in the
course's folder by default): lesson 04a writes ``04a_augmentation.keras``, which lesson 04b loads.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

from course_utils.errors import LessonError
from course_utils.i18n import notebook_language, pick

RUN_COMMAND = "python -m course_utils run --pattern '{lesson}_*' --lang {lang}"


class ModelNotFoundError(LessonError, FileNotFoundError):
    """A lesson's saved model is missing; the message names the lesson that makes it."""


class ModelDamagedError(LessonError):
    """A lesson's saved model is there but damaged; the message says to run that lesson again."""


def require_saved_model(path: str | os.PathLike[str], lang: str | None = None) -> Path:
    """Return ``path`` as a Path when the model file is there and whole.

    Otherwise raise ModelNotFoundError, or ModelDamagedError when the file is not a complete
    ``.keras`` archive (empty, cut short, overwritten), in the notebook's language, naming the
    lesson that trains and saves the model (from the file name: ``04a_augmentation.keras``
    comes from lesson 04a, ``04a_augmentation.ipynb``) and the command that runs it.
    """
    path = Path(path)
    notebook = f"{path.stem}.ipynb"
    lesson = path.stem.split("_", 1)[0]
    command = RUN_COMMAND.format(lesson=lesson, lang=lang or notebook_language())
    if path.is_file():
        if not _is_whole(path):
            raise ModelDamagedError(
                pick(
                    lang,
                    es=(
                        f"El modelo guardado {path} está dañado: vuelve a ejecutar la lección "
                        f"{lesson} ({notebook}) entera, que lo guarda de nuevo, en JupyterLab o "
                        f"con este comando desde la carpeta principal del curso: {command}."
                    ),
                    en=(
                        f"The saved model {path} is damaged: run lesson {lesson} ({notebook}) "
                        "again, the whole of it, which saves it anew, in JupyterLab or with this "
                        f"command from the course's main folder: {command}."
                    ),
                )
            )
        return path
    raise ModelNotFoundError(
        pick(
            lang,
            es=(
                f"No encuentro el modelo {path}. Lo entrena y lo guarda la lección {lesson} "
                f"({notebook}): ejecútala entera antes que esta, en JupyterLab, o con este "
                "comando desde la carpeta principal del curso (entrena el modelo: en una CPU "
                f"tarda varios minutos): {command}. "
                "Si cambiaste MODEL_DIR en aquella lección, usa aquí la misma carpeta."
            ),
            en=(
                f"Cannot find the model {path}. Lesson {lesson} ({notebook}) trains and saves "
                "it: run that whole lesson before this one, in JupyterLab, or with this "
                "command from the course's main folder (it trains the model: several minutes "
                f"on a CPU): {command}. "
                "If you changed MODEL_DIR in that lesson, use the same folder here."
            ),
        )
    )


def _is_whole(path: Path) -> bool:
    """True when ``path`` is a readable zip archive, as a ``.keras`` file is, holding the
    model's configuration and weights, every member intact (checked against its CRC)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            return {"config.json", "model.weights.h5"} <= names and archive.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False
