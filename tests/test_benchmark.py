"""benchmarks/training_speed.py in a subprocess: its ways and ratios, and its clean errors."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.layout import find_course

COURSE = find_course(Path(__file__).parent)
SCRIPT = COURSE.root / "benchmarks" / "training_speed.py"
TINY = ("--steps", "8", "--warmup", "8", "--rounds", "2")  # seconds of training per way


def run_benchmark(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow
def test_compares_source_and_lesson_from_the_repository_root(tmp_path: Path) -> None:
    results_file = tmp_path / "results.json"
    proc = run_benchmark(*TINY, "--json", str(results_file), cwd=COURSE.root)
    assert proc.returncode == 0, proc.stderr
    assert "identical initial weights, source and lesson: yes" in proc.stdout
    assert "ratio lesson / source, images per second: " in proc.stdout
    results = json.loads(results_file.read_text())
    assert set(results["median_images_per_second"]) >= {"source", "lesson"}
    assert len(results["measurements"]) == 2 * len(results["ways"])
    assert results["ratios"]["lesson / source, images per second"] > 0


@pytest.mark.slow
def test_adds_the_augmented_way_only_when_lesson_04a_exists(tmp_path: Path) -> None:
    """A copy of the course with lesson 03 alone, then with lesson 04a too."""
    notebooks = tmp_path / "notebooks" / "en"
    notebooks.mkdir(parents=True)
    shutil.copy(COURSE.root / "pyproject.toml", tmp_path)
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "asl_data").symlink_to(COURSE.data)
    shutil.copy(COURSE.lessons("03_*")[0].path("en"), notebooks)

    alone = run_benchmark(*TINY, "--rounds", "1", cwd=tmp_path)
    assert alone.returncode == 0, alone.stderr
    assert "augmented: skipped, there is no notebooks/en/04a_*.ipynb" in alone.stdout
    assert "ratio augmented" not in alone.stdout

    shutil.copy(COURSE.lessons("04a_*")[0].path("en"), notebooks)
    proc = run_benchmark(*TINY, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "  augmented: lesson 04a's model" in proc.stdout
    assert "ratio augmented / lesson, time per epoch: " in proc.stdout


@pytest.mark.slow  # imports TensorFlow: part of make test, not make test-quick
def test_outside_the_course_one_error_line(tmp_path: Path) -> None:
    proc = run_benchmark(cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "not inside the course" in errors[0], proc.stderr
