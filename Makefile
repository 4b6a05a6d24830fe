# labgate: two commands for a fresh machine.
#   make run   - set up the virtual environment and start labgate on the embedded model
#   make test  - set up and run the whole test suite (SQLite, then PostgreSQL + Redis)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# The venv is rebuilt only when the dependency list changes; llama-cpp-python (a ~5 minute
# C++ build) is kept in the venv between runs, and pip's wheel cache keeps it across venvs.
STAMP  := $(VENV)/.deps-$(shell cat pyproject.toml | sha256sum | cut -c1-16)

.PHONY: run test venv services lint bench clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade "pip==25.3"
	$(PIP) install -q -e '.[embedded,safety,dev]'
	@rm -f $(VENV)/.deps-*
	@touch $@ $(VENV)/READY

run: venv
	$(VENV)/bin/labgate serve

services:
	@bash scripts/services-up.sh

test: venv services
	@bash scripts/test.sh

lint: venv
	$(VENV)/bin/ruff check src tests bench

bench: venv
	$(PY) bench/overhead.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
