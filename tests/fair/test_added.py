"""Statistics updated with the triples a load added (api.fair.added) equal a full count."""

from __future__ import annotations

from dataclasses import replace

import pyoxigraph as ox
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api.fair import DatasetStatistics
from api.fair.added import statistics_after_adding, statistics_after_changing
from api.fair.statistics import year_of
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


# --- a graph loaded again: what the default graph gains and loses (statistics_after_changing)

GAINED = ox.NamedNode("urn:x-ccai:loading:gained")
LOST = ox.NamedNode("urn:x-ccai:loading:lost")
PLUS = ox.NamedNode("urn:x-ccai:loading:plus")  # what the loaded graph gains
MINUS = ox.NamedNode("urn:x-ccai:loading:minus")  # what it loses


def triples_of(store: ox.Store, graph: ox.NamedNode | ox.DefaultGraph) -> set[tuple]:
    return {
        (q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, graph)
    }


def after_changing(
    first: list[tuple], second: list[tuple]
) -> tuple[DatasetStatistics | None, DatasetStatistics]:
    """As ``ccai load`` counts a graph loaded again: graph LOADED held ``first`` and now
    holds ``second``; the default graph's changes are in place, what it gained and lost
    each in a graph of its own; against a full count of the store after."""
    store = built_store()
    store.extend(ox.Quad(s, p, o, LOADED) for s, p, o in first)
    materialise(store)
    before = DatasetStatistics.from_store(store)
    default_before = triples_of(store, ox.DefaultGraph())
    others = set().union(*(triples_of(store, g) for g in store.named_graphs() if g != LOADED))
    old, new = set(first), set(second)
    default_after = others | new
    store.remove_graph(LOADED)
    store.extend(ox.Quad(s, p, o, LOADED) for s, p, o in new)
    for graph, changes in (
        (ox.DefaultGraph(), default_after - default_before),
        (GAINED, default_after - default_before),
        (LOST, default_before - default_after),
        (PLUS, new - old),
        (MINUS, old - new),
    ):
        store.extend(ox.Quad(s, p, o, graph) for s, p, o in changes)
    for s, p, o in default_before - default_after:
        store.remove(ox.Quad(s, p, o))
    updated = statistics_after_changing(
        before,
        store,
        gained=GAINED.value,
        lost=LOST.value,
        sources=[PLUS.value],
        unstated=[MINUS.value],
    )
    for graph in (GAINED, LOST, PLUS, MINUS):
        store.remove_graph(graph)
    counted = DatasetStatistics.from_store(store)
    return (None if updated is None else replace(updated, graphs=counted.graphs)), counted


@settings(max_examples=200, deadline=None)
@given(triples, triples)
def test_the_update_after_a_change_equals_a_full_count(
    first: list[tuple], second: list[tuple]
) -> None:
    """Either equal to a full count, or ``None`` for one of the two reasons it gives."""
    updated, counted = after_changing(first, second)
    if updated is None:
        lost_years = {year_of(o) for s, p, o in set(first) - set(second)}
        firsts = set(DatasetStatistics.from_store(store_with(first)).first_of_kind.values())
        gone = {s.value for s, p, o in set(first) - set(second)} - {s.value for s, p, o in second}
        assert lost_years & {1999, 2024, 2031} or gone & firsts
    else:
        assert updated == counted


def store_with(loaded: list[tuple]) -> ox.Store:
    store = built_store()
    store.extend(ox.Quad(s, p, o, LOADED) for s, p, o in loaded)
    materialise(store)
    return store


def test_every_figure_moves_both_ways_in_one_load() -> None:
    nemo, first_org, heritage = SUBJECTS[0], SUBJECTS[3], SUBJECTS[5]
    label, rdf_type, exact, depicts = PREDICATES[0], PREDICATES[1], PREDICATES[3], PREDICATES[5]
    zeta = iri(CCAI + "id/organisation/zeta")
    stays = [(heritage, rdf_type, OBJECTS[12]), (nemo, label, OBJECTS[0])]
    first = [
        *stays,
        (heritage, exact, OBJECTS[8]),  # a link, lost
        (heritage, label, OBJECTS[2]),  # Dutch, lost
        (SUBJECTS[6], depicts, OBJECTS[3]),  # a blank subject and a plain literal, gone
        (zeta, rdf_type, OBJECTS[11]),  # an entity, not the first of its kind, gone
        (first_org, label, OBJECTS[1]),  # the first organisation: stays
    ]
    second = [
        *stays,
        (first_org, label, OBJECTS[1]),
        (heritage, exact, OBJECTS[7]),  # another link
        (heritage, PREDICATES[4], OBJECTS[10]),  # sameAs: a new property in the loaded graph
    ]
    updated, counted = after_changing(first, second)
    assert updated == counted
    before = DatasetStatistics.from_store(store_with(first))
    assert updated.triples == before.triples - 4 + 2
    assert updated.distinct_subjects == before.distinct_subjects - 2
    assert updated.entities == before.entities - 1
    assert updated.language_literals.get("nl") == before.language_literals["nl"] - 1
    assert updated.links[("wikidata", exact.value)] == before.links[("wikidata", exact.value)]
    assert depicts.value not in updated.property_partitions
    assert updated.class_partitions[CCAI + "ontology#Organisation"] == (
        before.class_partitions[CCAI + "ontology#Organisation"] - 1
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # the first organisation (alphabetically) gone: which comes next needs a full count
        ([(SUBJECTS[3], PREDICATES[0], OBJECTS[1])], []),
        # the last year no longer stated: whether another literal gives it needs one too
        ([(SUBJECTS[5], PREDICATES[2], OBJECTS[6])], [(SUBJECTS[5], PREDICATES[2], OBJECTS[4])]),
    ],
)
def test_a_figure_lost_that_needs_a_full_count(first: list[tuple], second: list[tuple]) -> None:
    assert after_changing(first, second)[0] is None
