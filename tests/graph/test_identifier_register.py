"""Facts from the register of verified external identifiers keep their own provenance.

``../shared/sources/external-identifiers.md`` is not a source document: what only it
states (identifiers, the AI Act's adoption and publication dates, the Commission
Recommendation (EU) 2021/1970 that no source names) lives in
``graph/external-identifiers.ttl`` (named graph ``…/graph/external-identifiers``),
credited to ``source:external-identifiers``, never to a source document (issue 13).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from api.namespaces import CCAI, ID, SCHEMA, SOURCE
from api.resources import graph_dir

REGISTER = SOURCE["external-identifiers"]
REGISTER_FILE = graph_dir() / "external-identifiers.ttl"
SOURCE_FILES = sorted(p for p in graph_dir().glob("*.ttl") if p != REGISTER_FILE)
#: properties whose values only the register gives
REGISTER_PROPERTIES = (SKOS.exactMatch, SKOS.closeMatch, RDFS.seeAlso, SCHEMA.legislationIdentifier)


@cache
def own(path: Path) -> Graph:
    return Graph().parse(path, format="turtle")


def test_register_is_its_own_named_graph() -> None:
    g = own(REGISTER_FILE)
    assert (REGISTER, RDF.type, CCAI.IdentifierRegister) in g
    assert (REGISTER, RDF.type, CCAI.SourceDocument) not in g
    for subject in set(g.subjects()) - {REGISTER}:
        if str(subject).startswith(str(ID)):
            assert set(g.objects(subject, DCTERMS.source)) == {REGISTER}, subject


def test_source_graphs_hold_no_register_facts() -> None:
    found = [
        (path.name, str(s), str(p))
        for path in SOURCE_FILES
        for p in REGISTER_PROPERTIES
        for s in own(path).subjects(p, None)
        if str(s).startswith(str(ID))
    ]
    assert not found, found


def test_ai_act_dates_are_the_registers() -> None:
    """The ekip report says adoption was pending: its graph must not date the adoption."""
    act = ID["document/eu-ai-act"]
    for path in SOURCE_FILES:
        g = own(path)
        assert (act, DCTERMS.dateAccepted, None) not in g, path.name
        assert (act, DCTERMS.issued, None) not in g, path.name
    g = own(REGISTER_FILE)
    assert str(g.value(act, DCTERMS.dateAccepted)) == "2024-06-13"
    assert str(g.value(act, DCTERMS.issued)) == "2024-07-12"


def test_entity_no_source_names_is_the_registers_only() -> None:
    reco = ID["document/commission-recommendation-2021-1970"]
    for path in SOURCE_FILES:
        assert (reco, None, None) not in own(path), path.name
        assert (None, None, reco) not in own(path), path.name
    assert (reco, RDF.type, CCAI.PolicyRecommendation) in own(REGISTER_FILE)


def test_external_iris_are_in_the_register(shared_sources: Path) -> None:
    """Every IRI of the register graph outside w3id.org/ccai is listed in the register."""
    text = (shared_sources / "external-identifiers.md").read_text(encoding="utf-8")
    external = {
        str(o)
        for o in own(REGISTER_FILE).objects()
        if isinstance(o, URIRef)
        and not str(o).startswith("https://w3id.org/ccai/")
        and not str(o).startswith(("http://www.w3.org/", "https://schema.org/"))
    }
    assert external
    assert not [iri for iri in external if iri not in text]
