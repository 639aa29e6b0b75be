"""The default graph is the store's own (issue 11): a query that names no dataset
reaches pyoxigraph with no list of graphs to merge, and still sees the inferred
triples, each triple once."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.store.base import FormatChoice, QueryJob
from api.store.execute import execute
from api.store.layout import INFERRED, StoreLayoutError, count_triples, materialise

JSON = FormatChoice("application/sparql-results+json", None)
P = ox.NamedNode("http://example.org/p")


class Spy:
    """An ``ox.Store`` that records the keyword arguments of each query."""

    def __init__(self, store: ox.Store) -> None:
        self.store, self.calls = store, []

    def named_graphs(self):
        return self.store.named_graphs()

    def query(self, query: str, **kwargs):
        self.calls.append(kwargs)
        return self.store.query(query, **kwargs)


@pytest.fixture(scope="module")
def store(store_path: Path) -> ox.Store:
    return ox.Store.read_only(str(store_path))


def _rows(store, query: str, **kw) -> list[dict]:
    graphs = sorted(g.value for g in store.named_graphs())
    spy = store if isinstance(store, Spy) else Spy(store)
    body = execute(spy, QueryJob(query, JSON, **kw), graphs).body  # type: ignore[arg-type]
    return json.loads(body)["results"]["bindings"]


def test_the_common_query_names_no_graph(store: ox.Store) -> None:
    spy = Spy(store)
    _rows(spy, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
    (call,) = spy.calls
    assert "default_graph" not in call and "named_graphs" not in call
    assert not call.get("use_default_graph_as_union")


def test_inferred_triples_are_in_the_default_graph_once(store: ox.Store) -> None:
    inferred = {
        q.subject.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode(INFERRED))
    }
    assert len(inferred) == 15
    seen = {r["s"]["value"] for r in _rows(store, "SELECT ?s { ?s ?p ?o }")}
    assert inferred <= seen
    # the same answer as the union the engine was given before: default ∪ inferred, a set
    union = store.query(
        "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT * { ?s ?p ?o } }",
        default_graph=[ox.DefaultGraph(), ox.NamedNode(INFERRED)],
    )
    expected = next(iter(union))["n"].value
    assert _rows(store, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")[0]["n"]["value"] == expected
    # …and still in their own named graph, which inference=false hides
    q = f"SELECT ?s {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} }}"
    assert {r["s"]["value"] for r in _rows(store, q)} == inferred
    assert _rows(store, q, include_inferred=False) == []
    hidden = {r["s"]["value"] for r in _rows(store, "SELECT ?s {?s ?p ?o}", include_inferred=False)}
    assert not hidden & inferred


def test_a_store_of_the_old_layout_is_refused() -> None:
    old = ox.Store()
    old.add(ox.Quad(ox.NamedNode("http://e/a"), P, ox.Literal("1"), ox.NamedNode(INFERRED)))
    old.add(ox.Quad(ox.NamedNode("http://e/b"), P, ox.Literal("2"), ox.NamedNode(INFERRED + "x")))
    old.add(ox.Quad(ox.NamedNode("http://e/b"), P, ox.Literal("2")))  # asserted only
    with pytest.raises(StoreLayoutError):
        count_triples(old)
    materialise(old)
    assert count_triples(old).total == 2 and count_triples(old).inferred == 1


def test_the_counts_are_each_graphs_triples_and_the_default_graphs() -> None:
    store = ox.Store()
    a, b, g, h = (ox.NamedNode(f"http://e/{x}") for x in ("a", "b", "g", "h"))
    store.add(ox.Quad(a, P, ox.Literal("1"), g))
    store.add(ox.Quad(a, P, ox.Literal("1"), h))  # one triple, two graphs
    store.add(ox.Quad(b, P, ox.Literal("2"), h))
    store.add(ox.Quad(b, P, a, ox.NamedNode(INFERRED)))
    store.add_graph(ox.NamedNode("http://e/empty"))
    materialise(store)
    counts = count_triples(store)
    assert counts.graphs == {"http://e/g": 1, "http://e/h": 2, INFERRED: 1}
    assert (counts.total, counts.asserted, counts.inferred) == (3, 2, 1)


def test_an_inferred_triple_that_is_asserted_is_refused() -> None:
    store = ox.Store()
    triple = (ox.NamedNode("http://e/a"), P, ox.Literal("1"))
    store.add(ox.Quad(*triple, ox.NamedNode(INFERRED)))
    store.add(ox.Quad(*triple, ox.NamedNode("https://w3id.org/ccai/graph/source")))
    with pytest.raises(StoreLayoutError):
        materialise(store)
