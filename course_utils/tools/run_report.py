"""The run report: one row per executed notebook, as a table and as ``report.json``.

Besides how the run went, each row holds the records the notebook displayed (see
``course_utils.records``); the table's columns for them are declared in ``RECORD_COLUMNS``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from course_utils.records import RECORD_MIME
from course_utils.tools.files import write_atomically

REPORT_NAME = "report.json"
# Each recorded field shown in the table: its column heading and how its value is written.
RECORD_COLUMNS: dict[str, tuple[str, Callable[[Any], str]]] = {
    "device": ("device", str),
    "epochs": ("epochs", str),
    "train_accuracy": ("train acc", "{:.4f}".format),
    "val_accuracy": ("val acc", "{:.4f}".format),
    "best_epoch": ("best epoch", str),
    "best_val_accuracy": ("best val acc", "{:.4f}".format),
    "last_val_accuracies": ("last val accs", lambda values: " ".join(f"{v:.4f}" for v in values)),
}


@dataclass
class RunResult:
    """How one notebook's run went, and what it recorded."""

    notebook: str
    language: str
    status: str  # "ok" or "failed"
    seconds: float
    output: str
    error: str | None = None
    recorded: dict[str, Any] = field(default_factory=dict)


def read_records(notebook: Any) -> dict[str, Any]:
    """Merge every record that an executed notebook (an nbformat node) displayed."""
    merged: dict[str, Any] = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("data", {}).get(RECORD_MIME)
            if isinstance(record, dict):
                merged.update(record)
    return merged


def write_report(results: list[RunResult], output_dir: Path) -> Path:
    """Save the results as JSON in ``output_dir`` and return the file's path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    path = output_dir / REPORT_NAME
    rows = [asdict(result) for result in results]
    write_atomically(path, (json.dumps(rows, indent=2) + "\n").encode("utf-8"))
    return path


def format_report(results: list[RunResult]) -> str:
    """A plain-text table of the results."""
    header = ("notebook", "lang", "status", "time", *(c[0] for c in RECORD_COLUMNS.values()))
    rows = [header] + [
        (
            r.notebook,
            r.language,
            r.status,
            f"{r.seconds:.0f} s",
            *(
                write(r.recorded[name]) if r.recorded.get(name) is not None else "-"
                for name, (_, write) in RECORD_COLUMNS.items()
            ),
        )
        for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
