"""Every GET route of the API answers the same on Virtuoso as on the embedded store.

The routes are read from the service's own OpenAPI description, so a route
added later is swept too (a test fails when one has no requests below). Each
is requested with real values (an entity of every kind, every concept scheme and
a concept of each, every source document and a locator of each, every named
graph, the FAIR metadata…), in Turtle, JSON-LD and HTML where it is RDF, on both
backends, and the answers are compared:

* status and media type, always;
* RDF (Turtle, N-Triples, JSON-LD, RDF/XML, TriG): the same graph (isomorphic:
  blank nodes have each engine's labels);
* JSON: the same document, lists compared as multisets where the order is not
  defined (rows of equal rank come in each engine's order);
* HTML: the same text and the same links, line by line as multisets (the
  pages are generated from the same rows, which may come in another order).

``tests/remote/test_parity.py`` compares the named queries, ``/sparql`` and
the service's guarantees on Virtuoso.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

ID = "https://w3id.org/ccai/id/"
BASE = "https://w3id.org/ccai/"
SPARQL_JSON = "application/sparql-results+json"
RDF_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
HTML = "text/html"
JSON = "application/json"

#: Routes the sweep leaves to other tests, with the reason.
ELSEWHERE = {
    "/sparql": "tests/remote/test_parity.py (counts, GRAPH ?g, CONSTRUCT, dataset parameters)",
    "/api/queries/{name}": "tests/remote/test_parity.py (every named query, every row)",
    "/health": "tests/remote/test_parity.py (the same counts; the backend is named in it)",
    "/download/{file}": "the build's own files, the same bytes whatever the backend",
}

#: The GET routes of the OpenAPI description the sweep requests (the others: ELSEWHERE).
SWEPT = [
    "/",
    "/.well-known/void",
    "/api/classes",
    "/api/classes/{name}",
    "/api/queries",
    "/api/search",
    "/catalog",
    "/challenges",
    "/context.jsonld",
    "/dataset",
    "/download",
    "/graph/{name}",
    "/id",
    "/id/{kind}",
    "/id/{kind}/{slug}",
    "/ontology",
    "/ontology/{version}",
    "/reconcile",
    "/reconcile/preview",
    "/reconcile/propose_properties",
    "/reconcile/suggest/{kind}",
    "/reconcile/v1",
    "/reconcile/v1/extend/propose",
    "/reconcile/v1/preview",
    "/reconcile/v1/suggest/{kind}",
    "/search",
    "/source/{slug}",
    "/source/{slug}/{locator}",
    "/vocab",
    "/vocab/{scheme}",
    "/vocab/{scheme}/{concept}",
]


def _first_per_group(client: TestClient, prefix: str, segments: int) -> list[str]:
    """The first IRI (in code-point order) under ``prefix`` with ``segments`` path segments
    after it, for each value of the first segment: an entity of every kind (``id/``, 2),
    every concept scheme (``vocab/``, 1) and a concept of each (2), every source document
    (``source/``, 1) and a locator of each (2)."""
    query = f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{prefix}")) }}'
    r = client.post("/sparql", data={"query": query}, headers={"Accept": SPARQL_JSON})
    assert r.status_code == 200, r.text[:300]
    picked: dict[str, str] = {}
    for iri in sorted(b["s"]["value"] for b in r.json()["results"]["bindings"]):
        parts = iri[len(prefix) :].split("/")
        if len(parts) == segments and "#" not in iri:
            picked.setdefault(parts[0], iri)
    return list(picked.values())


def _paths(iris: list[str]) -> list[str]:
    return [iri[len(BASE) - 1 :] for iri in iris]


def requests_for(route: str, client: TestClient) -> Iterator[tuple[str, str]]:
    """``(path with query, Accept)`` pairs for ``route`` (an OpenAPI path template)."""
    # one text and one JSON syntax of RDF, and the HTML page: the other syntaxes are the
    # same graph through the same serialisers, whatever the backend
    page = ["text/turtle", "application/ld+json", HTML]
    if route in ("/", "/id", "/vocab", "/challenges", "/search"):
        yield (route + ("?q=museum" if route == "/search" else ""), HTML)
    elif route in ("/catalog", "/dataset", "/.well-known/void", "/ontology"):
        for accept in page:
            yield route, accept
    elif route == "/context.jsonld":
        yield route, "application/ld+json"
    elif route in ("/download", "/api/queries", "/api/classes", "/reconcile", "/reconcile/v1"):
        yield route, JSON
    elif route == "/api/classes/{name}":
        for item in client.get("/api/classes").json()["classes"][:6]:
            yield f"/api/classes/{quote(item['name'])}", JSON
    elif route == "/api/search":
        for q in ("museum", "nemo", "musee", "copyright", "ai act"):
            yield f"/api/search?q={quote(q)}", JSON
    elif route == "/id/{kind}":
        for kind in sorted({p.split("/")[2] for p in _paths(_first_per_group(client, ID, 2))}):
            yield f"/id/{kind}", HTML
            yield f"/id/{kind}", JSON
    elif route in ("/id/{kind}/{slug}", "/vocab/{scheme}", "/vocab/{scheme}/{concept}"):
        prefix = ID if route.startswith("/id/") else BASE + "vocab/"
        segments = 1 if route == "/vocab/{scheme}" else 2
        for path in _paths(_first_per_group(client, prefix, segments)):
            for accept in page:
                yield path, accept
    elif route in ("/source/{slug}", "/source/{slug}/{locator}"):
        segments = 2 if route.endswith("{locator}") else 1
        for path in _paths(_first_per_group(client, BASE + "source/", segments)):
            for accept in page:
                yield path, accept
    elif route == "/graph/{name}":
        query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
        r = client.post("/sparql", data={"query": query}, headers={"Accept": SPARQL_JSON})
        for graph in sorted(b["g"]["value"] for b in r.json()["results"]["bindings"]):
            yield graph[len(BASE) - 1 :], "application/n-triples"
    elif route == "/ontology/{version}":
        r = client.get("/ontology", headers={"Accept": "application/n-triples"})
        versions = re.findall(r"<http://www\.w3\.org/2002/07/owl#versionIRI> <([^>]+)>", r.text)
        for version in versions:
            yield version[len(BASE) - 1 :], "text/turtle"
    elif route == "/reconcile/suggest/{kind}":
        for kind in ("entity", "type", "property"):
            yield f"/reconcile/suggest/{kind}?prefix=mus", JSON
    elif route == "/reconcile/v1/suggest/{kind}":
        for kind in ("entity", "type", "property"):
            yield f"/reconcile/v1/suggest/{kind}?prefix=mus", JSON
    elif route in ("/reconcile/preview", "/reconcile/v1/preview"):
        yield f"{route}?id={quote(ID + 'organisation/nemo')}", HTML
    elif route in ("/reconcile/propose_properties", "/reconcile/v1/extend/propose"):
        yield f"{route}?type={quote(BASE + 'ontology#Organisation')}", JSON


def _get_routes(client: TestClient) -> list[str]:
    spec = client.get("/openapi.json").json()
    return sorted(
        {
            "/api/queries/{name}" if path.startswith("/api/queries/") else path
            for path, operations in spec["paths"].items()
            if "get" in operations
        }
    )


def _text_lines(body: str) -> Counter[str]:
    """The visible text of an HTML page, line by line, and its links."""
    body = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", body)
    links = re.findall(r'href="([^"]*)"', body)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", body))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return Counter([line for line in lines if line] + [f"link:{link}" for link in links])


def _unordered(value: object) -> object:
    """A JSON value with every list turned into a sorted list of its items' canonical form."""
    if isinstance(value, dict):
        return {k: _unordered(v) for k, v in value.items()}
    if isinstance(value, list):
        return sorted(json.dumps(_unordered(v), sort_keys=True) for v in value)
    return value


def _search_hits(response) -> list:
    """Hits by score, each score's as a set, without the language: a label reading the
    same in two languages ties, and ties come in each index's order (the embedded store
    answers from the build's FTS5 index, a remote one from the in-memory index)."""
    hits = [{k: v for k, v in h.items() if k != "language"} for h in response.json()["hits"]]
    return sorted((h["score"], sorted(h.items())) for h in hits)


def _graph(text: str, fmt: str) -> Graph:
    if fmt == "json-ld":
        ds = Dataset()
        ds.parse(data=text, format="json-ld")
        g = Graph()
        for s, p, o, _ in ds.quads():
            g.add((s, p, o))
        return g
    return Graph().parse(data=text, format=fmt)


def assert_same_answer(path: str, accept: str, a, b) -> None:
    where = f"{path} ({accept})"
    assert (a.status_code, b.status_code) == (a.status_code, a.status_code), (where, b.text[:300])
    assert a.status_code == 200, (where, a.text[:300])
    kind = a.headers.get("content-type", "").split(";")[0]
    assert b.headers.get("content-type", "").split(";")[0] == kind, where
    if kind in RDF_FORMATS:
        assert isomorphic(_graph(a.text, RDF_FORMATS[kind]), _graph(b.text, RDF_FORMATS[kind])), (
            where
        )
    elif path.startswith("/api/search"):  # as tests/remote/test_parity.py compares it
        assert _search_hits(a) == _search_hits(b), where
    elif kind == JSON or kind.endswith("+json"):
        ja, jb = a.json(), b.json()
        assert ja == jb or _unordered(ja) == _unordered(jb), where
    elif kind == HTML:
        assert _text_lines(a.text) == _text_lines(b.text), where
    else:
        assert a.content == b.content, where


def test_every_get_route_is_swept(embedded: TestClient) -> None:
    """A new GET route gets requests here (or a reason in ELSEWHERE)."""
    routes = _get_routes(embedded)
    assert sorted([*SWEPT, *ELSEWHERE]) == routes
    assert [route for route in SWEPT if not list(requests_for(route, embedded))] == []


@pytest.mark.parametrize("route", SWEPT)
def test_the_route_answers_the_same_on_both_backends(
    route: str, embedded: TestClient, remote: TestClient
) -> None:
    requests = list(requests_for(route, embedded))
    assert requests, route
    for path, accept in requests:
        a = embedded.get(path, headers={"Accept": accept})
        b = remote.get(path, headers={"Accept": accept})
        assert_same_answer(path, accept, a, b)
