"""binder/: the image that repo2docker builds for Binder and JupyterHub.

repo2docker reads binder/ before the repository's root files: binder/runtime.txt pins the
Python, binder/requirements.txt installs the course (without the dev extra), binder/postBuild
prepares the data at build time and binder/start gives the server the class settings of
``make lab``. The checks run repo2docker with --no-build (it writes the Dockerfile it would
build, no Docker needed) on a clone of the working tree, and binder/postBuild in a fresh venv
with the data only from a mirror on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from course_utils.layout import find_course

COURSE = find_course()
BINDER = COURSE.root / "binder"
PYPROJECT = tomllib.loads((COURSE.root / "pyproject.toml").read_text(encoding="utf-8"))
REPO2DOCKER = Path(sys.prefix) / "bin" / "repo2docker"
DEV_TOOLS = ("pytest", "ruff", "nbval", "playwright", "jupyter-repo2docker")
DOCS = (COURSE.root / "docs" / "binder.md", COURSE.root / "docs" / "binder.es.md")


def pinned_python() -> str:
    """The ``X.Y`` that binder/runtime.txt pins (``python-X.Y``)."""
    text = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    match = re.fullmatch(r"python-(3\.\d+)", text)
    assert match, f"binder/runtime.txt must read python-3.X, not {text!r}"
    return match.group(1)


def requirement_lines(path: Path) -> list[str]:
    """The requirements of a pip requirements file, comments and blank lines left out."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


# --------------------------------------------------------------------------- the files


def test_runtime_pins_one_python_that_the_course_supports():
    version = pinned_python()
    assert version in SpecifierSet(PYPROJECT["project"]["requires-python"])
    find_python = (COURSE.root / "scripts" / "find-python").read_text()
    supported = re.search(r'^SUPPORTED="([^"]+)"', find_python, re.M)
    assert supported and version in supported.group(1).split()


def test_requirements_install_the_course_itself_without_the_dev_extra():
    # "." is the repository's root (repo2docker runs pip there); no extra, so no test tools.
    lines = requirement_lines(BINDER / "requirements.txt")
    assert lines[0] == "."
    assert not [line for line in lines if "[" in line or line.startswith(DEV_TOOLS)]
    assert "nbgitpuller>=1.2" in lines, "the JupyterHub link of docs/binder.md needs nbgitpuller"


@pytest.mark.parametrize("script", ["postBuild", "start"])
def test_scripts_are_executable_and_stop_at_the_first_error(script):
    path = BINDER / script
    assert os.access(path, os.X_OK), f"chmod +x binder/{script}"
    if (COURSE.root / ".git").exists():  # a copy without git history has only the file's mode
        staged = git("ls-files", "--stage", "--", f"binder/{script}", cwd=COURSE.root)
        assert not staged or staged.startswith("100755"), f"git add --chmod=+x binder/{script}"
    lines = path.read_text().splitlines()
    assert lines[0] == "#!/bin/bash"
    assert any(re.match(r"set -e", line) for line in lines), "a failed step must fail the build"


def test_docs_open_a_lesson_that_exists():
    """The Binder and nbgitpuller links of docs/ open lesson 03 of each language."""
    for doc in DOCS:
        text = doc.read_text(encoding="utf-8")
        binder = re.findall(r"https://mybinder\.org/v2/gh/[^\s)`\"]+", text)
        puller = re.findall(r"https://[^\s)`\"]+/hub/user-redirect/git-pull\?[^\s)`\"]+", text)
        assert binder and puller, f"{doc.name}: a Binder link and an nbgitpuller link"
        for link in binder + puller:
            urlpath = re.search(r"urlpath=lab/tree/([^&\s]+)", link)
            assert urlpath, f"{doc.name}: {link} opens no lesson"
            path = urlpath.group(1)
            if link in puller:  # nbgitpuller's folder (the repository's name) comes first
                path = path.split("/", 1)[1]
            assert (COURSE.root / path).is_file(), f"{doc.name}: {link} opens a missing file"


def test_an_image_built_from_a_working_copy_leaves_out_the_local_files(tmp_path):
    """binder/.dockerignore, read by repo2docker's own filter (docker's exclude_paths)."""
    from docker.utils.build import exclude_paths

    kept = ["notebooks/es/03_asl_cnn.ipynb", "datasets/README.md", "binder/start", "img/a.png"]
    left_out = [
        ".venv/bin/python",
        "build/executed/report.md",
        "models/cnn.keras",
        "datasets/asl_data/sign_mnist_train.csv",
        "datasets/downloads/sign_mnist_train.csv",
        "course_utils/tools/__pycache__/cli.cpython-312.pyc",
        "notebooks/es/.ipynb_checkpoints/03_asl_cnn-checkpoint.ipynb",
        "asl_cnn_course.egg-info/PKG-INFO",
    ]
    for name in kept + left_out:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    patterns = requirement_lines(BINDER / ".dockerignore")  # the same comment rules
    added = {p for p in exclude_paths(str(tmp_path), patterns) if (tmp_path / p).is_file()}
    assert added == set(kept)


# --------------------------------------------------------------------------- binder/start


def run_start(*command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BINDER / "start"), *command],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def printed_env(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


@pytest.fixture
def server_env() -> dict[str, str]:
    """The environment a server starts with: neither variable of ``make lab`` set."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in ("JUPYTER_CONFIG_PATH", "TF_CPP_MIN_LOG_LEVEL")
    }


def test_start_gives_the_server_the_class_settings(server_env, tmp_path):
    proc = run_start("env", env=server_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    env = printed_env(proc.stdout)
    assert env["JUPYTER_CONFIG_PATH"] == str(COURSE.lab_settings)
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "1"
    assert (COURSE.lab_settings / "labconfig" / "default_setting_overrides.json").is_file()


def test_start_keeps_the_hubs_settings_after_the_course(server_env, tmp_path):
    server_env.update(JUPYTER_CONFIG_PATH="/etc/hub/jupyter", TF_CPP_MIN_LOG_LEVEL="3")
    proc = run_start("env", env=server_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    env = printed_env(proc.stdout)
    assert env["JUPYTER_CONFIG_PATH"] == f"{COURSE.lab_settings}:/etc/hub/jupyter"
    assert env["TF_CPP_MIN_LOG_LEVEL"] == "3"


def test_jupyter_reads_the_class_settings_first(server_env, tmp_path):
    jupyter = Path(sys.prefix) / "bin" / "jupyter"
    proc = run_start(str(jupyter), "--paths", "--json", env=server_env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["config"][0] == str(COURSE.lab_settings)


def test_start_execs_the_server_command(server_env, tmp_path):
    """The command replaces the script (same process), so the server gets the signals and
    its exit code is the container's."""
    child = subprocess.Popen(
        [str(BINDER / "start"), "sh", "-c", "echo $$; exit 7"],
        env=server_env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = child.communicate(timeout=60)
    assert int(out.strip()) == child.pid
    assert child.returncode == 7


# --------------------------------------------------------------------------- a clone


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def clone_of_the_working_tree(destination: Path) -> Path:
    """A ``git clone`` of the course with the working tree's files on top: what a clone would
    hold once the current changes (new files included, git-ignored ones not) are committed."""
    subprocess.run(
        ["git", "clone", "--quiet", "--no-hardlinks", str(COURSE.root), str(destination)],
        check=True,
        capture_output=True,
    )
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=COURSE.root)
    wanted = set(filter(None, listed.split("\0")))
    for name in filter(None, git("ls-files", "-z", cwd=destination).split("\0")):
        if name not in wanted or not (COURSE.root / name).is_file():
            (destination / name).unlink()  # deleted in the working tree
    for name in wanted:
        source = COURSE.root / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="session")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One clone of the working tree per session: read-only for the tests (copy to modify)."""
    return clone_of_the_working_tree(tmp_path_factory.mktemp("clone") / "asl-cnn-course")


def repo2docker_dockerfile(repo: Path) -> str:
    """The Dockerfile that ``repo2docker`` would build for ``repo`` (nothing is built)."""
    if not REPO2DOCKER.is_file():
        pytest.fail(f"{REPO2DOCKER} is missing: run `make env` (dev extra)", pytrace=False)
    proc = subprocess.run(
        [str(REPO2DOCKER), "--no-build", "--debug", str(repo)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "FROM " in proc.stdout, proc.stderr[-3000:]
    return proc.stdout


def dockerfile_problems(dockerfile: str, python: str) -> list[str]:
    """How the Dockerfile differs from the image binder/ describes."""
    problems = []
    # The conda environment of the image comes from repo2docker's lock file for one Python
    # (environment.py-3.12-linux-64.lock), copied as build_script_files/NAME-HASH where NAME is
    # the file's path with "-XX" for each byte other than a letter or digit ("." is "-2e").
    copied = " ".join(
        re.sub(r"-([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), name.rsplit("-", 1)[0])
        for name in re.findall(r"build_script_files/(\S+)", dockerfile)
    )
    found = re.findall(r"environment\.py-(\d\.\d+)-", copied)
    if found != [python]:
        problems.append(f"the image has Python {found}, not {python}")
    if "environment.yml" in dockerfile:
        problems.append("the image installs the root environment.yml (and its dev extra)")
    if "[dev]" in dockerfile:
        problems.append("the image installs the dev extra")
    steps = [
        "COPY --chown={user}:{user} src/ ${REPO_DIR}/",  # the whole repository, then
        '/bin/pip install --no-cache-dir -r "binder/requirements.txt"',  # the course, then
        "RUN ./binder/postBuild",  # the data
        'ENV R2D_ENTRYPOINT="${REPO_DIR}/binder/start"',
    ]
    user = re.search(r"COPY --chown=(\S+?):\S+ src/ ", dockerfile)
    position = 0
    for step in steps:
        step = step.replace("{user}", user.group(1) if user else "?")
        found = dockerfile.find(step, position)
        if found < 0:
            problems.append(f"missing, or out of order: {step}")
        else:
            position = found
    return problems


@pytest.mark.slow
def test_repo2docker_builds_the_image_that_binder_describes(clone):
    assert (clone / "binder" / "postBuild").read_bytes() == (BINDER / "postBuild").read_bytes()
    dockerfile = repo2docker_dockerfile(clone)
    assert dockerfile_problems(dockerfile, pinned_python()) == []


@pytest.mark.slow
def test_without_binder_repo2docker_would_read_the_root_files(clone, tmp_path):
    """What binder/ overrides (and what the check above would report without it)."""
    bare = tmp_path / "asl-cnn-course"
    shutil.copytree(clone, bare, ignore=shutil.ignore_patterns("binder", ".git"))
    problems = dockerfile_problems(repo2docker_dockerfile(bare), pinned_python())
    assert any("not " + pinned_python() in p for p in problems), problems
    assert any("environment.yml" in p for p in problems), problems
    assert any("postBuild" in p for p in problems), problems


# --------------------------------------------------------------------------- binder/postBuild


@pytest.fixture(scope="session")
def student_venv(tmp_path_factory: pytest.TempPathFactory, clone: Path) -> Path:
    """A fresh venv with the course installed as repo2docker installs it: ``pip install -r
    binder/requirements.txt`` from the repository's root (pip's cache speeds it up)."""
    venv = tmp_path_factory.mktemp("student") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    proc = subprocess.run(
        [
            *(str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile"),
            *("--disable-pip-version-check", "-r", "binder/requirements.txt"),
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return venv


@pytest.mark.slow
def test_the_student_venv_has_the_course_and_no_dev_tools(student_venv, tmp_path):
    python = str(student_venv / "bin" / "python")
    code = (
        "import importlib.metadata as m, course_utils\n"
        "print(course_utils.__file__)\n"
        f"for name in {DEV_TOOLS!r}:\n"
        "    try:\n"
        "        m.distribution(name)\n"
        "        print('installed:', name)\n"
        "    except m.PackageNotFoundError:\n"
        "        pass\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [python, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert Path(lines[0]).is_relative_to(student_venv), "the course is installed in the venv"
    assert lines[1:] == [], "a student image needs no test tools"
    assert (student_venv / "bin" / "gitpuller").is_file(), "nbgitpuller, for the hub's link"


@pytest.mark.slow
def test_postbuild_prepares_the_data_from_a_mirror(
    student_venv, clone, tmp_path, cli_env, http_mirror, plain_source, prepared_dir
):
    course = tmp_path / "asl-cnn-course"
    shutil.copytree(clone, course, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info"))
    assert not (course / "datasets" / "asl_data").exists()
    mirror = http_mirror(plain_source)
    env = {
        **cli_env,  # Kaggle and the default mirrors unreachable
        "ASL_DATA_MIRRORS": mirror.template,
        "PATH": f"{student_venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(student_venv),
    }
    proc = subprocess.run(
        [str(course / "binder" / "postBuild")],
        cwd=course,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert mirror.requested("sign_mnist_train.csv") == [200], "the data came from the mirror"
    prepared = sorted(p.name for p in prepared_dir.glob("*.csv"))
    assert prepared
    for name in prepared:
        assert (course / "datasets" / "asl_data" / name).read_bytes() == (
            prepared_dir / name
        ).read_bytes(), name
