# The course's tasks. Each one sets up what it needs: `make course` and `make test` work on a
# fresh clone with only Python 3.11+, git and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
RUN_ARGS ?=
PYTEST_ARGS ?=

.PHONY: env gpu-env data course test test-quick lint format lab figures clean

env: $(INSTALLED)

$(INSTALLED): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $@

## gpu-env: Linux with an NVIDIA GPU: replace the CPU build of TensorFlow by tensorflow[and-cuda]
gpu-env: env
	$(BIN)/python -m pip uninstall --quiet -y tensorflow-cpu
	$(BIN)/python -m pip install --quiet "tensorflow[and-cuda]>=2.21"
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

## lab: open the course in JupyterLab
lab: data
	TF_CPP_MIN_LOG_LEVEL=1 $(BIN)/jupyter lab notebooks

## figures: redraw the figures in img/
figures: env
	$(BIN)/python -m course_utils figures

clean:
	rm -rf build .pytest_cache .ruff_cache
