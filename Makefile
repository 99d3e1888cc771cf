# The two commands: `make run` serves the portal with demo data, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed

# Test runs are production-like (DEBUG off) with a throwaway key.
TEST_ENV := DEBUG=False SECRET_KEY=test-only-not-secret ALLOWED_HOSTS=testserver,127.0.0.1,localhost \
	SECURE_SSL_REDIRECT=False

.PHONY: run test install bench clean

install: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $(INSTALLED)

run: install
	DEBUG=True $(PY) manage.py migrate --noinput
	DEBUG=True $(PY) manage.py createcachetable
	DEBUG=True $(PY) manage.py update_translation_fields -v0
	DEBUG=True $(PY) manage.py load_demo
	DEBUG=True $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest $(PYTEST_ARGS)

bench: install
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test-artifacts
