"""`python -m course_utils run`: papermill runs, the report, safe in-place updates and clear
failures, on tiny two-cell notebooks (the lessons' own quick runs are in test_notebooks.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from cli_runner import run_course_command

from course_utils.layout import find_course
from course_utils.tools.notebook_io import read_notebook, write_notebook
from course_utils.tools.run_plan import plan_run
from course_utils.tools.run_report import RunResult
from course_utils.tools.runner import RunSettings, clean_for_commit, run_notebooks

COURSE = find_course()
LESSON = "01_tiny.ipynb"
PARAMETERS = 'PAUSE: float = 0.0\nSTEPS: int = 2\nLABEL: str = "tiny"'


def tiny_lesson(
    root: Path, lang: str, body: str = "", name: str = LESSON, extra_parameters: str = ""
) -> Path:
    """A two-cell lesson in ``root/<lang>/``: typed parameters, then a cell that prints its
    steps (pausing between them), shows a record the runner reads, and runs ``body``."""
    parameters = nbformat.v4.new_code_cell(PARAMETERS + extra_parameters)
    parameters.metadata.update(tags=["parameters"], minimum={"PAUSE": 0, "STEPS": 1})
    work = nbformat.v4.new_code_cell(
        "import time\n"
        "from course_utils.records import TrainingSummary\n"
        "for step in range(STEPS):\n"
        "    print(f'{LABEL} step {step + 1}/{STEPS}', flush=True)\n"
        "    time.sleep(PAUSE)\n" + body + "\nTrainingSummary(STEPS, 0.5, 0.25)"
    )
    notebook = nbformat.v4.new_notebook(cells=[parameters, work])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = root / lang / name
    path.parent.mkdir(parents=True, exist_ok=True)
    write_notebook(path, notebook)
    return path


def run_lessons(notebooks: list[Path], output_dir: Path, **settings: object) -> list[RunResult]:
    """The lessons run with their own parameters, as ``run`` does."""
    plan = plan_run(notebooks, in_place=bool(settings.get("in_place")))
    return run_notebooks(plan, RunSettings(output_dir, **settings))


def course_cli(*args: object) -> subprocess.CompletedProcess:
    return run_course_command(*args)


def assert_one_error(proc: subprocess.CompletedProcess, code: int, *words: str) -> None:
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, proc.stderr
    for word in words:
        assert word in errors[0]


# --------------------------------------------------------------------------- successful runs


def test_in_place_run_replaces_the_notebook_with_clean_outputs(tmp_path: Path):
    lesson = tiny_lesson(tmp_path / "notebooks", "en")
    [result] = run_lessons([lesson], output_dir=tmp_path / "out", in_place=True)
    assert result.status == "ok", result.error
    updated = read_notebook(lesson)
    assert all(c.execution_count for c in updated.cells if c.cell_type == "code")
    assert "papermill" not in updated.metadata
    assert not any("papermill" in c.metadata or "execution" in c.metadata for c in updated.cells)
    assert result.recorded == {"epochs": 2, "train_accuracy": 0.5, "val_accuracy": 0.25}
    assert (tmp_path / "out" / "en" / LESSON).is_file()
    assert list((tmp_path / "out").rglob("*.kernel.log")) == []  # kept only after a failure


@pytest.mark.slow  # a real kernel, with a cell that waits
def test_parameters_reach_the_kernel_and_output_streams_while_the_cell_runs(tmp_path: Path):
    tiny_lesson(tmp_path / "notebooks", "es")
    command = [sys.executable, "-m", "course_utils", "run", "--lang", "es"]
    command += ["--notebooks", tmp_path / "notebooks"]
    command += ["--output-dir", tmp_path / "out", "-p", "STEPS", "3", "-p", "PAUSE", "0.6"]
    process = subprocess.Popen(
        list(map(str, command)), cwd=COURSE.root, stdout=subprocess.PIPE, text=True
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "tiny step 1/3" in line:
            # The first step is shown while the cell is still running (it has two to go).
            assert process.poll() is None
    assert process.wait(timeout=120) == 0
    assert sum("tiny step" in line for line in lines) == 3
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report[0]["recorded"]["epochs"] == 3


def test_union_and_list_parameters_reach_the_kernel_without_warnings(tmp_path: Path, caplog):
    extra = "\nLIMIT: int | None = None\nFILES: list[str] = []"
    tiny_lesson(tmp_path / "notebooks", "en", "print(repr(FILES), LIMIT)", extra_parameters=extra)
    files = ["-p", "FILES", "a.jpg", "-p", "FILES", " my hand, 2.jpg"]
    command = ["run", "--notebooks", tmp_path / "notebooks", "--lang", "en"]
    proc = course_cli(*command, "--output-dir", tmp_path / "out", "-p", "LIMIT", "3", *files)
    assert proc.returncode == 0, proc.stderr
    warnings = [r.getMessage() for r in caplog.records if r.name.startswith("papermill")]
    assert not any("unknown parameter" in message for message in warnings), warnings
    assert "unknown parameter" not in proc.stderr
    assert "['a.jpg', ' my hand, 2.jpg'] 3" in proc.stdout


def test_a_list_parameter_takes_one_item_per_p_as_written(tmp_path: Path):
    extra = "\nFILES: list[str] = []"
    lesson = tiny_lesson(tmp_path / "notebooks", "en", extra_parameters=extra)
    given = [("FILES", "a, b.jpg"), ("STEPS", "3"), ("FILES", " c.jpg")]
    [planned] = plan_run([lesson], given)
    assert planned.parameters == {"FILES": ["a, b.jpg", " c.jpg"], "STEPS": 3}


# --------------------------------------------------------------------------- failures


def test_a_failing_notebook_is_left_untouched_and_the_rest_still_run(tmp_path: Path, capsys):
    failing = tiny_lesson(tmp_path / "notebooks", "es", 'raise RuntimeError("made to fail")')
    working = tiny_lesson(tmp_path / "notebooks", "en")
    before = failing.read_bytes()
    results = run_lessons([failing, working], output_dir=tmp_path / "out", in_place=True)
    assert [r.status for r in results] == ["failed", "ok"]
    assert failing.read_bytes() == before
    cell_id = read_notebook(failing).cells[1].id
    assert f"cell 1 (id {cell_id!r}" in results[0].error
    assert "RuntimeError: made to fail" in results[0].error
    kept = read_notebook(tmp_path / "out" / "es" / LESSON)
    failed = next(c for c in kept.cells if "made to fail" in c.source)
    assert any(o.output_type == "error" for o in failed.outputs)
    logs = list((tmp_path / "out").rglob("*.kernel.log"))  # only the failed run's, if it says
    assert all(log.parent.name == "es" and log.stat().st_size for log in logs), logs


def test_a_cell_over_the_time_limit_is_named(tmp_path: Path):
    slow = tiny_lesson(tmp_path / "notebooks", "en", "time.sleep(60)")
    before = slow.read_bytes()
    [result] = run_lessons([slow], output_dir=tmp_path / "out", in_place=True, cell_timeout=3)
    assert result.status == "failed"
    cell_id = read_notebook(slow).cells[1].id
    assert f"cell 1 (id {cell_id!r}" in result.error and "time limit" in result.error
    assert slow.read_bytes() == before


def test_cli_exits_1_after_trying_every_notebook(tmp_path: Path):
    tiny_lesson(tmp_path / "notebooks", "es", "1 / 0")
    tiny_lesson(tmp_path / "notebooks", "en")
    proc = course_cli("run", "--notebooks", tmp_path / "notebooks", "--output-dir", tmp_path / "o")
    assert proc.returncode == 1
    assert "FAILED" in proc.stderr and "ZeroDivisionError" in proc.stderr
    assert "Traceback" not in proc.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert [(r["language"], r["status"]) for r in report] == [("es", "failed"), ("en", "ok")]
    assert "val acc" in proc.stdout


@pytest.mark.slow  # a real kernel, interrupted
def test_an_interrupted_run_keeps_nothing_half_written(tmp_path: Path):
    lesson = tiny_lesson(tmp_path / "notebooks", "en", "time.sleep(60)")
    before = lesson.read_bytes()
    out = tmp_path / "out"
    command = [sys.executable, "-m", "course_utils", "run", "--in-place", "--lang", "en"]
    command += ["--notebooks", str(tmp_path / "notebooks"), "--output-dir", str(out)]
    process = subprocess.Popen(
        command,
        cwd=COURSE.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a process group of its own, as a terminal's job has
        # Python ignores Ctrl-C if it starts with SIGINT ignored (as in a background job).
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    for line in process.stdout:  # the runner echoes what the cell prints as it runs
        if "tiny step 2/2" in line:
            break
    time.sleep(0.5)  # the kernel is now in the long sleep
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr, stderr
    assert lesson.read_bytes() == before
    assert list(lesson.parent.iterdir()) == [lesson]
    assert list((out / "en").glob("*.ipynb")) == []  # no copy claiming its cells completed


def test_stale_partial_files_of_a_killed_run_are_removed(tmp_path: Path):
    lesson = tiny_lesson(tmp_path / "notebooks", "en")
    stale = [
        lesson.parent / f".{LESSON}.abc123.part",
        tmp_path / "out" / "en" / ".01_tiny.running.ipynb",
    ]
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{")
    [result] = run_lessons([lesson], output_dir=tmp_path / "out")
    assert result.status == "ok"
    assert not any(path.exists() for path in stale)


# --------------------------------------------------------------------------- refused at once


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["-p", "FOO", "1"], ["FOO", "PAUSE, STEPS, LABEL"]),
        (["-p", "STEP", "1"], ["STEP", "PAUSE, STEPS, LABEL"]),
        (["-p", "STEPS", "abc"], ["-p STEPS abc", "a whole number of at least 1"]),
        (["-p", "STEPS", "-1"], ["-p STEPS -1", "at least 1"]),
        (["-p", "PAUSE", "x"], ["-p PAUSE x", "a number"]),
        (["-p", "STEPS", "1", "-p", "STEPS", "2"], ["-p STEPS is given 2 times", "once"]),
        (["--in-place", "-p", "STEPS", "1"], ["--in-place", "drop -p"]),
        (["--output-dir", "notebooks"], ["--output-dir notebooks", "--in-place"]),
        (["--output-dir", "img/x"], ["--output-dir img/x", "--in-place"]),
    ],
)
def test_wrong_command_lines_are_refused_before_any_kernel_starts(
    tmp_path: Path, arguments: list[str], words: list[str]
):
    lesson = tiny_lesson(tmp_path / "notebooks", "en")
    before = lesson.read_bytes()
    proc = course_cli("run", "--lang", "en", "--notebooks", tmp_path / "notebooks", *arguments)
    assert_one_error(proc, 2, *words)
    assert lesson.read_bytes() == before
    assert not (COURSE.notebooks / "en" / LESSON).exists()


@pytest.mark.parametrize("below", ["", "sub"])
def test_the_output_folder_must_not_be_a_file(tmp_path: Path, below: str):
    tiny_lesson(tmp_path / "notebooks", "en")
    existing = tmp_path / "report.txt"
    existing.write_text("keep me")
    output_dir = existing / below if below else existing
    proc = course_cli(
        "run", "--lang", "en", "--notebooks", tmp_path / "notebooks", "--output-dir", output_dir
    )
    assert_one_error(proc, 2, f"--output-dir {output_dir}", f"{existing} is a file")
    assert existing.read_text() == "keep me"


def test_an_output_folder_that_cannot_be_made_is_one_error(tmp_path: Path):
    tiny_lesson(tmp_path / "notebooks", "en")
    command = ["run", "--lang", "en", "--notebooks", tmp_path / "notebooks"]
    assert_one_error(course_cli(*command, "--output-dir", "/proc/x"), 1, "/proc/x", "--output-dir")


@pytest.mark.parametrize("timeout", ["-5", "0", "soon"])
def test_the_time_limit_must_be_positive(timeout: str, tmp_path: Path):
    tiny_lesson(tmp_path / "notebooks", "en")
    proc = course_cli("run", "--notebooks", tmp_path / "notebooks", "--timeout", timeout)
    assert proc.returncode == 2 and "--timeout" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["--pattern", "99_*"], ["matches '99_*'", "nothing to do"]),
        (["--notebooks", "MISSING"], ["--notebooks MISSING is not a folder"]),
    ],
)
def test_nothing_to_run_is_an_error(arguments: list[str], words: list[str]):
    assert_one_error(course_cli("run", *arguments), 1, *words)


def test_a_lesson_missing_in_one_language_is_named(tmp_path: Path):
    tiny_lesson(tmp_path / "notebooks", "es")
    proc = course_cli("run", "--notebooks", tmp_path / "notebooks")
    assert_one_error(proc, 1, str(tmp_path / "notebooks" / "en" / LESSON), "--lang")


# --------------------------------------------------------------------------- cleaning


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
