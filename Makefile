# `make all` builds every figure and table; `make test` runs the test suite; `make benchmark` refreshes the
# machine-dependent timings (figures/scaling, tables/scaling). All set up .venv first.
# `make all` resumes after any interruption and runs once per folder at a time (`greenllm pipeline run`).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
STAMP := $(VENV)/.installed
CORES ?= all

.PHONY: all test venv lock clean-venv benchmark

all: $(STAMP)
	$(BIN)/greenllm pipeline run --cores $(CORES)

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

venv: $(STAMP)

# Create the environment from the lock file; rerun when the lock or the package metadata change.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	$(BIN)/python -m compileall -q src
	touch $@

# Re-pin every dependency (needs the package index).
lock: $(BIN)/python
	$(BIN)/uv pip compile --quiet requirements.in --python-version 3.11 -o requirements.lock

# Timings depend on the machine and on what runs beside it, so `make all` does not rewrite them; this does.
benchmark: $(STAMP)
	$(BIN)/greenllm pipeline run --cores $(CORES) --config 'experiments=["scaling"]' --forcerun solve_points
	$(BIN)/python benchmarks/bench_solve.py

clean-venv:
	rm -rf $(VENV)
