# Two commands do everything on a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev

.PHONY: run test lint audit bench messages check-messages install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(STAMP_RUN)

install: $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  Meydan is running at http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Demo login: admin@meydan.example / meydan-demo-2026  (more users: see README.md)"
	@echo ""
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: $(STAMP_DEV)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .

# Known vulnerabilities in the installed dependencies (needs PyPI's JSON API; see docs/security.md).
audit: $(STAMP_DEV)
	$(BIN)/pip-audit --local --skip-editable --strict --progress-spinner off

bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/sanitize.py

# Regenerate the catalogues after changing user-facing text, then translate and run `make messages` again.
messages: $(STAMP_DEV)
	$(BIN)/python manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=build --ignore=node_modules
	$(BIN)/python scripts/compile_messages.py

check-messages: $(STAMP_DEV)
	$(BIN)/python scripts/compile_messages.py --check

clean:
	rm -rf $(VENV) .test-db.sqlite3 .test-media .pytest_cache
