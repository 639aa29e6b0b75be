"""GET /sparql without a query: the SPARQL 1.1 Service Description."""

from __future__ import annotations

import rdflib
from fastapi.testclient import TestClient
from rdflib import RDF, URIRef
from rdflib.namespace import Namespace

from api.web.app import create_app

from .conftest import GRAPHS, make_settings

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
ENDPOINT = URIRef("http://testserver/sparql")


def _description(client: TestClient, **headers: str) -> rdflib.Graph:
    r = client.get("/sparql", headers=headers)
    assert r.status_code == 200, r.text
    g = rdflib.Graph()
    fmt = {
        "text/turtle": "turtle",
        "application/ld+json": "json-ld",
        "application/rdf+xml": "xml",
        "application/n-triples": "nt",
    }
    g.parse(data=r.content, format=fmt[r.headers["content-type"].split(";")[0]])
    return g


def test_turtle_by_default_and_lists_every_named_graph(client: TestClient) -> None:
    g = _description(client)
    assert (ENDPOINT, RDF.type, SD.Service) in g
    assert (ENDPOINT, SD.endpoint, ENDPOINT) in g
    assert (ENDPOINT, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (ENDPOINT, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(ENDPOINT, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert len(formats) == 10
    dataset = g.value(ENDPOINT, SD.defaultDataset)
    names = {
        g.value(n, SD.name): g.value(g.value(n, SD.graph), VOID.triples).toPython()
        for n in g.objects(dataset, SD.namedGraph)
    }
    assert names == {
        URIRef(GRAPHS["ontology"]): 1,
        URIRef(GRAPHS["vocabularies"]): 1,
        URIRef(GRAPHS["source-a"]): 2,
        URIRef(GRAPHS["source-b"]): 201,
        URIRef(GRAPHS["inferred"]): 1,
    }
    default = g.value(dataset, SD.defaultGraph)
    assert g.value(default, VOID.triples).toPython() == 206
    assert "inference=false" in str(g.value(ENDPOINT, rdflib.RDFS.comment))


def test_other_rdf_formats(client: TestClient) -> None:
    for media_type in ("application/ld+json", "application/rdf+xml", "application/n-triples"):
        assert (ENDPOINT, RDF.type, SD.Service) in _description(client, Accept=media_type)


def test_not_acceptable(client: TestClient) -> None:
    r = client.get("/sparql", headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 406
    r = client.get("/sparql", params={"format": "csv"})
    assert r.status_code == 406


def test_asserted_mode_has_no_union_feature(store_dir) -> None:
    with TestClient(create_app(make_settings(store_dir, default_graph="asserted"))) as c:
        g = _description(c)
        assert (ENDPOINT, SD.feature, SD.UnionDefaultGraph) not in g
        default = g.value(g.value(ENDPOINT, SD.defaultDataset), SD.defaultGraph)
        assert g.value(default, VOID.triples).toPython() == 205
