# labgate: two commands for a fresh machine.
#   make run   - set up the virtual environment and start labgate on the embedded model
#   make test  - set up and run the whole test suite (SQLite, then PostgreSQL + Redis)

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
# The venv is brought up to date only when the dependency list (or this file) changes;
# llama-cpp-python (a ~5 minute C++ build) is kept in the venv between runs.
STAMP  := $(VENV)/.deps-$(shell cat pyproject.toml Makefile | sha256sum | cut -c1-16)

.PHONY: run test venv services lint bench clean

venv: $(STAMP)

# llama.cpp built for this CPU (its default) crashes on Intel CPUs with AMX under a hypervisor
# (a segfault in its AMX matrix code on the first inference: ggml-org/llama.cpp#20824), so on
# x86-64 it is built for AVX2 instead, without pip's wheel cache (which may hold a native build).
LLAMA      := $(shell grep -o 'llama-cpp-python\[server\]==[0-9.]*' pyproject.toml)
LLAMA_ARGS := $(if $(filter x86_64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PIP) install -q --upgrade "pip==25.3"
	@bash scripts/build-llama.sh $(PY) "$(LLAMA)" $(LLAMA_ARGS)
	@echo "installing labgate and its dependencies into $(VENV) (a minute or two)"
	@$(PIP) install -q -e '.[embedded,safety,evals,dev]'
	@rm -f $(VENV)/.deps-*
	@touch $@ $(VENV)/READY

run: venv
	@echo "starting labgate; its command is $(VENV)/bin/labgate (or: source $(VENV)/bin/activate)"
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
