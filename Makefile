# landing-zone: `make demo` and `make test` work on a fresh clone (they set up first).
SHELL := /bin/bash
.DEFAULT_GOAL := help

export PIPENV_VENV_IN_PROJECT := 1
export PIPENV_YES := 1
export PIPENV_NOSPIN := 1
export PIPENV_IGNORE_VIRTUALENVS := 1
export PIPENV_VERBOSITY := -1
# Use the image's offline provider mirror when one is there (see README: offline provider mirror).
LZ_PROVIDER_MIRROR ?= $(shell scripts/find-provider-mirror)
export LZ_PROVIDER_MIRROR

PY := .venv/bin/python

.PHONY: help setup envs .pipenv demo lint test test-fast schema bench clean
help:
	@echo "make demo   set up, then run the whole journey on the embedded emulator"
	@echo "make test   set up, lint (ruff, mypy), then run the full test suite"
	@echo "make clean  remove build output and the work dir (.lz, cdktf.out)"

ENVS := .venv/.synced node_modules/.synced security/.venv/.synced security/prowler/.venv/.synced security/parliament/.venv/.synced
# The five environments are independent: installed side by side (a fresh clone's setup is
# mostly unpacking wheels, ~2 cores' worth), each one's output kept together.
setup:
	@$(MAKE) --no-print-directory -j5 --output-sync=target envs
envs: $(ENVS)

# Installed once before the environments that need it run side by side.
.pipenv:
	@command -v pipenv >/dev/null || python3 -m pip install --quiet --disable-pip-version-check pipenv

.venv/.synced: Pipfile.lock pyproject.toml | .pipenv
	pipenv sync --dev
	@touch $@

# checkov pins older boto3/networkx/packaging than the app: it gets its own environment.
security/.venv/.synced: security/Pipfile.lock | .pipenv
	PIPENV_PIPFILE=security/Pipfile pipenv sync
	@touch $@

# parliament (the IAM policy linter tests/test_parliament.py runs over every synthesized policy)
# pins its own dependencies: its own small environment.
security/parliament/.venv/.synced: security/parliament/Pipfile.lock | .pipenv
	PIPENV_PIPFILE=security/parliament/Pipfile pipenv sync
	@touch $@

# Prowler (the CIS scan of a deployment, security/cis.md) pins its own boto3 and cloud SDKs:
# its own environment too (~2.3 GB, ~2.5 min to install; once, then only when the lock changes).
security/prowler/.venv/.synced: security/prowler/Pipfile.lock | .pipenv
	PIPENV_PIPFILE=security/prowler/Pipfile pipenv sync
	@touch $@

node_modules/.synced: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

demo: setup
	scripts/demo.sh

# ruff (lint and format) over the repo, mypy (rules in pyproject.toml): all clean before the tests run.
lint: setup
	.venv/bin/ruff format --check .
	.venv/bin/ruff check .
	.venv/bin/mypy

# Test groups (tests/conftest.py: the session deployment's tests, else a module) spread over
# workers; integration tests wait on terraform and the emulator, so 3 keep 2 cores busy.
TEST_WORKERS ?= 3
test: lint
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

test-fast: setup
	$(PY) -m pytest -m "not integration"

schema: setup
	$(PY) -m landing_zone.config.schema

bench: setup
	$(PY) benchmarks/run.py

clean:
	-$(PY) -m landing_zone.cli.main emulator stop 2>/dev/null
	rm -rf .lz cdktf.out .cdktf.out.tmp
