"""Running ``python -m course_utils`` inside the test process, for the tests of its messages."""

from __future__ import annotations

import contextlib
import io
import subprocess

from course_utils.tools.cli import main


def run_course_command(*args: object) -> subprocess.CompletedProcess[str]:
    """``python -m course_utils ARGS`` run in this process (no interpreter start-up to wait
    for), with its exit code and what it printed, as ``subprocess.run`` would give them."""
    arguments = [str(arg) for arg in args]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(arguments)
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return subprocess.CompletedProcess(arguments, code, out.getvalue(), err.getvalue())
