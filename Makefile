# The two commands a new user needs: `make run` and `make test`.
# Everything they need is installed here, into .venv/ and node_modules/.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= .data

.PHONY: run test migrate deps bench load clean

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Serve the app on http://127.0.0.1:7071 with Azurite and SQLite under $(DATA_DIR)/.
run: deps
	$(PY) -m devhost --azurite --migrate

## Apply the database migrations to CASAI_DATABASE_URL (the deployment command).
migrate: $(VENV)/.installed
	$(PY) -m alembic upgrade head

## Lint, type-check and run every test (PostgreSQL too when CASAI_TEST_POSTGRES_URL is set).
test: deps infra-checks
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest

## Benchmarks with their budgets (bench/); prints a table, fails when over budget.
bench: deps
	$(PY) -m bench.bench_schedules
	$(PY) -m bench.bench_edits

## 50 clients for 60 s against the dev host on local PostgreSQL (not in `make test`);
## PASS/FAIL checks, fails when one fails. Options: make load LOAD_ARGS="--seconds 30".
load: deps
	$(PY) -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) node_modules $(DATA_DIR)

include infra/checks.mk
