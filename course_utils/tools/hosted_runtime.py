"""What the hosted edition's setup cell does once the course's code is on disk.

The first cell of each lesson of the hosted edition (``python -m course_utils hosted-edition``)
gets the course's code on Colab or Kaggle, puts it on ``sys.path`` and calls
``prepare_course``: it installs only a library the platform lacks, prepares the data and
opens the lesson's folder, so that the lesson's relative paths work unchanged. A lesson that
loads another lesson's model gets ``train_missing_model`` in its hosted edition, which runs
that other lesson headless when the model is missing (a fresh runtime).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from course_utils.i18n import pick
from course_utils.layout import Course

KAGGLE_INPUT = Path("/kaggle/input")
# import name -> distribution: what the lessons import, all preinstalled on Colab and Kaggle.
REQUIRED_MODULES = {
    "tensorflow": "tensorflow",
    "keras": "keras",
    "numpy": "numpy",
    "pandas": "pandas",
    "matplotlib": "matplotlib",
    "PIL": "pillow",
    "pooch": "pooch",
    "kagglehub": "kagglehub",
    "tqdm": "tqdm",
    "nbformat": "nbformat",
    "nbclient": "nbclient",
}
# Measured on this course's 2-core CPU test machine (no GPU), lesson 04a with its full
# parameters: 512 s (English) and 564 s (Spanish) with TensorFlow 2.21; 1039 s (English) with
# Colab's versions while other jobs shared the CPU. No GPU time was measured.
CPU_MINUTES = "9-17"


class HostedSetupError(Exception):
    """Setup failed; shown as its message alone, without a traceback, in the notebook."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [f"\x1b[31m{self}\x1b[0m"]


def detect_platform() -> str | None:
    """``"colab"``, ``"kaggle"`` or None (a clone, the student edition, a JupyterHub...)."""
    if "google.colab" in sys.modules or os.environ.get("COLAB_RELEASE_TAG"):
        return "colab"
    if os.environ.get("KAGGLE_KERNEL_RUN_TYPE"):
        return "kaggle"
    return None


def prepare_course(root: Path, lang: str, platform: str | None) -> Path:
    """Set the language; on a hosted platform also install what is missing and prepare the
    data; then move into the lesson's folder, ``notebooks/<lang>``. Returns that folder."""
    course = Course(Path(root))
    os.environ["COURSE_LANG"] = lang
    if platform:
        install_missing(lang)
        prepare_data(course, platform, lang)
    folder = course.notebooks / lang
    if folder.is_dir():
        os.chdir(folder)
    where = f"{course.root} ({platform})" if platform else str(course.root)
    print(pick(lang, es=f"Curso listo: {where}.", en=f"Course ready: {where}."))
    return folder


def missing_distributions(modules: dict[str, str] = REQUIRED_MODULES) -> list[str]:
    """The distributions of ``modules`` that cannot be imported here."""
    return [dist for name, dist in modules.items() if importlib.util.find_spec(name) is None]


def install_missing(lang: str) -> None:
    """pip-install only what the platform lacks: nothing it ships is replaced."""
    missing = missing_distributions()
    if not missing:
        return
    names = ", ".join(missing)
    print(
        pick(
            lang, es=f"Instalando lo que falta: {names}", en=f"Installing what is missing: {names}"
        )
    )
    command = [sys.executable, "-m", "pip", "install", "--quiet", *missing]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        detail = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
        raise HostedSetupError(
            pick(
                lang,
                es=f"No pude instalar {names}: {detail}. ¿Este entorno tiene acceso a Internet?",
                en=f"Could not install {names}: {detail}. Does this runtime have Internet access?",
            )
        )


def kaggle_input_source(base: Path = KAGGLE_INPUT) -> Path | None:
    """The folder of an attached Sign Language MNIST dataset under ``base``, if any."""
    if not base.is_dir():
        return None
    found = sorted(base.glob("**/sign_mnist_train.csv*"), key=lambda p: len(p.parts))
    return found[0].parent if found else None


def prepare_data(course: Course, platform: str, lang: str) -> None:
    """Prepare ``datasets/asl_data``: from the dataset attached on Kaggle when there is one,
    else as ``fetch-data`` does (Kaggle through kagglehub, then the mirrors)."""
    from course_utils.data import DataError, is_prepared
    from course_utils.tools.sources import fetch_data

    if is_prepared(course.data):
        return
    source = kaggle_input_source() if platform == "kaggle" else None
    origin = str(source) if source else pick(lang, es="Internet", en="the Internet")
    print(
        pick(
            lang,
            es=f"Preparando los datos desde {origin}…",
            en=f"Preparing the data from {origin}…",
        )
    )
    try:
        fetch_data(source=source, dest=course.data, download_dir=course.downloads)
    except DataError as exc:
        raise HostedSetupError(
            pick(lang, es="No pude preparar los datos. ", en="Could not prepare the data. ")
            + str(exc)
        ) from None


def train_missing_model(model_path: str | os.PathLike[str], **parameters: Any) -> Path:
    """Return ``model_path``; when it is missing, first run the lesson that saves it (named
    like the file: ``04a_augmentation.keras`` comes from ``04a_augmentation.ipynb`` in the
    current folder) with ``parameters``, the way that lesson trains it."""
    from course_utils.i18n import notebook_language

    path, lang = Path(model_path), notebook_language()
    if path.is_file():
        print(pick(lang, es=f"El modelo ya está: {path}", en=f"The model is already there: {path}"))
        return path
    lesson = Path.cwd() / f"{path.stem}.ipynb"
    if not lesson.is_file():
        raise HostedSetupError(
            pick(
                lang,
                es=f"Falta el modelo {path} y no encuentro la lección que lo entrena, {lesson}.",
                en=f"The model {path} is missing, and so is the lesson that trains it, {lesson}.",
            )
        )
    print(training_notice(lesson.stem.split("_", 1)[0], lang))
    run_lesson(lesson, parameters, lang)
    if not path.is_file():
        raise HostedSetupError(
            pick(
                lang,
                es=f"La lección {lesson.name} terminó, pero no guardó {path}.",
                en=f"Lesson {lesson.name} ran, but did not save {path}.",
            )
        )
    print(pick(lang, es=f"Modelo guardado: {path}", en=f"Model saved: {path}"))
    return path


def training_notice(lesson: str, lang: str) -> str:
    """What the student reads before lesson ``lesson`` trains here: why, and how long."""
    return pick(
        lang,
        es=(
            f"Falta el modelo de la lección {lesson}: lo entreno ahora con la receta de esa "
            "lección, ejecutando su cuaderno sin mostrarlo. En una CPU de 2 núcleos tardó entre "
            f"{CPU_MINUTES.replace('-', ' y ')} minutos con sus parámetros completos; en una "
            "GPU no lo medimos. Para no esperar aquí, ejecuta antes esa lección en este mismo "
            "entorno."
        ),
        en=(
            f"Lesson {lesson}'s model is missing: training it now with that lesson's recipe, "
            f"by running its notebook unseen. On a 2-core CPU that took {CPU_MINUTES} "
            "minutes with its full parameters; it has not been measured on a GPU. "
            "To avoid the wait, run that lesson first in this same runtime."
        ),
    )


def run_lesson(lesson: Path, parameters: dict[str, Any], lang: str) -> None:
    """Execute ``lesson`` in its own folder with nbclient, ``parameters`` set after its
    parameters cell (as papermill does)."""
    import nbclient
    import nbformat

    notebook = nbformat.read(lesson, as_version=4)
    index = next(
        (i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])),
        -1,
    )
    source = "\n".join(f"{name} = {value!r}" for name, value in parameters.items())
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    client = nbclient.NotebookClient(
        notebook,
        timeout=None,
        kernel_name="python3",
        resources={"metadata": {"path": lesson.parent}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as exc:
        last = str(exc).strip().splitlines()[-1:] or [""]
        raise HostedSetupError(
            pick(
                lang,
                es=f"La lección {lesson.name} falló al entrenar: {last[0]}",
                en=f"Lesson {lesson.name} failed while training: {last[0]}",
            )
        ) from None
