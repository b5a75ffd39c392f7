"""`python -m course_utils run`: papermill runs, the report, and safe in-place updates."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_utils.cli import main, parse_value
from course_utils.dataset import COURSE_ROOT, DEFAULT_DATA_DIR
from course_utils.notebook_checks import output_problems
from course_utils.notebook_io import read_notebook, write_notebook
from course_utils.runner import (
    clean_for_commit,
    find_notebooks,
    format_report,
    run_notebooks,
    write_report,
)

LESSON = "03_asl_cnn.ipynb"
QUICK_PARAMETERS = "\n".join(
    [
        "EPOCHS: int = 1",
        f'DATA_DIR: str = "{DEFAULT_DATA_DIR}"',
        "SEED: int = 42",
        "MAX_ROWS: int | None = 300",
    ]
)


def quick_copy(root: Path, lang: str, extra_cell: str | None = None) -> Path:
    """A copy of the lesson in ``root/<lang>/`` whose own parameters make a quick run, with
    ``extra_cell`` inserted right after the training cell when given."""
    notebook = read_notebook(COURSE_ROOT / "notebooks" / lang / LESSON)
    cells = notebook.cells
    next(c for c in cells if "parameters" in c.metadata.get("tags", [])).source = QUICK_PARAMETERS
    if extra_cell is not None:
        position = next(i for i, c in enumerate(cells) if c.get("id") == "train") + 1
        cells.insert(position, nbformat.v4.new_code_cell(extra_cell))
    path = root / lang / LESSON
    path.parent.mkdir(parents=True, exist_ok=True)
    write_notebook(path, notebook)
    return path


def test_in_place_run_replaces_the_notebook_with_clean_outputs(tmp_path: Path):
    source = quick_copy(tmp_path / "notebooks", "en")
    [record] = run_notebooks([source], output_dir=tmp_path / "out", in_place=True)
    assert record.status == "ok", record.error
    updated = read_notebook(source)
    assert all(c.execution_count for c in updated.cells if c.cell_type == "code")
    assert "papermill" not in updated.metadata
    assert not any("papermill" in c.metadata or "execution" in c.metadata for c in updated.cells)
    assert output_problems(updated) == []
    stderr = [
        o.text for c in updated.cells for o in c.get("outputs", []) if o.get("name") == "stderr"
    ]
    assert not any("oneDNN" in text or "absl::InitializeLog" in text for text in stderr)
    assert (record.epochs, record.language) == (1, "en")
    assert record.device.startswith(("CPU", "GPU"))


def test_a_notebook_failing_half_way_is_left_untouched_and_the_rest_still_run(tmp_path: Path):
    failing = quick_copy(tmp_path / "notebooks", "es", 'raise RuntimeError("made to fail")')
    working = quick_copy(tmp_path / "notebooks", "en")
    before = failing.read_bytes()
    records = run_notebooks([failing, working], output_dir=tmp_path / "out", in_place=True)
    assert [r.status for r in records] == ["failed", "ok"]
    assert failing.read_bytes() == before
    position = next(
        i for i, c in enumerate(read_notebook(failing).cells) if "made to fail" in c.source
    )
    assert (
        f"cell {position} " in records[0].error and "RuntimeError: made to fail" in records[0].error
    )
    kept = read_notebook(tmp_path / "out" / "es" / LESSON)
    failed_cell = next(c for c in kept.cells if "made to fail" in c.source)
    assert any(o.output_type == "error" for o in failed_cell.outputs)
    updated = read_notebook(working)
    assert all(c.execution_count for c in updated.cells if c.cell_type == "code")


def test_a_cell_over_the_timeout_fails_the_notebook(tmp_path: Path):
    slow = quick_copy(tmp_path / "notebooks", "en", "import time\n\ntime.sleep(120)")
    before = slow.read_bytes()
    [record] = run_notebooks([slow], output_dir=tmp_path / "out", in_place=True, cell_timeout=3)
    assert record.status == "failed" and "Timeout" in record.error
    assert slow.read_bytes() == before


def test_an_interrupted_in_place_run_leaves_the_notebook_untouched(tmp_path: Path):
    slow = quick_copy(tmp_path / "notebooks", "en", "import time\n\ntime.sleep(120)")
    before = slow.read_bytes()
    command = [sys.executable, "-m", "course_utils", "run", "--in-place"]
    command += ["--notebooks", str(tmp_path / "notebooks"), "--output-dir", str(tmp_path / "out")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    executed = tmp_path / "out" / "en" / LESSON
    while (
        not (executed.exists() and '"id": "train"' in executed.read_text())
        and time.monotonic() < deadline
    ):
        time.sleep(0.5)
    time.sleep(3)  # let the run reach the cells that follow
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "interrupted" in stderr
    assert slow.read_bytes() == before
    assert not list(slow.parent.glob(".*.part"))


def test_cli_exits_non_zero_after_trying_every_notebook(tmp_path: Path, capsys):
    quick_copy(tmp_path / "notebooks", "es", "1 / 0")
    quick_copy(tmp_path / "notebooks", "en")
    status = main(
        ["run", "--notebooks", str(tmp_path / "notebooks"), "--output-dir", str(tmp_path / "out")]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert "FAILED" in captured.err and "ZeroDivisionError" in captured.err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert [(r["language"], r["status"]) for r in report] == [("es", "failed"), ("en", "ok")]
    assert report[1]["epochs"] == 1 and 0 <= report[1]["val_accuracy"] <= 1
    assert "val acc" in captured.out


def test_selection_by_language_and_pattern(tmp_path: Path):
    for lang in ("es", "en"):
        for name in ("03_asl_cnn", "04_augmentation"):
            (tmp_path / lang).mkdir(exist_ok=True)
            (tmp_path / lang / f"{name}.ipynb").write_text("{}")
    chosen = find_notebooks(tmp_path, languages=["en"], pattern="04_*")
    assert chosen == [tmp_path / "en" / "04_augmentation.ipynb"]
    assert len(find_notebooks(tmp_path)) == 4
    with pytest.raises(ValueError, match="fr"):
        find_notebooks(tmp_path, languages=["fr"])


def test_nothing_to_run_is_reported(tmp_path: Path, capsys):
    (tmp_path / "es").mkdir()
    assert main(["run", "--notebooks", str(tmp_path), "--lang", "es"]) == 0
    assert "nothing to execute" in capsys.readouterr().out


def test_in_place_refuses_parameters():
    with pytest.raises(ValueError, match="--in-place"):
        run_notebooks([], parameters={"EPOCHS": 1}, in_place=True)


def test_clean_for_commit_drops_tensorflow_start_up_lines_and_colour_codes():
    cell = nbformat.v4.new_code_cell("import keras")
    startup = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1795711793.823076    5686 port.cc:153] oneDNN custom operations are on.\n"
    )
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text=startup),
        nbformat.v4.new_output("stream", name="stderr", text=startup + "W0000 real warning\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "\x1b[1mModel\x1b[0m"}),
    ]
    notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"papermill": {"input_path": "/x"}})
    cleaned = clean_for_commit(notebook)
    assert "papermill" not in cleaned.metadata
    assert [o.get("text") for o in cleaned.cells[0].outputs[:1]] == ["W0000 real warning\n"]
    assert cleaned.cells[0].outputs[1].data["text/plain"] == "Model"


def test_report_table_and_json(tmp_path: Path):
    from course_utils.runner import RunRecord

    records = [
        RunRecord(
            "notebooks/es/x.ipynb", "es", "ok", 12.3, "out/es/x.ipynb", "CPU z", 10, 0.999, 0.941
        ),
        RunRecord("notebooks/en/x.ipynb", "en", "failed", 1.0, "out/en/x.ipynb", error="boom"),
    ]
    table = format_report(records).splitlines()
    assert table[0].split() == [
        "notebook",
        "lang",
        "status",
        "time",
        "device",
        "epochs",
        "train",
        "acc",
        "val",
        "acc",
    ]
    assert "0.941" in table[1] and table[2].split()[2] == "failed"
    saved = json.loads(write_report(records, tmp_path).read_text())
    assert saved[0]["val_accuracy"] == 0.941 and saved[1]["error"] == "boom"


@pytest.mark.parametrize(
    ("text", "value"),
    [("2", 2), ("0.5", 0.5), ("None", None), ("True", True), ("../data", "../data")],
)
def test_parameter_values_are_typed(text, value):
    assert parse_value(text) == value and type(parse_value(text)) is type(value)
