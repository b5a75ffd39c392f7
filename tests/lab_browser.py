"""Drive the course's lessons in JupyterLab, in a real headless browser, as a student would.

Used by tests/test_browser.py. The pieces:

- ``find_browser`` finds a Chromium or Chrome executable (``$CHROME_PATH`` first);
- ``course_copy`` lays out a temporary copy of the course's files (with or without the prepared
  data), as a clone of the working tree would have them;
- ``jupyterlab`` starts JupyterLab with a launch command exactly as a route documents it (for
  example ``make lab`` or ``python -m course_utils lab``), adding only the server's network
  options (127.0.0.1, a random port, a token, no browser) and nothing of the user's own Jupyter
  configuration, and stops it, with its kernels, whatever happens;
- ``LessonPage`` opens a lesson in a Playwright page and reads back what the student sees;
  its ``*_problems`` methods return what is wrong as sentences (empty: all good), so that a test
  can also show that they do report a broken image or a failing cell.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from course_utils.layout import find_course

COURSE = find_course(Path(__file__).parent)
REPO_ROOT = COURSE.root
# The class settings: `make lab` puts this folder first on JUPYTER_CONFIG_PATH, where JupyterLab
# reads labconfig/default_setting_overrides.json (new defaults; the Settings editor still works).
LAB_CONFIG = COURSE.lab_settings
SCREENSHOTS = COURSE.build / "browser"

# Without the background-networking flags Chromium keeps opening connections that sandboxed CI
# machines refuse; Playwright gives each launch a fresh temporary profile (user-data-dir).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# What the lessons' helpers print, per language: device_report() and training_summary() from
# course_utils.records, and the DatasetNotFoundError of locate_dataset() from course_utils.data.
DEVICE_REPORT = {
    "es": r"Entrenamiento en (?:una CPU|la GPU)\b",
    "en": r"Training on the (?:CPU|GPU)\b",
}
TRAINING_SUMMARY = {"es": r"Tras (\d+) épocas?\b", "en": r"After (\d+) epochs?\b"}
MISSING_DATA = {
    "es": ("No encuentro", "Prepara los datos", "python -m course_utils fetch-data"),
    "en": ("Cannot find", "python -m course_utils fetch-data"),
}
MISSING_DATA_FOREIGN = {"es": ("Cannot find", "run this command"), "en": ("No encuentro",)}
# What a student must not see around a lesson's own message: the traceback it came with.
TRACEBACK_MARKS = ("Traceback", "DatasetNotFoundError", "File ", "raise ")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def find_browser() -> str | None:
    """A Chromium-family browser: $CHROME_PATH, /usr/bin/chromium, then the usual names on PATH."""
    explicit = os.environ.get("CHROME_PATH")
    candidates = [explicit] if explicit else []
    candidates.append("/usr/bin/chromium")
    candidates += [shutil.which(name) for name in BROWSER_NAMES]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


# --------------------------------------------------------------------------- the course copy


def course_copy(dest: Path, *, data: Path | None, venv: Path | None = None) -> Path:
    """A copy of the course's files in ``dest``: those git tracks, plus new ones not ignored.

    ``data`` is linked (or copied) as datasets/asl_data; None leaves it out. ``venv`` is linked
    as .venv, as a clone where ``make`` already set up the environment has it. The notebooks'
    outputs are cleared, so that what the checks see comes from the run in the browser.
    """
    working_tree_copy(dest)
    if data is not None:
        link_folder(data, dest / "datasets" / "asl_data")
    if venv is not None:
        (dest / ".venv").symlink_to(venv.resolve(), target_is_directory=True)
    for notebook in (dest / "notebooks").rglob("*.ipynb"):
        clear_outputs(notebook)
    return dest


def working_tree_copy(dest: Path) -> Path:
    """The files a clone of the course would have, as they are now: tracked or new, never
    git-ignored ones."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source_file = REPO_ROOT / name
        if source_file.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source_file, dest / name)
    return dest


def link_folder(source_dir: Path, link: Path) -> None:
    """Link ``link`` to ``source_dir`` (a copy where links are not allowed)."""
    link.parent.mkdir(parents=True, exist_ok=True)
    try:
        link.symlink_to(source_dir.resolve(), target_is_directory=True)
    except OSError:
        shutil.copytree(source_dir, link)


def read_notebook(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def write_notebook(path: Path, notebook: dict[str, Any]) -> None:
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def clear_outputs(path: Path) -> None:
    notebook = read_notebook(path)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    write_notebook(path, notebook)


def source(cell: dict[str, Any]) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


# --------------------------------------------------------------------------- what to expect


@dataclass(frozen=True)
class LessonFacts:
    """What a lesson notebook's file says the browser should show."""

    cells: list[dict[str, Any]]
    title: str  # the first markdown cell's "# " heading, as plain text
    markdown_images: int
    plot_cells: frozenset[str]  # ids of the cells whose committed outputs hold an image

    @classmethod
    def read(cls, path: Path, committed: Path | None = None) -> LessonFacts:
        """The facts of the notebook at ``path``; images from ``committed``'s outputs."""
        cells = read_notebook(path)["cells"]
        markdown = [source(c) for c in cells if c["cell_type"] == "markdown"]
        headings = re.findall(r"^# (.+)$", markdown[0] if markdown else "", re.M)
        title = re.sub(r"[*_`]", "", headings[0]).strip() if headings else ""
        images = sum(len(re.findall(r"<img\b|!\[[^\]]*\]\(", text)) for text in markdown)
        plots = {
            cell.get("id", "")
            for cell in read_notebook(committed or path)["cells"]
            if any(
                key.startswith("image/")
                for output in cell.get("outputs", [])
                for key in output.get("data", {})
            )
        }
        return cls(cells, title, images, frozenset(plots))

    def index(self, tag: str | None = None, calls: str | None = None) -> int | None:
        """The first code cell tagged ``tag`` or whose source calls ``calls(``."""
        for i, cell in enumerate(self.cells):
            if cell["cell_type"] != "code":
                continue
            if tag and tag in cell.get("metadata", {}).get("tags", []):
                return i
            if calls and re.search(rf"\b{re.escape(calls)}\(", source(cell)):
                return i
        return None

    def name(self, index: int) -> str:
        return f"cell {index + 1} ({self.cells[index].get('id', 'no id')})"


PARAMETER_LINE = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?P<annotation>\s*:[^=]+)?=\s*(?P<value>.*)$")


def with_parameters(text: str, values: dict[str, Any]) -> str:
    """The parameters cell's ``text`` with the assignments of ``values`` replaced (others kept)."""
    lines = []
    for line in text.splitlines():
        match = PARAMETER_LINE.match(line)
        if match and match["name"] in values:
            line = f"{line[: match.start('value')]}{values[match['name']]!r}"
        lines.append(line)
    return "\n".join(lines)


# --------------------------------------------------------------------------- JupyterLab


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc; empty elsewhere), such as its kernels."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError, IndexError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
    return children


@dataclass
class LabServer:
    root: Path  # the folder JupyterLab serves
    port: int
    token: str
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, method: str, path: str, timeout: float = 10) -> Any:
        request = urllib.request.Request(
            f"{self.url}{path}", method=method, headers={"Authorization": f"token {self.token}"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def file_status(self, relative: str) -> int:
        """The HTTP status of ``/files/<relative>``, as a link in a lesson fetches it."""
        request = urllib.request.Request(
            f"{self.url}/files/{urllib.parse.quote(relative)}",
            headers={"Authorization": f"token {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def lab_url(self, path: Path, workspace: str) -> str:
        """The URL that opens ``path`` (under the root) in a workspace of its own."""
        relative = path.relative_to(self.root).as_posix()
        return f"{self.url}/lab/workspaces/{workspace}/tree/{relative}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        with suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def shutdown_kernels(self) -> None:
        """Shut down every session and kernel (each test leaves a lesson's kernel running)."""
        with suppress(OSError, urllib.error.URLError):
            for session in self.api("GET", "/api/sessions"):
                self.api("DELETE", f"/api/sessions/{session['id']}", timeout=30)
            for kernel in self.api("GET", "/api/kernels"):
                self.api("DELETE", f"/api/kernels/{kernel['id']}", timeout=30)


def lab_environment(home: Path) -> dict[str, str]:
    """A clean environment: no trace of the user's own Jupyter setup, and none of the class
    settings either (a launch route must set them itself)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JUPYTER", "JPY_", "IPYTHON"))
        and k not in ("PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL", "COURSE_LANG")
    }
    for name in ("config", "data", "runtime", "settings", "workspaces", "ipython"):
        (home / name).mkdir(parents=True, exist_ok=True)
    env.update(
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
        IPYTHONDIR=str(home / "ipython"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def server_options(port: int, token: str) -> list[str]:
    """The options a test adds to a launch command: where to listen, and no browser."""
    options = [
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.append("--allow-root")  # containers and CI machines often run as root
    return options


@contextmanager
def jupyterlab(
    launch: Callable[[list[str]], list[str]],
    *,
    cwd: Path,
    root: Path,
    home: Path,
    startup_timeout: float = 120,
) -> Iterator[LabServer]:
    """JupyterLab started by ``launch(server_options)`` in ``cwd``, serving ``root``, ready to
    use; stopped (with its kernels) on exit."""
    token = os.urandom(16).hex()
    port = free_port()
    log = home / "jupyterlab.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as output:
        process = subprocess.Popen(
            launch(server_options(port, token)),
            cwd=cwd,
            env=lab_environment(home),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, to stop it as a whole
        )
    server = LabServer(root, port, token, process, log)
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"JupyterLab exited ({process.returncode}):\n{server.log_tail()}"
                )
            with suppress(OSError, urllib.error.URLError, ValueError):
                server.api("GET", "/api/status", timeout=2)
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start in {startup_timeout:.0f} s")
            time.sleep(0.3)
        yield server
    finally:
        stop(server)


def stop(server: LabServer) -> None:
    """Stop JupyterLab: kernels first, then SIGTERM to its group, SIGKILL if it lingers."""
    process = server.process
    if process.poll() is None:
        server.shutdown_kernels()
    kernels = _children(process.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=15)
    for pid in kernels:  # kernels run in sessions of their own: end any the server left
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)


# --------------------------------------------------------------------------- the page

# The DOM the checks read: one entry per notebook cell, in order (the class settings render
# every cell, see jupyter/labconfig), with its prompt and its outputs.
_READ_CELLS = """
(panel) => [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map((cell) => ({
  kind: cell.classList.contains('jp-CodeCell') ? 'code' : 'markdown',
  prompt: cell.querySelector('.jp-InputPrompt')?.innerText.trim() ?? '',
  outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map((output) => ({
    mime: output.dataset.mimeType ?? '',
    text: output.innerText,
    images: [...output.querySelectorAll('img')].map((img) => ({
      src: img.getAttribute('src') ?? '', complete: img.complete, width: img.naturalWidth,
    })),
  })),
}))
"""
_MARKDOWN_IMAGES = """
(panel) => [...panel.querySelectorAll('.jp-MarkdownOutput img')].map((img) => ({
  src: img.getAttribute('src') ?? '', alt: img.getAttribute('alt') ?? '',
  complete: img.complete, width: img.naturalWidth,
}))
"""
_ERROR_LINE = re.compile(r"^(?:\w+\.)*\w*(?:Error|Exception|Interrupt)\b(?::.*)?$", re.M)


def error_text(outputs: list[dict[str, Any]]) -> str | None:
    """The error an output area shows (JupyterLab renders errors as stderr), if any."""
    for output in outputs:
        text = output["text"]
        if output["mime"] == "application/vnd.jupyter.stderr" and (
            "Traceback (most recent call last)" in text or _ERROR_LINE.search(text)
        ):
            return text
    return None


def stderr_text(outputs: list[dict[str, Any]]) -> str:
    """Everything an output area shows in red (stderr streams and errors alike)."""
    return "\n".join(o["text"] for o in outputs if o["mime"] == "application/vnd.jupyter.stderr")


def error_message(text: str) -> str:
    """The last ``SomeError: message`` of a traceback (without the source lines shown above)."""
    starts = [m.start() for m in re.finditer(r"^(?:\w+\.)*\w*(?:Error|Exception)\b", text, re.M)]
    return text[starts[-1] :].strip() if starts else text.strip().splitlines()[-1]


@dataclass
class LessonPage:
    """A lesson open in JupyterLab in a Playwright page."""

    page: Any  # playwright.sync_api.Page
    facts: LessonFacts
    lang: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def panel(self):
        return self.page.locator(".jp-NotebookPanel:visible").first

    def cell(self, index: int):
        return self.panel.locator(".jp-Notebook .jp-Cell").nth(index)

    def open(self, url: str, timeout: float = 120) -> None:
        """Load the lesson and wait until every cell is there and its kernel is idle."""
        self.page.goto(url)
        self.wait_until_shown(timeout)

    def wait_until_shown(self, timeout: float = 120) -> None:
        """Wait until every cell of the lesson is on the page and its kernel is idle."""
        expected = len(self.facts.cells)
        self.page.wait_for_function(
            "(n) => document.querySelectorAll('.jp-NotebookPanel .jp-Notebook .jp-Cell').length"
            " === n",
            arg=expected,
            timeout=timeout * 1000,
        )
        self.wait_for_kernel_idle(timeout)

    def kernel_status(self) -> str:
        indicator = self.panel.locator(".jp-Notebook-ExecutionIndicator")
        return (indicator.get_attribute("data-status") or "") if indicator.count() else ""

    def wait_for_kernel_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.kernel_status() == "idle":
                return True
            time.sleep(0.5)
        return False

    def cells(self) -> list[dict[str, Any]]:
        return self.panel.evaluate(_READ_CELLS)

    # ---------------------------------------------------------------- what the page shows

    def headings(self) -> list[str]:
        return [
            " ".join(h.replace("¶", "").split())
            for h in self.panel.locator(".jp-MarkdownOutput h1").all_inner_texts()
        ]

    def title_problems(self, other_titles: list[str], timeout: float = 30) -> list[str]:
        """The lesson's title (from its file) is shown, and no other language's title."""
        title = " ".join(self.facts.title.split())
        deadline = time.monotonic() + timeout  # markdown renders after the cells appear
        while title not in (headings := self.headings()) and time.monotonic() < deadline:
            time.sleep(0.3)
        problems = []
        if not title:
            problems.append("the notebook's first markdown cell has no '# ' heading")
        elif title not in headings:
            problems.append(f"title {self.facts.title!r} not shown (headings: {headings})")
        for other in other_titles:
            if other and other != self.facts.title and other in headings:
                problems.append(f"the page shows another language's title {other!r}")
        return problems

    def markdown_image_problems(self, timeout: float = 30) -> list[str]:
        """Every image of the markdown cells is rendered and loaded (naturalWidth > 0)."""
        expected = self.facts.markdown_images
        deadline = time.monotonic() + timeout
        while True:
            images = self.panel.evaluate(_MARKDOWN_IMAGES)
            settled = len(images) >= expected and all(i["complete"] for i in images)
            if settled or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        problems = []
        if len(images) != expected:
            problems.append(
                f"{len(images)} markdown images rendered, the notebook has {expected} "
                "(are all cells rendered? see windowingMode in jupyter/labconfig)"
            )
        for image in images:
            if not image["complete"] or image["width"] == 0:
                path = urllib.parse.urlsplit(image["src"]).path
                problems.append(f"markdown image {path} did not load (alt: {image['alt'][:60]!r})")
        return problems

    def notification_problems(self) -> list[str]:
        """No news or update pop-up (the class settings turn them off)."""
        toasts = self.page.locator(".Toastify__toast").all_inner_texts()
        return [f"a notification pops up: {t.strip()[:100]!r}" for t in toasts if t.strip()]

    # ---------------------------------------------------------------- as a student

    def set_parameters(self, values: dict[str, Any]) -> list[str]:
        """Type new values into the parameters cell, as a student: click, select all, type."""
        index = self.facts.index(tag="parameters")
        if index is None:
            return ["no code cell is tagged 'parameters'"]
        present = {
            m["name"]
            for line in source(self.facts.cells[index]).splitlines()
            if (m := PARAMETER_LINE.match(line))
        }
        self.parameters = {k: v for k, v in values.items() if k in present}
        wanted = with_parameters(source(self.facts.cells[index]), self.parameters)
        editor = self.cell(index).locator(".cm-content")
        editor.click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.type(wanted)
        typed = editor.inner_text()
        self.page.keyboard.press("Escape")
        if [line.rstrip() for line in typed.splitlines()] != wanted.splitlines():
            return [f"the parameters cell holds {typed!r} after typing {wanted!r}"]
        return []

    def run_all(self, timeout: float) -> list[str]:
        """Run → Run All Cells from the menu bar, then wait for the kernel to finish."""
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()
        return self.wait_for_cells(timeout)

    def wait_for_cells(self, timeout: float) -> list[str]:
        """Wait until the kernel is idle and no cell is queued or running."""
        deadline = time.monotonic() + timeout
        quiet = 0
        while time.monotonic() < deadline:
            busy = self.kernel_status() != "idle" or any(
                c["prompt"] == "[*]:" for c in self.cells() if c["kind"] == "code"
            )
            quiet = 0 if busy else quiet + 1
            if quiet >= 3:
                return []
            time.sleep(1)
        return [f"the notebook still runs after {timeout:.0f} s"]

    # ---------------------------------------------------------------- after the run

    def output_problems(self) -> list[str]:
        """After Run All: every cell ran without error, messages in the lesson's language,
        plots rendered as images."""
        facts, lang = self.facts, self.lang
        cells = self.cells()
        if len(cells) != len(facts.cells):
            return [f"the page shows {len(cells)} cells, the notebook has {len(facts.cells)}"]
        problems, not_run = [], []
        for i, cell in enumerate(cells):
            if cell["kind"] != "code":
                continue
            error = error_text(cell["outputs"])
            if error:
                problems.append(f"{facts.name(i)} shows an error: {error_message(error)[:300]}")
            elif not re.fullmatch(r"\[\d+\]:", cell["prompt"]):
                not_run.append(f"{facts.name(i)} {cell['prompt']}")
            for output in cell["outputs"]:
                for image in output["images"]:
                    if not image["complete"] or image["width"] == 0:
                        problems.append(f"{facts.name(i)}: an output image did not load")
            if facts.cells[i].get("id") in facts.plot_cells and not any(
                image["width"] > 0 for output in cell["outputs"] for image in output["images"]
            ):
                problems.append(f"{facts.name(i)} shows no plot (its committed output has one)")
        problems += self.setup_problems(cells)
        if not_run:
            more = f", … ({len(not_run)} in all)" if len(not_run) > 3 else ""
            problems.append(f"code cells did not run: {', '.join(not_run[:3])}{more}")
        text = "\n".join(o["text"] for c in cells for o in c["outputs"])
        others = [other for other in DEVICE_REPORT if other != lang]
        epochs = self.parameters.get("EPOCHS")
        checks = [("device_report", "device report", DEVICE_REPORT)]
        checks.append(("training_summary", "training summary", TRAINING_SUMMARY))
        for helper, what, patterns in checks:
            if facts.index(calls=helper) is None:  # the lesson does not show this record
                continue
            match = re.search(patterns[lang], text)
            if not match:
                problems.append(f"no {what} in {lang} (/{patterns[lang]}/) in the outputs")
            elif match.groups() and epochs is not None and int(match[1]) != epochs:
                problems.append(f"the {what} says {match[0]!r}, EPOCHS was set to {epochs}")
            for other in others:
                if re.search(patterns[other], text):
                    problems.append(f"the {what} is (also) in {other}")
        return problems

    def setup_problems(self, cells: list[dict[str, Any]]) -> list[str]:
        """The set-up cell (the one that calls device_report) shows nothing in red: no
        TensorFlow start-up messages, which a student would read as an error."""
        setup = self.facts.index(calls="device_report")
        if setup is None or setup >= len(cells):
            return []
        red = stderr_text(cells[setup]["outputs"]).strip()
        if red:
            return [f"{self.facts.name(setup)} shows messages in red: {red[:200]!r}"]
        return []

    def run_all_above(self, index: int, timeout: float) -> list[str]:
        """Select cell ``index`` and use Run → Run All Above Selected Cell, as a student would."""
        self.cell(index).locator(".jp-InputPrompt").first.click()
        self.page.get_by_role("menuitem", name="Run", exact=True).click()
        self.page.locator(".lm-Menu-item[data-command='notebook:run-all-above']").click()
        return self.wait_for_cells(timeout)

    def missing_data_problems(self) -> list[str]:
        """Without datasets/asl_data: the loading cell shows the message, in the lesson's
        language, with the command that prepares the data; no cell before it fails."""
        facts, lang = self.facts, self.lang
        load = facts.index(calls="locate_dataset")
        if load is None:
            return ["no code cell calls locate_dataset()"]
        cells = self.cells()
        problems = []
        for i, cell in enumerate(cells[:load]):
            if cell["kind"] == "code" and error_text(cell["outputs"]):
                problems.append(f"{facts.name(i)} fails before the data is loaded")
        message = stderr_text(cells[load]["outputs"]).strip() if load < len(cells) else ""
        if not message:
            return [*problems, f"{facts.name(load)} shows no error although the data is missing"]
        problems += [
            f"{facts.name(load)}: {words!r} missing from {message!r}"
            for words in MISSING_DATA[lang]
            if words not in message
        ]
        problems += [
            f"{facts.name(load)}: the message is in another language ({words!r}): {message!r}"
            for words in MISSING_DATA_FOREIGN[lang]
            if words in message
        ]
        problems += [
            f"{facts.name(load)}: the message comes with a traceback ({mark!r}): {message[:300]!r}"
            for mark in TRACEBACK_MARKS
            if mark in message
        ]
        return problems

    def screenshot(self, path: Path, *, whole_notebook: bool = True, max_height: int = 16000):
        """Save a PNG of the page; with ``whole_notebook``, tall enough to show every cell."""
        path.parent.mkdir(parents=True, exist_ok=True)
        viewport = self.page.viewport_size
        if whole_notebook and viewport:
            inner = self.panel.locator(".jp-WindowedPanel-outer").first
            extra = inner.evaluate("(e) => e.scrollHeight - e.clientHeight")
            height = min(viewport["height"] + max(0, extra), max_height)
            self.page.set_viewport_size({"width": viewport["width"], "height": height})
            inner.evaluate("(e) => e.scrollTo(0, 0)")
            time.sleep(1)
        try:
            self.page.screenshot(path=str(path))
        finally:
            if whole_notebook and viewport:
                self.page.set_viewport_size(viewport)


# --------------------------------------------------------------------------- the checks


def check_lesson(
    page: LessonPage,
    url: str,
    *,
    parameters: dict[str, Any],
    other_titles: list[str],
    timeout: float,
    screenshot: Path | None = None,
) -> list[str]:
    """Open the lesson, check what it shows, set small parameters, Run All and check the
    outputs. Returns the problems found (empty: the lesson works as a student would see it)."""
    page.open(url)
    problems = [
        *page.notification_problems(),
        *page.title_problems(other_titles),
        *page.markdown_image_problems(),
    ]
    typed = page.set_parameters(parameters)
    if not typed:  # never run a lesson on its full data because the typing went wrong
        problems += page.run_all(timeout)
        problems += page.output_problems()
        problems += [p for p in page.notification_problems() if p not in problems]
    if screenshot:
        page.screenshot(screenshot)
    return problems + typed


def check_missing_data(
    page: LessonPage,
    url: str,
    *,
    parameters: dict[str, Any],
    timeout: float,
    screenshot: Path | None = None,
) -> list[str]:
    """Open the lesson in a course without datasets/asl_data, Run All, check the message."""
    page.open(url)
    problems = page.set_parameters(parameters)
    if not problems:
        problems += page.run_all(timeout)
        problems += page.missing_data_problems()
    if screenshot:
        load = page.facts.index(calls="locate_dataset")
        if load is not None:
            page.cell(load).scroll_into_view_if_needed()
        page.screenshot(screenshot, whole_notebook=False)
    return problems


# --------------------------------------------------------------------------- launch routes

LINK = re.compile(r"\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|\b(?:src|href)=\"([^\"]+)\"")


def relative_links(markdown: str, anchors: bool = False) -> list[str]:
    """The targets of a markdown text's relative links and images (without their #anchor,
    unless ``anchors``)."""
    targets = [a or b for a, b in LINK.findall(markdown)]
    return [
        target if anchors else target.split("#", 1)[0].split("?", 1)[0]
        for target in targets
        if not re.match(r"^(?:[a-z][a-z0-9+.-]*:|#)", target, re.I)
    ]


def lesson_links(notebook: Path, anchors: bool = False) -> list[str]:
    """The relative link and image targets of a lesson's markdown cells, in order."""
    cells = read_notebook(notebook)["cells"]
    return [
        target
        for cell in cells
        if cell["cell_type"] == "markdown"
        for target in relative_links(source(cell), anchors)
    ]


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a markdown heading: lower case, punctuation dropped, - for spaces."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def broken_links(notebook: Path, root: Path) -> list[str]:
    """The lesson's relative links that name no file inside ``root``, or a heading that the
    linked markdown file does not have."""
    broken = []
    for target in lesson_links(notebook, anchors=True):
        file, _, anchor = target.partition("#")
        resolved = (notebook.parent / file).resolve()
        if not resolved.is_file() or root.resolve() not in resolved.parents:
            broken.append(target)
        elif anchor and resolved.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", resolved.read_text(encoding="utf-8"), re.M)
            if anchor not in {github_anchor(heading) for heading in headings}:
                broken.append(target)
    return broken


def link_problems(server: LabServer, notebooks: Path) -> list[str]:
    """Every relative link and image of every lesson under ``notebooks`` resolves through the
    server (``/files/...`` answers 200), as a student's click or the page's image fetches it."""
    problems = []
    for notebook in sorted(notebooks.glob("*/*.ipynb")):  # notebooks/<lang>/<lesson>
        if server.root.resolve() not in notebook.resolve().parents:
            problems.append(f"{notebook} is outside the folder JupyterLab serves")
            continue
        folder = notebook.parent.resolve().relative_to(server.root.resolve()).as_posix()
        for target in lesson_links(notebook):
            resolved = posixpath.normpath(posixpath.join(folder, target))
            where = f"{notebook.parent.name}/{notebook.name}: {target}"
            if resolved.startswith("../") or resolved == "..":
                problems.append(f"{where} points above the folder JupyterLab serves")
            elif (status := server.file_status(resolved)) != 200:
                problems.append(f"{where} does not resolve (/files/{resolved}: {status})")
    return problems


def check_launch_route(
    page: LessonPage,
    server: LabServer,
    notebooks: Path,
    *,
    timeout: float,
    opens: str = "",
    screenshot: Path | None = None,
) -> list[str]:
    """Open what a student's browser opens after the route's command (the server's address,
    or the ``opens`` path a launch link gives): the first lesson must be there, with its title
    and figures, no pop-up and a quiet set-up cell; every relative link of every lesson must
    resolve through the server."""
    page.page.goto(f"{server.url}/{opens}?token={server.token}")
    problems = []
    try:
        page.wait_until_shown(timeout=60)
    except Exception:  # Playwright's TimeoutError: no lesson on the page
        problems.append(f"the first lesson did not open (the browser shows {page.page.url})")
    else:
        problems += page.notification_problems()
        problems += page.title_problems([])
        problems += page.markdown_image_problems()
        setup = page.facts.index(calls="device_report")
        if setup is not None:
            problems += page.run_all_above(setup + 1, timeout)
            problems += page.setup_problems(page.cells())
    problems += link_problems(server, notebooks)
    if screenshot:
        page.screenshot(screenshot, whole_notebook=False)
    return problems
