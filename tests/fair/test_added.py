"""Statistics updated with the triples a load added (api.fair.added) equal a full count."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from api.fair import DatasetStatistics
from api.fair.added import statistics_after_adding
from api.store.layout import INFERRED, materialise
from tests.fair.conftest import FIXTURE_TRIG

CCAI = "https://w3id.org/ccai/"
XSD = "http://www.w3.org/2001/XMLSchema#"
LOADED = ox.NamedNode("https://heritage.example/graph/collection")
SCRATCH = ox.NamedNode("urn:x-ccai:loading:scratch")


def iri(value: str) -> ox.NamedNode:
    return ox.NamedNode(value)


# Terms the fixture already uses and new ones of every kind the statistics tell apart.
SUBJECTS = [
    iri(CCAI + "id/organisation/nemo"),
    iri(CCAI + "id/document/eu-ai-act"),
    iri(CCAI + "source/ekip-policy-lab-1"),
    iri(CCAI + "id/organisation/aaa-first-of-its-kind"),  # sorts before the fixture's
    iri(CCAI + "id/project/a-new-kind"),
    iri("https://heritage.example/object/1"),
    ox.BlankNode("b1"),
]
PREDICATES = [
    iri("http://www.w3.org/2000/01/rdf-schema#label"),
    iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
    iri("http://purl.org/dc/terms/issued"),
    iri("http://www.w3.org/2004/02/skos/core#exactMatch"),
    iri("http://www.w3.org/2002/07/owl#sameAs"),
    iri("https://heritage.example/vocab/depicts"),
]
OBJECTS = [
    ox.Literal("NEMO", language="en"),
    ox.Literal("nouveau", language="fr"),
    ox.Literal("Gezicht", language="nl-BE"),
    ox.Literal("plain"),
    ox.Literal("2024", datatype=iri(XSD + "gYear")),
    ox.Literal("1999", datatype=iri(XSD + "gYear")),
    ox.Literal("2031-05-01", datatype=iri(XSD + "date")),
    iri("http://www.wikidata.org/entity/Q8880"),
    iri("http://www.wikidata.org/entity/Q1"),
    iri("http://data.europa.eu/eli/ontology#LegalResource"),
    iri("http://data.europa.eu/eli/reg/2024/1689/oj"),
    iri(CCAI + "ontology#Organisation"),
    iri("https://heritage.example/vocab/Painting"),
    iri(CCAI + "id/organisation/nemo"),
    ox.BlankNode("b1"),
]

triples = st.lists(
    st.tuples(st.sampled_from(SUBJECTS), st.sampled_from(PREDICATES), st.sampled_from(OBJECTS)),
    max_size=14,
)


def built_store() -> ox.Store:
    store = ox.Store()
    store.load(FIXTURE_TRIG.encode(), format=ox.RdfFormat.TRIG)
    materialise(store)
    return store


def after_adding(
    asserted: list[tuple], entailed: list[tuple] = ()
) -> tuple[DatasetStatistics, DatasetStatistics]:
    """As ``ccai load`` counts: the new graph's triples before they go into the default
    graph, then the entailments (those it still lacks) once they are in it; against a
    full count of the store after."""
    store = built_store()
    statistics = DatasetStatistics.from_store(store)
    store.extend(ox.Quad(s, p, o, LOADED) for s, p, o in asserted)
    statistics = statistics_after_adding(
        statistics, store, added=LOADED.value, inserted=False, sources=[LOADED.value]
    )
    store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{LOADED.value}> {{ ?s ?p ?o }} }}")
    for s, p, o in entailed:
        if ox.Quad(s, p, o) not in store:
            store.add(ox.Quad(s, p, o, SCRATCH))
            store.add(ox.Quad(s, p, o))
    statistics = statistics_after_adding(statistics, store, added=SCRATCH.value, inserted=True)
    store.update(f"ADD <{SCRATCH.value}> TO <{INFERRED}> ; DROP SILENT GRAPH <{SCRATCH.value}>")
    counted = DatasetStatistics.from_store(store)
    return replace(statistics, graphs=counted.graphs), counted


@settings(max_examples=100, deadline=None)
@given(triples, triples)
def test_the_update_equals_a_full_count(asserted: list[tuple], entailed: list[tuple]) -> None:
    updated, counted = after_adding(asserted, entailed)
    assert updated == counted


def test_every_figure_moves_in_one_load() -> None:
    nemo, new_org, heritage = SUBJECTS[0], SUBJECTS[3], SUBJECTS[5]
    label, rdf_type, issued, exact = PREDICATES[0], PREDICATES[1], PREDICATES[2], PREDICATES[3]
    updated, counted = after_adding(
        [
            (nemo, label, OBJECTS[0]),  # already in the default graph: no change
            (new_org, rdf_type, OBJECTS[11]),  # a new entity, first of its kind
            (new_org, label, OBJECTS[1]),  # French
            (heritage, exact, OBJECTS[8]),  # a new link
            (heritage, issued, OBJECTS[5]),  # 1999: an earlier year
            (SUBJECTS[1], PREDICATES[4], OBJECTS[10]),  # a link the default graph holds
            (heritage, PREDICATES[4], OBJECTS[10]),  # … and a new one to the same IRI
        ],
        [(heritage, rdf_type, OBJECTS[12])],  # an entailment: a new class
    )
    assert updated == counted
    assert updated.triples == 21 + 5 + 1
    assert updated.class_partitions["https://heritage.example/vocab/Painting"] == 1
    assert updated.entities == 4 + 1
    assert updated.example_resources[0] == new_org.value
    assert updated.language_literals["fr"] == 1
    assert updated.years == (1999, 2024)
    assert updated.links[("wikidata", exact.value)] == 2
    assert updated.links[("eli", PREDICATES[4].value)] == 2


def test_nothing_added_changes_nothing_but_the_graphs() -> None:
    updated, counted = after_adding([(SUBJECTS[0], PREDICATES[0], OBJECTS[0])])
    assert updated == counted
    assert updated.graphs[LOADED.value] == 1
