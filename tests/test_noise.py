"""api.build.noise: the build's filter read in Python drops what the SPARQL ``DELETE`` drops."""

from __future__ import annotations

import pyoxigraph as ox
from hypothesis import given, settings
from hypothesis import strategies as st

from api.build import entailment
from api.build.noise import dropped

SCRATCH = "https://w3id.org/ccai/graph/loading-scratch"
ONTOLOGY = "https://w3id.org/ccai/graph/ontology"
E = "https://e.org/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"


def n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def by_sparql(store: ox.Store) -> set[ox.Triple]:
    """What :func:`api.build.entailment._drop_noise` deletes from the scratch graph, on a
    copy of ``store``; and it deletes the same from the default graph."""
    copy = ox.Store()
    copy.extend(store)
    before = _graph(copy, SCRATCH)
    default = _graph(copy, None)
    copy.update(entailment._drop_noise(SCRATCH, "?s ?p ?o", "", ONTOLOGY))
    gone = before - _graph(copy, SCRATCH)
    assert default - _graph(copy, None) == gone & default
    return gone


def _graph(store: ox.Store, graph: str | None) -> set[ox.Triple]:
    name = ox.DefaultGraph() if graph is None else n(graph)
    return {
        ox.Triple(q.subject, q.predicate, q.object)
        for q in store.quads_for_pattern(None, None, None, name)
    }


def store_of(scratch, default=(), ontology=()) -> ox.Store:
    """Entailments in the scratch graph and in the default graph (as the load writes
    them), with the default graph's other triples and the ontology graph's."""
    store = ox.Store()
    for triple in scratch:
        store.add(ox.Quad(*triple, n(SCRATCH)))
        store.add(ox.Quad(*triple))
    store.extend(ox.Quad(*t) for t in default)
    store.extend(ox.Quad(*t, n(ONTOLOGY)) for t in ontology)
    return store


def test_every_case_as_the_sparql_delete() -> None:
    x, y, p, c = n(E + "x"), n(E + "y"), n(E + "p"), n(E + "C")
    blank = ox.BlankNode("b1")
    cases = {
        "blank-node subject": (blank, p, y),
        "blank-node object": (x, p, blank),
        "anonymous class": (x, n(RDF + "type"), blank),
        "literal class": (n(E + "x2"), n(RDF + "type"), ox.Literal("C")),
        "built-in class": (n(E + "x3"), n(RDF + "type"), n(RDFS + "Resource")),
        "reflexive sameAs": (x, n(OWL + "sameAs"), x),
        "schema entailment": (c, n(RDFS + "subClassOf"), c),
        "xsd predicate": (n(E + "x4"), n(XSD + "p"), y),
        "about a built-in term": (n(OWL + "Thing"), p, y),
        "ontology subject": (n(E + "onto-s"), p, y),
        "ontology predicate": (n(E + "onto-p"), p, y),
        "ontology object": (n(E + "onto-o"), p, y),
        "a predicate of the default graph": (n(E + "used-p"), p, y),
        "a class of the default graph": (n(E + "used-c"), p, y),
    }
    kept = {
        (x, n(RDF + "type"), c),
        (x, n(OWL + "sameAs"), y),
        (x, p, ox.Literal("1", datatype=n(XSD + "integer"))),
        (y, p, x),
    }
    store = store_of(
        [*cases.values(), *kept],
        default=[(y, n(E + "used-p"), x), (x, n(RDF + "type"), n(E + "used-c"))],
        ontology=[(n(E + "onto-s"), n(E + "onto-p"), n(E + "onto-o"))],
    )
    found = set(dropped(store, SCRATCH, ONTOLOGY))
    assert found == {ox.Triple(*t) for t in cases.values()}
    assert found == by_sparql(store)


TERMS = [
    n(E + "a"),
    n(E + "b"),
    n(E + "p"),
    n(E + "C"),
    n(RDF + "type"),
    n(OWL + "sameAs"),
    n(RDFS + "label"),
    n(OWL + "Thing"),
]
subjects = st.one_of(st.sampled_from(TERMS), st.just(ox.BlankNode("z")))
objects = st.one_of(subjects, st.just(ox.Literal("a")))
triples = st.tuples(subjects, st.sampled_from(TERMS), objects)


@settings(max_examples=150, deadline=None)
@given(
    scratch=st.lists(triples, max_size=10),
    default=st.lists(triples, max_size=6),
    ontology=st.lists(triples, max_size=3),
)
def test_any_graphs_as_the_sparql_delete(scratch, default, ontology) -> None:
    store = store_of(scratch, default, ontology)
    assert set(dropped(store, SCRATCH, ONTOLOGY)) == by_sparql(store)
