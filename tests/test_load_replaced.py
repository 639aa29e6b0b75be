"""A graph loaded again, inferred from what changed (api.build.entailment.entail_replaced)
or over the whole store: either way the inferred graph is what the build's inference
keeps of everything asserted (a property test over every axiom kind of the rules'
fixture, with blank nodes, literals, schema terms and an institution's own terms)."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from api.build import rules
from api.store.layout import INFERRED
from tests.test_load import (
    DATA,
    EX,
    LINKSET,
    _fixture_ontology,
    assert_default_graph_is_the_union,
    built_store,
    graph_triples,
    load,
)

E = "https://example.org/onto#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NODES = [f"<{DATA}{n}>" for n in "abcd"] + [
    "_:b",  # a blank node: each file's own
    f"<{E}likes>",  # a predicate of the institution's own, and something to say things of
    f"<{E}Museum>",  # an ontology term
]
PREDICATES = [
    f"<{E}{p}>"
    for p in (
        "memberOf",
        "hasMember",
        "affiliatedWith",
        "partOf",
        "knows",
        "worksFor",
        "employedBy",
        "basedIn",
        "name",
        "likes",
    )
]
CLASSES = [f"<{E}{c}>" for c in ("Museum", "Institution", "Agent", "Person", "Place", "Curator")]

triple = st.one_of(
    st.tuples(st.sampled_from(NODES), st.just(f"<{RDF_TYPE}>"), st.sampled_from(CLASSES)),
    st.tuples(
        st.sampled_from(NODES),
        st.sampled_from(PREDICATES),
        st.sampled_from([*NODES, '"a name"']),
    ),
)
graph = st.lists(triple, max_size=8, unique=True)


def _nt(triples: list[tuple[str, str, str]]) -> str:
    return "".join(f"{s} {p} {o} .\n" for s, p, o in triples)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return _fixture_ontology()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(first=graph, second=graph, third=graph)
def test_the_inferred_graph_is_the_builds_after_a_graph_is_loaded_again(
    tmp_path_factory: pytest.TempPathFactory,
    ontology: Graph,
    first: list[tuple[str, str, str]],
    second: list[tuple[str, str, str]],
    third: list[tuple[str, str, str]],
) -> None:
    tmp = tmp_path_factory.mktemp("replaced")
    store = built_store(tmp / "oxigraph", ontology, Graph())
    for name, triples, target in (
        ("first.nt", first, LINKSET),
        ("second.nt", second, EX + "second"),
        ("third.nt", third, EX + "second"),
    ):
        path = tmp / name
        path.write_text(_nt(triples), encoding="utf-8")
        assert load(store, str(path), "--graph", target) == 0
    data = Graph().parse(data=_nt(first), format="nt") + Graph().parse(
        data=_nt(third), format="nt"
    )
    expected = {tuple(str(t) for t in triple) for triple in rules.infer(data, ontology).graph}
    got = {
        (t.subject.value, t.predicate.value, t.object.value) for t in graph_triples(store, INFERRED)
    }
    assert got == expected
    assert_default_graph_is_the_union(store)


def test_the_property_test_takes_the_path_of_what_changed(
    tmp_path: Path, ontology: Graph, capsys: pytest.CaptureFixture[str]
) -> None:
    """The graphs the property test draws reach delete and rederive (not only the whole
    store): a graph of its kind loaded again, changed."""
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    one = [(NODES[0], PREDICATES[0], NODES[1]), (NODES[1], f"<{RDF_TYPE}>", CLASSES[0])]
    two = [(NODES[0], PREDICATES[3], NODES[2]), (NODES[4], PREDICATES[5], NODES[0])]
    for name, triples in (("one.nt", one), ("two.nt", two)):
        path = tmp_path / name
        path.write_text(_nt(triples), encoding="utf-8")
        assert load(store, str(path), "--graph", EX + "second") == 0
    out = capsys.readouterr().out
    assert re.search(r"entailments in, \d+ out, of what changed", out), out
    assert ox.NamedNode(INFERRED) in set(ox.Store.read_only(str(store)).named_graphs())
