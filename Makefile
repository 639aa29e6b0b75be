# Quick start: `make serve` (set up, build, serve) and `make test` (set up, every check).
# The Python of $(VENV): python3.12 where there is one (on PATH or installed by pyenv),
# else python3. On 3.12 coverage measures through sys.monitoring (COVERAGE_CORE=sysmon
# below): the suite takes about 4 minutes there against 6 with 3.11's tracer (bench/README.md).
# The package itself supports 3.11 and newer. An existing $(VENV) is kept as it is.
PYENV_ROOT ?= $(HOME)/.pyenv
PYTHON ?= $(or $(shell python3.12 -c '' >/dev/null 2>&1 && echo python3.12),\
	$(lastword $(wildcard $(PYENV_ROOT)/versions/3.12*/bin/python3.12)),python3)
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
	setup-test node-deps web-assets chromium

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

# Front-end packages of the web interface (YASGUI, cytoscape.js, Swagger UI, ReDoc; axe-core
# for the browser tests), from npm at the versions of web/package-lock.json, copied into
# api/web/static/vendor/ (git-ignored; the wheel ships it): the pages load nothing from a CDN.
WEB_VENDOR := api/web/static/vendor
WEB_FILES := @zazuko/yasgui/build/yasgui.min.js @zazuko/yasgui/build/yasgui.min.css \
	cytoscape/dist/cytoscape.min.js swagger-ui-dist/swagger-ui-bundle.js \
	swagger-ui-dist/swagger-ui.css redoc/bundles/redoc.standalone.js
.PHONY: web-assets
web-assets: $(WEB_VENDOR)/.installed
web/node_modules/.installed: web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --ignore-scripts --silent
	touch $@
$(WEB_VENDOR)/.installed: web/node_modules/.installed
	mkdir -p $(WEB_VENDOR)
	for f in $(WEB_FILES); do cp web/node_modules/$$f $(WEB_VENDOR)/; done
	# ReDoc's sidebar logo is the one file it would fetch from a CDN: left out.
	sed -i 's#"https://cdn.redoc.ly/redoc/logo-mini.svg"#""#' $(WEB_VENDOR)/redoc.standalone.js
	touch $@

# Chromium for the browser tests (tests/web/browser/, Playwright): Debian's `chromium`,
# installed when /usr/bin/chromium is missing and we run as root with apt-get; otherwise
# those tests skip (and fail under CI=true).
.PHONY: chromium
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core; \
	else echo "chromium: not installed, and not root with apt-get: the browser tests will skip"; fi

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

# Virtuoso 7 for the remote-backend tests (tests/remote/): Debian's virtuoso-opensource,
# installed when virtuoso-t is missing and we run as root with apt-get (policy-rc.d keeps
# the package's own instance, which would listen on every interface, from starting);
# otherwise those tests skip (and fail under CI=true).
.PHONY: virtuoso
virtuoso:
	@if command -v virtuoso-t >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		if [ ! -e /usr/sbin/policy-rc.d ]; then \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends virtuoso-opensource; \
	else echo "virtuoso: not installed, and not root with apt-get: tests/remote/ will skip"; fi

# `ccai build` is atomic and writes report.json, so its date is the last good build's.
build: $(BUILD)/report.json
$(BUILD)/report.json: $(BUILD_INPUTS) $(VENV)/.installed
	$(BIN)/ccai build --out $(BUILD)

serve: build web-assets
	$(BIN)/ccai serve --host $(HOST) --port $(PORT) --store $(BUILD)

# --- checks -----------------------------------------------------------------------------
# `make test` (what CI's .ci/run runs) = every gate in GATES; `make check` = the gates alone
# (no npm/Java installs).
GATES := lint typecheck check-ttl suite

test: setup-test node-deps web-assets chromium java-runtime virtuoso $(GATES)
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
# pytest-xdist workers: one more than the cores, at most 4 (a third of the suite's time
# is spent waiting for servers, browsers and timeouts), a test file at a time per worker,
# the longest first (tests/conftest.py); `make suite WORKERS=0` runs in one process.
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n + 1 < 4 ? n + 1 : 4 )))
suite: setup-test node-deps web-assets chromium java-runtime virtuoso
	COVERAGE_CORE=sysmon $(BIN)/python -m pytest --numprocesses $(WORKERS) \
		--cov=api --cov-report=term --doctest-modules api tests

fmt: setup-test
	$(BIN)/ruff format api tests bench
	$(BIN)/ruff check --fix api tests bench
	$(BIN)/ccai fmt ontology graph shapes

bench: setup-test
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench.run

clean:
	rm -rf $(BUILD) dist .pytest_cache .ruff_cache .mypy_cache .coverage
