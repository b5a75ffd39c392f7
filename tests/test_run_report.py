"""The run report: its columns come from the fields the notebooks' records declare."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import nbformat
import pytest

from course_utils.records import RECORD_CLASSES, RECORD_MIME, recorded_fields
from course_utils.tools.run_report import (
    RECORD_COLUMNS,
    RunResult,
    format_report,
    read_records,
    write_report,
)


def declared_fields() -> list[str]:
    return [name for cls in RECORD_CLASSES for name in cls.RECORDED]


def test_every_recorded_field_has_a_column_and_every_column_a_field():
    assert list(RECORD_COLUMNS) == declared_fields()


@pytest.mark.parametrize("record_class", RECORD_CLASSES, ids=lambda cls: cls.__name__)
def test_each_declared_field_is_a_field_or_property_of_its_record(record_class):
    names = {field.name for field in dataclasses.fields(record_class)}
    for name in record_class.RECORDED:
        assert name in names or isinstance(getattr(record_class, name, None), property), name


def test_a_renamed_field_breaks_the_record_instead_of_dropping_a_column():
    @dataclasses.dataclass(frozen=True)
    class Renamed:  # as if TrainingSummary.val_accuracy were renamed without updating RECORDED
        epochs: int
        train_accuracy: float
        valid_accuracy: float
        RECORDED = ("epochs", "train_accuracy", "val_accuracy")

    with pytest.raises(AttributeError, match="val_accuracy"):
        recorded_fields(Renamed(1, 0.5, 0.25))


def test_read_records_merges_what_a_notebook_displayed():
    notebook = nbformat.v4.new_notebook()
    for record in ({"device": "CPU x"}, {"epochs": 3, "val_accuracy": 0.5}):
        cell = nbformat.v4.new_code_cell("x")
        cell.outputs = [nbformat.v4.new_output("display_data", data={RECORD_MIME: record})]
        notebook.cells.append(cell)
    assert read_records(notebook) == {"device": "CPU x", "epochs": 3, "val_accuracy": 0.5}


def test_report_table_and_json(tmp_path: Path):
    recorded = {"device": "CPU z", "epochs": 10, "train_accuracy": 0.999, "val_accuracy": 0.941}
    results = [
        RunResult("notebooks/es/x.ipynb", "es", "ok", 12.3, "out/es/x.ipynb", recorded=recorded),
        RunResult("notebooks/en/x.ipynb", "en", "failed", 1.0, "out/en/x.ipynb", error="boom"),
    ]
    header, ok, failed = format_report(results).splitlines()
    headings = [label for label, _ in RECORD_COLUMNS.values()]
    assert header.split() == " ".join(["notebook lang status time", *headings]).split()
    assert "0.9410" in ok and "CPU z" in ok
    assert failed.split()[2] == "failed" and failed.split()[-1] == "-"
    saved = json.loads(write_report(results, tmp_path).read_text())
    assert saved[0]["recorded"]["val_accuracy"] == 0.941 and saved[1]["error"] == "boom"
