# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-pinned lint bench install install-test assets clean catalogs

# Front-end: npm ci, then the esbuild bundle into service/static/dist/ (git-ignored),
# rebuilt when anything under front/ is newer than the build.
NPM          ?= npm
FRONT_INPUTS := front/package.json front/package-lock.json front/build.mjs $(shell find front/src -type f 2>/dev/null)
ASSETS       := service/static/dist/manifest.json
# The browser tests drive Debian's Chromium; nothing downloads a browser of its own.
CHROMIUM     := /usr/bin/chromium

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

front/node_modules/.installed: front/package.json front/package-lock.json front/.npmrc
	cd front && $(NPM) ci --no-audit --no-fund
	touch $@

$(ASSETS): front/node_modules/.installed $(FRONT_INPUTS)
	cd front && $(NPM) run build

assets: $(ASSETS)

$(CHROMIUM):
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

## Serve with demo data on http://$(HOST):$(PORT) (embedded PostgreSQL unless DATABASE_URL is set).
run: install assets
	$(BIN)/tbc serve --demo --host $(HOST) --port $(PORT)

## Lint, then the whole suite (browser tests included) against a real PostgreSQL, then the Lot-day tests
## at pinned moments.
test: install-test lint assets $(CHROMIUM)
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

## Extract the messages to translate (service/**.py, templates) into the French and Spanish catalogs;
## then fill their empty entries in service/locale/<lang>/LC_MESSAGES/messages.po (read at startup, no compile step).
catalogs: install
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k Np_:1,2 --add-location=file --sort-by-file --ignore-dirs=".* __pycache__" \
		--project=tarif-bas-carbone -o var/messages.pot service
	for lang in fr es; do \
		$(BIN)/pybabel update -i var/messages.pot -d service/locale -D messages -l $$lang \
			--no-fuzzy-matching --ignore-obsolete -w 100; \
	done

bench: install-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache front/node_modules service/static/dist
