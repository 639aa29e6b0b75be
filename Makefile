# Quick start: `make serve` (set up, build, serve) and `make test` (set up, test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
BUILD ?= build

.PHONY: serve test build lint fmt check-ttl bench clean setup setup-test node-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

setup: $(VENV)/.installed
setup-test: $(VENV)/.installed-test

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

build: setup
	$(BIN)/ccai build --out $(BUILD)

serve: build
	$(BIN)/ccai serve --host $(HOST) --port $(PORT) --store $(BUILD)

test: setup-test node-deps java-runtime
	$(BIN)/python -m pytest

lint: setup-test
	$(BIN)/ruff check api tests bench
	$(BIN)/ruff format --check api tests bench

fmt: setup-test
	$(BIN)/ruff format api tests bench
	$(BIN)/ruff check --fix api tests bench

bench: setup-test
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(BUILD) dist .pytest_cache .ruff_cache .coverage
