"""Execute the course's notebooks with papermill and report how each run went."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from course_utils.dataset import COURSE_ROOT
from course_utils.i18n import LANGUAGES
from course_utils.notebook_checks import ANSI_ESCAPE
from course_utils.notebook_io import read_notebook, write_notebook
from course_utils.report import read_records

NOTEBOOKS_DIR = COURSE_ROOT / "notebooks"
DEFAULT_OUTPUT_DIR = COURSE_ROOT / "build" / "executed"
DEFAULT_CELL_TIMEOUT = 3600
REPORT_NAME = "report.json"
# TensorFlow's C++ start-up messages at INFO level are noise in a lesson; warnings and
# errors still show. Kernels inherit the runner's environment.
KERNEL_ENVIRONMENT = {"TF_CPP_MIN_LOG_LEVEL": "1"}
# Lines TensorFlow's C++ runtime prints at start-up whatever the log level: the absl notice
# and INFO records such as "I0000 00:00:1795711652.506344 3906 port.cc:153] oneDNN ...".
TF_STARTUP_LINE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|I\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] .*)$\n?"
)


@dataclass
class RunRecord:
    """One row of the run report."""

    notebook: str
    language: str
    status: str
    seconds: float
    output: str
    device: str | None = None
    epochs: int | None = None
    train_accuracy: float | None = None
    val_accuracy: float | None = None
    error: str | None = None


def find_notebooks(
    root: Path = NOTEBOOKS_DIR,
    languages: Iterable[str] = LANGUAGES,
    pattern: str = "*",
) -> list[Path]:
    """The lesson notebooks under ``root/<lang>/`` whose file name matches ``pattern``."""
    found: list[Path] = []
    for lang in languages:
        if lang not in LANGUAGES:
            raise ValueError(f"Unknown language {lang!r}: use one of {', '.join(LANGUAGES)}.")
        found += sorted(
            path
            for path in (root / lang).glob("*.ipynb")
            if fnmatch(path.name, pattern) or fnmatch(path.stem, pattern)
        )
    return found


def run_notebooks(
    notebooks: Iterable[Path],
    output_dir: Path = DEFAULT_OUTPUT_DIR,
    parameters: Mapping[str, Any] | None = None,
    in_place: bool = False,
    cell_timeout: int = DEFAULT_CELL_TIMEOUT,
    kernel_name: str = "python3",
) -> list[RunRecord]:
    """Execute each notebook into ``output_dir/<lang>/`` and return one record per notebook.

    A failing notebook does not stop the others. With ``in_place`` a notebook's committed
    file is replaced, atomically, only after its own run succeeded.
    """
    notebooks = list(notebooks)
    if in_place and parameters:
        raise ValueError(
            "--in-place stores the outputs of a full run with the lessons' own parameters; "
            "run without -p to update the committed notebooks."
        )
    os.environ.update({k: v for k, v in KERNEL_ENVIRONMENT.items() if k not in os.environ})
    records = []
    for number, notebook in enumerate(notebooks, start=1):
        print(f"[{number}/{len(notebooks)}] {_display(notebook)}", flush=True)
        record = _run_one(
            notebook, output_dir, dict(parameters or {}), in_place, cell_timeout, kernel_name
        )
        print(
            f"    {record.status} in {record.seconds:.0f} s"
            + (f": {record.error}" if record.error else ""),
            flush=True,
        )
        records.append(record)
    return records


def _run_one(
    notebook: Path,
    output_dir: Path,
    parameters: dict[str, Any],
    in_place: bool,
    cell_timeout: int,
    kernel_name: str,
) -> RunRecord:
    import papermill
    from papermill.exceptions import PapermillExecutionError

    language = notebook.parent.name
    output = output_dir / language / notebook.name
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    error = None
    try:
        papermill.execute_notebook(
            notebook,
            output,
            parameters=parameters,
            cwd=notebook.parent,
            kernel_name=kernel_name,
            execution_timeout=cell_timeout,
            progress_bar=True,
        )
    except PapermillExecutionError as exc:
        error = f"{_describe_cell(notebook, exc.source)} raised {exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, timeout, unreadable notebook...
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    record = RunRecord(
        notebook=_display(notebook),
        language=language,
        status="failed" if error else "ok",
        seconds=round(seconds, 1),
        output=_display(output),
        error=error,
    )
    if output.is_file():
        executed = read_notebook(output)
        for key, value in read_records(executed).items():
            if hasattr(record, key):
                setattr(record, key, value)
        if in_place and not error:
            write_notebook(notebook, clean_for_commit(executed))
    return record


def _describe_cell(notebook: Path, source: str) -> str:
    """Name a cell of ``notebook`` by position, id and first line, from its source."""
    first_line = next((line for line in source.splitlines() if line.strip()), "")
    cells = read_notebook(notebook).cells
    index = next((i for i, cell in enumerate(cells) if cell.source == source), None)
    if index is None:
        return f"the cell starting {first_line[:60]!r}"
    return f"cell {index} (id {cells[index].get('id')!r}, {first_line[:60]!r})"


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


def write_report(records: list[RunRecord], output_dir: Path) -> Path:
    """Save the records as JSON in ``output_dir`` and return the file's path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / REPORT_NAME
    path.write_text(json.dumps([asdict(r) for r in records], indent=2) + "\n", encoding="utf-8")
    return path


def format_report(records: list[RunRecord]) -> str:
    """A plain-text table of the records."""
    header = ("notebook", "lang", "status", "time", "device", "epochs", "train acc", "val acc")
    rows = [header] + [
        (
            r.notebook,
            r.language,
            r.status,
            f"{r.seconds:.0f} s",
            r.device or "-",
            str(r.epochs) if r.epochs is not None else "-",
            f"{r.train_accuracy:.3f}" if r.train_accuracy is not None else "-",
            f"{r.val_accuracy:.3f}" if r.val_accuracy is not None else "-",
        )
        for r in records
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(COURSE_ROOT))
    except ValueError:
        return str(path)
