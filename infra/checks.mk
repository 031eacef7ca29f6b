# Infrastructure checks (issue 6), included by the Makefile; `make test` runs
# infra-checks first. Everything here works offline once .venv-infra/ exists.

INFRA_VENV := .venv-infra
INFRA_PY := $(INFRA_VENV)/bin/python

.PHONY: infra-checks

# checkov and pycep-parser live in their own venv: their pins clash with the app's.
$(INFRA_VENV)/.installed: infra/requirements-checks.txt
	$(PYTHON) -m venv $(INFRA_VENV)
	$(INFRA_PY) -m pip install --quiet --upgrade pip
	$(INFRA_PY) -m pip install --quiet -r infra/requirements-checks.txt
	touch $@

## Parse every Bicep file and resolve its modules, then scan infra/ with checkov (zero failed checks allowed).
infra-checks: $(INFRA_VENV)/.installed
	$(INFRA_PY) infra/check_bicep.py infra
	$(INFRA_VENV)/bin/checkov --directory infra --framework bicep --skip-download --quiet --compact
