# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-pinned lint bench profile install install-test assets clean catalogs lock

# Front-end: npm ci, then the esbuild bundle into service/static/dist/ (git-ignored),
# rebuilt when anything under front/ is newer than the build.
NPM          ?= npm
FRONT_INPUTS := front/package.json front/package-lock.json front/build.mjs $(shell find front/src -type f 2>/dev/null)
ASSETS       := service/static/dist/manifest.json
# The browser tests drive Debian's Chromium; nothing downloads a browser of its own.
CHROMIUM     := /usr/bin/chromium

# Python packages come only from the committed lock (requirements/*.txt: every version pinned,
# every file's hash checked); `make lock` is the one way to move a version.
LOCK_RUN  := requirements/run.txt
LOCK_TEST := requirements/test.txt
PIP_LOCKED = $(BIN)/python -m pip install --quiet --require-hashes --no-deps
# the project itself, built by the locked setuptools (no build isolation: nothing unpinned is fetched)
PIP_PROJECT = $(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-install only when the lock changes.
$(VENV)/.installed: $(LOCK_RUN) pyproject.toml | $(BIN)/python
	$(PIP_LOCKED) -r $(LOCK_RUN)
	$(PIP_PROJECT)
	$(BIN)/python -m pip check
	touch $@

$(VENV)/.installed-test: $(LOCK_TEST) $(VENV)/.installed
	$(PIP_LOCKED) -r $(LOCK_TEST)
	$(BIN)/python -m pip check
	touch $@

# uv resolves the lock (for every platform and Python >= 3.11, with hashes); it runs only here.
UV_VERSION := 0.13.9
UV         := var/lock-tool/bin/uv
UV_COMPILE  = $(UV) pip compile pyproject.toml requirements/build.in --universal --python-version 3.11 \
	--generate-hashes --quiet $(if $(UPGRADE),--upgrade)
$(UV):
	$(PYTHON) -m venv var/lock-tool
	var/lock-tool/bin/python -m pip install --quiet uv==$(UV_VERSION)

## Re-resolve the lock after a change to pyproject.toml (pins kept where they still fit);
## `make lock UPGRADE=1` moves every package to its newest allowed version.
lock: $(UV)
	$(UV_COMPILE) --extra test -o $(LOCK_TEST)
	$(UV_COMPILE) --constraint $(LOCK_TEST) -o $(LOCK_RUN)

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

# wrk drives the HTTP benchmarks (bench/http_load.py): Debian's package.
WRK := /usr/bin/wrk
$(WRK):
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends wrk

bench: install-test $(WRK)
	$(BIN)/python -m bench

# where a scan's time goes (TBC_PROFILE=claim: a claim's), sampled by py-spy under wrk
profile: install-test $(WRK)
	$(BIN)/python -m bench._profile

clean:
	rm -rf $(VENV) var .pytest_cache front/node_modules service/static/dist
