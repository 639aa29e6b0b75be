"""Linked-data routes: content negotiation, descriptions, HTML, errors."""

from __future__ import annotations

import json
import socket

import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, SKOS

from api.linked_data import describe, to_canonical, to_public
from api.linked_data.iris import MalformedPath, UnknownResource, parse_resource_path
from api.namespaces import CCAI, PROV, SCHEMA, VOID

from .conftest import PUBLIC, make_client

NEMO = URIRef("https://w3id.org/ccai/id/organisation/nemo")
BERLIN = URIRef("https://w3id.org/ccai/id/place/berlin")
PARIS = URIRef("https://w3id.org/ccai/id/place/paris")
DOC = URIRef("https://w3id.org/ccai/source/test-doc")
PARA = URIRef("https://w3id.org/ccai/source/test-doc/para-2")
CONFERENCE = URIRef("https://w3id.org/ccai/id/event/conference")
DATA = URIRef("https://w3id.org/ccai/vocab/themes/data")

RDF_TYPES = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}
ROUTES = [
    "/id/organisation/nemo",
    "/vocab",
    "/vocab/themes",
    "/vocab/themes/data",
    "/source/test-doc",
    "/source/test-doc/para-2",
    "/graph/test-doc",
    "/ontology",
    "/ontology/0.1.0",
]


def parse(response, fmt: str) -> Graph:
    return Graph().parse(data=response.text, format=fmt)


# --- IRI mapping ------------------------------------------------------------------------


def test_iri_mapping_round_trips():
    local = "http://127.0.0.1:8000/"
    iri = "https://w3id.org/ccai/vocab/themes/data"
    assert to_public(iri, local) == "http://127.0.0.1:8000/vocab/themes/data"
    assert to_canonical(to_public(iri, local), local) == iri
    assert to_public("https://schema.org/Person", local) == "https://schema.org/Person"
    assert to_canonical("http://127.0.0.1:8000/id/person/x?format=ttl", local).endswith("person/x")


@pytest.mark.parametrize(
    "segments",
    [
        ("id", "person", "Julia"),
        ("id", "person", "a b"),
        ("vocab", "themes", "x_y"),
        ("id", "person", "x.xml"),
        ("source", "s", "'><"),
    ],
)
def test_malformed_paths_rejected(segments):
    with pytest.raises(MalformedPath):
        parse_resource_path(*segments)


def test_unknown_kind_and_scheme():
    with pytest.raises(UnknownResource):
        parse_resource_path("id", "unicorn", "x")
    with pytest.raises(UnknownResource):
        parse_resource_path("vocab", "colours")


# --- conneg matrix --------------------------------------------------------------------


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize("accept", [*RDF_TYPES, "text/html"])
def test_conneg_matrix(client, path, accept):
    r = client.get(path, headers={"Accept": accept})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].split(";")[0] == accept
    assert "Accept" in r.headers["vary"].split(", ")
    link = r.headers["link"]
    for media_type in [*RDF_TYPES, "text/html"]:
        assert f'type="{media_type}"' in link
    assert 'rel="canonical"' in link
    assert r.headers["content-location"].startswith(PUBLIC)
    if accept in RDF_TYPES:
        assert len(parse(r, RDF_TYPES[accept])) > 0


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("application/n-triples, text/turtle;q=0.1", "application/n-triples"),
        ("*/*", "text/html"),
        ("text/*;q=0.5, text/html;q=0", "text/turtle"),
        ("application/json", "application/ld+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_q_values(client, accept, expected):
    r = client.get("/id/organisation/nemo", headers={"Accept": accept})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


def test_no_accept_header_gives_html(client):
    r = client.get("/id/organisation/nemo", headers={"Accept": ""})
    assert r.headers["content-type"].startswith("text/html")


def test_406_when_nothing_acceptable(client):
    r = client.get("/id/organisation/nemo", headers={"Accept": "image/png, text/html;q=0"})
    assert r.status_code == 406
    body = r.json()
    assert body["error"] == "not-acceptable"
    assert "text/turtle" in body["available"]
    assert "Accept" in r.headers["vary"].split(", ")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("format=turtle", "text/turtle"),
        ("format=jsonld", "application/ld+json"),
        ("format=ntriples", "application/n-triples"),
        ("format=rdfxml", "application/rdf+xml"),
        ("format=html", "text/html"),
        ("_mediatype=text/turtle", "text/turtle"),
        ("_mediatype=application/ld%2Bjson", "application/ld+json"),
    ],
)
def test_format_parameters_override_accept(client, query, expected):
    r = client.get(f"/id/organisation/nemo?{query}", headers={"Accept": "application/rdf+xml"})
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


def test_unknown_format_parameter_is_406(client):
    assert client.get("/id/organisation/nemo?format=pdf").status_code == 406
    assert client.get("/id/organisation/nemo?_mediatype=image/png").status_code == 406


@pytest.mark.parametrize(
    ("ext", "media_type"),
    [
        ("ttl", "text/turtle"),
        ("jsonld", "application/ld+json"),
        ("nt", "application/n-triples"),
        ("rdf", "application/rdf+xml"),
        ("html", "text/html"),
    ],
)
def test_extension_urls(client, ext, media_type):
    for path in ("/id/organisation/nemo", "/vocab/themes", "/source/test-doc/para-2", "/ontology"):
        r = client.get(f"{path}.{ext}", headers={"Accept": "image/png"})  # extension wins
        assert r.status_code == 200, (path, r.text)
        assert r.headers["content-type"].split(";")[0] == media_type
        vary = [v.strip() for v in r.headers.get("vary", "").split(",")]
        assert "Accept" not in vary  # the address fixes the format
        assert f'<{PUBLIC}{path.lstrip("/")}.ttl>; rel="alternate"' in r.headers["link"]


# --- the description ------------------------------------------------------------------


def test_description_is_bounded_and_has_labels_and_provenance(store):
    g = describe(store, NEMO)
    assert (NEMO, RDFS.label, Literal("NEMO", lang="en")) in g
    assert (NEMO, CCAI.location, BERLIN) in g
    assert (BERLIN, RDFS.label, Literal("Berlin", lang="en")) in g  # label of a linked resource
    assert (BERLIN, RDF.type, CCAI.Place) in g  # type of a linked resource
    assert (DATA, SKOS.prefLabel, Literal("data", lang="en")) in g
    assert (DOC, DCTERMS.title, Literal("A test report", lang="en")) in g  # provenance
    assert (NEMO, PROV.wasDerivedFrom, PARA) in g
    assert (PARA, CCAI.locatorLabel, Literal("paragraph 2", lang="en")) in g
    assert (PARA, DCTERMS.isPartOf, DOC) in g
    assert (CONFERENCE, CCAI.organiser, NEMO) in g  # incoming link
    assert (CONFERENCE, RDFS.label, Literal("A conference", lang="en")) in g
    # inferred rdf:type (alignment) yes; owl:Thing and other inferred triples no
    assert (NEMO, RDF.type, SCHEMA.Organization) in g
    assert (NEMO, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Thing")) not in g
    assert (NEMO, CCAI.affiliatedWith, None) not in g
    # not the linked resources' own descriptions, nor unrelated triples
    assert (BERLIN, CCAI.population, None) not in g
    assert (BERLIN, URIRef(CCAI + "twinTown"), PARIS) not in g
    assert (PARIS, None, None) not in g
    assert (CONFERENCE, RDF.type, None) not in g
    assert len(g) < 40


def test_blank_node_closure(store):
    g = describe(store, URIRef("https://w3id.org/ccai/id/person/julia-pagel"))
    labels = {str(o) for o in g.objects(None, RDFS.label)}
    assert {"a board", "chair"} <= labels


def test_source_document_lists_derived_entities(store):
    g = describe(store, DOC)
    assert (NEMO, DCTERMS.source, DOC) in g
    assert (NEMO, RDFS.label, Literal("NEMO", lang="en")) in g
    assert (PARA, DCTERMS.isPartOf, DOC) in g


def test_scheme_lists_concepts(store):
    g = describe(store, URIRef("https://w3id.org/ccai/vocab/themes"))
    skills = URIRef("https://w3id.org/ccai/vocab/themes/skills")
    assert (skills, SKOS.inScheme, URIRef("https://w3id.org/ccai/vocab/themes")) in g
    assert (skills, SKOS.prefLabel, Literal("skills", lang="en")) in g


def test_named_graph_is_a_summary_not_the_content(client):
    r = client.get("/graph/test-doc", headers={"Accept": "text/turtle"})
    g = parse(r, "turtle")
    graph = URIRef("https://w3id.org/ccai/graph/test-doc")
    assert (graph, RDF.type, VOID.Dataset) in g
    triples = int(g.value(graph, VOID.triples))
    assert triples > 20
    assert g.value(graph, VOID.sparqlEndpoint) == URIRef(PUBLIC + "sparql")
    assert str(g.value(graph, VOID.dataDump)).startswith(PUBLIC + "sparql?query=")
    assert (graph, DCTERMS.source, DOC) in g
    assert (NEMO, None, None) not in g
    assert client.get("/graph/no-such-graph").status_code == 404


def test_ontology_graph_and_versions(client):
    g = parse(client.get("/ontology", headers={"Accept": "text/turtle"}), "turtle")
    assert (CCAI.Organisation, RDFS.label, Literal("organisation", lang="en")) in g
    r = client.get("/ontology/0.1.0", headers={"Accept": "text/turtle"})
    assert isomorphic(parse(r, "turtle"), g)
    assert client.get("/ontology/9.9.9", headers={"Accept": "application/json"}).status_code == 404
    assert client.get("/ontology/latest").status_code == 400


# --- JSON-LD --------------------------------------------------------------------------


def test_context_document(client):
    r = client.get("/context.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    ctx = r.json()["@context"]
    assert ctx["ccai"] == "https://w3id.org/ccai/ontology#"
    assert ctx["organisation"] == "https://w3id.org/ccai/id/organisation/"


def test_jsonld_parses_offline_and_matches_turtle(client, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("JSON-LD parsing tried to reach the network")

    for path in ("/id/organisation/nemo", "/vocab/themes", "/graph/test-doc"):
        r = client.get(path, headers={"Accept": "application/ld+json"})
        assert (
            f'<{PUBLIC}context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"'
            in (r.headers["link"])
        )
        body = r.json()
        assert isinstance(body["@context"], dict)  # embedded, no fetch needed
        turtle = parse(client.get(path, headers={"Accept": "text/turtle"}), "turtle")
        with monkeypatch.context() as m:
            m.setattr(socket, "create_connection", no_network)
            m.setattr(socket.socket, "connect", no_network)
            jsonld = Graph().parse(data=r.text, format="json-ld")
        assert isomorphic(jsonld, turtle), path


# --- HTML -----------------------------------------------------------------------------


def test_html_page_content(client):
    r = client.get("/id/organisation/nemo", headers={"Accept": "text/html"})
    html = r.text
    assert "<title>NEMO · CCAI knowledge graph</title>" in html
    assert "<h1>NEMO</h1>" in html
    berlin = "https://w3id.org/ccai/id/place/berlin"
    assert f'href="{PUBLIC}id/place/berlin" title="{berlin}">Berlin</a>' in html  # label, IRI
    organisation = "https://w3id.org/ccai/ontology#Organisation"
    assert f'href="{PUBLIC}ontology#Organisation" title="{organisation}">organisation</a>' in html
    assert "A test report" in html and "paragraph 2" in html  # provenance box
    assert "museums &lt;b&gt;matter&lt;/b&gt;" in html  # the quote, escaped
    conference = "https://w3id.org/ccai/id/event/conference"
    assert f'href="{PUBLIC}id/event/conference" title="{conference}">A conference</a>' in html
    assert f'href="{PUBLIC}id/organisation/nemo.ttl"' in html  # alternates
    assert f'href="{PUBLIC}sparql?query=' in html
    for item in ("Search", "Browse", "SPARQL", "Ontology", "Vocabularies", "Download"):
        assert f">{item}</a>" in html
    script = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert json.loads(script)["@context"]["ccai"] == str(CCAI)


def test_html_escapes_script_in_label(client):
    html = client.get("/id/person/evil", headers={"Accept": "text/html"}).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the embedded JSON-LD cannot close its element
    script = html.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in script
    assert "</script><script>alert(1)" in json.dumps(json.loads(script), ensure_ascii=False)


def test_external_iris_are_plain_links(client):
    html = client.get("/id/organisation/nemo", headers={"Accept": "text/html"}).text
    schema = "https://schema.org/Organization"
    assert f'href="{schema}" title="{schema}" rel="external"' in html


def test_stylesheet(client):
    r = client.get("/static/ccai.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")


# --- errors ---------------------------------------------------------------------------


def test_404_html_with_suggestions(client):
    r = client.get("/id/organisation/nemoo", headers={"Accept": "text/html"})
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    assert f'href="{PUBLIC}id/organisation/nemo"' in r.text  # similar slug
    assert 'action="http://testserver/search"' in r.text


def test_404_rdf_and_json(client):
    r = client.get("/id/organisation/nobody", headers={"Accept": "text/turtle"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/turtle")
    assert len(parse(r, "turtle")) == 0
    r = client.get("/id/organisation/nemoo", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert r.json()["error"] == "not-found"
    assert r.json()["suggestions"] == [PUBLIC + "id/organisation/nemo"]
    r = client.get("/id/organisation/nobody.jsonld")
    assert r.status_code == 404 and r.json() == {}


def test_404_unknown_kind_and_scheme(client):
    assert client.get("/id/unicorn/x", headers={"Accept": "text/html"}).status_code == 404
    r = client.get("/vocab/colours", headers={"Accept": "application/json"})
    assert r.status_code == 404
    assert PUBLIC + "vocab/themes" in r.json()["suggestions"]


@pytest.mark.parametrize(
    "path",
    [
        "/id/organisation/NEMO",
        "/id/organisation/ne_mo",
        "/id/organisation/nemo%3E%7D",
        "/id/organisation/nemo%22%20.",
        "/vocab/themes/da%20ta",
        "/source/test-doc/para.2",
        "/graph/test-doc.xml",
        "/id/organisation/nemo.xml",
        "/ontology.pdf",
    ],
)
def test_400_for_characters_outside_the_slug_grammar(client, path):
    r = client.get(path, headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert r.json()["error"] == "malformed-path"
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 400


# --- ontology documentation -----------------------------------------------------------


def _ccai_classes(store) -> set[str]:
    g = Graph().parse(data=client_ontology_turtle(store), format="turtle")
    owl_class = URIRef("http://www.w3.org/2002/07/owl#Class")
    return {
        str(c)[len(str(CCAI)) :]
        for c in g.subjects(RDF.type, owl_class)
        if str(c).startswith(str(CCAI))
    }


def client_ontology_turtle(store) -> str:
    return describe(store, "https://w3id.org/ccai/ontology").serialize(format="turtle")


def test_builtin_ontology_docs_mention_every_class(client, store):
    r = client.get("/ontology", headers={"Accept": "text/html"})
    assert r.status_code == 200
    classes = _ccai_classes(store)
    assert len(classes) > 30
    for name in classes:
        assert f'id="{name}"' in r.text, name
    assert "schema:Organization" in r.text  # alignment
    # one language per label: English here, Dutch on request (never both glued together)
    assert "organisatie" not in r.text
    dutch = client.get("/ontology?lang=nl", headers={"Accept": "text/html"}).text
    assert "organisatie" in dutch and '<html lang="nl">' in dutch


def test_pylode_ontology_docs_mention_every_class(store, raw_store):
    pytest.importorskip("pylode")
    with make_client(raw_store, use_pylode=True) as client:
        r = client.get("/ontology", headers={"Accept": "text/html"})
        assert r.status_code == 200
        for name in _ccai_classes(store):
            assert name in r.text, name
        again = client.get("/ontology.html")
        assert again.text == r.text  # rendered once, cached
