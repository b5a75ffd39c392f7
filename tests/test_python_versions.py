"""`make` creates .venv with a Python the course supports, or stops and says how to get one.

The interpreters here are stand-ins for external programs: small shell scripts on a temporary
PATH that answer `--version` as the Python they pretend to be, log every call, and on `-m venv DIR`
make DIR a venv whose bin/python is themselves (as a real venv links to its interpreter). The real
Makefile and scripts/find-python run against them, in a subprocess, without the network.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from course_utils.layout import find_course

REPO = find_course(Path(__file__).parent).root
FIND_PYTHON = REPO / "scripts" / "find-python"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
MAKE = shutil.which("make")
# What the Makefile's $(INSTALLED) recipe, find-python and the stand-ins run besides Python.
TOOLS = ("sh", "cat", "cksum", "cut", "rm", "touch", "mkdir", "ln")

STAND_IN = """#!/bin/sh
# Stand-in for {what}.
echo "$0 $*" >> "{log}"
case "$1" in
    --version) {answer}; exit {status} ;;
    -m) if [ "$2" = venv ]; then
            eval "venv=\\${{$#}}"
            if [ "$3" = --clear ]; then rm -rf "$venv"; fi
            mkdir -p "$venv/bin"
            ln -sf "$0" "$venv/bin/python"
            echo "version = {version}" > "$venv/pyvenv.cfg"
        fi ;;
esac
"""


def supported_versions() -> list[str]:
    """The Python versions pyproject.toml's classifiers name, oldest first."""
    found = [
        m.group(1)
        for c in PYPROJECT["project"]["classifiers"]
        if (m := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c))
    ]
    return sorted(found, key=lambda v: int(v.split(".")[1]))


class Machine:
    """A temporary PATH holding stand-in interpreters and the few tools the recipe needs."""

    def __init__(self, root: Path):
        self.root = root
        self.bin = root / "bin"
        self.tools = root / "tools"
        self.log = root / "calls.log"
        self.venv = root / "venv"
        self.bin.mkdir()
        self.tools.mkdir()
        self.log.touch()
        for tool in TOOLS:
            real = shutil.which(tool)
            assert real, f"{tool} is not on PATH"
            (self.tools / tool).symlink_to(real)

    def python(self, name: str, version: str | None, *, stderr: bool = False) -> Path:
        """A stand-in `name` reporting `version` (None: a broken pyenv-like shim)."""
        if version is None:
            what, answer, status = "a shim that fails", f"echo 'pyenv: {name}: not found' >&2", 127
        else:
            what, answer, status = f"Python {version}", f"echo 'Python {version}'", 0
            answer += " >&2" if stderr else ""  # Python 2 prints its version on stderr
        path = self.bin / name
        path.write_text(
            STAND_IN.format(what=what, answer=answer, status=status, log=self.log, version=version)
        )
        path.chmod(0o755)
        return path

    def env(self) -> dict[str, str]:
        return {"PATH": f"{self.bin}:{self.tools}", "HOME": str(self.root), "LC_ALL": "C"}

    def find_python(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["/bin/sh", str(FIND_PYTHON), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=30,
        )

    def make_env(self, *args: str) -> subprocess.CompletedProcess:
        if MAKE is None:
            pytest.skip("make is not installed")
        return subprocess.run(
            [MAKE, "--no-print-directory", "-C", str(REPO), "env", f"VENV={self.venv}", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
        )

    def calls(self) -> list[str]:
        return self.log.read_text().splitlines()

    def venv_creations(self) -> list[str]:
        """Which stand-in was asked to create a venv, and how ("python3.12 -m venv DIR")."""
        return [
            line.replace(f"{self.bin}/", "")
            for line in self.calls()
            if " -m venv " in line and not line.startswith(str(self.venv))
        ]


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine(tmp_path)


def says(stderr: str, candidate: str, verdict: str) -> bool:
    """Whether find-python's list of tried interpreters gives `candidate` this verdict."""
    line = rf"^  {re.escape(candidate)}( \(/[^)]*\))?: {re.escape(verdict)}$"
    return re.search(line, stderr, re.M) is not None


def assert_refused(result: subprocess.CompletedProcess, machine: Machine) -> None:
    assert result.returncode != 0
    assert "Python 3.11, 3.12 or 3.13" in result.stderr
    for way in ("pyenv install 3.13", "python.org", "environment.yml", "Nothing was created"):
        assert way in result.stderr
    assert machine.venv_creations() == []
    assert not machine.venv.exists()


def test_unsupported_python3_and_no_alternative_is_refused_before_creating_anything(machine):
    machine.python("python3", "3.14.0")
    machine.python("python3.13", None)  # pyenv shim of a version that is not active
    machine.python("python3.11", "3.10.13")  # a link that does not say what it is
    result = machine.make_env()
    assert_refused(result, machine)
    assert says(result.stderr, "python3", "Python 3.14")
    assert says(result.stderr, "python3.13", "does not report a Python version")
    assert says(result.stderr, "python3.12", "not found")
    assert says(result.stderr, "python3.11", "Python 3.10")


def test_unsupported_python3_falls_back_to_a_supported_python3_12(machine):
    machine.python("python3", "3.14.0")
    machine.python("python3.13", None)
    machine.python("python3.12", "3.12.8")
    machine.python("python3.11", "3.11.11")
    result = machine.make_env()
    assert result.returncode == 0, result.stderr
    assert machine.venv_creations() == [f"python3.12 -m venv {machine.venv}"]
    assert "find-python: using" in result.stderr
    assert says(result.stderr, "python3", "Python 3.14")
    # The rest of the recipe runs with the venv's Python, which is python3.12.
    assert f"{machine.venv}/bin/python -m pip install --quiet -e .[dev]" in machine.calls()
    assert list(machine.venv.glob(".installed-*"))


def test_supported_python3_is_used_as_is(machine):
    machine.python("python3", "3.11.7")
    machine.python("python3.13", "3.13.1")
    result = machine.make_env()
    assert result.returncode == 0, result.stderr
    assert machine.venv_creations() == [f"python3 -m venv {machine.venv}"]
    assert "find-python: using" not in result.stderr


def test_python_on_the_command_line_is_used(machine):
    machine.python("python3", "3.13.1")
    chosen = machine.python("my-python", "3.12.8")
    result = machine.make_env(f"PYTHON={chosen}")
    assert result.returncode == 0, result.stderr
    assert machine.venv_creations() == [f"my-python -m venv {machine.venv}"]


@pytest.mark.parametrize(("version", "stderr"), [("3.10.13", False), ("2.7.18", True)])
def test_unsupported_python_on_the_command_line_is_refused(machine, version, stderr):
    machine.python("python3", "3.13.1")  # supported, but not what was asked for
    chosen = machine.python("old-python", version, stderr=stderr)
    result = machine.make_env(f"PYTHON={chosen}")
    assert_refused(result, machine)
    assert says(result.stderr, f"PYTHON={chosen}", f"Python {'.'.join(version.split('.')[:2])}")
    assert "leave PYTHON out" in result.stderr


def test_venv_made_by_another_python_is_recreated(machine):
    machine.python("python3", "3.14.0")
    machine.python("python3.12", "3.12.8")
    # What `make` did before it checked versions: a venv of the unsupported python3.
    subprocess.run([machine.bin / "python3", "-m", "venv", machine.venv], check=True)
    result = machine.make_env()
    assert result.returncode == 0, result.stderr
    assert machine.venv_creations()[-1] == f"python3.12 -m venv --clear {machine.venv}"
    # An up-to-date venv of the same version is only refreshed, not cleared.
    (machine.venv / "pyproject-changed").touch()
    for stamp in machine.venv.glob(".installed-*"):
        stamp.unlink()
    assert machine.make_env().returncode == 0
    assert machine.venv_creations()[-1] == f"python3.12 -m venv {machine.venv}"
    assert (machine.venv / "pyproject-changed").exists()


@pytest.mark.parametrize("minor", range(8, 17))
def test_find_python_accepts_exactly_the_versions_pyproject_declares(machine, minor):
    chosen = machine.python("candidate", f"3.{minor}.0")
    result = machine.find_python(str(chosen))
    accepted = result.returncode == 0
    assert accepted == (f"3.{minor}" in supported_versions()), result.stderr
    assert result.stdout == (f"{chosen}\n" if accepted else "")
