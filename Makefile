# The two commands a new user needs: `make run` and `make test`.
# Everything they need is installed here, into .venv/ and node_modules/.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DATA_DIR ?= .data

.PHONY: run test fuzz migrate deps odbc-driver browser web client rehearse bench load clean

deps: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## The web app (web/, its own node_modules): installed from its lock file, built into
## web/dist (which the dev host serves at /) when a source changed.
WEB_NPM := web/node_modules/.installed
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
  web/vite.config.ts web/tsconfig.json web/staticwebapp.config.json

$(WEB_NPM): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/dist/.vite/manifest.json: $(WEB_NPM) $(WEB_SOURCES)
	cd web && npm run build

web: web/dist/.vite/manifest.json

## Regenerate the web app's typed client (web/src/api/schema.d.ts) from the OpenAPI
## document as the app serves it; tests/test_web_client.py fails while it is stale.
client: $(VENV)/.installed $(WEB_NPM)
	$(PY) -m meta.openapi_file web/build/openapi.json
	cd web && node_modules/.bin/openapi-typescript build/openapi.json --output src/api/schema.d.ts

## Serve the app on http://127.0.0.1:7071 with Azurite and SQLite under $(DATA_DIR)/,
## and the web app at /.
run: deps web
	$(PY) -m devhost --azurite --migrate

## Apply the database migrations to CASAI_DATABASE_URL (the deployment command).
migrate: $(VENV)/.installed
	$(PY) -m alembic upgrade head

# Install the Debian packages of $(1) that are missing: apt-get, as root; elsewhere a note
# that the tests needing them ($(2)) will fail or skip.
define debian_packages
	@missing=$$(for package in $(1); do \
	    dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || echo $$package; \
	  done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "apt-get install $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "note: cannot install $$missing here (root and apt-get needed); $(2)"; \
	  fi; \
	fi
endef

# Debian packages Microsoft's ODBC Driver 18 needs: the unixODBC driver manager and Kerberos.
ODBC_DEBIAN_PACKAGES := unixodbc libgssapi-krb5-2

## Microsoft ODBC Driver 18 for the tests that connect through it: the Debian packages above
## (apt-get, as root, only those missing) and the driver from PyPI, registered in $(VENV)/etc.
odbc-driver: $(VENV)/etc/odbcinst.ini

$(VENV)/etc/odbcinst.ini: $(VENV)/.installed infra/odbc_driver.py
	$(call debian_packages,$(ODBC_DEBIAN_PACKAGES),real-driver tests will skip)
	$(PY) infra/odbc_driver.py register

## Debian's Chromium for the browser tests (tests/test_web_auth.py, Playwright drives
## /usr/bin/chromium): apt-get, as root, when missing.
BROWSER_DEBIAN_PACKAGES := chromium
browser:
	$(call debian_packages,$(BROWSER_DEBIAN_PACKAGES),the browser tests will fail)

## Lint, type-check and run every test (PostgreSQL too when CASAI_TEST_POSTGRES_URL is set).
## Two workers (pytest-xdist), a test file each at a time: most of a test's time is its dev
## host answering, so two keep both cores busy. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2
test: deps infra-checks odbc-driver browser web
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	cd web && npm run lint && npm run typecheck && npm test
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

## The long schemathesis pass (tests/test_fuzz.py; `make test` runs a short one):
## FUZZ_EXAMPLES examples per operation, every check, the stateful phase.
FUZZ_EXAMPLES ?= 100
fuzz: deps
	CASAI_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) CASAI_FUZZ_TIME_LIMIT_S=5400 \
	  $(PY) -m pytest -p no:xdist tests/test_fuzz.py

## What `azd up` would run, run here without Azure, then what a first deployment must confirm
## (infra/README.md, Rehearsal). Not part of `make test`; its pieces are.
rehearse: deps odbc-driver
	$(PY) infra/rehearse.py

## Benchmarks with their budgets (bench/); prints a table, fails when over budget.
bench: deps web
	$(PY) -m bench.bench_schedules
	$(PY) -m bench.bench_edits
	$(PY) -m bench.bench_reads
	$(PY) -m bench.bench_wrapper
	$(PY) -m bench.bench_cold_start
	$(PY) -m bench.bench_exchange
	$(PY) -m bench.bench_web_bundle
	$(PY) -m bench.bench_web_editor

## 50 clients for 60 s against the dev host on local PostgreSQL (not in `make test`);
## PASS/FAIL checks, fails when one fails. Options: make load LOAD_ARGS="--seconds 30".
load: deps
	$(PY) -m bench.load $(LOAD_ARGS)

clean:
	rm -rf $(VENV) node_modules $(DATA_DIR) web/node_modules web/dist web/build test-artifacts

include infra/checks.mk
