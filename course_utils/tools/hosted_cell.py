"""The first cell of each lesson of the hosted edition, in the lesson's language.

On Colab (``google.colab`` imported, or ``COLAB_RELEASE_TAG`` set) and Kaggle
(``KAGGLE_KERNEL_RUN_TYPE`` set) the cell fetches the course's code at one git ref into
``asl-cnn-course/`` beside the notebook (``git init``, ``git fetch --depth 1 URL REF``,
``git checkout FETCH_HEAD``: branches, tags and commits alike), puts it on ``sys.path`` and
hands over to ``course_utils.tools.hosted_runtime.prepare_course``. Anywhere else it uses the
course that the current folder is in, and only sets the language and the lesson's folder.
"""

from __future__ import annotations

import json
from string import Template

SETUP_CELL_ID = "hosted-setup"

MESSAGES = {
    "es": {
        "fetch": "Descargando el código del curso: {url} en {ref}…",
        "no_code": "No pude obtener el código del curso de {url} en {ref}: {detail}",
        "hint": "Revisa que este entorno tenga Internet y vuelve a ejecutar esta celda.",
        "not_found": "Este cuaderno no está dentro del curso, y esto no es Colab ni Kaggle.",
        "open": "Ábrelo desde la carpeta notebooks/es del curso, o en Colab o en Kaggle.",
    },
    "en": {
        "fetch": "Getting the course's code: {url} at {ref}…",
        "no_code": "Could not get the course's code from {url} at {ref}: {detail}",
        "hint": "Check that this runtime has Internet access and run this cell again.",
        "not_found": "This notebook is not inside the course, and this is not Colab or Kaggle.",
        "open": "Open it from the course's notebooks/en folder, or in Colab or Kaggle.",
    },
}

COMMENT = {
    "es": (
        "# Colab y Kaggle: esta celda trae el código del curso (COURSE_URL en COURSE_REF) y\n"
        "# los datos, y abre la carpeta de la lección. En cualquier otro lugar, solo busca el\n"
        "# curso en el que está."
    ),
    "en": (
        "# Colab and Kaggle: this cell gets the course's code (COURSE_URL at COURSE_REF) and the\n"
        "# data, and opens the lesson's folder. Anywhere else it only finds the course it sits in."
    ),
}

TEMPLATE = Template("""\
$comment
COURSE_URL = $url
COURSE_REF = $ref
LESSON_LANGUAGE = $lang
MESSAGES = {
$messages
}


class _SetupError(Exception):
    def _render_traceback_(self) -> list[str]:  # IPython shows the message, no traceback
        return [f"\\x1b[31m{self}\\x1b[0m"]


def _is_course(folder):
    pyproject = folder / "pyproject.toml"
    if not (pyproject.is_file() and (folder / "notebooks").is_dir()):
        return False
    return 'name = "asl-cnn-course"' in pyproject.read_text(encoding="utf-8")


def _fetch_course(target):
    import shutil
    import subprocess

    if _is_course(target):
        return target
    print(MESSAGES["fetch"].format(url=COURSE_URL, ref=COURSE_REF))
    part = target.with_name(target.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    steps = [
        ["init", "-q", str(part)],
        ["-C", str(part), "fetch", "-q", "--depth", "1", COURSE_URL, COURSE_REF],
        ["-C", str(part), "checkout", "-q", "FETCH_HEAD"],
    ]
    try:
        for step in steps:
            done = subprocess.run(["git", *step], capture_output=True, text=True)
            if done.returncode != 0:
                raise OSError((done.stderr.strip().splitlines() or ["git failed"])[-1])
        part.rename(target)
    except OSError as exc:
        shutil.rmtree(part, ignore_errors=True)
        detail = MESSAGES["no_code"].format(url=COURSE_URL, ref=COURSE_REF, detail=exc)
        raise _SetupError(f"{detail}\\n{MESSAGES['hint']}") from None
    return target


def _setup_course():
    import os
    import sys
    from pathlib import Path

    hosted = "google.colab" in sys.modules or any(
        os.environ.get(name) for name in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE")
    )
    here = Path.cwd().resolve()
    root = next((folder for folder in (here, *here.parents) if _is_course(folder)), None)
    if root is None and hosted:
        root = _fetch_course(here / "asl-cnn-course")
    if root is None:
        raise _SetupError(f"{MESSAGES['not_found']}\\n{MESSAGES['open']}")
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    paths = [str(root), *filter(None, [os.environ.get("PYTHONPATH")])]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)  # for the kernels a lesson starts
    from course_utils.tools.hosted_runtime import detect_platform, prepare_course

    prepare_course(root, LESSON_LANGUAGE, detect_platform())


_setup_course()
""")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def setup_cell_source(url: str, ref: str, lang: str) -> str:
    """The setup cell's code for a lesson in ``lang``, fetching ``url`` at ``ref``."""
    messages = "\n".join(
        f"    {_quoted(key)}: {_quoted(text)}," for key, text in MESSAGES[lang].items()
    )
    return TEMPLATE.substitute(
        comment=COMMENT[lang],
        url=_quoted(url),
        ref=_quoted(ref),
        lang=_quoted(lang),
        messages=messages,
    ).rstrip("\n")
