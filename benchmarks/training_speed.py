"""Training speed of lesson 03's CNN: the source lesson's way against the course's way.

Both ways train the model that the notebook's own "model" and "compile" cells build, from the
same initial weights and on the same batches of the real Sign Language MNIST files, with fit's
default batch size of 32:

- source: the source lesson's data, ``train_df.values / 255`` (float64), compiled as is;
- course: the notebook's data (its "labels", "normalise" and "reshape" cells: float32), compiled
  with ``COURSE_COMPILE_OPTIONS`` on top of the notebook's "compile" cell.

The two ways alternate for a number of rounds (the order flips every round so that machine
noise hits both alike). In each round each way trains some warm-up steps (not timed: the first
steps build the graph and fill the input pipeline), then the timed steps. The script prints the
median images per second of each way, their ratio, an estimate of the fraction of the CPU's
float32 peak, both validation accuracies and a verdict line. Run it from anywhere with the
project's Python: ``.venv/bin/python benchmarks/training_speed.py --help``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # before TensorFlow is imported

import keras
import numpy as np
import pandas as pd
import tensorflow as tf

from course_utils.dataset import COURSE_ROOT, DEFAULT_DATA_DIR, NUM_CLASSES
from course_utils.notebook_io import read_notebook

NOTEBOOK = COURSE_ROOT / "notebooks" / "en" / "03_asl_cnn.ipynb"
SEED = 42
# fit's default batch size, which both lessons use. The benchmark passes it explicitly: given
# steps_per_epoch but no batch_size, Keras 3 sizes the batches to cover the data in those steps.
BATCH_SIZE = 32
TARGET_RATIO = 1.6  # the target: course / source images per second
ACCURACY_TOLERANCE = 0.01  # the largest validation accuracy difference called "the same"
# The course's speed-up on top of the notebook's "compile" cell: run 8 training steps per call
# into TensorFlow instead of 1 (fewer round trips through Python; the same computation).
COURSE_COMPILE_OPTIONS: dict[str, Any] = {"steps_per_execution": 8}


@dataclass
class Way:
    """One way to prepare the data and compile the notebook's model."""

    name: str
    description: str
    x_train: np.ndarray
    x_valid: np.ndarray
    compile_options: dict[str, Any]


@dataclass
class Measurement:
    """The timed part of one round of one way."""

    way: str
    round: int
    images: int
    seconds: float
    cpu_seconds: float

    @property
    def images_per_second(self) -> float:
        return self.images / self.seconds

    @property
    def cores_busy(self) -> float:
        """Process CPU time over wall time: how many cores the benchmark actually had."""
        return self.cpu_seconds / self.seconds


@dataclass
class CpuPeak:
    """The float32 peak of the cores this process may use, and the assumptions behind it."""

    model: str
    mhz: float
    logical_cpus: int
    threads_per_core: int
    simd: str
    float32_lanes: int
    fma_units_per_core: int = 2  # assumption: two FMA units per core
    flops_per_fma: int = 2  # a multiply and an add

    @property
    def cores(self) -> int:
        return max(1, self.logical_cpus // self.threads_per_core)

    @property
    def flops_per_cycle(self) -> int:
        return self.float32_lanes * self.fma_units_per_core * self.flops_per_fma

    @property
    def flops_per_second(self) -> float:
        return self.cores * self.mhz * 1e6 * self.flops_per_cycle


class StepTimer(keras.callbacks.Callback):
    """Wall and CPU clocks from the end of the warm-up steps to the end of training."""

    def __init__(self, warmup: int) -> None:
        super().__init__()
        self.warmup = warmup
        self.epoch = 0
        self.start_step: int | None = None
        self.start: tuple[float, float] = (0.0, 0.0)
        self.end: tuple[float, float] = (0.0, 0.0)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        step = self.epoch * self.params["steps"] + batch + 1
        if self.start_step is None and step >= self.warmup:
            self.start_step = step
            self.start = (time.perf_counter(), time.process_time())

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.end = (time.perf_counter(), time.process_time())


def notebook_cells(path: Path) -> dict[str, str]:
    """The sources of the notebook's code cells, by cell id."""
    notebook = read_notebook(path)
    return {cell.get("id"): cell.source for cell in notebook.cells if cell.cell_type == "code"}


def cell(cells: dict[str, str], cell_id: str) -> str:
    """One cell's source, with a clear error if the notebook no longer has that cell id."""
    if cell_id not in cells:
        raise SystemExit(f'{NOTEBOOK} has no code cell with id "{cell_id}".')
    return cells[cell_id]


def load_ways(cells: dict[str, str], data_dir: Path) -> tuple[Way, Way, np.ndarray, np.ndarray]:
    """Both ways' images and the shared one-hot labels (from the notebook's "labels" cell)."""
    namespace: dict[str, Any] = {
        "keras": keras,
        "train_df": pd.read_csv(data_dir / "sign_mnist_train.csv"),
        "valid_df": pd.read_csv(data_dir / "sign_mnist_valid.csv"),
    }
    exec(cell(cells, "labels"), namespace)  # pops "label" from both frames
    source = Way(
        "source",
        "train_df.values / 255 (float64); the notebook's compile cell as is",
        (namespace["train_df"].values / 255).reshape(-1, 28, 28, 1),
        (namespace["valid_df"].values / 255).reshape(-1, 28, 28, 1),
        {},
    )
    exec(cell(cells, "normalise"), namespace)
    exec(cell(cells, "reshape"), namespace)
    course = Way(
        "course",
        f"the notebook's data cells ({namespace['x_train'].dtype}); the notebook's compile cell"
        f" plus {COURSE_COMPILE_OPTIONS}",
        namespace["x_train"],
        namespace["x_valid"],
        COURSE_COMPILE_OPTIONS,
    )
    return source, course, namespace["y_train"], namespace["y_valid"]


def build_model(cells: dict[str, str], compile_options: dict[str, Any]) -> keras.Model:
    """The lesson's model from the notebook's own cells and seeded weights, plus compile options."""
    keras.utils.set_random_seed(SEED)
    setup_imports = "\n".join(
        line
        for line in cell(cells, "setup").splitlines()
        if line.startswith(("import keras", "from keras"))
    )
    namespace: dict[str, Any] = {"num_classes": NUM_CLASSES}
    exec(setup_imports, namespace)
    exec(cell(cells, "model"), namespace)
    exec(cell(cells, "compile"), namespace)
    model = namespace["model"]
    if compile_options:
        model.compile_from_config(model.get_compile_config() | compile_options)
    return model


def train_round(
    model: keras.Model, way: Way, y_train: np.ndarray, args: argparse.Namespace, round_index: int
) -> Measurement:
    """Train one round of one way; the seed makes both ways see the same batches."""
    keras.utils.set_random_seed(SEED + round_index)
    timer = StepTimer(args.warmup)
    if args.epochs:
        images = args.epochs * len(way.x_train)
        fit_steps = {"epochs": args.epochs}
    else:
        images = (args.warmup + args.steps) * BATCH_SIZE
        fit_steps = {"epochs": 1, "steps_per_epoch": args.warmup + args.steps}
    model.fit(
        way.x_train, y_train, batch_size=BATCH_SIZE, verbose=0, callbacks=[timer], **fit_steps
    )
    assert timer.start_step is not None, "training ended before the warm-up steps"
    return Measurement(
        way=way.name,
        round=round_index + 1,
        images=images - timer.start_step * BATCH_SIZE,
        seconds=timer.end[0] - timer.start[0],
        cpu_seconds=timer.end[1] - timer.start[1],
    )


def training_flops_per_image(model: keras.Model) -> float:
    """Forward multiply-adds of the conv and dense layers, x2 FLOPs each, x3 for training."""
    multiply_adds = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            output_positions = math.prod(layer.output.shape[1:-1])
            multiply_adds += output_positions * math.prod(layer.kernel.shape)
        elif isinstance(layer, keras.layers.Dense):
            multiply_adds += math.prod(layer.kernel.shape)
    return 3 * 2 * multiply_adds


def cpu_peak() -> CpuPeak | None:
    """The CPU's float32 peak from /proc/cpuinfo (Linux), or None where it cannot be read."""
    cpuinfo = Path("/proc/cpuinfo")
    if not cpuinfo.exists():
        return None
    fields: dict[str, str] = {}
    for line in cpuinfo.read_text().splitlines():
        if not line.strip():
            break  # the first processor's block is enough
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    flags = set(fields.get("flags", "").split())
    simd, lanes = next(
        (
            (name, lanes)
            for name, lanes in (("avx512f", 16), ("avx2", 8), ("sse2", 4))
            if name in flags
        ),
        ("scalar", 1),
    )
    siblings = int(fields.get("siblings", 1))
    cores_per_socket = int(fields.get("cpu cores", siblings))
    return CpuPeak(
        model=fields.get("model name", platform.processor() or "unknown"),
        mhz=float(fields.get("cpu MHz", "nan")),
        logical_cpus=len(os.sched_getaffinity(0)),
        threads_per_core=max(1, siblings // cores_per_socket),
        simd=simd,
        float32_lanes=lanes,
    )


def median_rate(measurements: list[Measurement], way: str) -> float:
    """The median images per second of one way."""
    return statistics.median(m.images_per_second for m in measurements if m.way == way)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=160, help="timed steps per round and way")
    parser.add_argument("--warmup", type=int, default=24, help="untimed steps per round and way")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the ways alternate")
    parser.add_argument(
        "--epochs",
        type=int,
        default=0,
        help="train full epochs per round and way instead of --steps (e.g. 1 for a fair accuracy"
        " check); the first --warmup steps of each round are still not timed",
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="prepared CSVs")
    parser.add_argument("--json", type=Path, help="also save the results to this JSON file")
    args = parser.parse_args()
    if min(args.steps, args.warmup, args.rounds) < 1 or args.epochs < 0:
        parser.error("--steps, --warmup and --rounds must be at least 1, --epochs at least 0")
    return args


def run_rounds(
    models: dict[str, keras.Model],
    ways: tuple[Way, Way],
    y_train: np.ndarray,
    args: argparse.Namespace,
) -> list[Measurement]:
    """Alternate the two ways for args.rounds rounds, flipping their order every round."""
    measurements: list[Measurement] = []
    for round_index in range(args.rounds):
        for way in ways if round_index % 2 == 0 else ways[::-1]:
            m = train_round(models[way.name], way, y_train, args, round_index)
            measurements.append(m)
            print(
                f"round {m.round}/{args.rounds}  {m.way:6}  {m.images_per_second:7.1f} images/s"
                f"  ({m.images} images in {m.seconds:.1f} s, {m.cores_busy:.2f} cores busy)"
            )
    return measurements


def print_peak(peak: CpuPeak | None, flops: float, rates: dict[str, float]) -> None:
    """The FLOP estimate, the CPU's float32 peak with its assumptions, and each way's share."""
    print(f"model: {flops / 1e6:.1f} MFLOP per training image (conv + dense; 3 x forward)")
    if peak is None:
        print("CPU peak: unknown (no /proc/cpuinfo)")
        return
    print(
        f"CPU: {peak.model}, {peak.cores} core(s) usable ({peak.logical_cpus} logical CPUs,"
        f" {peak.threads_per_core} thread(s) per core), {peak.mhz:.0f} MHz, {peak.simd}"
        f" = {peak.float32_lanes} float32 lanes x {peak.fma_units_per_core} FMA units"
        f" x {peak.flops_per_fma} FLOPs = {peak.flops_per_cycle} FLOPs/cycle/core"
    )
    print(f"float32 peak: {peak.flops_per_second / 1e9:.1f} GFLOP/s")
    for way, rate in rates.items():
        achieved = rate * flops
        share = achieved / peak.flops_per_second
        print(f"  {way}: {achieved / 1e9:.1f} GFLOP/s = {share:.1%} of peak")


def main() -> None:
    args = parse_args()
    cells = notebook_cells(NOTEBOOK)
    source, course, y_train, y_valid = load_ways(cells, args.data_dir)
    ways = (source, course)
    full_batches = len(y_train) // BATCH_SIZE
    if not args.epochs and args.warmup + args.steps > full_batches:
        raise SystemExit(f"--warmup + --steps must be at most {full_batches} (one epoch).")
    if args.epochs and args.warmup >= full_batches:
        raise SystemExit(f"--warmup must be less than {full_batches} (one epoch).")
    # A call into TensorFlow runs steps_per_execution steps, even past steps_per_epoch.
    execution = COURSE_COMPILE_OPTIONS.get("steps_per_execution", 1)
    if args.warmup % execution or (not args.epochs and args.steps % execution):
        raise SystemExit(f"--warmup and --steps must be multiples of {execution}.")

    models = {way.name: build_model(cells, way.compile_options) for way in ways}
    same_start = all(
        np.array_equal(a, b)
        for a, b in zip(models["source"].get_weights(), models["course"].get_weights(), strict=True)
    )
    per_round = f"{args.epochs} epoch(s)" if args.epochs else f"{args.warmup + args.steps} steps"
    print(f"Lesson 03 CNN training speed ({NOTEBOOK.relative_to(COURSE_ROOT)})")
    print(f"  TensorFlow {tf.__version__}, Keras {keras.__version__}, batch size {BATCH_SIZE}")
    print(f"  data: {len(y_train)} training, {len(y_valid)} validation images, {args.data_dir}")
    for way in ways:
        print(f"  {way.name}: {way.description}")
    print(f"  identical initial weights: {'yes' if same_start else 'NO'}")
    print(
        f"  {args.rounds} round(s); each way trains {per_round} per round, the first"
        f" {args.warmup} steps not timed; the order alternates"
    )

    measurements = run_rounds(models, ways, y_train, args)
    rates = {way.name: median_rate(measurements, way.name) for way in ways}
    ratio = rates["course"] / rates["source"]
    accuracies = {
        way.name: float(
            models[way.name].evaluate(way.x_valid, y_valid, verbose=0, return_dict=True)["accuracy"]
        )
        for way in ways
    }
    print(f"median images/s: source {rates['source']:.1f}, course {rates['course']:.1f}")
    print(f"ratio course / source: {ratio:.2f}")
    print(
        f"validation accuracy after training: source {accuracies['source']:.4f},"
        f" course {accuracies['course']:.4f}"
    )
    flops = training_flops_per_image(models["course"])
    peak = cpu_peak()
    print_peak(peak, flops, rates)

    difference = abs(accuracies["course"] - accuracies["source"])
    same_accuracy = difference <= ACCURACY_TOLERANCE
    reached = ratio >= TARGET_RATIO
    verdict = (
        f"course/source = {ratio:.2f}x (target {TARGET_RATIO}x: "
        f"{'reached' if reached else 'NOT reached'}); validation accuracy"
        f" {accuracies['source']:.4f} vs {accuracies['course']:.4f}, difference {difference:.4f}"
        f" ({'within' if same_accuracy else 'NOT within'} tolerance {ACCURACY_TOLERANCE})"
    )
    print(f"VERDICT: {verdict}")

    if args.json:
        results = {
            "settings": {
                "steps": args.steps,
                "warmup": args.warmup,
                "rounds": args.rounds,
                "epochs": args.epochs,
                "batch_size": BATCH_SIZE,
                "data_dir": str(args.data_dir),
                "tensorflow": tf.__version__,
                "keras": keras.__version__,
                "ways": {way.name: way.description for way in ways},
                "course_compile_options": COURSE_COMPILE_OPTIONS,
            },
            "identical_initial_weights": same_start,
            "measurements": [
                asdict(m) | {"images_per_second": m.images_per_second} for m in measurements
            ],
            "median_images_per_second": rates,
            "ratio": ratio,
            "target_ratio": TARGET_RATIO,
            "target_reached": reached,
            "validation_accuracy": accuracies,
            "accuracy_tolerance": ACCURACY_TOLERANCE,
            "same_accuracy": same_accuracy,
            "training_flops_per_image": flops,
            "cpu": None
            if peak is None
            else asdict(peak) | {"cores": peak.cores, "peak_flops": peak.flops_per_second},
            "fraction_of_peak": None
            if peak is None
            else {way: rate * flops / peak.flops_per_second for way, rate in rates.items()},
            "verdict": verdict,
        }
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results saved to {args.json}")


if __name__ == "__main__":
    main()
