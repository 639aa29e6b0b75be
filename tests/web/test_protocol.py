"""SPARQL 1.1 Protocol rules of /sparql (in-process backend)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.errors import QueryTimeout
from api.store.layout import TripleCounts
from api.web.app import create_app

from .conftest import GRAPHS, ID, make_settings

JSON = "application/sparql-results+json"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.text
    return response.json()["results"]["bindings"]


def count(response) -> int:
    return int(bindings(response)[0]["n"]["value"])


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == code
    assert body["message"]
    assert "Traceback" not in response.text
    return body


# --- the three ways to send a query --------------------------------------------------------


def test_get_select_json(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": COUNT_ALL}, headers={"Accept": JSON})
    assert r.headers["content-type"] == JSON
    assert count(r) == 205 + 1  # every graph, inferred included (union default graph)


def test_post_form(client: TestClient) -> None:
    r = client.post("/sparql", data={"query": "ASK { ?s ?p 'NEMO' }"}, headers={"Accept": JSON})
    assert r.status_code == 200
    assert r.json() == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    "content_type", ["application/sparql-query", "application/sparql-query; charset=UTF-8"]
)
def test_post_direct(client: TestClient, content_type: str) -> None:
    r = client.post(
        "/sparql",
        content="ASK { ?s ?p 'Müller' }".encode(),
        headers={"Content-Type": content_type, "Accept": JSON},
    )
    assert r.status_code == 200
    assert r.json()["boolean"] is False


def test_post_direct_graph_uris_in_url(client: TestClient) -> None:
    r = client.post(
        "/sparql",
        params={"default-graph-uri": GRAPHS["source-a"]},
        content=COUNT_ALL,
        headers={"Content-Type": "application/sparql-query"},
    )
    assert count(r) == 2


# --- refusals ---------------------------------------------------------------------------------


def test_post_direct_non_utf8_body(client: TestClient) -> None:
    r = client.post(
        "/sparql",
        content="ASK { ?s ?p 'Müller' }".encode("latin-1"),
        headers={"Content-Type": "application/sparql-query"},
    )
    error(r, 400, "bad-request")
    assert "UTF-8" in r.json()["message"]


def test_post_direct_other_charset(client: TestClient) -> None:
    r = client.post(
        "/sparql",
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query; charset=ISO-8859-1"},
    )
    error(r, 415, "unsupported-media-type")


def test_post_form_non_utf8(client: TestClient) -> None:
    r = client.post(
        "/sparql",
        content=b"query=ASK%20%7B%3Fs%20%3Fp%20%27M%FCller%27%7D",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    error(r, 400, "bad-request")


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json"])
def test_post_wrong_content_type(client: TestClient, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    r = client.post("/sparql", content=b"ASK {}", headers=headers)
    error(r, 415, "unsupported-media-type")


@pytest.mark.parametrize(
    ("kwargs"),
    [
        {"content": b"", "headers": {"Content-Type": "application/sparql-query"}},
        {"data": {"default-graph-uri": GRAPHS["source-a"]}},
        {"data": {"query": "  "}},
    ],
)
def test_post_without_query(client: TestClient, kwargs: dict) -> None:
    error(client.post("/sparql", **kwargs), 400, "bad-request")


def test_several_queries(client: TestClient) -> None:
    r = client.get("/sparql", params=[("query", "ASK {}"), ("query", "ASK {}")])
    assert "Exactly one" in error(r, 400, "bad-request")["message"]
    r = client.post("/sparql", params={"query": "ASK {}"}, data={"query": "ASK {}"})
    error(r, 400, "bad-request")
    r = client.post(
        "/sparql",
        params={"query": "ASK {}"},
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    error(r, 400, "bad-request")


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"method": "GET", "params": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": {"update": "INSERT DATA { <a:b> <a:c> <a:d> }"}},
        {
            "method": "POST",
            "content": b"DROP ALL",
            "headers": {"Content-Type": "application/sparql-update"},
        },
    ],
)
def test_update_operation_not_allowed(client: TestClient, request_kwargs: dict) -> None:
    kwargs = dict(request_kwargs)
    r = client.request(kwargs.pop("method"), "/sparql", **kwargs)
    body = error(r, 403, "update-not-allowed")
    assert "read-only" in body["message"]
    assert body["spec"].startswith("https://www.w3.org/TR/sparql11-protocol/")


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <a:b> <a:c> <a:d> }",
        "LOAD <http://127.0.0.1:9/x>",
        "PREFIX ex: <http://e/> DELETE WHERE { ?s ex:p ?o }",
        "# comment\r\nCLEAR ALL",
        "WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_update_sent_as_a_query_is_a_bad_request(client: TestClient, update: str) -> None:
    # SPARQL 1.1 Protocol: the query operation takes queries; anything else is 400
    for r in (
        client.get("/sparql", params={"query": update}),
        client.post("/sparql", data={"query": update}),
        client.post(
            "/sparql", content=update, headers={"Content-Type": "application/sparql-query"}
        ),
    ):
        body = error(r, 400, "update-not-a-query")
        assert "read-only" in body["message"]


def test_malformed_query_reports_position(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"})
    body = error(r, 400, "malformed-query")
    # the executing engine's own parser reports where it stopped
    assert body["position"] == {"line": 3, "column": 2}
    assert "3:2" in body["message"]


def test_too_deeply_nested_query(client: TestClient) -> None:
    query = "SELECT * WHERE " + "{" * 400 + "}" * 400
    error(client.get("/sparql", params={"query": query}), 400, "query-too-complex")
    # 3,000 levels crash pyoxigraph's parser (a segfault): refused before it sees them
    query = "ASK { FILTER(" + "(" * 3000 + "true" + ")" * 3000 + ") }"
    error(client.post("/sparql", data={"query": query}), 400, "query-too-complex")


@pytest.mark.parametrize(
    "query", ['ASK { ?s ?p "\\u00530000" }', "ASK { ?s ?p '\\U0010FFFF' }", "ASK {} # \\u"]
)
def test_escapes_are_never_a_server_error(client: TestClient, query: str) -> None:
    r = client.get("/sparql", params={"query": query}, headers={"Accept": JSON})
    assert r.status_code == 200, r.text
    assert r.json()["boolean"] is False or r.json()["boolean"] is True


def test_engine_syntax_error_is_malformed_with_position(client: TestClient) -> None:
    # rdflib's grammar accepts an undeclared prefix; pyoxigraph refuses it with a position
    r = client.get("/sparql", params={"query": "SELECT ?x WHERE { ?x a undeclared:Thing }"})
    body = error(r, 400, "malformed-query")
    assert body["position"]["line"] == 1


def test_text_plain_errors(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "SELEC"}, headers={"Accept": "text/plain"})
    assert r.status_code == 400
    assert r.headers["content-type"].startswith("text/plain")
    assert r.text.startswith("malformed-query: ")


# --- sizes --------------------------------------------------------------------------------------


def test_body_too_large_by_content_length(settings, store_dir) -> None:
    app = create_app(make_settings(store_dir, max_request_bytes=1000))
    with TestClient(app) as c:
        r = c.post("/sparql", data={"query": "ASK {}" + " " * 2000})
        error(r, 413, "request-too-large")


def test_body_too_large_when_streamed(store_dir) -> None:
    app = create_app(make_settings(store_dir, max_request_bytes=1000))

    def chunks():
        for _ in range(10):
            yield b"#" * 500

    with TestClient(app) as c:
        r = c.post(
            "/sparql", content=chunks(), headers={"Content-Type": "application/sparql-query"}
        )
        error(r, 413, "request-too-large")


def test_query_too_long(store_dir) -> None:
    app = create_app(make_settings(store_dir, max_query_chars=50))
    with TestClient(app) as c:
        error(c.get("/sparql", params={"query": "ASK {}" + " " * 60}), 413, "request-too-large")


def test_result_too_large_is_refused_not_truncated(store_dir) -> None:
    app = create_app(make_settings(store_dir, max_result_rows=10))
    with TestClient(app) as c:
        ok = c.get("/sparql", params={"query": "SELECT ?s { ?s ?p ?o } LIMIT 10"})
        assert len(bindings(ok)) == 10
        body = error(
            c.get("/sparql", params={"query": "SELECT ?s { ?s ?p ?o }"}), 400, "result-too-large"
        )
        assert "LIMIT" in body["message"] and "/download" in body["message"]
        error(
            c.get("/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}),
            400,
            "result-too-large",
        )


# --- the dataset --------------------------------------------------------------------------------


def test_default_graph_is_union_including_inferred(client: TestClient) -> None:
    q = f"ASK {{ <{ID}organisation/nemo> a <https://w3id.org/ccai/ontology#Agent> }}"
    assert client.get("/sparql", params={"query": q}).json()["boolean"] is True
    r = client.get("/sparql", params={"query": q, "inference": "false"})
    assert r.json()["boolean"] is False


def test_inference_false_hides_inferred_named_graph(client: TestClient) -> None:
    q = "SELECT DISTINCT ?g { GRAPH ?g { ?s ?p ?o } }"
    with_inferred = {b["g"]["value"] for b in bindings(client.get("/sparql", params={"query": q}))}
    assert with_inferred == set(GRAPHS.values())
    r = client.get("/sparql", params={"query": q, "inference": "false"})
    assert {b["g"]["value"] for b in bindings(r)} == set(GRAPHS.values()) - {GRAPHS["inferred"]}
    error(client.get("/sparql", params={"query": q, "inference": "maybe"}), 400, "bad-request")


def test_asserted_default_setting(store_dir) -> None:
    app = create_app(make_settings(store_dir, default_graph="asserted"))
    with TestClient(app) as c:
        assert count(c.get("/sparql", params={"query": COUNT_ALL})) == 205
        r = c.get("/sparql", params={"query": COUNT_ALL, "inference": "true"})
        assert count(r) == 206


def test_default_graph_uri_selects_graphs(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params=[
            ("query", COUNT_ALL),
            ("default-graph-uri", GRAPHS["source-a"]),
            ("default-graph-uri", GRAPHS["ontology"]),
        ],
    )
    assert count(r) == 3


def test_named_graph_uri_only(client: TestClient) -> None:
    q = "SELECT ?g (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    r = client.get("/sparql", params={"query": q, "named-graph-uri": GRAPHS["source-a"]})
    rows = bindings(r)
    assert [(b["g"]["value"], b["n"]["value"]) for b in rows] == [(GRAPHS["source-a"], "2")]
    # only named graphs given: the default graph is empty
    r = client.get("/sparql", params={"query": COUNT_ALL, "named-graph-uri": GRAPHS["source-a"]})
    assert count(r) == 0


def test_unknown_graph_is_empty(client: TestClient) -> None:
    r = client.get(
        "/sparql",
        params={"query": COUNT_ALL, "default-graph-uri": "https://example.org/not-here"},
    )
    assert count(r) == 0
    r = client.get("/sparql", params={"query": COUNT_ALL, "default-graph-uri": "not an iri"})
    error(r, 400, "bad-request")


def test_from_selects_held_graph_and_protocol_overrides_it(client: TestClient) -> None:
    q = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPHS['source-a']}> WHERE {{ ?s ?p ?o }}"
    assert count(client.get("/sparql", params={"query": q})) == 2
    r = client.get("/sparql", params={"query": q, "default-graph-uri": GRAPHS["ontology"]})
    assert count(r) == 1
    q = f"SELECT (COUNT(*) AS ?n) FROM NAMED <{GRAPHS['source-a']}> WHERE {{ ?s ?p ?o }}"
    assert count(client.get("/sparql", params={"query": q})) == 0


# --- other routes, CORS, internal errors ---------------------------------------------------------


def test_health(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert {k: body[k] for k in ("status", "triples", "graphs")} == {
        "status": "ok",
        "triples": 206,
        "graphs": 5,
    }
    assert set(body["result_cache"]) == {"entries", "bytes", "max_bytes", "hits", "misses"}


def test_cors_preflight_and_simple_request(client: TestClient) -> None:
    r = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },
    )
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == "*"
    assert "POST" in r.headers["access-control-allow-methods"]
    r = client.get("/sparql", params={"query": "ASK {}"}, headers={"Origin": "https://example.org"})
    assert r.headers["access-control-allow-origin"] == "*"
    assert "Retry-After" in r.headers["access-control-expose-headers"]


def test_unknown_route_is_json_404(client: TestClient) -> None:
    error(client.get("/nothing-here"), 404, "not-found")


class _BrokenStore:
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    def named_graphs(self) -> list[str]:
        return []

    def triple_count(self, graph: str | None = None) -> int:
        return 0

    def health(self) -> dict:
        return {"status": "ok"}

    def counts(self) -> TripleCounts:
        return TripleCounts(0, 0, 0)

    async def query(self, sparql: str, **kwargs) -> None:
        if "timeout" in sparql:
            raise QueryTimeout("stopped")
        raise RuntimeError("secret internal detail /etc/passwd")


def test_internal_errors_are_generic(settings) -> None:
    app = create_app(settings, store=_BrokenStore())
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.get("/sparql", params={"query": "ASK {}"})
        body = error(r, 500, "internal-error")
        assert "secret" not in r.text and "RuntimeError" not in r.text
        assert set(body) == {"error", "message", "spec"}
        r = c.get("/sparql", params={"query": "ASK { 'timeout' }"})
        assert json.loads(r.text)["error"] == "query-timeout"
        assert r.status_code == 504
