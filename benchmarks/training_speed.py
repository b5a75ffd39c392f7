"""Training speed of lesson 03's CNN: the source lesson's way against the lesson's own way.

Every way trains the model of a lesson's cells (its "model" and "compile" cells, and for lesson
04a the cells that build its augmentation and learning-rate schedule) from the same initial
weights on the same batches (batch size 32), alternating the ways, their order flipped each
round; the first --warmup steps of a round are not timed. Run it from the course's folder.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # before TensorFlow is imported

import keras
import nbformat
import numpy as np
import pandas as pd

from course_utils.data import TRAIN_FILE, VALID_FILE, DataError, locate_dataset
from course_utils.layout import Course, CourseNotFoundError, find_course

SEED = 42
BATCH_SIZE = 32  # fit's default; passed explicitly, or steps_per_epoch would resize the batches
AUGMENTATION_LIMIT = 1.25  # issue 9: augmented time per epoch at most 1.25 x the lesson's
Names = dict[str, Any]  # a namespace that notebook cells run in
Cells = dict[str, str]  # a notebook's code cells by id
Arrays = tuple[np.ndarray, np.ndarray]  # training and validation images


class BenchmarkError(Exception):
    """A problem the user can fix; the message says which."""


def source_data(frames: Names, lesson03: Cells) -> Arrays:
    """The source lesson's preparation: the pixels' ``.values / 255`` (float64), reshaped."""
    pixels = (frames[name].drop(columns="label") for name in ("train_df", "valid_df"))
    x_train, x_valid = (frame.values / 255 for frame in pixels)
    return x_train.reshape(-1, 28, 28, 1), x_valid.reshape(-1, 28, 28, 1)


def lesson_data(frames: Names, lesson03: Cells) -> Arrays:
    """Lesson 03's own "normalise" and "reshape" cells (float32)."""
    names = dict(frames)
    run_cells(lesson03, ("normalise", "reshape"), names)
    return names["x_train"], names["x_valid"]


@dataclass(frozen=True)
class Way:
    """One way to train: whose cells build and compile the model, and how the data is prepared."""

    name: str
    description: str
    lesson: str  # the lesson name pattern whose cells build the model
    data: Callable[[Names, Cells], Arrays]  # lesson 03's data frames and cells -> images
    cells: tuple[str, ...] = ("model", "compile")  # run in order, after parameters and imports


WAYS = (
    Way("source", "the source lesson's data, lesson 03's model", "03_*", source_data),
    Way("lesson", "lesson 03 exactly as the notebook has it", "03_*", lesson_data),
    Way(
        "augmented",
        "lesson 04a's model, schedule and compile, lesson 03's data",
        "04a_*",
        lesson_data,
        ("augmentation", "model", "schedule", "compile"),
    ),
)


def notebook_cells(course: Course, pattern: str) -> Cells | None:
    """The code cells of the English notebook of the lesson matching ``pattern``, if any."""
    paths = [lesson.path("en") for lesson in course.lessons(pattern)]
    if not paths or not paths[0].is_file():
        return None
    notebook = nbformat.read(paths[0], as_version=4)
    return {cell.get("id"): cell.source for cell in notebook.cells if cell.cell_type == "code"}


def run_cells(cells: Cells, ids: tuple[str, ...], names: Names) -> None:
    """Execute the cells with these ids, in order, in ``names``."""
    for cell_id in ids:
        if cell_id not in cells:
            raise BenchmarkError(f'a notebook has no code cell with id "{cell_id}"')
        exec(cells[cell_id], names)


def build_model(cells: Cells, ids: tuple[str, ...], num_classes: int, x_train: Any) -> keras.Model:
    """The model of a lesson's cells ``ids``, run after its parameters and imports, with the
    training images as ``x_train`` (lesson 04a's schedule counts the steps of an epoch)."""
    setup = ast.parse(cells.get("setup", ""))
    imports = [node for node in setup.body if isinstance(node, ast.Import | ast.ImportFrom)]
    names: Names = {"num_classes": num_classes, "x_train": x_train}
    run_cells(cells, ("parameters",), names)
    exec(compile(ast.Module(imports, type_ignores=[]), "setup imports", "exec"), names)
    keras.utils.set_random_seed(SEED)  # the same initial weights for every way
    run_cells(cells, ids, names)
    return names["model"]


@dataclass(frozen=True)
class Trainee:
    """A way, its model and its images."""

    way: Way
    model: keras.Model
    images: Arrays


@dataclass
class Measurement:
    """The timed part of one round of one way."""

    way: str
    round: int
    images: int
    seconds: float
    images_per_second: float
    cores_busy: float  # CPU time / wall time: below the core count, other jobs competed


class StepTimer(keras.callbacks.Callback):
    """Wall and CPU clocks from the end of the warm-up steps to the end of training."""

    def __init__(self, warmup: int) -> None:
        super().__init__()
        self.warmup, self.step = warmup, 0
        self.start = self.end = (0.0, 0.0)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.step += 1
        if self.step == self.warmup:
            self.start = (time.perf_counter(), time.process_time())

    def on_train_end(self, logs: dict | None = None) -> None:
        self.end = (time.perf_counter(), time.process_time())


def train_round(trainee: Trainee, y: np.ndarray, args: argparse.Namespace, r: int) -> Measurement:
    """Round ``r`` of one way; the round's seed gives every way the same batches."""
    keras.utils.set_random_seed(SEED + r)
    timer = StepTimer(args.warmup)
    x, steps = trainee.images[0], args.warmup + args.steps
    length = {"epochs": args.epochs} if args.epochs else {"steps_per_epoch": steps}
    trainee.model.fit(x, y, BATCH_SIZE, verbose=0, callbacks=[timer], **length)
    images = args.epochs * len(x) if args.epochs else steps * BATCH_SIZE
    images -= args.warmup * BATCH_SIZE
    wall, cpu = (end - start for end, start in zip(timer.end, timer.start, strict=True))
    return Measurement(trainee.way.name, r + 1, images, wall, images / wall, cpu / wall)


def prepare(course: Course, args: argparse.Namespace) -> tuple[list[Trainee], Arrays]:
    """Each way whose lesson exists, with its model and images; and lesson 03's labels."""
    lesson03 = notebook_cells(course, "03_*")
    if lesson03 is None:
        raise BenchmarkError(f"{course.notebooks / 'en'} has no lesson 03 notebook")
    data_dir = locate_dataset(course.data, lang="en")
    frames = {"keras": keras, "train_df": pd.read_csv(data_dir / TRAIN_FILE)}
    frames["valid_df"] = pd.read_csv(data_dir / VALID_FILE)
    run_cells(lesson03, ("labels",), frames)
    epoch = len(frames["y_train"]) // BATCH_SIZE
    if args.warmup + (0 if args.epochs else args.steps) > epoch:
        raise BenchmarkError(f"--warmup plus --steps must be at most one epoch ({epoch} steps)")
    trainees = []
    for way in WAYS:
        cells = notebook_cells(course, way.lesson)
        if cells is None:
            print(f"  {way.name}: skipped, there is no notebooks/en/{way.lesson}.ipynb")
            continue
        images = way.data(frames, lesson03)
        model = build_model(cells, way.cells, frames["num_classes"], images[0])
        trainee = Trainee(way, model, images)
        print(f"  {way.name}: {way.description} ({trainee.images[0].dtype} images)")
        trainees.append(trainee)
    return trainees, (frames["y_train"], frames["y_valid"])


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Train every way whose lesson exists, alternating them; print and return the results."""
    course = find_course()
    print(f"Training speed, Keras {keras.__version__}, batch size {BATCH_SIZE}, {course.root}")
    trainees, (y_train, y_valid) = prepare(course, args)
    same = all(map(np.array_equal, *(t.model.get_weights() for t in trainees[:2])))
    print(f"  identical initial weights, source and lesson: {'yes' if same else 'NO'}")
    measurements: list[Measurement] = []
    for r in range(args.rounds):
        for trainee in trainees if r % 2 == 0 else trainees[::-1]:
            m = train_round(trainee, y_train, args, r)
            measurements.append(m)
            print(
                f"round {m.round}/{args.rounds}  {m.way:9} {m.images_per_second:6.1f} images/s"
                f"  ({m.images} images in {m.seconds:.1f} s, {m.cores_busy:.2f} cores busy)"
            )

    rates = {
        t.way.name: statistics.median(
            m.images_per_second for m in measurements if m.way == t.way.name
        )
        for t in trainees
    }
    ratios = {"lesson / source, images per second": rates["lesson"] / rates["source"]}
    if "augmented" in rates:  # time per epoch is inversely proportional to images per second
        ratios["augmented / lesson, time per epoch"] = rates["lesson"] / rates["augmented"]
    print("median images/s: " + ", ".join(f"{n} {rate:.1f}" for n, rate in rates.items()))
    for what, ratio in ratios.items():
        print(f"ratio {what}: {ratio:.2f}")
    if "augmented" in rates:
        print(f"  issue 9's limit for augmented / lesson, time per epoch: {AUGMENTATION_LIMIT}")
    accuracies: dict[str, float] = {}
    if args.epochs:
        for t in trainees:
            result = t.model.evaluate(t.images[1], y_valid, verbose=0, return_dict=True)
            accuracies[t.way.name] = float(result["accuracy"])
        print("validation accuracy: " + ", ".join(f"{n} {a:.4f}" for n, a in accuracies.items()))
    return {
        "settings": vars(args) | {"json": str(args.json), "batch_size": BATCH_SIZE},
        "keras": keras.__version__,
        "ways": {t.way.name: t.way.description for t in trainees},
        "identical_initial_weights": same,
        "measurements": [asdict(m) for m in measurements],
        "median_images_per_second": rates,
        "ratios": ratios,
        "validation_accuracy": accuracies,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=160, help="timed steps per round and way")
    parser.add_argument("--warmup", type=int, default=24, help="untimed steps per round and way")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the order flips each one")
    parser.add_argument("--epochs", type=int, default=0, help="train whole epochs, not --steps")
    parser.add_argument("--json", type=Path, help="also save the results to this JSON file")
    args = parser.parse_args()
    if min(args.steps, args.warmup, args.rounds) < 1 or args.epochs < 0:
        parser.error("--steps, --warmup and --rounds must be at least 1, --epochs at least 0")
    try:
        results = benchmark(args)
    except (CourseNotFoundError, DataError, BenchmarkError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results saved to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
