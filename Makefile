# Two commands on a fresh machine: `make demo` and `make test`.
PORT ?= 5000
VENV := .venv/bin
FLASK := $(VENV)/flask --app wsgi

.PHONY: lock demo serve test test-unit test-sqlite test-postgres test-browser lint translations venv venv-test services browser-deps node-deps bench bench-deps clean

demo: venv translations
	$(FLASK) db upgrade
	PORT=$(PORT) $(FLASK) demo
	@echo "Open http://127.0.0.1:$(PORT)"
	@# the worker (scheduled bloc-voting scans, daily jobs) runs beside the app and stops with it
	$(FLASK) worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)

venv:
	scripts/venv.sh

# Pin the dependencies again from pyproject.toml (requirements/*.txt); commit the result.
lock:
	scripts/lock.sh

venv-test:
	scripts/venv.sh test

translations:
	$(VENV)/pybabel compile -d translations >/dev/null

services:
	scripts/services.sh

browser-deps:
	scripts/apt-install.sh chromium fonts-noto-cjk

# npm's oidc-provider, which the interoperability tests sign in through.
node-deps:
	scripts/node-deps.sh

lint: venv-test
	$(VENV)/ruff check .

# The SQLite pass leaves out the tests that start their own servers on PostgreSQL
# (marker "servers"); the PostgreSQL pass runs them.
test: venv-test translations services browser-deps node-deps lint
	$(VENV)/python -m pytest --db sqlite -m "not servers"
	$(VENV)/python -m pytest --db postgres tests/integration tests/functional
	@echo "All test runs passed."

test-sqlite: venv-test translations
	$(VENV)/python -m pytest --db sqlite -m "not servers"

test-postgres: venv-test translations services
	$(VENV)/python -m pytest --db postgres tests/integration tests/functional

# Casting through gunicorn (PostgreSQL, Redis) and tallying at scale; ends with one JSON line.
bench: venv-test translations services bench-deps
	$(VENV)/python bench/all.py

bench-deps:
	command -v pgbench >/dev/null || scripts/apt-install.sh postgresql-client

clean:
	rm -rf .venv instance tests/browser/artifacts
