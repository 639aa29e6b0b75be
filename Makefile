# Quick start: `make serve` (set up, build, serve) and `make test` (set up, every check).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
BUILD ?= build
# Exact versions of every Python package of the test environment (`make lock` writes it).
LOCK ?= requirements/test.lock
# What a build is made from: `make build` (and `make serve`) rebuild only when one of
# these is newer than the last build. After changing the build code itself (api/build/),
# force it: `rm $(BUILD)/report.json && make build`.
BUILD_INPUTS := $(shell find ontology graph shapes queries -type f) pyproject.toml

.PHONY: serve test check suite typecheck build lint fmt check-ttl lock bench clean setup \
	setup-test node-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The service at the locked versions. Editable, so that `ccai build` reads the checkout's
# ontology/, graph/, shapes/ and queries/ (a wheel would carry copies made at install).
$(VENV)/.installed: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -c $(LOCK) -e .
	touch $@

# The test environment is the lock file, exactly; then the project, without resolving.
$(VENV)/.installed-test: pyproject.toml $(LOCK) | $(BIN)/python
	$(BIN)/pip install --quiet -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

# Regenerate $(LOCK) from pyproject.toml (dependencies + the test extra) with uv; current
# pins stay where they still fit, `make lock UPGRADE=1` moves everything to the newest.
# Markers make it valid on every platform (--universal); Python 3.11 is the floor.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet 'uv>=0.5,<1'
	mkdir -p $(dir $(LOCK))
	$(BIN)/uv pip compile pyproject.toml --extra test --python-version 3.11 --universal \
		--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade) -o $(LOCK)

# npm packages used by the client-interoperability tests (Comunica).
node-deps: tests/clients/node_modules/.installed
tests/clients/node_modules/.installed: tests/clients/package.json
	cd tests/clients && npm install --no-audit --no-fund --silent
	touch $@

# Java runtime for HermiT (tests/test_owl_dl.py): Debian's default-jre-headless,
# installed only when `java` is missing and we run as root with apt-get; otherwise
# the test skips (and fails under CI=true).
.PHONY: java-runtime
java-runtime:
	@if command -v java >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		mkdir -p /usr/share/man/man1 && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends default-jre-headless; \
	else echo "java-runtime: no java, and not root with apt-get: tests/test_owl_dl.py will skip"; fi

# `ccai build` is atomic and writes report.json, so its date is the last good build's.
build: $(BUILD)/report.json
$(BUILD)/report.json: $(BUILD_INPUTS) $(VENV)/.installed
	$(BIN)/ccai build --out $(BUILD)

serve: build
	$(BIN)/ccai serve --host $(HOST) --port $(PORT) --store $(BUILD)

# --- checks -----------------------------------------------------------------------------
# `make test` (what CI's .ci/run runs) = every gate in GATES; `make check` = the gates alone
# (no npm/Java installs).
GATES := lint typecheck check-ttl suite

test: setup-test node-deps java-runtime $(GATES)
check: $(GATES)

lint: setup-test
	$(BIN)/ruff check api tests bench
	$(BIN)/ruff format --check api tests bench

# the Turtle is in canonical form (`make fmt` rewrites it)
check-ttl: setup-test
	$(BIN)/ccai fmt --check ontology graph shapes

typecheck: setup-test
	$(BIN)/mypy api

# The tests and the docstring examples of api/, under coverage; the run fails below the
# floor in pyproject.toml ([tool.coverage.report] fail_under, which pytest-cov applies).
suite: setup-test node-deps java-runtime
	$(BIN)/python -m pytest --cov=api --cov-report=term --doctest-modules api tests

fmt: setup-test
	$(BIN)/ruff format api tests bench
	$(BIN)/ruff check --fix api tests bench
	$(BIN)/ccai fmt ontology graph shapes

bench: setup-test
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(BUILD) dist .pytest_cache .ruff_cache .mypy_cache .coverage
