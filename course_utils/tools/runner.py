"""Execute the notebooks of a run's plan with papermill, safely, and say how each run went.

Executed copies go to an output folder outside the course's sources; only ``in_place`` puts
outputs back into the committed notebooks, after a run succeeded, cleaned, through an atomic
replace. A failing notebook does not stop the others; an interrupted run keeps nothing
half-written.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from course_utils.tools.errors import CourseToolError
from course_utils.tools.files import remove_stale_parts
from course_utils.tools.notebook_checks import ANSI_ESCAPE
from course_utils.tools.notebook_io import read_notebook, write_notebook
from course_utils.tools.run_plan import PlannedRun
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
# The kernel's own messages (not the cells'), one file per notebook beside its executed copy,
# rewritten by each run and kept only when that run failed and the kernel wrote something.
KERNEL_LOG_SUFFIX = ".kernel.log"
KERNEL_NAME = "python3"


@dataclass(frozen=True)
class RunSettings:
    """How every notebook of a run is executed."""

    output_dir: Path
    in_place: bool = False
    cell_timeout: int = DEFAULT_CELL_TIMEOUT
    echo: TextIO | None = None


def run_notebooks(plan: Iterable[PlannedRun], settings: RunSettings) -> list[RunResult]:
    """Execute each planned notebook into ``output_dir/<lang>/``; one result per notebook.

    Each notebook runs in its own folder. What its cells print is copied to ``echo`` as it
    arrives (so a long training cell shows its progress). With ``in_place``, a notebook's
    committed file is replaced only after its own run succeeded.
    """
    plan = list(plan)
    os.environ.update({k: v for k, v in KERNEL_ENVIRONMENT.items() if k not in os.environ})
    results = []
    for number, planned in enumerate(plan, start=1):
        print(f"[{number}/{len(plan)}] {planned.path}", flush=True)
        result = _run_one(planned, settings)
        print(
            f"    {result.status} in {result.seconds:.0f} s"
            + (f": {result.error}" if result.error else ""),
            flush=True,
        )
        results.append(result)
    return results


def _run_one(planned: PlannedRun, settings: RunSettings) -> RunResult:
    output = settings.output_dir / planned.language / planned.path.name
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(planned.path.parent)
    remove_stale_parts(output.parent, f".*{RUNNING_SUFFIX}")
    running = output.with_name(f".{planned.path.stem}{RUNNING_SUFFIX}")
    log = output.with_suffix(KERNEL_LOG_SUFFIX)
    started = time.perf_counter()
    failure = _execute(planned, running, log, settings)
    seconds = time.perf_counter() - started
    os.replace(running, output)
    executed = read_notebook(output)
    kept_log = _settle_kernel_log(log, failed=failure is not None)
    error = _describe_failure(planned.source, executed, failure, kept_log) if failure else None
    if settings.in_place and error is None:
        write_notebook(planned.path, clean_for_commit(executed))
    return RunResult(
        notebook=str(planned.path),
        language=planned.language,
        status="failed" if error else "ok",
        seconds=round(seconds, 1),
        output=str(output),
        error=error,
        recorded=read_records(executed),
    )


def _execute(
    planned: PlannedRun, running: Path, log: Path, settings: RunSettings
) -> Exception | None:
    """Run papermill into ``running``; the failure of a cell or of the kernel, if any.

    An interrupt removes the copy and propagates; a notebook papermill cannot even start is
    a CourseToolError."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    _register_typed_translator()
    try:
        with _papermill_warnings_only():
            papermill.execute_notebook(
                planned.path,
                running,
                parameters=planned.parameters,
                cwd=planned.path.parent,
                kernel_name=KERNEL_NAME,
                language="python",
                execution_timeout=settings.cell_timeout,
                progress_bar=True,
                stdout_file=_Echo(settings.echo) if settings.echo else None,
                kernel_manager_class=_kernel_logging_to(log),
            )
    except PapermillExecutionError as exc:
        if exc.ename != "KeyboardInterrupt":
            return exc
        _abandon(running)  # Ctrl-C reached the kernel as well
        raise KeyboardInterrupt from None
    except KeyboardInterrupt:
        _abandon(running)
        raise
    except Exception as exc:  # a timeout, a dead kernel, a notebook papermill cannot read...
        if not running.is_file():
            raise CourseToolError(
                f"papermill could not start {planned.path}: {type(exc).__name__}: {exc}"
            ) from exc
        return exc
    return None


def _abandon(running: Path) -> None:
    """After Ctrl-C: drop the unfinished copy, and keep asyncio from printing, as the
    process exits, the traceback of the kernel client's task that the interrupt cut short
    ("Task exception was never retrieved ... DeadKernelError")."""
    running.unlink(missing_ok=True)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)


def _describe_failure(source: Any, executed: Any, exc: Exception, log: Path | None) -> str:
    """Name the cell that failed (or ran too long) by its place in the ``source`` lesson;
    for any other failure (a dead kernel...), point to the kernel's ``log`` if kept."""
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        failed = _last_cell_id(executed, lambda run: run.get("status") == "failed")
        return f"{_describe_cell(source, failed)} raised {exc.ename}: {exc.evalue}"
    if "Timeout" in type(exc).__name__:
        started = _last_cell_id(executed, lambda run: bool(run.get("start_time")))
        if started is not None:
            where = _describe_cell(source, started)
            return f"{where} ran past the time limit for one cell ({exc})"
    where = f" (the kernel's own messages are in {log})" if log else ""
    return f"{type(exc).__name__}: {exc}{where}"


def _last_cell_id(executed: Any, matches: Callable[[dict[str, Any]], bool]) -> str | None:
    """The id of the last code cell whose papermill metadata ``matches``."""
    ids = [
        cell.get("id")
        for cell in executed.cells
        if cell.cell_type == "code" and matches(cell.metadata.get("papermill", {}))
    ]
    return ids[-1] if ids else None


def _describe_cell(source: Any, cell_id: str | None) -> str:
    """Name a cell of the lesson by its position, its id and first line."""
    cells = source.cells
    index = next((i for i, cell in enumerate(cells) if cell.get("id") == cell_id), None)
    if index is None:
        return f"cell with id {cell_id!r}"
    first_line = next((line for line in cells[index].source.splitlines() if line.strip()), "")
    return f"cell {index} (id {cell_id!r}, {first_line[:60]!r})"


def _kernel_logging_to(log: Path) -> type:
    """A kernel manager whose kernel writes its own messages (not the cells' output, which
    reaches the notebook) to ``log``, emptied first: they would otherwise clutter the
    terminal, as the kernel's complaint about its closed sockets does after Ctrl-C."""
    from jupyter_client.manager import AsyncKernelManager

    class KernelLoggingToFile(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            with log.open("wb") as handle:  # the kernel keeps its own copy of the descriptor
                kw.setdefault("stderr", handle)
                await super().start_kernel(**kw)

    return KernelLoggingToFile


def _settle_kernel_log(log: Path, failed: bool) -> Path | None:
    """Keep the kernel's log only after a failure, and only if the kernel wrote something;
    return it when kept."""
    if failed and log.is_file() and log.stat().st_size > 0:
        return log
    log.unlink(missing_ok=True)
    return None


@functools.cache
def _register_typed_translator() -> None:
    """Let papermill see parameters annotated with a union, such as ``int | None``.

    Papermill finds a notebook's parameters with a pattern whose annotation stops at ``|``:
    ``MAX_ROWS: int | None = None`` looked undeclared to it, so every ``-p MAX_ROWS`` warned
    "Passed unknown parameter" (the value was injected all the same). Registered for the
    kernel the runner starts, this translator also reads ``|``; it still finds every
    parameter the cell declares, and only those.
    """
    from papermill.translators import PythonTranslator, papermill_translators

    pattern = PythonTranslator.PARAMETER_PATTERN.pattern
    annotation = r"(?P<annotation>\w[\w_\[\],\s]*)"
    if annotation not in pattern:
        raise CourseToolError(
            "this papermill version reads parameters differently; update course_utils' "
            "runner (_register_typed_translator) to match it."
        )
    typed = pattern.replace(annotation, r"(?P<annotation>\w[\w_\[\],\s|]*)")

    class TypedPythonTranslator(PythonTranslator):
        PARAMETER_PATTERN = re.compile(typed)

    papermill_translators.register(KERNEL_NAME, TypedPythonTranslator)


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


@contextlib.contextmanager
def _papermill_warnings_only() -> Iterator[None]:
    """Papermill logs its own INFO lines; keep only its warnings and errors meanwhile."""
    logger = logging.getLogger("papermill")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


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
