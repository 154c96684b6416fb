# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench install install-test clean

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

## Lint, then the whole suite against a real PostgreSQL.
test: install-test lint
	$(BIN)/python -m pytest

lint: install-test
	$(BIN)/hadolint Dockerfile
	$(BIN)/ruff check service tests bench
	$(BIN)/ruff format --check service tests bench

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
