"""One real Virtuoso 7 per session, loaded with the project's build by ``ccai load``.

The same service (``create_app``) is built twice over the same build: on the
embedded store and on the remote backend pointed at Virtuoso; the tests in
this folder require the same answers from both. Virtuoso is Debian's
``virtuoso-opensource`` (``make virtuoso`` installs it as root): without it
the tests skip with the reason, and fail when ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.cli import main
from api.settings import Settings
from api.web.app import create_app
from tests.remote.virtuoso import Virtuoso, missing

PUBLIC = "http://testserver/"


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    reason = missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI installs it (make virtuoso)")
        pytest.skip(reason)
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def build(request: pytest.FixtureRequest) -> Path:
    """The project's build (``CCAI_TEST_BUILD`` names an existing one, to iterate faster)."""
    given = os.environ.get("CCAI_TEST_BUILD")
    if given:
        return Path(given)
    out, _report = request.getfixturevalue("project_build")
    return Path(out)


def remote_options(server: Virtuoso) -> list[str]:
    return [
        "--backend",
        "remote",
        "--remote-kind",
        "virtuoso",
        "--query-endpoint",
        server.url + "/sparql",
        "--update-endpoint",
        server.url + "/sparql-auth",
        "--gsp-endpoint",
        server.url + "/sparql-graph-crud-auth",
        "--user",
        "dba",
        "--password",
        server.password,
    ]


@pytest.fixture(scope="session")
def loaded(virtuoso: Virtuoso, build: Path) -> Virtuoso:
    """Virtuoso holding the build, set up as a user would: ``ccai load --backend remote``."""
    code = main(["load", "--quiet", "--build", str(build), *remote_options(virtuoso)])
    assert code == 0
    return virtuoso


def settings_for(build: Path, server: Virtuoso | None = None, **overrides) -> Settings:
    base: dict = {
        "store_path": build,
        "store_backend": "inprocess",
        "public_base_url": PUBLIC,
        "query_timeout": 20,
    }
    if server is not None:
        base.update(
            backend="remote",
            remote_kind="virtuoso",
            remote_max_rows=server.max_rows,
            query_endpoint=server.url + "/sparql",
        )
    base.update(overrides)
    return Settings(_env_file=None, **base)


def _prepared(client: TestClient) -> TestClient:
    """The app once its background steps (class list, FAIR metadata, reconciliation
    index, page labels) have ended: a page rendered before its labels were ready would
    differ from the other backend's for no fault of either."""
    client.portal.call(client.app.state.services.prepared)  # type: ignore[union-attr, attr-defined]
    return client


@pytest.fixture(scope="session")
def embedded(build: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(build))) as client:
        yield _prepared(client)


@pytest.fixture(scope="session")
def remote(loaded: Virtuoso, build: Path) -> Iterator[TestClient]:
    with TestClient(create_app(settings_for(build, loaded))) as client:
        yield _prepared(client)


@pytest.fixture(scope="session", params=["embedded", "virtuoso"])
def backend(request: pytest.FixtureRequest) -> TestClient:
    """The app on each backend in turn (for tests that hold on both)."""
    return request.getfixturevalue("embedded" if request.param == "embedded" else "remote")
