"""Entry point for ``python -m course_utils``: the instructor's tools."""

import sys

from course_utils.tools.cli import main

sys.exit(main())
