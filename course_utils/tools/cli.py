"""The course's command line: ``python -m course_utils <command>``.

Every command reports a problem the user can fix as one line starting with ``error:`` on
stderr, naming the file or value and the fix, and exits with 1 (2 for a wrong command line);
an interrupt exits with 130. Nothing to do is an error, never a silent success.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from course_utils.data import DataError
from course_utils.layout import (
    LANGUAGES,
    Course,
    CourseNotFoundError,
    Lesson,
    find_course,
    find_lessons,
)
from course_utils.tools.errors import CourseToolError, UsageError


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (CourseToolError, DataError, CourseNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing half-written was kept.", file=sys.stderr)
        return 130


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of seconds above 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m course_utils", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    fetch = commands.add_parser(
        "fetch-data",
        help="prepare datasets/asl_data from Kaggle's original CSV files",
        description=(
            "Prepare sign_mnist_train.csv and sign_mnist_valid.csv in the course format, from "
            "--source (or ASL_DATA_SOURCE), else from Kaggle, else from pinned mirrors (or the "
            "URL templates in ASL_DATA_MIRRORS)."
        ),
    )
    fetch.add_argument(
        "--source", help="folder with Kaggle's CSV files (plain or .gz), or Kaggle's .zip"
    )
    fetch.add_argument(
        "--dest",
        type=Path,
        help="where to write the prepared files (default: the course's datasets/asl_data); "
        "downloads are then cached in a downloads/ folder beside it",
    )
    fetch.set_defaults(handler=_fetch_data)

    run = commands.add_parser(
        "run",
        help="execute the lessons with papermill and report the results",
        description="Execute the lessons with papermill, then print and save a report.",
    )
    _add_selection_options(run)
    run.add_argument(
        "--lang", nargs="+", choices=LANGUAGES, default=list(LANGUAGES), help="default: all"
    )
    run.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a lesson parameter, e.g. -p EPOCHS 2 (repeatable; checked against the lesson)",
    )
    run.add_argument(
        "--output-dir",
        type=Path,
        help="where executed notebooks and report.json go (default: build/executed)",
    )
    run.add_argument(
        "--in-place",
        action="store_true",
        help="replace the committed notebooks' outputs after each successful full run",
    )
    run.add_argument(
        "--timeout", type=_positive_int, default=3600, help="seconds allowed for one cell"
    )
    run.set_defaults(handler=_run)

    check = commands.add_parser(
        "check",
        help="check the committed notebooks: twins in parity, no translation drift, "
        "one language each, clean outputs",
    )
    _add_selection_options(check)
    check.set_defaults(handler=_check)

    sync = commands.add_parser(
        "mark-synced",
        help="record reviewed markdown cell pairs as in line (translation drift)",
        description="Mark twin markdown cells as brought in line, after reviewing both texts.",
    )
    _add_selection_options(sync)
    sync.add_argument("cell_ids", nargs="*", metavar="CELL_ID", help="ids of the markdown cells")
    sync.add_argument("--all", action="store_true", help="mark every markdown pair")
    sync.set_defaults(handler=_mark_synced)

    student = commands.add_parser(
        "student-edition", help="write a self-contained copy of the course without outputs"
    )
    student.add_argument("--out", type=Path, help="a new or empty folder (default: build/student)")
    student.set_defaults(handler=_student_edition)

    hosted = commands.add_parser(
        "hosted-edition",
        help="write the lessons for Colab and Kaggle (default: hosted/) and print their links",
        description="Write the hosted edition: each lesson with a setup cell first that gets "
        "the course's code at --ref from --url (default: [project.urls] Repository in "
        "pyproject.toml, https://github.com/OWNER/REPO/tree/REF), then print the "
        "'Open in Colab' and 'Open in Kaggle' links of each lesson.",
    )
    hosted.add_argument("--url", help="the repository: https://github.com/OWNER/REPO or file://")
    hosted.add_argument("--ref", help="the git branch, tag or commit the lessons fetch")
    hosted.add_argument("--out", type=Path, help="output folder (default: hosted/)")
    hosted.set_defaults(handler=_hosted_edition)

    diagrams = commands.add_parser("diagrams", help="redraw the lessons' diagrams in img/")
    diagrams.add_argument("--out", type=Path, help="output folder (default: img/)")
    diagrams.set_defaults(handler=_diagrams)
    return parser


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pattern", default="*", help="lesson file-name pattern, e.g. '03_*' (default: all)"
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        help="folder with one subfolder per language (default: the course's notebooks/)",
    )


def _selected_lessons(args: argparse.Namespace) -> list[Lesson]:
    """The lessons the options select; an error when there are none."""
    if args.notebooks is not None:
        folder = args.notebooks
        if not folder.is_dir():
            raise CourseToolError(
                f"--notebooks {folder} is not a folder: give the folder that holds es/ and en/."
            )
    else:
        folder = find_course().notebooks
    lessons = find_lessons(folder, args.pattern)
    if not lessons:
        raise CourseToolError(
            f"No lesson in {folder} matches {args.pattern!r} (lessons are "
            f"<lang>/NN_name.ipynb with lang in {', '.join(LANGUAGES)}): nothing to do."
        )
    return lessons


def _fetch_data(args: argparse.Namespace) -> int:
    from course_utils.tools.sources import fetch_data

    if args.dest is not None:
        result = fetch_data(source=args.source, dest=args.dest)
    else:
        course = find_course()
        result = fetch_data(source=args.source, dest=course.data, download_dir=course.downloads)
    if result.already_prepared:
        print(f"The prepared data is already in place and intact: {result.files[0].parent}")
    else:
        print(f"Prepared from {result.origin}:")
        for path in result.files:
            print(f"  {path}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from course_utils.tools import runner
    from course_utils.tools.notebook_io import read_notebook
    from course_utils.tools.parameters import check_parameters, lesson_parameters
    from course_utils.tools.run_report import format_report, write_report

    lessons = _selected_lessons(args)
    notebooks = [lesson.path(lang) for lang in args.lang for lesson in lessons]
    for path in notebooks:
        if not path.is_file():
            raise CourseToolError(
                f"{path} does not exist, but its twin does: translate the lesson into that "
                "language, or choose the languages to run with --lang."
            )
    declared = {path: lesson_parameters(read_notebook(path), path) for path in notebooks}
    parameters = check_parameters(args.parameter, declared)
    output_dir = args.output_dir or find_course().executed
    course = _course_or_none()
    sources = {path.parent.parent for path in notebooks} | set(course.sources if course else ())
    runner.check_output_dir(output_dir, sources)
    results = runner.run_notebooks(
        notebooks,
        output_dir=output_dir,
        parameters=parameters,
        in_place=args.in_place,
        cell_timeout=args.timeout,
        echo=sys.stdout,
    )
    report = write_report(results, output_dir)
    print()
    print(format_report(results))
    print(f"\nExecuted notebooks: {output_dir}\nReport: {report}")
    failed = [r for r in results if r.status != "ok"]
    for result in failed:
        print(
            f"FAILED {result.notebook}: {result.error} (executed copy kept: {result.output})",
            file=sys.stderr,
        )
    return 1 if failed else 0


def _course_or_none() -> Course | None:
    try:
        return find_course()
    except CourseNotFoundError:
        return None


def _check(args: argparse.Namespace) -> int:
    from course_utils.tools import drift, notebook_checks

    problems = []
    lessons = _selected_lessons(args)
    for lesson in lessons:
        missing = lesson.missing_languages
        if missing:
            problems += [
                f"{lesson.path(lang)} is missing: each lesson needs a notebook in every "
                f"language ({', '.join(LANGUAGES)})"
                for lang in missing
            ]
            continue
        twins = drift.load_twins(lesson)
        parity = notebook_checks.parity_problems(*twins.values())
        problems += [f"{lesson.name}: not twins: {p}" for p in parity[:1]]
        if not parity:
            problems += [f"{lesson.name}: {d}" for d in drift.find_drift(twins)]
        for lang, notebook in twins.items():
            found = notebook_checks.language_problems(notebook, lang)
            found += notebook_checks.output_problems(notebook)
            problems += [f"{lang}/{lesson.name}: {p}" for p in found]
    for problem in problems:
        print(problem, file=sys.stderr)
    if any("since the pair was last synced" in p for p in problems):
        print(
            "After bringing a pair in line, record it with: "
            "python -m course_utils mark-synced CELL_ID",
            file=sys.stderr,
        )
    if problems:
        print(f"{len(problems)} problem(s) in the notebooks.")
        return 1
    print(f"Notebooks OK: {len(lessons)} lesson(s) in {len(LANGUAGES)} languages checked.")
    return 0


def _mark_synced(args: argparse.Namespace) -> int:
    from course_utils.tools import drift, notebook_checks

    if not (args.cell_ids or args.all):
        raise UsageError("give the CELL_IDs to mark, or --all")
    if args.cell_ids and args.all:
        raise UsageError("give either CELL_IDs or --all, not both")
    plans = []
    for lesson in _selected_lessons(args):
        if lesson.missing_languages:
            raise CourseToolError(
                f"{lesson.path(lesson.missing_languages[0])} is missing: there is no pair to mark."
            )
        twins = drift.load_twins(lesson)
        parity = notebook_checks.parity_problems(*twins.values())
        if parity:
            raise CourseToolError(
                f"{lesson.name}: the notebooks are not twins ({parity[0]}); make their cells "
                "match before marking pairs as synced."
            )
        markdown = {c.id for c in next(iter(twins.values())).cells if c.cell_type == "markdown"}
        ids = sorted(markdown) if args.all else [i for i in args.cell_ids if i in markdown]
        plans.append((lesson, twins, ids))
    found = {cell_id for _, _, ids in plans for cell_id in ids}
    unknown = [cell_id for cell_id in args.cell_ids if cell_id not in found]
    if unknown:
        raise CourseToolError(
            f"no markdown cell with id {', '.join(unknown)} in the selected lessons; nothing "
            "was marked. The ids are in each cell's metadata (check lists them)."
        )
    for lesson, twins, ids in plans:
        if ids:
            drift.mark_synced(twins, ids)
            drift.save_twins(twins, lesson)
            print(f"{lesson.name}: marked {len(ids)} pair(s) as synced")
    return 0


def _student_edition(args: argparse.Namespace) -> int:
    from course_utils.tools.student_edition import write_student_edition

    course = find_course()
    out = args.out or course.student_edition
    written = write_student_edition(course, out)
    print(f"Student edition ({len(written)} notebooks, no outputs): {out}")
    return 0


def _hosted_edition(args: argparse.Namespace) -> int:
    from course_utils.tools import hosted_edition

    course = find_course()
    repo = hosted_edition.repository(course, args.url, args.ref)
    out = args.out or course.root / hosted_edition.EDITION_FOLDER
    written = hosted_edition.write_hosted_edition(course, out, repo)
    folder = hosted_edition.published_folder(course, out)
    print(f"Hosted edition ({len(written)} notebooks) for {repo.url} at {repo.ref}: {out}")
    print(f"Publish it at {folder}/ of that ref (commit and push it), then the links are:")
    print("\n".join(hosted_edition.edition_links(course, repo, folder)))
    return 0


def _diagrams(args: argparse.Namespace) -> int:
    from course_utils.tools.diagrams import draw_diagrams

    for path in draw_diagrams(args.out or find_course().images):
        print(path)
    return 0
