"""A stand-in for a hosted runtime (Colab): every lesson of the hosted edition, both languages,
runs top to bottom with Colab's package versions and nothing of the course installed.

Each edition notebook is copied alone into an empty folder and executed there by nbclient (from
this environment) in a kernel of a fresh venv (Python 3.13 from pyenv, ipykernel there) that
holds Colab's published versions. The setup cell sees ``COLAB_RELEASE_TAG``, as on Colab, so it
fetches the course from a file:// clone of this repository (committed state only: uncommitted
changes are not in the clone) and the data from a mirror on 127.0.0.1; Kaggle is unreachable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest

from course_utils.layout import LANGUAGES, find_course
from course_utils.tools.hosted_edition import Repository, write_hosted_edition
from course_utils.tools.notebook_checks import sentence_language
from course_utils.tools.parameters import lesson_parameters
from course_utils.tools.sources import MIRRORS_ENV, SOURCE_ENV

COURSE = find_course(Path(__file__).parent)
PYTHON = Path("/root/.pyenv/versions/3.13.0/bin/python3.13")
# Colab's published package list (pip freeze of 2026-08-19), for what the lessons use. nbclient
# is not in that excerpt; Colab has it (nbconvert needs it): the 04b fallback uses it.
COLAB_PACKAGES = [
    "tensorflow==2.20.0",
    "keras==3.13.2",
    "numpy==2.1.3",
    "pandas==2.2.3",
    "matplotlib==3.10.0",
    "pillow==11.3.0",
    "ipykernel==6.17.1",
    "jupyter_client==7.4.9",
    "nbformat==5.11.1",
    "kagglehub==1.0.2",
    "pooch==1.9.0",
    "tqdm==4.67.3",
    "nbclient",
]
SMALL = {"EPOCHS": 1, "MAX_ROWS": 250}
PROXY_VARS = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")
READY = {"es": "Curso listo", "en": "Course ready"}
TRAINING = {"es": "lo entreno ahora", "en": "training it now"}


def colab_python() -> Path:
    """Python 3.13 (Colab's), or skip; under CI=true a missing one is a failure."""
    found = PYTHON if PYTHON.is_file() else shutil.which("python3.13")
    if found:
        return Path(found)
    reason = f"no Python 3.13 (Colab's) at {PYTHON} nor on PATH: install it with pyenv"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def make_venv(root: Path) -> Path:
    """A fresh venv with Colab's versions and no course_utils; returns its python."""
    python = colab_python()
    subprocess.run([str(python), "-m", "venv", str(root)], check=True)
    venv_python = root / "bin" / "python"
    # --no-compile: the kernels write the bytecode of what they import, far less than all of it.
    pip = [str(venv_python), "-m", "pip", "install", "--quiet", "--no-compile", *COLAB_PACKAGES]
    done = subprocess.run(pip, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return venv_python


def clone_course(tmp: Path) -> Repository:
    """A file:// clone of this repository's committed state, at its HEAD commit."""
    clone = tmp / "origin"
    subprocess.run(["git", "clone", "--quiet", str(COURSE.root), str(clone)], check=True)
    head = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return Repository(clone.as_uri(), head)


def kernel_env(home: Path, mirror: str, dead_port: int) -> dict[str, str]:
    """Colab as the setup cell detects it; data from ``mirror`` only; no way out otherwise."""
    dead = f"http://127.0.0.1:{dead_port}"
    drop = {SOURCE_ENV, "PYTHONPATH", "COURSE_LANG", "VIRTUAL_ENV", "JUPYTER_PATH"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update({name: dead for name in PROXY_VARS})
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(HOME=str(home), COLAB_RELEASE_TAG="stand-in")
    env.update(KAGGLEHUB_CACHE=str(home / "kagglehub"), MPLBACKEND="agg")
    env[MIRRORS_ENV] = mirror
    return env


def with_small_parameters(notebook: Any, path: Path) -> Any:
    """``notebook`` with a cell after its parameters cell setting SMALL (as papermill does)."""
    declared = lesson_parameters(notebook, path)
    values = {name: value for name, value in SMALL.items() if name in declared}
    index = next(
        i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])
    )
    source = "\n".join(f"{name} = {value!r}" for name, value in values.items())
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(source))
    probe = "import os\nfrom course_utils.i18n import notebook_language\n"
    notebook.cells.append(
        nbformat.v4.new_code_cell(probe + "print(notebook_language(), os.getcwd())")
    )
    return notebook


def run_alone(edition_notebook: Path, folder: Path, venv_python: Path, env: dict) -> Any:
    """Copy the notebook alone into ``folder`` and execute it in the venv's kernel there."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    folder.mkdir(parents=True)
    path = Path(shutil.copy2(edition_notebook, folder / edition_notebook.name))
    notebook = with_small_parameters(nbformat.read(path, as_version=4), path)
    specs = folder.parent / "kernels"
    spec = specs / "colab" / "kernel.json"
    if not spec.is_file():
        spec.parent.mkdir(parents=True)
        argv = [str(venv_python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        spec.write_text(json.dumps({"argv": argv, "display_name": "colab", "language": "python"}))
    manager = KernelManager(
        kernel_name="colab", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)])
    )
    client = NotebookClient(
        notebook, km=manager, timeout=900, resources={"metadata": {"path": str(folder)}}
    )
    try:
        client.execute(env=env, cwd=str(folder))
    finally:  # nbclient shuts down only the kernels it made itself; this one is ours
        if manager.has_kernel:
            manager.shutdown_kernel(now=True)
    return notebook


def texts(cell: Any) -> str:
    """What a cell printed (not on stderr, where libraries log in English) or displayed."""
    parts = []
    for output in cell.get("outputs", []):
        parts.append(output.get("text", "") if output.get("name") != "stderr" else "")
        parts.append(output.get("data", {}).get("text/plain", ""))
    return "".join(parts)


def language_of(text: str) -> str | None:
    """The language of ``text``'s words, leaving out paths and file names."""
    return sentence_language(re.sub(r"\S*[/.]\S*", " ", text))


def check_language(notebook: Any, lang: str) -> None:
    """The setup cell speaks ``lang``; no printed sentence reads as the other language."""
    setup = texts(notebook.cells[0])
    assert READY[lang] in setup, setup
    for cell in notebook.cells:
        for line in texts(cell).splitlines():
            is_repr = line.lstrip().startswith(("[", "(", "'"))  # a list or tuple of letters...
            found = None if is_repr else language_of(line)
            assert found in (lang, None), f"{cell.get('id')}: {line}"
    assert language_of(setup) == lang, setup
    probe = texts(notebook.cells[-1]).split()
    assert probe[0] == lang and probe[1].endswith(f"asl-cnn-course/notebooks/{lang}"), probe


def check_links(edition: Path, repo: Repository) -> None:
    """Every link of the edition's markdown is absolute, and the diagrams exist at the URL."""
    clone = Path(repo.url.removeprefix("file://"))
    for path in edition.glob("*/*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            for target in re.findall(r"(?:\]\(|src=\")([^)\"\s]+)", cell.source):
                assert re.match(r"^(https?|file)://|^#", target), f"{path.name}: {target}"
                if target.startswith("file://") and "/img/" in target:
                    assert (clone / target.split(repo.url + "/", 1)[1]).is_file(), target


@pytest.mark.slow
def test_every_lesson_runs_alone_on_a_stand_in_for_colab(
    tmp_path: Path, plain_source: Path, http_mirror, closed_port: int
):
    started = time.monotonic()
    venv_python = make_venv(tmp_path / "venv")
    venv_seconds = time.monotonic() - started
    repo = clone_course(tmp_path)
    edition = tmp_path / "edition"
    write_hosted_edition(COURSE, edition, repo)
    check_links(edition, repo)
    mirror = http_mirror(plain_source)
    home = tmp_path / "home"
    home.mkdir()
    env = kernel_env(home, mirror.template, closed_port)
    timings = {}
    for lesson in COURSE.lessons():
        for lang in LANGUAGES:
            name = lesson.path(lang).name
            lesson_started = time.monotonic()
            folder = tmp_path / "runs" / f"{lang}-{lesson.name}"
            notebook = run_alone(edition / lang / name, folder, venv_python, env)
            timings[f"{lang}/{lesson.name}"] = round(time.monotonic() - lesson_started)
            check_language(notebook, lang)
            assert (folder / "asl-cnn-course" / "datasets" / "asl_data").is_dir()
            fallback = [c for c in notebook.cells if c.get("id") == "hosted-train-missing-model"]
            if fallback:
                assert TRAINING[lang] in texts(fallback[0]), texts(fallback[0])
                models = folder / "asl-cnn-course" / "models"
                assert any(models.glob("*.keras")), "the fallback saved no model"
    assert mirror.requested("sign_mnist_train.csv"), "the data did not come from the mirror"
    assert not (home / "kagglehub").exists() or not any((home / "kagglehub").rglob("*.csv"))
    print(
        f"venv: {venv_seconds:.0f} s; lessons: {timings}; total {time.monotonic() - started:.0f} s"
    )


def test_the_course_floors_are_the_versions_this_stand_in_runs():
    """pyproject.toml's lower bounds are Colab's versions (major.minor) for every package both
    name: the lowest versions the course is proven to run on."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((COURSE.root / "pyproject.toml").read_text())["project"]
    floors = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        name = requirement.name.removesuffix("-cpu").replace("_", "-")
        floors[name] = next(spec.version for spec in requirement.specifier)
    proven = {
        name.replace("_", "-"): ".".join(version.split(".")[:2])
        for name, _, version in (p.partition("==") for p in COLAB_PACKAGES if "==" in p)
    }
    shared = sorted(set(floors) & set(proven))
    assert {"tensorflow", "keras", "ipykernel", "numpy"} <= set(shared)
    assert {name: floors[name] for name in shared} == {name: proven[name] for name in shared}
