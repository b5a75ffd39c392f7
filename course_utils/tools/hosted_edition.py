"""The hosted edition: the lessons ready to open in Colab or on Kaggle from a git repository.

Each lesson is the committed lesson, with the stored outputs its text refers to, and one setup
cell first (see ``hosted_cell``); its relative links are made absolute at the course's git ref,
and its metadata asks for a GPU. A lesson that loads another lesson's saved model also gets one
cell, before the one that loads it, that trains the model with the other lesson's recipe when it
is missing.
The repository's URL and ref come from ``[project.urls] Repository`` in pyproject.toml (a
GitHub URL ending in ``/tree/REF``) or from the command line.
"""

from __future__ import annotations

import ast
import posixpath
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat

from course_utils.layout import Course, Lesson
from course_utils.tools.errors import CourseToolError, UsageError
from course_utils.tools.hosted_cell import SETUP_CELL_ID, setup_cell_source
from course_utils.tools.notebook_io import read_notebook, write_notebook
from course_utils.tools.parameters import lesson_parameters
from course_utils.tools.student_edition import without_bookkeeping

EDITION_FOLDER = "hosted"  # default output, inside the course: the teacher commits it
MARKER = ".hosted-edition"  # lets a new run replace an earlier edition, and nothing else
URL_KEY = "Repository"
GITHUB = re.compile(r"^https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?(?:/tree/(.+))?/?$")
LINK = re.compile(r"(\]\(|src=\"|href=\")([^)\"\s]+)")
FALLBACK_CELL_ID = "hosted-train-missing-model"
GPU_METADATA = {
    "accelerator": "GPU",
    "colab": {"gpuType": "T4", "provenance": []},
    "kaggle": {
        "accelerator": "gpu",
        "isGpuEnabled": True,
        "isInternetEnabled": True,
        "dataSources": [],
        "language": "python",
        "sourceType": "notebook",
    },
}


@dataclass(frozen=True)
class Repository:
    """Where the course is published: a GitHub URL or a file:// clone, at one git ref."""

    url: str
    ref: str

    @property
    def github(self) -> tuple[str, str] | None:
        """(owner, name) for a GitHub URL, else None."""
        match = GITHUB.match(self.url)
        return (match[1], match[2]) if match else None

    def raw(self, path: str) -> str:
        """The file at ``path`` (relative to the repository's root) as it is at the ref."""
        if self.github:
            owner, name = self.github
            return f"https://raw.githubusercontent.com/{owner}/{name}/{quote(self.ref)}/{path}"
        return f"{self.url.rstrip('/')}/{path}"

    def page(self, path: str) -> str:
        """The page that shows ``path`` at the ref (for a file:// clone, the file itself)."""
        if self.github:
            owner, name = self.github
            return f"https://github.com/{owner}/{name}/blob/{quote(self.ref)}/{path}"
        return f"{self.url.rstrip('/')}/{path}"

    def colab(self, path: str) -> str | None:
        if not self.github:
            return None
        owner, name = self.github
        return f"https://colab.research.google.com/github/{owner}/{name}/blob/{self.ref}/{path}"

    def kaggle(self, path: str) -> str | None:
        if not self.github:
            return None
        return f"https://kaggle.com/kernels/welcome?src={self.page(path)}"

    def binder(self, path: str) -> str | None:
        """Binder's launch link: the image binder/ describes, opening ``path`` (a lesson of
        ``notebooks/``, not of the hosted edition: Binder runs the repository itself)."""
        if not self.github:
            return None
        owner, name = self.github
        return (
            f"https://mybinder.org/v2/gh/{owner}/{name}/{quote(self.ref)}?urlpath=lab/tree/{path}"
        )


def repository(course: Course, url: str | None, ref: str | None) -> Repository:
    """The repository from the command line, else from pyproject.toml; UsageError if unknown."""
    if url is None:
        pyproject = tomllib.loads((course.root / "pyproject.toml").read_text(encoding="utf-8"))
        url = pyproject.get("project", {}).get("urls", {}).get(URL_KEY)
    if not url:
        raise UsageError(
            f"the course has no repository URL: give --url URL --ref REF, or add {URL_KEY} = "
            '"https://github.com/OWNER/REPO/tree/REF" under [project.urls] in pyproject.toml.'
        )
    match = GITHUB.match(url)
    if match:
        url, ref = f"https://github.com/{match[1]}/{match[2]}", ref or match[3]
    elif not url.startswith("file://"):
        raise UsageError(
            f"{url} is not a GitHub repository (https://github.com/OWNER/REPO) nor a file:// "
            "clone: Colab opens notebooks from GitHub only."
        )
    if not ref:
        raise UsageError(
            f"no git ref for {url}: give --ref (a branch, tag or commit), or end the URL in "
            "[project.urls] with /tree/REF."
        )
    return Repository(url, ref)


def absolute_links(text: str, lang: str, repo: Repository, edition: str) -> str:
    """``text`` (a markdown cell of ``notebooks/<lang>/``) with relative links made absolute:
    images as raw files, lessons as their hosted edition in Colab, other files as pages."""

    def replace(match: re.Match[str]) -> str:
        prefix, target = match[1], match[2]
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^[#/]", target):
            return match[0]
        path, hash_, fragment = target.partition("#")
        resolved = posixpath.normpath(posixpath.join("notebooks", lang, path))
        if resolved.startswith("../"):
            return match[0]
        lesson = re.fullmatch(r"notebooks/(\w+)/(\d\d[^/]*\.ipynb)", resolved)
        if lesson:
            edition_path = f"{edition}/{lesson[1]}/{lesson[2]}"
            url = repo.colab(edition_path) or repo.page(edition_path)
        elif prefix == 'src="' or match.string[max(0, match.start() - 1)] == "!":
            url = repo.raw(resolved)
        else:
            url = repo.page(resolved)
        return f"{prefix}{url}{hash_}{fragment}"

    return LINK.sub(replace, text)


def saved_model_call(notebook: Any) -> tuple[int, str, str] | None:
    """(cell index, path expression, lesson name) of the first ``require_saved_model(...)``
    call whose argument names a ``.keras`` file, or None."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or "require_saved_model" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "require_saved_model":
                argument = ast.get_source_segment(cell.source, node.args[0]) or ""
                names = re.findall(r"[\"']([^\"']+)\.keras[\"']", argument)
                if names:
                    return index, argument, names[0]
    return None


def fallback_cell(
    notebook: Any, lessons: list[Lesson], lang: str, path: Path
) -> tuple[int, Any] | None:
    """Where to insert the cell that trains a missing model with its own lesson's recipe,
    and that cell; None when the lesson loads no other lesson's model."""
    found = saved_model_call(notebook)
    if found is None:
        return None
    index, argument, name = found
    producer = next((lesson for lesson in lessons if lesson.name == name), None)
    if producer is None:
        return None
    ours = lesson_parameters(notebook, path)
    theirs = lesson_parameters(read_notebook(producer.path(lang)), producer.path(lang))
    arguments = "".join(
        f"    {a},\n" for a in [argument, *(f"{p}={p}" for p in ours if p in theirs)]
    )
    lesson = name.split("_", 1)[0]
    comment = {
        "es": f"# Colab y Kaggle: si falta el modelo de la lección {lesson}, esta celda lo "
        "entrena\n# ejecutando esa lección (el mensaje dice cuánto tarda).",
        "en": f"# Colab and Kaggle: if lesson {lesson}'s model is missing, this cell trains it "
        "by\n# running that lesson (the message says how long it takes).",
    }[lang]
    source = (
        f"{comment}\nfrom course_utils.tools.hosted_runtime import train_missing_model\n\n"
        f"train_missing_model(\n{arguments})"
    )
    return index, nbformat.v4.new_code_cell(source, id=FALLBACK_CELL_ID)


def hosted_notebook(
    path: Path, lang: str, repo: Repository, edition: str, lessons: list[Lesson]
) -> Any:
    """The hosted edition of the lesson at ``path``."""
    original = read_notebook(path)
    notebook = without_bookkeeping(original)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = absolute_links(cell.source, lang, repo, edition)
    extra = fallback_cell(original, lessons, lang, path)
    if extra is not None:
        notebook.cells.insert(*extra)
    setup = nbformat.v4.new_code_cell(setup_cell_source(repo.url, repo.ref, lang))
    setup.id = SETUP_CELL_ID
    notebook.cells.insert(0, setup)
    notebook.metadata.update(GPU_METADATA)
    return notebook


def edition_path(edition: str, lang: str, lesson: Lesson) -> str:
    """Where a lesson's hosted notebook lies in the repository."""
    return f"{edition}/{lang}/{lesson.path(lang).name}"


def check_out_dir(course: Course, out_dir: Path) -> None:
    """UsageError unless ``out_dir`` is new, empty, or an earlier hosted edition."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out {out_dir} is a file: give a new or empty folder.")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise UsageError(
            f"--out {out_dir} is not empty and holds no earlier hosted edition: give a new or "
            "empty folder, so that no file of yours is overwritten."
        )
    root = course.root.resolve()
    if out_dir == root or any(out_dir == d or d in out_dir.parents for d in course.sources):
        raise UsageError(f"--out {out_dir} is among the course's sources: choose another folder.")


def write_hosted_edition(course: Course, out_dir: Path, repo: Repository) -> list[Path]:
    """Write the edition into ``out_dir`` (new, empty, or an earlier edition, which it
    replaces whole); return the notebooks. ``out_dir`` is never left half-written."""
    out_dir = out_dir.resolve()
    check_out_dir(course, out_dir)
    lessons = course.lessons()
    if not lessons:
        raise UsageError(f"No lesson found in {course.notebooks}: nothing to publish.")
    edition = published_folder(course, out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        written = []
        for lesson in lessons:
            for lang, path in lesson.paths.items():
                if not path.is_file():
                    raise CourseToolError(f"{path} is missing: translate the lesson first.")
                target = staging / lang / path.name
                target.parent.mkdir(parents=True, exist_ok=True)
                write_notebook(target, hosted_notebook(path, lang, repo, edition, lessons))
                written.append(out_dir / lang / path.name)
        (staging / MARKER).write_text(f"{repo.url} {repo.ref}\n", encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        staging.rename(out_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def published_folder(course: Course, out_dir: Path) -> str:
    """The edition's folder relative to the repository's root: where its links point."""
    try:
        return out_dir.resolve().relative_to(course.root.resolve()).as_posix()
    except ValueError:
        return EDITION_FOLDER


def edition_links(course: Course, repo: Repository, edition: str) -> list[str]:
    """One line per lesson and language: its Colab, Kaggle and Binder links (or its page)."""
    lines = []
    for lesson in course.lessons():
        for lang, committed in lesson.paths.items():
            path = edition_path(edition, lang, lesson)
            colab, kaggle = repo.colab(path), repo.kaggle(path)
            binder = repo.binder(committed.relative_to(course.root).as_posix())
            if colab and kaggle:
                lines.append(
                    f"{lang} {lesson.name}: Colab {colab} | Kaggle {kaggle} | Binder {binder}"
                )
            else:
                lines.append(f"{lang} {lesson.name}: {repo.page(path)} (Colab/Kaggle need GitHub)")
    return lines
