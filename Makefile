# flask-loyalty: `make demo`, `make test`, `make bench`, `make lint`.
# Each target makes .venv and installs the package with its dev extra on first use;
# the stamp file skips the install until setup.cfg or pyproject.toml change.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
CHROMIUM := /usr/bin/chromium
PYTEST_ARGS ?=
DEMO_HOST ?= 127.0.0.1
DEMO_PORT ?= 5000

# Root needs no sudo; anyone else uses it when it is there.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.DEFAULT_GOAL := help
.PHONY: help install demo test bench lint format chromium clean translations

help:
	@echo "make demo    run the example shop on http://$(DEMO_HOST):$(DEMO_PORT)/"
	@echo "make test    the whole test suite (installs Debian's chromium if missing)"
	@echo "make bench   loyalty page against a bare page: time and memory"
	@echo "make lint    ruff check and ruff format --check"
	@echo "make format  ruff format and the safe ruff fixes"
	@echo "make translations  extract strings, update the .po files, compile the .mo files"
	@echo "make clean   remove .venv and build output"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e '.[dev]'
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
	export SHOP_BASE_URL=http://$(DEMO_HOST):$(DEMO_PORT); \
	$(BIN)/flask --app example_shop loyalty worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask --app example_shop run --host $(DEMO_HOST) --port $(DEMO_PORT)

test: $(STAMP) chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

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
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k lazy_gettext --add-comments=Translators: \
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

clean:
	rm -rf $(VENV) build dist *.egg-info
