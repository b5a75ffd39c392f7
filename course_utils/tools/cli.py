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

from course_utils.data import FETCH_COMMAND, DataError, is_prepared
from course_utils.layout import (
    LANGUAGES,
    Course,
    CourseNotFoundError,
    Lesson,
    find_course,
    find_lessons,
)
from course_utils.tools.errors import CourseToolError, UsageError
from course_utils.tools.preparation import SOURCE_ENV

# The object ``add_subparsers`` returns, to which each command adds its parser.
Subparsers = argparse._SubParsersAction


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.jupyter_args = extra
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
    _add_fetch_data_parser(commands)
    _add_run_parser(commands)
    _add_check_parser(commands)
    _add_mark_synced_parser(commands)
    _add_student_edition_parser(commands)
    _add_hosted_edition_parser(commands)
    _add_lab_parser(commands)
    _add_diagrams_parser(commands)
    return parser


def _add_fetch_data_parser(commands: Subparsers) -> None:
    fetch = commands.add_parser(
        "fetch-data",
        help="prepare datasets/asl_data from Kaggle's original CSV files",
        description=(
            "Prepare sign_mnist_train.csv and sign_mnist_valid.csv in the course format, from "
            f"--source (or {SOURCE_ENV}), else from Kaggle, else from pinned mirrors (or the "
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


def _add_run_parser(commands: Subparsers) -> None:
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
        help="a lesson parameter, e.g. -p EPOCHS 2 (checked against the lesson); a list "
        "takes one item per -p, as written: -p MY_PHOTOS a.jpg -p MY_PHOTOS 'my hand, 2.jpg'",
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


def _add_check_parser(commands: Subparsers) -> None:
    check = commands.add_parser(
        "check",
        help="check the committed notebooks: twins in parity, no translation drift, "
        "one language each, clean outputs",
    )
    _add_selection_options(check)
    check.set_defaults(handler=_check)


def _add_mark_synced_parser(commands: Subparsers) -> None:
    sync = commands.add_parser(
        "mark-synced",
        help="record reviewed markdown cell pairs as in line (translation drift)",
        description="Mark twin markdown cells as brought in line, after reviewing both texts.",
    )
    _add_selection_options(sync)
    sync.add_argument("cell_ids", nargs="*", metavar="CELL_ID", help="ids of the markdown cells")
    sync.add_argument("--all", action="store_true", help="mark every markdown pair")
    sync.set_defaults(handler=_mark_synced)


def _add_student_edition_parser(commands: Subparsers) -> None:
    student = commands.add_parser(
        "student-edition", help="write a self-contained copy of the course to hand out"
    )
    student.add_argument("--out", type=Path, help="a new or empty folder (default: build/student)")
    student.set_defaults(handler=_student_edition)


def _add_hosted_edition_parser(commands: Subparsers) -> None:
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


def _add_lab_parser(commands: Subparsers) -> None:
    lab = commands.add_parser(
        "lab",
        help="open the course in JupyterLab with the class settings (jupyter/)",
        description=(
            "Open JupyterLab on the course's folder with the first lesson, the class settings "
            "of jupyter/ and TensorFlow's start-up messages silenced. Other options (such as "
            "--port 8889 or --no-browser) are passed on to JupyterLab."
        ),
    )
    lab.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="the language of the lesson to open (default: es for a Spanish locale, else en)",
    )
    lab.set_defaults(handler=_lab)


def _add_diagrams_parser(commands: Subparsers) -> None:
    diagrams = commands.add_parser("diagrams", help="redraw the lessons' diagrams in img/")
    diagrams.add_argument("--out", type=Path, help="output folder (default: img/)")
    diagrams.set_defaults(handler=_diagrams)


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pattern", default="*", help="lesson file-name pattern, e.g. '03_*' (default: all)"
    )
    parser.add_argument(
        "--notebooks",
        type=Path,
        help="folder with one subfolder per language (default: the course's notebooks/)",
    )


def _selected_lessons(args: argparse.Namespace, course: Course | None = None) -> list[Lesson]:
    """The lessons the options select (in ``course`` unless --notebooks says where); an
    error when there are none."""
    if args.notebooks is not None:
        folder = args.notebooks
        if not folder.is_dir():
            raise CourseToolError(
                f"--notebooks {folder} is not a folder: give the folder that holds es/ and en/."
            )
    else:
        folder = (course or find_course()).notebooks
    lessons = find_lessons(folder, args.pattern)
    if not lessons:
        raise CourseToolError(
            f"No lesson in {folder} matches {args.pattern!r} (lessons are "
            f"<lang>/NN_name.ipynb with lang in {', '.join(LANGUAGES)}): nothing to do."
        )
    return lessons


def _course_or_none() -> Course | None:
    try:
        return find_course()
    except CourseNotFoundError:
        return None


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
    from course_utils.tools import run_plan, runner
    from course_utils.tools.run_report import format_report, write_report

    course = _course_or_none()
    notebooks = run_plan.lesson_notebooks(_selected_lessons(args, course), args.lang)
    plan = run_plan.plan_run(notebooks, args.parameter, in_place=args.in_place)
    output_dir = args.output_dir or (course or find_course()).executed
    settings = runner.RunSettings(
        output_dir=run_plan.prepare_output_dir(output_dir, plan, course),
        in_place=args.in_place,
        cell_timeout=args.timeout,
        echo=sys.stdout,
    )
    results = runner.run_notebooks(plan, settings)
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


def _check(args: argparse.Namespace) -> int:
    from course_utils.tools.drift import lesson_problems

    lessons = _selected_lessons(args)
    problems = [problem for lesson in lessons for problem in lesson_problems(lesson)]
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
    from course_utils.tools.drift import mark_lessons_synced

    if not (args.cell_ids or args.all):
        raise UsageError("give the CELL_IDs to mark, or --all")
    if args.cell_ids and args.all:
        raise UsageError("give either CELL_IDs or --all, not both")
    marked = mark_lessons_synced(_selected_lessons(args), None if args.all else args.cell_ids)
    for lesson, count in marked:
        print(f"{lesson.name}: marked {count} pair(s) as synced")
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


def _lab(args: argparse.Namespace) -> int:
    from course_utils.tools.lab import default_language, open_lab

    course = find_course()
    if not is_prepared(course.data):
        print(
            f"note: the data is not prepared yet; the lessons will say so. Prepare it with: "
            f"{FETCH_COMMAND}",
            file=sys.stderr,
        )
    return open_lab(course, args.lang or default_language(), args.jupyter_args)


def _diagrams(args: argparse.Namespace) -> int:
    from course_utils.tools.diagrams import draw_diagrams

    for path in draw_diagrams(args.out or find_course().images):
        print(path)
    return 0
