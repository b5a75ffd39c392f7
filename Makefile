# The course's tasks. Each one sets up what it needs: `make course` and `make test` work on a
# fresh clone with only Python (a version pyproject.toml supports), git and make.
# PYTHON: the interpreter that creates $(VENV). Left empty, scripts/find-python takes python3 if
# the course supports its version, otherwise the newest supported python3.X on
# PATH; `make PYTHON=/path/to/python3.12` names one (checked the same way).
PYTHON ?=
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
RUN_ARGS ?=
LAB_ARGS ?=
PYTEST_ARGS ?=

.PHONY: env gpu-env data course test test-quick test-browser lint format lab diagrams clean

env: $(INSTALLED)

# scripts/find-python prints a supported interpreter, or explains how to install one and fails, so
# that nothing is created. An existing $(VENV) made by another Python version (such as one a
# newer python3 made before this check existed) is recreated: a venv cannot change its Python.
$(INSTALLED): pyproject.toml
	python="$$(sh scripts/find-python "$(PYTHON)")" && \
	if [ -f $(VENV)/pyvenv.cfg ] && [ "$$($(BIN)/python --version 2>&1)" != "$$("$$python" --version)" ]; then \
		"$$python" -m venv --clear $(VENV); \
	else \
		"$$python" -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

## gpu-env: Linux with an NVIDIA GPU: replace the CPU build of TensorFlow by tensorflow[and-cuda]
gpu-env: env
	$(BIN)/python -m pip uninstall --quiet -y tensorflow-cpu
	$(BIN)/python -m pip install --quiet "tensorflow[and-cuda]>=2.20"
	$(BIN)/python -c 'import tensorflow as tf; print("GPUs:", tf.config.list_physical_devices("GPU"))'

## data: prepare datasets/asl_data (from ASL_DATA_SOURCE, Kaggle or the mirrors)
data: env
	$(BIN)/python -m course_utils fetch-data

## course: the main job: set up, prepare the data, execute every notebook into build/executed
course: data
	$(BIN)/python -m course_utils run $(RUN_ARGS)

## test: lint, then the whole test suite (unit tests, quick notebook runs, full nbval runs)
test: data lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test-quick: the fast subset for local work (no full training runs)
test-quick: data
	$(BIN)/python -m pytest -m "not slow" $(PYTEST_ARGS)

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: env
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## lab: open the course in JupyterLab on the course's folder, at the first lesson, with the class
## settings of jupyter/labconfig (no news pop-up or update checks, every cell rendered, autosave)
## as defaults the Settings menu can change; LAB_ARGS="--lang es --port 8889" passes options on
lab: data
	$(BIN)/python -m course_utils lab $(LAB_ARGS)

## test-browser: only the browser tests: each lesson run in JupyterLab in headless Chromium
test-browser: data
	$(BIN)/python -m pytest tests/test_browser.py $(PYTEST_ARGS)

## diagrams: redraw the lessons' diagrams in img/
diagrams: env
	$(BIN)/python -m course_utils diagrams

clean:
	rm -rf build .pytest_cache .ruff_cache
