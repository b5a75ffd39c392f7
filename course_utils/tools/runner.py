"""Execute lessons with papermill, safely, and say how each run went.

Executed copies go to an output folder outside the course's sources; only ``in_place`` puts
outputs back into the committed notebooks, after a run succeeded, cleaned, through an atomic
replace. A failing notebook does not stop the others; an interrupted run keeps nothing
half-written.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from course_utils.tools.errors import CourseToolError, UsageError
from course_utils.tools.files import remove_stale_parts
from course_utils.tools.notebook_checks import ANSI_ESCAPE
from course_utils.tools.notebook_io import read_notebook, write_notebook
from course_utils.tools.parameters import lesson_parameters
from course_utils.tools.run_report import RunResult, read_records

DEFAULT_CELL_TIMEOUT = 3600
# TensorFlow's C++ start-up messages at INFO level are noise in a lesson; warnings and
# errors still show. Kernels inherit the runner's environment.
KERNEL_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "1"}
# Lines TensorFlow's C++ runtime prints at start-up whatever the log level: the absl notice
# and INFO records such as "I0000 00:00:1795711652.506344 3906 port.cc:153] oneDNN ...".
TF_STARTUP_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*)$\n?"
)
RUNNING_SUFFIX = ".running.ipynb"  # papermill's copy while a notebook runs (hidden, then renamed)


def check_output_dir(output_dir: Path, sources: Iterable[Path]) -> None:
    """Refuse an output folder that is a file or lies in one of the ``sources`` folders."""
    resolved = output_dir.resolve()
    for source in sources:
        if resolved == source.resolve() or source.resolve() in resolved.parents:
            raise UsageError(
                f"--output-dir {output_dir} is inside {source}, which holds the course's own "
                "files: use --in-place to update the committed notebooks, or choose another "
                "folder (the default is build/executed)."
            )
    if output_dir.exists() and not output_dir.is_dir():
        raise UsageError(
            f"--output-dir {output_dir} is a file, not a folder: choose a folder (the default "
            "is build/executed)."
        )


def run_notebooks(
    notebooks: Iterable[Path],
    output_dir: Path,
    parameters: Mapping[str, Any] | None = None,
    in_place: bool = False,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    echo: TextIO | None = None,
) -> list[RunResult]:
    """Execute each notebook into ``output_dir/<lang>/`` and return one result per notebook.

    Each notebook runs in its own folder. What its cells print is copied to ``echo`` as it
    arrives (so a long training cell shows its progress). Each notebook gets the
    ``parameters`` its parameters cell declares. With ``in_place``, a notebook's committed
    file is replaced only after its own run succeeded.
    """
    notebooks = list(notebooks)
    if in_place and parameters:
        raise UsageError(
            "--in-place stores the outputs of a full run with the lessons' own parameters; "
            "drop -p to update the committed notebooks, or drop --in-place to try parameters."
        )
    os.environ.update({k: v for k, v in KERNEL_ENVIRONMENT.items() if k not in os.environ})
    results = []
    for number, notebook in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] {notebook}", flush=True)
        result = _run_one(
            notebook, output_dir, dict(parameters or {}), in_place, cell_timeout, echo
        )
        print(
            f"    {result.status} in {result.seconds:.0f} s"
            + (f": {result.error}" if result.error else ""),
            flush=True,
        )
        results.append(result)
    return results


def _run_one(
    notebook: Path,
    output_dir: Path,
    parameters: dict[str, Any],
    in_place: bool,
    cell_timeout: int,
    echo: TextIO | None,
) -> RunResult:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    language = notebook.parent.name
    output = output_dir / language / notebook.name
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(notebook.parent)
    remove_stale_parts(output.parent, f".*{RUNNING_SUFFIX}")
    running = output.with_name(f".{notebook.stem}{RUNNING_SUFFIX}")
    declared = lesson_parameters(read_notebook(notebook), notebook)
    parameters = {name: value for name, value in parameters.items() if name in declared}
    started = time.perf_counter()
    error = None
    try:
        with _quiet_papermill_logger():
            papermill.execute_notebook(
                notebook,
                running,
                parameters=parameters,
                cwd=notebook.parent,
                kernel_name="python3",
                language="python",
                execution_timeout=cell_timeout,
                progress_bar=True,
                stdout_file=_Echo(echo) if echo else None,
                kernel_manager_class=_kernel_logging_to(output.with_suffix(".kernel.log")),
            )
    except PapermillExecutionError as exc:
        if exc.ename == "KeyboardInterrupt":  # Ctrl-C reached the kernel as well
            running.unlink(missing_ok=True)
            raise KeyboardInterrupt from None
        error = (
            f"{_describe_cell(notebook, _failed_cell_id(running))} raised {exc.ename}: {exc.evalue}"
        )
    except KeyboardInterrupt:
        running.unlink(missing_ok=True)
        raise
    except Exception as exc:  # a timeout, a dead kernel, a notebook papermill cannot read...
        if not running.is_file():
            raise CourseToolError(
                f"papermill could not start {notebook}: {type(exc).__name__}: {exc}"
            ) from exc
        error = _describe_failure(notebook, running, exc)
    seconds = time.perf_counter() - started
    os.replace(running, output)
    executed = read_notebook(output)
    if in_place and error is None:
        write_notebook(notebook, clean_for_commit(executed))
    return RunResult(
        notebook=str(notebook),
        language=language,
        status="failed" if error else "ok",
        seconds=round(seconds, 1),
        output=str(output),
        error=error,
        recorded=read_records(executed),
    )


def _describe_failure(notebook: Path, running: Path, exc: BaseException) -> str:
    """A failure other than a cell's error: a timeout names the cell that ran too long."""
    if "Timeout" in type(exc).__name__:
        executed = read_notebook(running)
        started = [
            cell
            for cell in executed.cells
            if cell.cell_type == "code" and cell.metadata.get("papermill", {}).get("start_time")
        ]
        if started:
            where = _describe_cell(notebook, started[-1].get("id"))
            return f"{where} ran past the time limit for one cell ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _failed_cell_id(running: Path) -> str | None:
    """The id of the cell papermill marked as failed in the executed copy."""
    for cell in read_notebook(running).cells:
        if cell.metadata.get("papermill", {}).get("status") == "failed":
            return cell.get("id")
    return None


def _describe_cell(notebook: Path, cell_id: str | None) -> str:
    """Name a cell of ``notebook`` by its position in the lesson, its id and first line."""
    cells = read_notebook(notebook).cells
    index = next((i for i, cell in enumerate(cells) if cell.get("id") == cell_id), None)
    if index is None:
        return f"cell with id {cell_id!r}"
    first_line = next((line for line in cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index} (id {cell_id!r}, {first_line[:60]!r})"


def _kernel_logging_to(log: Path) -> type:
    """A kernel manager whose kernel writes its own messages (not the cells' output, which
    reaches the notebook) to ``log``: they would otherwise clutter the terminal, as the
    kernel's complaint about its closed sockets does after Ctrl-C."""
    from jupyter_client.manager import AsyncKernelManager

    class KernelLoggingToFile(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            with log.open("ab") as handle:  # the kernel keeps its own copy of the descriptor
                kw.setdefault("stderr", handle)
                await super().start_kernel(**kw)

    return KernelLoggingToFile


class _Echo:
    """A stream that copies a kernel's output to ``target``, each line indented."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        lines = text.splitlines()
        if lines:
            self.target.write("".join(f"    | {line}\n" for line in lines))
            self.target.flush()
        return len(text)

    def flush(self) -> None:
        self.target.flush()


class _quiet_papermill_logger:
    """Papermill logs its own INFO lines; keep only its warnings and errors."""

    def __enter__(self) -> None:
        self.logger = logging.getLogger("papermill")
        self.level = self.logger.level
        self.logger.setLevel(logging.WARNING)

    def __exit__(self, *exc_info: object) -> None:
        self.logger.setLevel(self.level)


def clean_for_commit(notebook: Any) -> Any:
    """Prepare an executed notebook for the repository.

    Drops papermill's bookkeeping (timings, absolute paths), TensorFlow's C++ start-up INFO
    lines from stderr, and the terminal colour codes in plain-text outputs (the HTML version
    of the same output keeps the formatting).
    """
    notebook.metadata.pop("papermill", None)
    for cell in notebook.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in map(_clean_output, cell.outputs) if o is not None]
    return notebook


def _clean_output(output: Any) -> Any:
    if output.output_type == "stream":
        if output.name == "stderr":
            kept = [
                line for line in output.text.splitlines(True) if not TF_STARTUP_LINE.match(line)
            ]
            output.text = "".join(kept)
        output.text = ANSI_ESCAPE.sub("", output.text)
        return output if output.text else None
    plain = output.get("data", {}).get("text/plain")
    if isinstance(plain, str):
        output.data["text/plain"] = ANSI_ESCAPE.sub("", plain)
    return output
