"""Every lesson, in both languages, in JupyterLab in a real (headless) browser.

As a student would: start JupyterLab with a documented launch command, open the lesson, see its
title and figures, type small parameters into the parameters cell, Run → Run All Cells, and read
the outputs: no error, nothing in red from the set-up cell, the device report and the training
summary in the lesson's language, the plots drawn. Each documented way to open the course
(`make lab`, `python -m course_utils lab` for conda, Windows and anyone without make, and the
student edition's own command) is started exactly as documented in a folder laid out as the user
has it: the first lesson must open with its figures, and every relative link of every lesson must
resolve through the server. The command the course used before (`jupyter lab notebooks`) is
shown to fail those checks.

The lessons of a language run in order and share one temporary MODEL_DIR, so that 04b finds the
model that 04a saved (run alone, 04b's test fails with the message that says to run 04a first);
each lesson writes its image files (IMAGES_DIR) to its own temporary folder. Without the
prepared data, the loading cell must say how to prepare it, in the lesson's language and without
a traceback. A screenshot of each lesson goes to build/browser/ for an instructor to look at.

The browser tests are slow (`make test-quick` skips them); `make test-browser` runs them alone.
They need Playwright (dev extra) and a Chromium or Chrome ($CHROME_PATH, /usr/bin/chromium,
chromium, chromium-browser or google-chrome on PATH): without one they are skipped, except under
CI (CI=true), where they fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_browser import (
    CHROMIUM_ARGS,
    LAB_CONFIG,
    REPO_ROOT,
    SCREENSHOTS,
    LabServer,
    LessonFacts,
    LessonPage,
    check_launch_route,
    check_lesson,
    check_missing_data,
    course_copy,
    find_browser,
    in_ci,
    jupyterlab,
    link_folder,
    link_problems,
    read_notebook,
    source,
    write_notebook,
)

from course_utils.layout import LANGUAGES, Course, find_course

COURSE = find_course(REPO_ROOT)
LESSONS = COURSE.lessons()
# The lessons of one language in order (03, 04a, 04b, ...), then the other language's: a lesson
# may load the model an earlier one saved (04b loads 04a's), in the MODEL_DIR they share.
CASES = [
    pytest.param(lesson, lang, id=f"{lesson.name}-{lang}")
    for lang in LANGUAGES
    for lesson in LESSONS
]
# A few hundred rows and one epoch: the whole lesson runs in well under a minute.
SMALL = {"EPOCHS": 1, "MAX_ROWS": 250}
RUN_TIMEOUT = 900  # seconds for Run All (generous: slow CI machines, TensorFlow's import)
OVERRIDES = LAB_CONFIG / "labconfig" / "default_setting_overrides.json"


def unavailable(reason: str) -> None:
    """Skip where the browser stack is missing, except under CI, where the test must run."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: the browser test must run here)", pytrace=False)
    pytest.skip(reason)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = find_browser()
    if executable is None:
        unavailable(
            "no Chromium or Chrome found ($CHROME_PATH, /usr/bin/chromium, chromium, "
            "chromium-browser, google-chrome); on Debian/Ubuntu: apt-get install chromium"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: .venv/bin/pip install -e '.[dev]'")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, chromium_sandbox=False, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def course_utils_lab(lang: str) -> Callable[[list[str]], list[str]]:
    """`python -m course_utils lab --lang LANG`: the route of conda, Windows and the student
    edition (its Python stands for the environment the course was installed in)."""
    return lambda options: [sys.executable, "-m", "course_utils", "lab", "--lang", lang, *options]


def make_lab(lang: str) -> Callable[[list[str]], list[str]]:
    """`make lab`, the route of a clone, with the language and the server's options in
    LAB_ARGS."""
    return lambda options: [
        "make",
        "--no-print-directory",
        "lab",
        f"LAB_ARGS=--lang {lang} " + " ".join(options),
    ]


def started(copy: Path, home: Path, lang: str = LANGUAGES[0]):
    """JupyterLab started in a course copy by `python -m course_utils lab`."""
    return jupyterlab(course_utils_lab(lang), cwd=copy, root=copy, home=home)


@pytest.fixture(scope="module")
def data() -> Path:
    if not any(COURSE.data.glob("*.csv")):
        pytest.fail(f"no prepared data in {COURSE.data}: run `make data` first", pytrace=False)
    return COURSE.data


@pytest.fixture(scope="module")
def lab(browser, data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab started as the route without make does, in a copy of the course with data."""
    base = tmp_path_factory.mktemp("browser")
    copy = course_copy(base / "course", data=data)
    with started(copy, base / "home") as server:
        yield server


@pytest.fixture(scope="module")
def lab_without_data(browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """The same, in a copy of the course whose data was never prepared."""
    base = tmp_path_factory.mktemp("browser-no-data")
    copy = course_copy(base / "no-data", data=None)
    with started(copy, base / "home") as server:
        yield server


@pytest.fixture
def page(browser, lab: LabServer) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(60_000)
    try:
        yield context.new_page()
    finally:
        context.close()
        lab.shutdown_kernels()


def lesson_page(page, lab: LabServer, lesson, lang: str) -> tuple[LessonPage, str]:
    notebook = lab.root / "notebooks" / lang / f"{lesson.name}.ipynb"
    if not notebook.is_file():
        pytest.fail(f"{lesson.name} has no {lang} notebook ({lesson.path(lang)})", pytrace=False)
    facts = LessonFacts.read(notebook, committed=lesson.path(lang))
    return LessonPage(page, facts, lang), lab.lab_url(notebook, f"{lesson.name}-{lang}")


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One MODEL_DIR per language, shared by that language's lessons for the whole module."""
    return {lang: tmp_path_factory.mktemp(f"models-{lang}") for lang in LANGUAGES}


def small(tmp_path: Path, model_dir: Path | None = None) -> dict[str, Any]:
    """Small parameters; a lesson only gets those its parameters cell declares."""
    return {
        **SMALL,
        "MODEL_DIR": str(model_dir or tmp_path / "models"),
        "IMAGES_DIR": str(tmp_path / "images"),
    }


def report(problems: list[str]) -> str:
    return "\n".join(f"- {problem}" for problem in problems)


# --------------------------------------------------------------------------- the lessons


@pytest.mark.parametrize(("lesson", "lang"), CASES)
@pytest.mark.slow
@pytest.mark.browser
def test_lesson_runs_in_jupyterlab(
    page, lab: LabServer, lesson, lang: str, tmp_path: Path, model_dirs: dict[str, Path]
):
    view, url = lesson_page(page, lab, lesson, lang)
    others = [
        LessonFacts.read(lesson.path(other)).title
        for other in LANGUAGES
        if other != lang and lesson.path(other).is_file()
    ]
    problems = check_lesson(
        view,
        url,
        parameters=small(tmp_path, model_dirs[lang]),
        other_titles=others,
        timeout=RUN_TIMEOUT,
        screenshot=SCREENSHOTS / f"{lesson.name}-{lang}.png",
    )
    assert not problems, f"{lesson.name} ({lang}) in JupyterLab:\n{report(problems)}\n" + (
        f"JupyterLab's log:\n{lab.log_tail()}"
    )


@pytest.mark.parametrize(("lesson", "lang"), CASES)
@pytest.mark.slow
@pytest.mark.browser
def test_lesson_without_data_says_how_to_prepare_it(
    page, lab_without_data: LabServer, lesson, lang: str, tmp_path: Path
):
    view, url = lesson_page(page, lab_without_data, lesson, lang)
    if view.facts.index(calls="locate_dataset") is None:
        pytest.skip(f"{lesson.name} does not read the prepared data (no locate_dataset call)")
    problems = check_missing_data(
        view,
        url,
        parameters=small(tmp_path),
        timeout=RUN_TIMEOUT,
        screenshot=SCREENSHOTS / f"{lesson.name}-{lang}-no-data.png",
    )
    assert not problems, f"{lesson.name} ({lang}) without data:\n{report(problems)}"


# --------------------------------------------------------------------------- the checks can fail


def break_lesson(notebook: Path) -> tuple[str, str]:
    """Point a markdown image at a missing file and add a failing cell after the parameters.

    Returns the missing image's file name and the id of the failing cell.
    """
    content = read_notebook(notebook)
    cells = content["cells"]
    for cell in cells:
        text = source(cell)
        if cell["cell_type"] == "markdown" and re.search(r'<img\b[^>]*src="', text):
            cell["source"] = re.sub(
                r'(<img\b[^>]*src=")[^"]+', r"\1../../img/no-such-figure.png", text, count=1
            )
            break
    else:
        pytest.fail(f"{notebook.name} has no <img> in its markdown to break")
    parameters = next(
        i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])
    )
    failing = {
        "cell_type": "code",
        "id": "injected-failure",
        "metadata": {},
        "execution_count": None,
        "outputs": [],
        "source": 'raise RuntimeError("injected failure")',
    }
    cells.insert(parameters + 1, failing)
    write_notebook(notebook, content)
    return "no-such-figure.png", failing["id"]


@pytest.mark.slow
@pytest.mark.browser
def test_check_reports_a_broken_image_and_a_failing_cell(
    page, lab_without_data: LabServer, tmp_path: Path
):
    lesson, lang = LESSONS[0], LANGUAGES[-1]
    broken = lab_without_data.root / "notebooks" / lang / f"broken-{lesson.name}.ipynb"
    shutil.copy2(lab_without_data.root / "notebooks" / lang / f"{lesson.name}.ipynb", broken)
    image, cell_id = break_lesson(broken)
    facts = LessonFacts.read(broken, committed=lesson.path(lang))
    view, url = LessonPage(page, facts, lang), lab_without_data.lab_url(broken, "broken")
    problems = check_lesson(
        view, url, parameters=small(tmp_path), other_titles=[], timeout=RUN_TIMEOUT
    )
    found = report(problems)
    assert any(image in p and "did not load" in p for p in problems), found
    assert any(cell_id in p and "RuntimeError: injected failure" in p for p in problems), found
    # Run All stops at the error: the later cells, the device report and the plots are missing.
    assert any("code cells did not run" in p for p in problems), found
    assert any("no device report" in p for p in problems), found
    assert any("shows no plot" in p for p in problems), found


# --------------------------------------------------------------------------- the class settings


def test_class_settings_are_valid_for_the_installed_jupyterlab():
    """jupyter/labconfig holds settings JupyterLab knows, with values its schemas accept."""
    import jsonschema
    from jupyterlab.commands import get_app_dir

    schemas = Path(get_app_dir()) / "schemas"
    overrides = json.loads(OVERRIDES.read_text(encoding="utf-8"))
    for plugin, values in overrides.items():
        package, _, name = plugin.partition(":")
        schema = schemas / package / f"{name}.json"
        assert schema.is_file(), f"{plugin}: no such JupyterLab plugin (no {schema})"
        properties = json.loads(schema.read_text(encoding="utf-8"))
        unknown = set(values) - set(properties.get("properties", {}))
        assert not unknown, f"{plugin} has no setting {sorted(unknown)}"
        jsonschema.validate(values, properties)
    notifications = overrides["@jupyterlab/apputils-extension:notification"]
    assert notifications == {"fetchNews": "false", "checkForUpdates": False}
    # Every cell rendered: the browser test counts the markdown images, Ctrl+F finds any text.
    assert overrides["@jupyterlab/notebook-extension:tracker"]["windowingMode"] == "none"


# --------------------------------------------------------------------------- launch routes


def edition_folder(base: Path, data: Path) -> Path:
    """A student edition written by the course's command, with the data prepared in it."""
    out = base / "asl-course"
    subprocess.run(
        [sys.executable, "-m", "course_utils", "student-edition", "--out", str(out)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
    )
    link_folder(data, out / "datasets" / "asl_data")
    return out


def documented_lab_command(readme: Path, lang: str) -> str:
    """The edition README's command that opens the course in ``lang`` (Linux and macOS)."""
    commands = re.findall(r"`(\.venv/bin/python -m course_utils lab[^`]*)`", readme.read_text())
    chosen = [c for c in commands if c.endswith(f"--lang {lang}")]
    assert chosen, f"{readme} documents no lab command for {lang}: {commands}"
    return chosen[0]


def binder_start(lang: str) -> Callable[[list[str]], list[str]]:
    """Binder's and a JupyterHub image's route: repo2docker runs the server through
    binder/start, in the course's folder; the link's urlpath opens the lesson."""
    return lambda options: ["bash", "binder/start", sys.executable, "-m", "jupyterlab", *options]


ROUTES = {
    # name: (language, how the folder is laid out, the command, the path the link opens)
    "make-lab": ("es", "clone", make_lab, ""),
    "course-utils-lab": ("en", "clone", course_utils_lab, ""),
    "student-edition": ("es", "edition", course_utils_lab, ""),
    "binder-start": ("es", "clone", binder_start, "lab/tree/notebooks/es/{first}"),
}


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.slow
@pytest.mark.browser
def test_each_launch_route_opens_the_first_lesson_with_every_link(
    route: str, browser, page, data: Path, tmp_path: Path
):
    lang, layout, command, opens = ROUTES[route]
    if layout == "edition":
        folder = edition_folder(tmp_path, data)
        documented = documented_lab_command(folder / "README.md", lang)
        assert documented.split()[1:] == ["-m", "course_utils", "lab", "--lang", lang]
    else:
        folder = course_copy(tmp_path / "clone", data=data, venv=REPO_ROOT / ".venv")
    first = Course(folder).lessons()[0].path(lang)
    view = LessonPage(page, LessonFacts.read(first), lang)
    with jupyterlab(command(lang), cwd=folder, root=folder, home=tmp_path / "home") as server:
        problems = check_launch_route(
            view,
            server,
            folder / "notebooks",
            opens=opens.format(first=first.name),
            timeout=RUN_TIMEOUT,
            screenshot=SCREENSHOTS / f"route-{route}.png",
        )
        server.shutdown_kernels()
    assert not problems, f"{route}:\n{report(problems)}\nJupyterLab's log:\n{server.log_tail()}"


@pytest.mark.slow
@pytest.mark.browser
def test_the_old_command_serving_only_notebooks_is_caught(browser, page, data, tmp_path: Path):
    """`jupyter lab notebooks`, the command `make lab` ran before: no figure, no glossary."""
    folder = course_copy(tmp_path / "clone", data=data)
    lang = "en"
    first = Course(folder).lessons()[0].path(lang)
    view = LessonPage(page, LessonFacts.read(first), lang)

    def old(options: list[str]) -> list[str]:
        return [sys.executable, "-m", "jupyterlab", "notebooks", *options]

    with jupyterlab(old, cwd=folder, root=folder / "notebooks", home=tmp_path / "home") as server:
        page.goto(server.lab_url(first, "old"))
        view.wait_until_shown()
        problems = view.markdown_image_problems(timeout=10)
        problems += link_problems(server, folder / "notebooks")
        server.shutdown_kernels()
    found = report(problems)
    assert any("did not load" in p for p in problems), found
    assert any("GLOSSARY.md points above the folder" in p for p in problems), found
    assert any("/img/" in p and "points above the folder" in p for p in problems), found


# --------------------------------------------------------------------------- finding the browser


def test_chrome_path_comes_first(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    browser = tmp_path / "my-chrome"
    browser.write_text("#!/bin/sh\n")
    browser.chmod(0o755)
    monkeypatch.setenv("CHROME_PATH", str(browser))
    assert find_browser() == str(browser)


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_browser_skips_except_under_ci(monkeypatch: pytest.MonkeyPatch, ci, outcome):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no browser here"):
        unavailable("no browser here")
