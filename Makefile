# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-pinned lint bench install install-test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install only when the project's dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Serve with demo data on http://$(HOST):$(PORT) (embedded PostgreSQL unless DATABASE_URL is set).
run: install
	$(BIN)/tbc serve --demo --host $(HOST) --port $(PORT)

## Lint, then the whole suite against a real PostgreSQL, then the Lot-day tests at pinned moments.
test: install-test lint
	$(BIN)/python -m pytest
	$(MAKE) --no-print-directory test-pinned

# libfaketime moves the clock of Python and of the embedded PostgreSQL alike.
FAKETIME := /usr/bin/faketime
$(FAKETIME):
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends faketime

## The tests marked lot_day at 23:30 UTC in winter, 22:30 UTC in summer and both 2026 clock-change nights.
test-pinned: install-test $(FAKETIME)
	$(BIN)/python -m tests.pinned_clock

lint: install-test
	$(BIN)/hadolint Dockerfile
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
