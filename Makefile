# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test lint bench install install-test clean catalogs

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

## Extract the messages to translate (service/**.py, templates) into the French and Spanish catalogs;
## then fill their empty entries in service/locale/<lang>/LC_MESSAGES/messages.po (read at startup, no compile step).
catalogs: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Np_:1,2 --add-location=file --sort-by-file \
		--project=tarif-bas-carbone -o var/messages.pot service
	for lang in fr es; do \
		$(BIN)/pybabel update -i var/messages.pot -d service/locale -D messages -l $$lang \
			--no-fuzzy-matching --ignore-obsolete -w 100; \
	done

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
