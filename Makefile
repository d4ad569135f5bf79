# Cadence: `make run` serves the app with demo data, `make test` runs the whole suite.
# Both build their own environment first: uv in .tools/, then .venv/ from uv.lock.
# The interpreter comes from bin/find-python (3.12+); `PYTHON=/path/to/python3.13 make test`
# picks another one.

SHELL := /bin/bash
.DEFAULT_GOAL := help
.SUFFIXES:

PORT ?= 8000
# Extra pytest arguments for `make test`, e.g. make test ARGS="tests/backlog -x".
ARGS ?=

VENV := .venv
TOOLS := .tools
UV_VERSION := 0.13.9
UV := $(TOOLS)/bin/uv
# Rewritten only when bin/find-python answers differently, so a new interpreter rebuilds .venv.
PYTHON_RECORD := $(TOOLS)/python-path
# Touched after a successful sync: .venv is rebuilt only when the lock, the project or the
# interpreter changed.
SYNCED := $(VENV)/.synced
MANAGE := $(VENV)/bin/python manage.py
I18N_IGNORE := --ignore=.venv --ignore=.tools --ignore=node_modules --ignore=staticfiles

.PHONY: help venv run test lint typecheck check messages compilemessages clean FORCE

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk -F ':.*## ' '{ printf "  make %-16s %s\n", $$1, $$2 }'

$(PYTHON_RECORD): FORCE
	@py=$$(bin/find-python) || exit 1; \
	if [ -n "$${PYTHON:-}" ] && [ "$$py" != "$$(command -v "$$PYTHON")" ]; then \
		echo "warning: PYTHON=$$PYTHON is not a Python 3.12+ interpreter; using $$py" >&2; fi; \
	mkdir -p $(TOOLS); \
	if [ "$$(cat $@ 2>/dev/null)" != "$$py" ]; then echo "$$py" > $@; fi

$(TOOLS)/.uv-$(UV_VERSION): | $(PYTHON_RECORD)
	@echo "==> Installing uv $(UV_VERSION) into $(TOOLS)/"
	@py=$$(cat $(PYTHON_RECORD)); \
	{ [ -x $(TOOLS)/bin/pip ] || "$$py" -m venv $(TOOLS); } \
	&& $(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	@touch $@

$(SYNCED): pyproject.toml uv.lock $(PYTHON_RECORD) | $(TOOLS)/.uv-$(UV_VERSION)
	@echo "==> Syncing $(VENV)/ from uv.lock with $$(cat $(PYTHON_RECORD))"
	@UV_PYTHON="$$(cat $(PYTHON_RECORD))" UV_PYTHON_DOWNLOADS=never \
		$(UV) sync --frozen --quiet
	@touch $@

venv: $(SYNCED) ## Create or update .venv/ from uv.lock (only when it changed)

run: venv ## Migrate, load the demo data, serve http://127.0.0.1:8000 and run the worker (PORT=8123)
	$(MANAGE) migrate --noinput
	@# The .mo files are committed: without gettext the committed ones serve.
	@if command -v msgfmt >/dev/null 2>&1 && [ -d locale ]; then \
		$(MANAGE) compilemessages --verbosity 0 $(I18N_IGNORE); fi
	PORT=$(PORT) $(MANAGE) seed_demo
	@# uvicorn (ASGI, for the live board) and the background worker; Ctrl-C stops both.
	VENV=$(VENV) bin/serve $(PORT)

# make exits with 2 whenever a recipe fails; it prints pytest's own code as "Error N".
test: venv ## Run the whole suite (browser tests skip without Chromium)
	$(VENV)/bin/pytest -n auto $(ARGS)

lint: venv ## ruff check and ruff format --check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: venv ## mypy (django-stubs, strict) over the apps, config and tests
	$(VENV)/bin/mypy

check: venv ## Django's system checks, and no model change without its migration
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

messages: venv ## Extract the strings to translate into locale/fr/LC_MESSAGES/django.po
	$(MANAGE) makemessages -l fr -d django $(I18N_IGNORE)

compilemessages: venv ## Compile locale/*/LC_MESSAGES/django.po into the .mo files (commit both)
	$(MANAGE) compilemessages $(I18N_IGNORE)

clean: ## Remove the environments, caches and test artifacts (keeps db.sqlite3)
	rm -rf $(VENV) $(TOOLS) .pytest_cache .ruff_cache .mypy_cache staticfiles screenshots test-results
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +

FORCE:
