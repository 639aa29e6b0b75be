"""The service on Virtuoso answers as it does on the embedded store.

Every named query of ``queries/`` through the REST API, ``/sparql`` (counts,
``GRAPH ?g``, CONSTRUCT, the dataset parameters, inference off), the
linked-data pages, the class listings and search, ``/health``: the same
rows on both backends. Rows are compared as sets (Virtuoso 7.2 repeats some
rows of ``SELECT DISTINCT`` with OPTIONAL, see ``../shared/notes/virtuoso.md``)
and ``GROUP_CONCAT`` values as sets of their parts (Virtuoso drops language
tags inside them and orders them its own way).

The guarantees the service gives hold on Virtuoso too: SERVICE and update
are refused before the server sees them, the row cap refuses, the deadline
stops a long query, an answer at the server's own row cap is a 502.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib import Graph
from rdflib.compare import isomorphic

from api.errors import RemoteStoreError, ResultTooLarge
from api.queries import load_queries
from api.store.base import FormatChoice, QueryResult
from api.store.remote import RemoteStore
from tests.remote.conftest import settings_for
from tests.remote.virtuoso import Virtuoso

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ID = "https://w3id.org/ccai/id/"
G = "https://w3id.org/ccai/graph/"
SPARQL_JSON = "application/sparql-results+json"


def _concatenated(name: str) -> set[str]:
    """The variables a named query binds with GROUP_CONCAT."""
    text = load_queries()[name].text
    return set(re.findall(r"(?is)GROUP_CONCAT\s*\(.*?\)\s*AS\s*\?(\w+)", text))


def _graph(text: str) -> Graph:
    return Graph().parse(data=text, format="nt")


def row_set(rows: list[dict], concatenated: set[str] = frozenset()) -> set[str]:
    """Rows as a set; a GROUP_CONCAT value as the sorted set of its parts, without a
    language tag (Virtuoso drops it), and an empty one as unbound (Oxigraph's answer)."""
    out = set()
    for row in rows:
        norm = {}
        for k, v in row.items():
            if k in concatenated and isinstance(v, dict):
                parts = sorted(p for p in re.split(r"\s*[;,|]\s*|\s+", v["value"]) if p)
                if not parts:
                    continue
                v = {"type": v["type"], "parts": parts}
            norm[k] = v
        out.add(json.dumps(norm, sort_keys=True))
    return out


def sparql_rows(client: TestClient, query: str, **params: str) -> set[str]:
    r = client.post("/sparql", data={"query": query, **params}, headers={"Accept": SPARQL_JSON})
    assert r.status_code == 200, r.text
    out = set()
    for b in r.json()["results"]["bindings"]:
        out.add(json.dumps({k: (v["type"], v["value"]) for k, v in b.items()}, sort_keys=True))
    return out


def named_rows(client: TestClient, name: str) -> list[dict]:
    rows: list[dict] = []
    page = 1
    while True:
        r = client.get(f"/api/queries/{name}", params={"page": page, "page_size": 100})
        assert r.status_code == 200, (name, r.status_code, r.text[:500])
        body = r.json()
        batch = body.get("rows", body.get("results", []))
        rows += batch
        if len(batch) < 100:
            return rows
        page += 1


QUERIES = sorted(load_queries())


@pytest.mark.parametrize("name", QUERIES)
def test_every_named_query_gives_the_same_rows(
    name: str, embedded: TestClient, remote: TestClient
) -> None:
    expected = named_rows(embedded, name)
    got = named_rows(remote, name)
    concatenated = _concatenated(name)
    assert row_set(got, concatenated) == row_set(expected, concatenated)
    assert expected or name  # an empty answer on both is still a comparison


@pytest.mark.parametrize(
    ("query", "params"),
    [
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {}),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"inference": "false"}),
        ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", {}),
        (
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            {"inference": "false"},
        ),
        ("SELECT ?c (COUNT(?x) AS ?n) WHERE { ?x a ?c } GROUP BY ?c", {}),
        (
            "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
            {"default-graph-uri": G + "ontology"},
        ),
        (f"SELECT (COUNT(*) AS ?n) FROM <{G}vocabularies> WHERE {{ ?s ?p ?o }}", {}),
        (
            f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{G}ontology> "
            "WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
            {},
        ),
        ("SELECT (COUNT(*) AS ?n) FROM <urn:x-ccai:default:graphs> WHERE { ?s ?p ?o }", {}),
        ("ASK { ?s a <https://w3id.org/ccai/ontology#Organisation> }", {}),
    ],
)
def test_sparql_sees_the_same_dataset(
    query: str, params: dict[str, str], embedded: TestClient, remote: TestClient
) -> None:
    if query.startswith("ASK"):
        for client in (embedded, remote):
            r = client.post("/sparql", data={"query": query}, headers={"Accept": SPARQL_JSON})
            assert r.json()["boolean"] is True
        return
    assert sparql_rows(remote, query, **params) == sparql_rows(embedded, query, **params)


def test_construct_gives_the_same_triples(embedded: TestClient, remote: TestClient) -> None:
    query = (
        "CONSTRUCT { ?s ?p ?o } WHERE { ?s a <https://w3id.org/ccai/ontology#Recommendation> ; "
        "?p ?o }"
    )
    out = []
    for client in (embedded, remote):
        r = client.post(
            "/sparql", data={"query": query}, headers={"Accept": "application/n-triples"}
        )
        assert r.status_code == 200
        out.append(set(r.text.splitlines()) - {""})
    assert out[0] == out[1]
    assert len(out[0]) > 100


def test_virtuoso_loaded_from_the_build_is_searched_through_the_builds_index(
    remote: TestClient,
) -> None:
    from api.rest.search_fts import FtsLabelIndex

    catalogue = remote.app.state.services.catalogue  # type: ignore[attr-defined]
    assert isinstance(catalogue._index, FtsLabelIndex)


def test_health_reports_the_same_counts(embedded: TestClient, remote: TestClient) -> None:
    a, b = embedded.get("/health").json(), remote.get("/health").json()
    assert b["status"] == "ok"
    for key in ("triples", "triple_count", "counts"):
        if key in a:
            assert a[key] == b[key]


@pytest.mark.parametrize(
    "path",
    [
        "/id/organisation/nemo",
        "/ontology",
        "/vocab/sectors",
        "/graph/ontology",
        "/api/classes",
        "/api/search?q=museum",
    ],
)
def test_routes_answer_the_same(path: str, embedded: TestClient, remote: TestClient) -> None:
    accept = "application/n-triples" if not path.startswith("/api/") else "application/json"
    a = embedded.get(path, headers={"Accept": accept})
    b = remote.get(path, headers={"Accept": accept})
    assert (a.status_code, b.status_code) == (200, 200), (path, b.text[:300])
    if accept == "application/n-triples":  # blank nodes have each engine's labels
        assert isomorphic(_graph(b.text), _graph(a.text))
    elif path.startswith("/api/search"):
        # a label that reads the same in two languages ("museum"@en, @nl) ties; which
        # language the hit reports depends on the engine's row order
        def hits(r):
            return [{k: v for k, v in h.items() if k != "language"} for h in r.json()["hits"]]

        # equal scores may come in another order (the FTS index breaks ties by label
        # length, the in-memory one by label): compare each score's hits as a set
        def by_score(r):
            return sorted((h["score"], sorted(h.items())) for h in hits(r))

        assert by_score(b) == by_score(a)
    else:
        assert b.json() == a.json()


# --- the service's guarantees, on Virtuoso ----------------------------------------------


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", 403),
        (f"INSERT DATA {{ GRAPH <{G}ontology> {{ <urn:x> <urn:y> <urn:z> }} }}", 400),
        ("DEFINE input:grab-all 'yes' SELECT * WHERE { ?s ?p ?o }", 400),
        ("SELECT (bif:sys_stat('st_dbms_name') AS ?v) WHERE {}", 400),
        ("SELECT * WHERE { ?s ?p }", 400),  # Virtuoso's own syntax error
    ],
)
def test_unsafe_queries_are_refused_and_virtuoso_is_untouched(
    query: str, status: int, remote: TestClient, loaded: Virtuoso
) -> None:
    assert remote.post("/sparql", data={"query": query}).status_code == status
    r = remote.post(
        "/sparql",
        data={"query": "ASK { <urn:x> <urn:y> <urn:z> }", "default-graph-uri": G + "ontology"},
        headers={"Accept": SPARQL_JSON},
    )
    assert r.json()["boolean"] is False


def _remote_select(server: Virtuoso, query: str, **options: object) -> QueryResult:
    async def main() -> QueryResult:
        store = RemoteStore(server.url + "/sparql", kind="virtuoso", **options)  # type: ignore[arg-type]
        await store.start()
        try:
            return await store.query(query, formats=FormatChoice(SPARQL_JSON, None), timeout=20)
        finally:
            await store.close()

    return asyncio.run(main())


def test_the_row_cap_holds_on_virtuoso(loaded: Virtuoso) -> None:
    with pytest.raises(ResultTooLarge):
        _remote_select(loaded, "SELECT * WHERE { ?s ?p ?o } LIMIT 51", max_result_rows=50)
    assert (
        _remote_select(loaded, "SELECT * WHERE { ?s ?p ?o } LIMIT 50", max_result_rows=50).rows
        == 50
    )


def test_an_answer_at_virtuosos_own_cap_is_an_error(loaded: Virtuoso) -> None:
    # as if the server's ResultSetMaxRows were 30: 30 rows may be a truncated answer
    with pytest.raises(RemoteStoreError, match="its own cap"):
        _remote_select(loaded, "SELECT * WHERE { ?s ?p ?o } LIMIT 40", server_max_rows=30)
    assert (
        _remote_select(loaded, "SELECT * WHERE { ?s ?p ?o } LIMIT 29", server_max_rows=30).rows
        == 29
    )


def test_the_deadline_stops_a_long_query_on_virtuoso(loaded: Virtuoso, build: Path) -> None:
    from api.web.app import create_app

    # ~10^8 pairs, each compared (a plain COUNT of a cross product Virtuoso answers from
    # its statistics at once): Virtuoso stops at the timeout parameter and marks its
    # partial answer (X-SQL-State S1TAT), or the client's deadline passes first: 504
    heavy = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f FILTER(STR(?c) < STR(?f)) }"
    huge = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    with TestClient(create_app(settings_for(build, loaded, query_timeout=1))) as client:
        for query in (heavy, huge):  # huge: refused on Virtuoso's own estimate
            t0 = time.monotonic()
            r = client.post("/sparql", data={"query": query})
            assert r.status_code == 504, r.text[:300]
            assert time.monotonic() - t0 < 5
