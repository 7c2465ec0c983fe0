# flask-loyalty: `make demo`, `make test`, `make docs`, `make bench`, `make lint`.
# Each target makes .venv and installs the lock (requirements/dev.txt: every package
# pinned, with hashes) and the package itself on first use; the stamp file skips the
# install until the lock, setup.cfg or pyproject.toml change.
# `make lock` refreshes the lock from setup.cfg's ranges; `make test-latest` runs the
# suite with the newest versions those ranges allow, as a user's `pip install` gets.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-lock
LOCK := requirements/dev.txt
LATEST_VENV := .venv-latest
LOCK_VENV := .venv-lock
LOWEST_VENV := .venv-lowest
DOCS_BUILD := docs/_build
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 5000

# Root needs no sudo; anyone else uses it when it is there.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.DEFAULT_GOAL := help
.PHONY: help install demo test test-latest test-lowest lock docs bench bench-goals bench-instructions lint format chromium clean translations screenshots

help:
	@echo "make demo    run the example shop on http://$(DEMO_HOST):$(DEMO_PORT)/"
	@echo "make test    the whole test suite (installs Debian's chromium if missing)"
	@echo "make test-latest  the suite with the newest versions setup.cfg allows (no lock)"
	@echo "make test-lowest  the suite with the lowest versions setup.cfg allows"
	@echo "make lock    refresh $(LOCK) from setup.cfg's ranges"
	@echo "make docs    the Sphinx site in docs/ (warnings are errors), into $(DOCS_BUILD)/html"
	@echo "make bench   loyalty page against a bare page: time and memory"
	@echo "make bench-goals  issue 22's speed goals from one run (about a minute)"
	@echo "make bench-instructions  the SQLite goals in CPU instructions (about four minutes)"
	@echo "make screenshots  every owner page at 1280 and 390 px, en and hu, into docs/screenshots"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make format  ruff format and the safe ruff fixes"
	@echo "make translations  extract strings, update the .po files, compile the .mo files"
	@echo "make clean   remove .venv and build output"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The lock first, hashes checked (pip refuses a package the lock does not pin), then
# the package itself without touching what the lock installed.
$(STAMP): $(LOCK) setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

install: $(STAMP)

# Debian's Chromium for the browser tests (never `playwright install`).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
		echo "$(CHROMIUM) is missing: installing Debian's chromium"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi
	@test -x $(CHROMIUM) || { echo "could not install $(CHROMIUM)"; exit 1; }

# The shop and a mail worker beside it; stopping the shop (Ctrl-C) stops both.
demo: $(STAMP)
	$(BIN)/flask --app example_shop shop init-demo
	$(BIN)/flask --app example_shop shop init-offer-history
	export SHOP_BASE_URL=http://$(DEMO_HOST):$(DEMO_PORT); \
	$(BIN)/flask --app example_shop loyalty worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app example_shop run --host $(DEMO_HOST) --port $(DEMO_PORT)

test: $(STAMP) chromium
	LOYALTY_TEST_LOCK=$(LOCK) $(BIN)/python -m pytest $(PYTEST_ARGS)

# What users get: a new venv each time, the newest versions the ranges allow.
test-latest: chromium
	rm -rf $(LATEST_VENV)
	$(PYTHON) -m venv $(LATEST_VENV)
	$(LATEST_VENV)/bin/python -m pip install --upgrade pip
	$(LATEST_VENV)/bin/python -m pip install --upgrade --upgrade-strategy eager -e '.[dev]'
	@echo "Newer than the lock:"
	@$(LATEST_VENV)/bin/python -m pip list --format=freeze --exclude-editable \
		| tr 'A-Z_.' 'a-z--' | grep -vxFf <(grep -E '^[a-z0-9]' $(LOCK) \
		| sed 's/ .*//' | tr 'A-Z_.' 'a-z--') || echo "(none)"
	$(LATEST_VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The lower bounds: every direct dependency at the lowest version its range allows.
test-lowest: $(STAMP) chromium
	rm -rf $(LOWEST_VENV)
	$(PYTHON) -m venv $(LOWEST_VENV)
	$(BIN)/python requirements/lowest.py > $(LOWEST_VENV)/constraints.txt
	$(LOWEST_VENV)/bin/python -m pip install -c $(LOWEST_VENV)/constraints.txt -e '.[dev]'
	$(LOWEST_VENV)/bin/python -m pytest $(PYTEST_ARGS) \
		--deselect tests/i18n/test_catalogs.py::test_plural_forms_are_the_language_s_own

# pip-compile in a venv of its own (the lock does not pin pip-tools). The global
# pip configuration is left out so the lock names only PyPI's files.
lock:
	[ -x $(LOCK_VENV)/bin/pip-compile ] || { $(PYTHON) -m venv $(LOCK_VENV) && \
		$(LOCK_VENV)/bin/python -m pip install pip-tools; }
	mkdir -p $(dir $(LOCK))
	PIP_CONFIG_FILE=/dev/null $(LOCK_VENV)/bin/pip-compile --upgrade --quiet \
		--extra dev --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --no-emit-trusted-host \
		--output-file $(LOCK) setup.cfg

# The Sphinx site: Markdown pages and the API reference from the docstrings.
# Warnings are errors, as in tests/test_docs_build.py, which `make test` runs.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -q -b html -d $(DOCS_BUILD)/doctrees docs $(DOCS_BUILD)/html
	@echo "open $(DOCS_BUILD)/html/index.html"

# Every owner page of the demo in Chromium, at 1280 and 390 px, in English and
# Hungarian: indexed PNGs in docs/screenshots, shown by docs/owner-guide.md.
screenshots: $(STAMP) chromium
	$(BIN)/python docs/screenshots/take.py

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Issue 22's speed goals, every figure from one run (about a minute).
bench-goals: $(STAMP)
	$(BIN)/python benchmarks/goals.py --json benchmarks/results/goals.json

# The same figures on SQLite in instructions (callgrind), the same on any machine.
bench-instructions: $(STAMP)
	@command -v valgrind >/dev/null || { \
		echo "valgrind is missing: installing Debian's valgrind"; \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind; }
	$(BIN)/python benchmarks/instructions.py --json benchmarks/results/instructions.json

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The extension's catalogs (domain flask_loyalty): extract every string into the
# .pot, merge it into each language's .po (new and changed strings come in empty:
# tests/i18n fails until a translator fills them in), compile the .mo
# files the wheel ships. The .mo files are committed, so building a wheel needs no
# Babel step; tests/i18n checks they match the .po files.
CATALOGS := flask_loyalty/translations
CATALOG_LANGUAGES := et el hu tl
SHOP_CATALOGS := example_shop/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext -k template_gettext --add-comments=Translators: \
		--sort-by-file --no-wrap --project=flask-loyalty --version=0.1 \
		-o $(CATALOGS)/flask_loyalty.pot .
	@for lang in $(CATALOG_LANGUAGES); do \
		if [ -f $(CATALOGS)/$$lang/LC_MESSAGES/flask_loyalty.po ]; then \
			$(BIN)/pybabel update -D flask_loyalty -i $(CATALOGS)/flask_loyalty.pot \
				-d $(CATALOGS) -l $$lang --no-wrap --ignore-obsolete \
				--no-fuzzy-matching --ignore-pot-creation-date || exit 1; \
		else \
			$(BIN)/pybabel init -D flask_loyalty -i $(CATALOGS)/flask_loyalty.pot \
				-d $(CATALOGS) -l $$lang --no-wrap || exit 1; \
		fi; \
	done
	$(BIN)/pybabel compile -D flask_loyalty -d $(CATALOGS) --statistics
	$(BIN)/pybabel extract -F example_shop/babel.cfg -k lazy_gettext -k _l \
		--sort-by-file --no-wrap --project=example-shop --version=0.1 \
		-o $(SHOP_CATALOGS)/messages.pot example_shop
	@for lang in $(CATALOG_LANGUAGES); do \
		if [ -f $(SHOP_CATALOGS)/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update -i $(SHOP_CATALOGS)/messages.pot -d $(SHOP_CATALOGS) \
				-l $$lang --no-wrap --ignore-obsolete --no-fuzzy-matching \
				--ignore-pot-creation-date || exit 1; \
		else \
			$(BIN)/pybabel init -i $(SHOP_CATALOGS)/messages.pot -d $(SHOP_CATALOGS) \
				-l $$lang --no-wrap || exit 1; \
		fi; \
	done
	$(BIN)/pybabel compile -d $(SHOP_CATALOGS) --statistics

clean:
	rm -rf $(VENV) $(LATEST_VENV) $(LOWEST_VENV) $(LOCK_VENV) $(DOCS_BUILD) build dist *.egg-info
