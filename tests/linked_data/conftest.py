"""A small fixture store, read through the service's own wiring.

``raw_store`` is the pyoxigraph store laid out as a build lays it out;
``store`` is the read facade over it (what :func:`api.linked_data.describe`
takes); ``client`` is the real app (``create_app``) serving it in-process.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from fastapi.testclient import TestClient

from api.resources import ontology_file
from api.settings import Settings
from api.store.layout import materialise
from api.store.oxigraph import OxigraphStore
from api.store.reader import SyncReader, reader_over
from api.web.app import create_app

PUBLIC = "http://testserver/"
G = "https://w3id.org/ccai/graph/"

FIXTURE_GRAPH = """
PREFIX ccai: <https://w3id.org/ccai/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX organisation: <https://w3id.org/ccai/id/organisation/>
PREFIX person: <https://w3id.org/ccai/id/person/>
PREFIX event: <https://w3id.org/ccai/id/event/>
PREFIX place: <https://w3id.org/ccai/id/place/>
PREFIX source: <https://w3id.org/ccai/source/>
PREFIX doc1: <https://w3id.org/ccai/source/test-doc/>
PREFIX themes: <https://w3id.org/ccai/vocab/themes/>

source:test-doc a ccai:SourceDocument , ccai:Report ;
    dct:title "A test report"@en ;
    rdfs:label "Test report (2024)"@en .

doc1:para-2 a ccai:Locator ;
    ccai:locatorLabel "paragraph 2"@en ;
    dct:isPartOf source:test-doc .

organisation:nemo a ccai:Organisation ;
    rdfs:label "NEMO"@en ;
    skos:altLabel "Network of European Museum Organisations"@en ;
    ccai:location place:berlin ;
    ccai:theme themes:data ;
    ccai:quote "museums <b>matter</b>"@en ;
    dct:source source:test-doc ;
    prov:wasDerivedFrom doc1:para-2 .

place:berlin a ccai:Place ; rdfs:label "Berlin"@en ;
    ccai:population "3.8 million"@en ;
    dct:source source:test-doc ; prov:wasDerivedFrom doc1:para-2 .

event:conference a ccai:Conference ;
    rdfs:label "A conference"@en ;
    ccai:organiser organisation:nemo ;
    dct:source source:test-doc ; prov:wasDerivedFrom doc1:para-2 .

person:evil a ccai:Person ;
    rdfs:label "</script><script>alert(1)</script>"@en ;
    dct:source source:test-doc ; prov:wasDerivedFrom doc1:para-2 .

person:julia-pagel a ccai:Person ;
    rdfs:label "Julia Pagel"@en ;
    ccai:memberOf [ rdfs:label "a board"@en ; ccai:role [ rdfs:label "chair"@en ] ] ;
    dct:source source:test-doc ; prov:wasDerivedFrom doc1:para-2 .
"""

VOCAB = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX vocab: <https://w3id.org/ccai/vocab/>
PREFIX themes: <https://w3id.org/ccai/vocab/themes/>
vocab:themes a skos:ConceptScheme ; rdfs:label "Themes"@en ;
    dct:isPartOf <https://w3id.org/ccai/vocab> ;
    skos:hasTopConcept themes:data .
themes:data a skos:Concept ; skos:prefLabel "data"@en , "data"@nl ; skos:inScheme vocab:themes ;
    skos:topConceptOf vocab:themes .
themes:skills a skos:Concept ; skos:prefLabel "skills"@en ; skos:inScheme vocab:themes .
"""

INFERRED = """
<https://w3id.org/ccai/id/organisation/nemo> a <https://schema.org/Organization> ,
    <http://www.w3.org/2002/07/owl#Thing> ;
    <https://w3id.org/ccai/ontology#affiliatedWith> <https://w3id.org/ccai/id/organisation/other> .
"""

# An unrelated statement in another graph: must never appear in nemo's description.
OTHER = """
<https://w3id.org/ccai/id/place/berlin> <https://w3id.org/ccai/ontology#twinTown>
    <https://w3id.org/ccai/id/place/paris> .
<https://w3id.org/ccai/id/place/paris> <http://www.w3.org/2000/01/rdf-schema#label> "Paris"@en .
"""


def build_store() -> ox.Store:
    store = ox.Store()

    def load(data: str, graph: str) -> None:
        store.load(data.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(G + graph))

    store.load(
        path=str(ontology_file()), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(G + "ontology")
    )
    load(VOCAB, "vocabularies")
    load(FIXTURE_GRAPH, "test-doc")
    load(INFERRED, "inferred")
    load(OTHER, "other-doc")
    materialise(store)  # as the build does
    return store


@pytest.fixture(scope="session")
def raw_store() -> ox.Store:
    return build_store()


@pytest.fixture(scope="session")
def store(raw_store: ox.Store) -> SyncReader:
    return reader_over(raw_store)


def make_client(raw_store: ox.Store, *, use_pylode: bool) -> TestClient:
    settings = Settings(
        _env_file=None,
        store_path=Path("/nonexistent-build"),
        public_base_url=PUBLIC,
        ontology_docs="pylode" if use_pylode else "builtin",
    )
    return TestClient(create_app(settings, store=OxigraphStore(raw_store)))


@pytest.fixture(scope="session")
def client(raw_store: ox.Store) -> Iterator[TestClient]:
    with make_client(raw_store, use_pylode=False) as c:
        yield c
