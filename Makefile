# 协同联动监督平台 — `make run` serves the demo on http://127.0.0.1:8000; `make test` proves it.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
REQUIREMENTS := requirements.lock $(sort $(wildcard requirements/*.txt))
PYTEST := $(BIN)/pytest

.PHONY: install run test lane-platform lane-hardening test-unit test-integration test-e2e test-browser test-deploy test-faults test-security \
        lint format bench migrate clean

$(STAMP): pyproject.toml $(REQUIREMENTS)
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11（$(PYTHON)）：apt-get install -y python3.11 python3.11-venv"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check $(addprefix -r ,$(REQUIREMENTS))
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

install: $(STAMP)

## run: install, migrate, load the 2025 demo once, serve every service and the gateway
run: install
	$(BIN)/cosupervise up --demo

migrate: install
	$(BIN)/cosupervise migrate

## test: install, make sure the broker, database and browser are there, run every suite.
## Two lanes side by side (each lane's output printed whole when it ends): the suites that
## drive the platform, and the fault and attack battery, which mostly waits on kills and
## broker restarts of its own processes and its own broker node.
test: install
	scripts/ensure-services.sh
	$(MAKE) --no-print-directory -j2 --output-sync=target lane-platform lane-hardening

lane-platform:
	$(MAKE) --no-print-directory test-unit
	$(MAKE) --no-print-directory test-deploy
	$(MAKE) --no-print-directory test-integration
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-browser

lane-hardening:
	$(MAKE) --no-print-directory test-security
	$(MAKE) --no-print-directory test-faults

test-unit: install
	$(PYTEST) -q tests/unit

test-deploy: install
	$(PYTEST) -q -m deploy tests/deploy

test-integration: install
	$(PYTEST) -q tests/integration

test-e2e: install
	@if [ -d tests/e2e ]; then $(PYTEST) -q tests/e2e; fi

test-browser: install
	@if [ -d tests/browser ]; then $(PYTEST) -q tests/browser; fi

test-security: install
	@if [ -d tests/security ]; then $(PYTEST) -q tests/security; fi

test-faults: install
	@if [ -d tests/faults ]; then $(PYTEST) -q tests/faults; fi

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check contracts runtime services gateway cosupervise adapters tests bench

format: install
	$(BIN)/ruff format contracts runtime services gateway cosupervise adapters tests bench

## bench: the figures of issue 9, written to bench/results.json (never part of `make test`)
bench: install
	scripts/ensure-services.sh
	@command -v wrk >/dev/null || apt-get install -y --no-install-recommends wrk >/dev/null 2>&1 || \
	  echo "wrk 不可用：负载由 Python 线程产生，数值偏低 (apt-get install -y wrk)"
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var tests/artifacts
