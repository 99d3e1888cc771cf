# The two commands: `make run` serves the portal with demo data, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Links in emails and feeds follow PORT unless SITE_URL is set (environment or .env).
RUN_SITE_URL := $(or $(SITE_URL),$(shell sed -n 's/^SITE_URL=//p' .env 2>/dev/null),http://127.0.0.1:$(PORT))
INSTALLED := $(VENV)/.installed

# Test processes (pytest-xdist): one per core by default; TEST_WORKERS=0 runs in this process.
# --dist loadgroup keeps each module of tests/conftest.py's ONE_WORKER_MODULES on one worker.
# Every run lists its 15 slowest tests, so the CI log shows where the time goes.
TEST_WORKERS ?= auto
# Test runs are production-like (DEBUG off) with a throwaway key.
TEST_ENV := DEBUG=False SECRET_KEY=test-only-not-secret ALLOWED_HOSTS=testserver,127.0.0.1,localhost \
	SECURE_SSL_REDIRECT=False

.PHONY: run test install lock bench clean

install: $(INSTALLED)

$(PY):
	$(PYTHON) -m venv $(VENV)

# Installs exactly what the lock files name, each file checked against its hash; the project
# itself is not a package. `make lock` rewrites them from pyproject.toml (a deliberate commit).
$(INSTALLED): requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(INSTALLED)

# Keeps the versions already locked unless pyproject.toml needs others;
# `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed.
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --quiet --generate-hashes --universal \
	--python-version 3.11 --custom-compile-command "make lock" $(LOCK_ARGS)

lock: install
	$(LOCK) -o requirements.txt
	$(LOCK) --extra dev -o requirements-dev.txt

run: install
	DEBUG=True $(PY) manage.py migrate --noinput
	DEBUG=True $(PY) manage.py createcachetable
	DEBUG=True $(PY) manage.py update_translation_fields -v0
	DEBUG=True SITE_URL=$(RUN_SITE_URL) $(PY) manage.py load_demo
	DEBUG=True SITE_URL=$(RUN_SITE_URL) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(VENV)/bin/ruff check .
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=15 $(PYTEST_ARGS)

bench: install
	$(PY) scripts/bench.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 test-artifacts
