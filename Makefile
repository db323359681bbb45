# Hetong — the entry points. `make run` starts the whole system locally; `make test` is what CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAGE ?= dev
PYTEST_WORKERS ?= 2

.PHONY: help venv browser run test lint types unit integration e2e demo bench openapi package deploy clean

help:
	@echo "make run      start moto, the API on 127.0.0.1:8000 and the workers (Ctrl-C stops)"
	@echo "make test     lint, types and every test (unit, integration, e2e) — what CI runs"
	@echo "make demo     a contract's whole life over HTTP, printed as a timeline"
	@echo "make bench    benchmarks → bench/results.json and bench/results.md"
	@echo "make openapi  regenerate docs/openapi.json from the request models and the operations table"
	@echo "make package  STAGE=dev: build/<stage>/sam.yaml + deployment.zip (offline from AWS)"
	@echo "make deploy   STAGE=dev: deploy the packaged stack (needs AWS credentials)"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.installed

# Debian's Chromium for the browser tests (a test tool's own browser download cannot work here), and
# poppler-utils (pdftotext, pdftoppm) that the PDF tests read documents back with.
browser:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
	  echo "installing chromium and poppler-utils (Debian packages)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk poppler-utils >/dev/null; \
	fi

run: venv
	$(PY) -m devstack run

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

types: venv
	$(VENV)/bin/mypy

unit: venv
	$(PY) -m pytest -q tests/unit

integration: venv
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) tests/integration

e2e: venv browser
	$(PY) -m pytest -q tests/e2e

test: venv browser lint types
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) tests

demo: venv
	$(PY) -m devstack demo

bench: venv
	$(PY) -m bench

openapi: venv
	$(PY) -m chalicelib.openapi

package: venv
	$(PY) -m infra.build --stage $(STAGE) --out build/$(STAGE)

deploy: package
	bash scripts/deploy.sh $(STAGE)

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache .hypothesis
