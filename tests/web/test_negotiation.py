"""The Accept parser (RFC 9110 §12.5.1) and content negotiation on /sparql."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
import rdflib
from fastapi.testclient import TestClient

from api.negotiation import (
    FORMAT_PARAMETER,
    RDF_FORMATS,
    RESULTS_FORMATS,
    choose,
    parse_accept,
    quality,
)

RES = list(RESULTS_FORMATS)
RDF = list(RDF_FORMATS)
SELECT = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"
CONSTRUCT = "CONSTRUCT WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label }"


# --- parser -----------------------------------------------------------------------------


def test_parse_q_values_params_and_wildcards() -> None:
    ranges = parse_accept("text/turtle;charset=UTF-8;q=0.7, application/*;q=0.2, */*;q=0.1")
    assert [(r.type, r.subtype, r.params, r.q) for r in ranges] == [
        ("text", "turtle", (("charset", "utf-8"),), 0.7),
        ("application", "*", (), 0.2),
        ("*", "*", (), 0.1),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "text/turtle;q=2",  # q out of range
        "text/turtle;q=0.12345",  # too many decimals
        "*/turtle",  # wildcard type with concrete subtype
        "text/turtle;=x",
        "/",
        ";;;,,,",
    ],
)
def test_malformed_members_are_skipped(header: str) -> None:
    assert parse_accept(header) == []
    assert choose(header, RDF) == "text/turtle"  # as if no Accept at all


def test_malformed_member_does_not_spoil_the_rest() -> None:
    assert choose("nonsense, application/n-triples;q=0.5, text/turtle;q=x", RDF) == (
        "application/n-triples"
    )


def test_quoted_parameter_with_comma() -> None:
    ranges = parse_accept('text/turtle;foo="a,b";q=0.4, application/ld+json')
    assert [r.subtype for r in ranges] == ["turtle", "ld+json"]
    assert ranges[0].params == (("foo", "a,b"),)


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, RES, "application/sparql-results+json"),
        ("", RDF, "text/turtle"),
        ("*/*", RDF, "text/turtle"),
        ("text/csv", RES, "text/csv"),
        (
            "application/sparql-results+xml, application/sparql-results+json;q=0.9",
            RES,
            "application/sparql-results+xml",
        ),
        ("application/sparql-results+json;q=0.5, text/*", RES, "text/csv"),
        ("text/*;q=0.5, text/tab-separated-values", RES, "text/tab-separated-values"),
        # specificity: text/csv;q=0 excludes csv although text/* allows text
        ("text/csv;q=0, text/*", RES, "text/tab-separated-values"),
        ("*/*;q=0.1, application/json", RES, "application/json"),
        ("application/json", RDF, None),
        ("text/turtle;q=0, */*", RDF, "application/n-triples"),
        ("*/*;q=0", RES, None),
        (
            "application/rdf+xml, application/sparql-results+xml",
            RES,
            "application/sparql-results+xml",
        ),
        ("application/rdf+xml, application/sparql-results+xml", RDF, "application/rdf+xml"),
        ("TEXT/TURTLE", RDF, "text/turtle"),
        # a range with parameters only matches offers with those parameters
        ("text/turtle;version=2, application/trig;q=0.5", RDF, "application/trig"),
        # browsers
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", RDF, "text/turtle"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            RES,
            "application/sparql-results+json",
        ),
    ],
)
def test_choose_matrix(accept: str | None, offered: list[str], expected: str | None) -> None:
    assert choose(accept, offered) == expected


def test_quality_uses_most_specific_range() -> None:
    ranges = parse_accept("text/*;q=0.3, text/turtle;q=0.8, */*;q=0.1")
    assert quality(ranges, "text/turtle") == 0.8
    assert quality(ranges, "text/csv") == 0.3
    assert quality(ranges, "application/ld+json") == 0.1


# --- on the wire -----------------------------------------------------------------------------


def _check_results(media_type: str, body: bytes) -> None:
    if media_type in ("application/sparql-results+json", "application/json"):
        assert len(json.loads(body)["results"]["bindings"]) == 3
    elif media_type == "application/sparql-results+xml":
        ns = "{http://www.w3.org/2005/sparql-results#}"
        root = ET.fromstring(body)  # noqa: S314 - our own server's output
        assert len(root.findall(f"{ns}results/{ns}result")) == 3
    elif media_type == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0] == ["s", "label"] and len(rows) == 4
    else:
        lines = body.decode().splitlines()
        assert lines[0] == "?s\t?label" and len(lines) == 4


@pytest.mark.parametrize("media_type", RES)
def test_every_results_format(client: TestClient, media_type: str) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": media_type})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    assert "Accept" in r.headers["vary"]
    _check_results(media_type, r.content)


_RDFLIB = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
    "application/trig": "trig",
    "application/n-quads": "nquads",
}


@pytest.mark.parametrize("media_type", RDF)
def test_every_rdf_format(client: TestClient, media_type: str) -> None:
    r = client.get("/sparql", params={"query": CONSTRUCT}, headers={"Accept": media_type})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == media_type
    g = (
        rdflib.Dataset()
        if media_type in ("application/trig", "application/n-quads")
        else (rdflib.Graph())
    )
    g.parse(data=r.content, format=_RDFLIB[media_type])
    assert len(g) == 3
    labels = {str(o) for o in g.objects(None, rdflib.RDFS.label)}
    assert 'Julia "J" Pagel\n<tab>\t}' in labels  # escaping survives every format


@pytest.mark.parametrize(("name", "types"), sorted(FORMAT_PARAMETER.items()))
def test_format_parameter_overrides_accept(client: TestClient, name: str, types) -> None:
    results_type, rdf_type = types
    for query, expected in ((SELECT, results_type), (CONSTRUCT, rdf_type)):
        r = client.get(
            "/sparql", params={"query": query, "format": name}, headers={"Accept": "text/html"}
        )
        if expected is None:  # a browser (Accept: text/html) gets the error page
            assert r.status_code == 406
            assert r.headers["content-type"].startswith("text/html")
            assert "Not acceptable" in r.text
        else:
            assert r.status_code == 200, r.text
            assert r.headers["content-type"].split(";")[0] == expected


def test_unknown_format_parameter(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT, "format": "yaml"})
    assert r.status_code == 406
    assert "turtle" in r.json()["available"]


def test_406_lists_what_is_available(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": SELECT}, headers={"Accept": "text/turtle"})
    assert r.status_code == 406
    body = r.json()
    assert body["error"] == "not-acceptable"
    assert body["available"] == RES
    r = client.get(
        "/sparql",
        params={"query": CONSTRUCT},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert r.status_code == 406
    assert r.json()["available"] == RDF


def test_ask_in_csv(client: TestClient) -> None:
    r = client.get("/sparql", params={"query": "ASK {}", "format": "csv"})
    assert r.status_code == 200
    assert r.text == "true"
