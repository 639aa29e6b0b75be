"""Protocol edges of the HTTP layer, in process (issue 8).

HEAD on every GET route; ``OPTIONS`` and 405 list every method of a path;
redirects never built from the ``Host`` header; the errors the HTTP layer
raises share the JSON body of the rest; a client that disconnects mid-body is
no internal error; a body that never arrives gets 408; header sizes are
capped and negotiation runs in bounded time; empty IRI parameters are 400;
OpenAPI declares what each route answers. The same limits against a real
``ccai serve`` are in ``test_serve_http.py``.
"""

from __future__ import annotations

import asyncio
import doctest
import importlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.negotiation import RDF_FORMATS, RESULTS_FORMATS, choose
from api.web.app import create_app
from api.web.routing import http_routes

from .conftest import make_settings

ERROR_KEYS = {"error", "message", "spec"}

#: A value for each path parameter of the app's routes (any value will do: HEAD
#: must never be 405, whatever GET answers).
SAMPLE = {
    "kind": "organisation",
    "slug": "nemo",
    "scheme": "sectors",
    "concept": "music",
    "locator": "p1",
    "name": "Organisation",
    "version": "0.1",
    "file": "SHA256SUMS",
    "ext": "ttl",
}


def json_error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) >= ERROR_KEYS, body
    assert body["error"] == code
    return body


def get_paths(app: FastAPI) -> list[str]:
    paths = {
        re.sub(r"{(\w+)}", lambda m: SAMPLE[m.group(1)], route.path)
        for route in http_routes(app)
        if "GET" in route.methods
    }
    return sorted(paths)


def test_every_get_route_is_found() -> None:
    paths = get_paths(create_app(make_settings(Path("unused"))))
    assert {"/sparql", "/health", "/api/queries", "/context.jsonld", "/", "/openapi.json"} <= set(
        paths
    )
    assert len(paths) > 40


# --- HEAD ----------------------------------------------------------------------------------


def test_head_answers_on_every_get_route(client: TestClient) -> None:
    for path in get_paths(client.app):
        head = client.head(path)
        assert head.status_code != 405, path
        assert head.content == b"", path
        get = client.get(path)
        assert head.status_code == get.status_code, path
        assert head.headers.get("content-type") == get.headers.get("content-type"), path


def test_head_on_a_query(client: TestClient) -> None:
    r = client.head("/sparql", params={"query": "ASK {}"})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/sparql-results+json"
    assert r.content == b""
    assert int(r.headers["content-length"]) > 0


# --- OPTIONS and 405 -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/sparql", "GET, HEAD, POST, OPTIONS"),
        ("/health", "GET, HEAD, OPTIONS"),
        ("/api/queries", "GET, HEAD, OPTIONS"),
        ("/api/classes/Organisation", "GET, HEAD, OPTIONS"),
        ("/id/organisation/nemo", "GET, HEAD, OPTIONS"),
        ("/context.jsonld", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_lists_the_methods_of_the_path(client: TestClient, path: str, allow: str) -> None:
    r = client.options(path)
    assert r.status_code == 204
    assert r.headers["allow"] == allow
    assert r.content == b""
    r = client.delete(path)
    json_error(r, 405, "method-not-allowed")
    assert r.headers["allow"] == allow


def test_options_on_an_unknown_path_is_404(client: TestClient) -> None:
    json_error(client.options("/nothing-here"), 404, "not-found")


def test_cors_preflight_still_answered_by_cors(client: TestClient) -> None:
    r = client.options(
        "/sparql",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"},
    )
    assert r.status_code == 200
    assert {"GET", "HEAD", "POST"} <= {
        m.strip() for m in r.headers["access-control-allow-methods"].split(",")
    }


# --- redirects -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def proxied(store_dir: Path) -> Iterator[TestClient]:
    """An app published at another URL than the one requests name."""
    app = create_app(make_settings(store_dir, public_base_url="https://kg.example/ccai/"))
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/sparql/", "https://kg.example/ccai/sparql"),
        ("/api/queries/?x=1", "https://kg.example/ccai/api/queries?x=1"),
        ("/download/", "https://kg.example/ccai/download"),
    ],
)
def test_trailing_slash_redirect_ignores_host(
    proxied: TestClient, path: str, location: str
) -> None:
    r = proxied.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == location


def test_landing_redirect_ignores_host(proxied: TestClient) -> None:
    r = proxied.get(
        "/", headers={"Host": "evil.example", "Accept": "text/turtle"}, follow_redirects=False
    )
    assert r.status_code == 303
    assert r.headers["location"] == "https://kg.example/ccai/catalog"


# --- errors of the HTTP layer ---------------------------------------------------------------


def test_http_layer_errors_share_the_json_body(client: TestClient) -> None:
    json_error(client.get("/nothing-here"), 404, "not-found")
    json_error(client.put("/health"), 405, "method-not-allowed")
    body = json_error(
        client.get("/api/search", params={"q": "x", "page": "abc"}), 400, "invalid-parameter"
    )
    assert body["parameter"] == "page"
    json_error(client.get("/api/classes/Organisation?page=0"), 400, "invalid-parameter")
    json_error(
        client.get("/health", headers={"X-Big": "x" * 20_000}),
        431,
        "request-header-fields-too-large",
    )


def test_empty_iri_parameters_are_invalid(client: TestClient) -> None:
    r = client.get("/api/queries/entity-provenance", params={"entity": ""})
    assert json_error(r, 400, "invalid-parameter")["parameter"] == "entity"
    r = client.get("/api/search", params={"q": "nemo", "type": ""})
    assert json_error(r, 400, "invalid-parameter")["parameter"] == "type"
    r = client.get("/api/search", params={"q": "nemo", "lang": ""})
    assert json_error(r, 400, "invalid-parameter")["parameter"] == "lang"


# --- bodies that break off or never arrive ---------------------------------------------------

Receive = Callable[[], Awaitable[dict]]


def call_asgi(app: FastAPI, receive: Receive, *, body_length: int = 100) -> list[dict]:
    """POST /sparql straight into ``app`` with ``receive``; the messages it sent back."""
    sent: list[dict] = []

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/sparql",
        "raw_path": b"/sparql",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/sparql-query"),
            (b"content-length", str(body_length).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    return sent


def test_client_disconnect_mid_body_is_no_internal_error(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    parts = iter([{"type": "http.request", "body": b"ASK", "more_body": True}])

    async def receive() -> dict:
        return next(parts, {"type": "http.disconnect"})

    with caplog.at_level(logging.INFO):
        sent = call_asgi(client.app, receive)
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert all(status < 500 for status in statuses), statuses
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.records


def test_body_that_never_arrives_is_408(store_dir: Path) -> None:
    body_timeout = 0.3
    app = create_app(make_settings(store_dir, body_timeout=body_timeout))
    parts = iter([{"type": "http.request", "body": b"ASK", "more_body": True}])

    async def receive() -> dict:
        part = next(parts, None)
        if part is None:
            await asyncio.Event().wait()  # the rest of the body never comes
        return part

    with TestClient(app):  # the lifespan opens the store
        start = time.monotonic()
        sent = call_asgi(app, receive)
        elapsed = time.monotonic() - start
    # the server waited for the body as long as configured, and not much longer
    assert body_timeout * 0.9 < elapsed < body_timeout + 1.5, elapsed
    start_message = next(m for m in sent if m["type"] == "http.response.start")
    assert start_message["status"] == 408
    headers = dict(start_message["headers"])
    assert headers[b"connection"] == b"close"
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    assert b'"request-timeout"' in body


# --- header sizes and negotiation time -------------------------------------------------------


def test_huge_accept_header_is_refused_quickly(client: TestClient) -> None:
    accept = "text/html;q=0.1, " * 120_000  # 2 MB
    start = time.monotonic()
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": accept})
    assert time.monotonic() - start < 1
    json_error(r, 431, "request-header-fields-too-large")
    assert client.get("/health").status_code == 200


def test_accept_under_the_header_cap_is_negotiated_in_bounded_time(client: TestClient) -> None:
    accept = "text/html;q=0.1, " * 900 + "application/sparql-results+json"  # 15 KB
    start = time.monotonic()
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Accept": accept})
    assert time.monotonic() - start < 1
    # only the first 4 KiB are read: text/html only, so a browser's answer, the editor
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")


def test_choose_reads_a_bounded_prefix() -> None:
    start = time.monotonic()
    assert choose("text/csv;q=0.1, " * 1_000_000, ["text/turtle", "text/csv"]) == "text/csv"
    assert time.monotonic() - start < 0.5


# --- OpenAPI ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def openapi(store_dir: Path) -> dict:
    return create_app(make_settings(store_dir)).openapi()


def operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_openapi_never_declares_422_and_types_every_error(openapi: dict) -> None:
    for path, method, operation in operations(openapi):
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        if path == "/health":  # its owner declares what it answers
            continue
        errors = [s for s in responses if s[0] in "45" and s != "416"]  # 416: Starlette's
        assert "4XX" in errors, (method, path)
        for status in errors:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)
    assert not any(method == "head" for _, method, _ in operations(openapi))


def test_openapi_sparql_declares_statuses_and_media_types(openapi: dict) -> None:
    get = openapi["paths"]["/sparql"]["get"]
    post = openapi["paths"]["/sparql"]["post"]
    assert {*RESULTS_FORMATS, *RDF_FORMATS} <= set(get["responses"]["200"]["content"])
    for status in ("304", "400", "403", "406", "413", "429", "503", "504", "507"):
        assert status in get["responses"], status
        assert status in post["responses"], status
    assert {"408", "415"} <= set(post["responses"])
    assert set(post["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded",
        "application/sparql-query",
    }
    assert {p["name"] for p in get["parameters"]} == {
        "query",
        "default-graph-uri",
        "named-graph-uri",
        "format",
        "inference",
    }


def test_openapi_iri_parameters_are_never_empty(openapi: dict) -> None:
    op = openapi["paths"]["/api/queries/entity-provenance"]["get"]
    entity = next(p for p in op["parameters"] if p["name"] == "entity")
    assert entity["schema"]["minLength"] == 1


@pytest.mark.parametrize("name", ["api.web.routing", "api.web.middleware"])
def test_doctests(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0
    assert result.failed == 0
