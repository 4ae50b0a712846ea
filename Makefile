# coopwork — two set-up commands: `make demo` and `make test`. Both build .venv from pinned files.
SHELL := /bin/bash
PY ?= $(shell for p in python3.13 python3 python; do command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info[:2] < (3, 13))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: demo test test-only lint messages bench lock clean

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@test -n "$(PY)" || { echo "coopwork needs Python 3.13 (see .python-version)"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	@touch $(STAMP)

## demo: migrate the embedded SQLite database, seed the demo co-ops and serve on $(HOST):$(PORT)
demo: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py seed_demo --url http://$(HOST):$(PORT)/
	$(BIN)/python manage.py runserver $(HOST):$(PORT) --noreload

## test: quality gates, then the whole suite (SQLite unless DATABASE_URL is set)
test: lint test-only

test-only: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/check_translations.py
	$(BIN)/python manage.py makemigrations --check --dry-run -v 0

## messages: refresh the translation catalogues after changing strings
messages: $(STAMP)
	cd src/coopwork && ../../$(BIN)/python ../../manage.py makemessages -l fr --no-obsolete --no-location
	cd src/coopwork && ../../$(BIN)/python ../../manage.py compilemessages -l fr

## bench: the benchmarks under bench/, each printing ratios against a baseline from the same run
bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

## lock: recompile the pinned requirement files (pins only, no index address)
lock:
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras -o requirements.txt requirements.in
	$(BIN)/pip-compile -q --no-emit-index-url --no-emit-find-links --strip-extras -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) var test-output
