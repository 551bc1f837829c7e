# Two entry points for a fresh machine: `make demo` runs the product on its embedded
# default, `make test` runs every check. Both create .venv and install what they need.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
CATALOGS := $(wildcard locales/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGS:.po=.mo)

.PHONY: demo test lint typecheck unit catalogs extract bench install browser clean

$(STAMP): pyproject.toml requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $@

install: $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@ -l $*

catalogs: $(COMPILED)

# The browser tests (tests/browser) drive Debian's chromium through Playwright, never a
# browser Playwright downloads. Install it when missing: as root, or through sudo where
# there is one. If it cannot be installed this warns and goes on, and the browser tests
# say why they skip (or fail, under CI=true). A stale package list is refreshed only when
# installing from it fails.
CHROMIUM := /usr/bin/chromium
APT_INSTALL := env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then sudo=; \
	elif command -v sudo >/dev/null; then sudo=sudo; \
	else echo "warning: $@ is missing and installing it needs root or sudo"; exit 0; fi; \
	if ! command -v apt-get >/dev/null; then echo "warning: $@ is missing and there is no apt-get"; exit 0; fi; \
	$$sudo $(APT_INSTALL) || { $$sudo apt-get update && $$sudo $(APT_INSTALL); } \
		|| echo "warning: installing chromium failed; the browser tests cannot run"

browser: $(CHROMIUM)

# Re-extract messages.pot from the code and merge new ids into both catalogs.
extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-by-file --no-default-keywords -k _ -k N_ -k ngettext:1,2 \
		--add-comments=Translators: -o locales/messages.pot \
		--project=vzayemodiia-chat --copyright-holder="VzayemoDiia chat contributors" \
		bot handlers civic
	$(BIN)/pybabel update -i locales/messages.pot -d locales --no-fuzzy-matching

demo: $(STAMP) catalogs
	$(BIN)/vzayemodiia demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) catalogs $(CHROMIUM)
	$(BIN)/pytest

test: lint typecheck unit

bench: $(STAMP) catalogs
	$(PY) bench/sign_petition.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
