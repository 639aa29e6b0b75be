"""Execution rules shared by both backends: dataset, caps, serialisation."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from api.errors import NotAcceptable, QueryTooComplex, ResultTooLarge
from api.sparql.safety import MAX_NESTING
from api.store.base import FormatChoice, QueryJob
from api.store.execute import dataset_arguments
from api.store.oxigraph import OxigraphStore

G = "https://w3id.org/ccai/graph/"
JSON = FormatChoice("application/sparql-results+json", "application/n-triples")
GRAPHS = [G + "inferred", G + "source-0", G + "source-1", G + "source-2"]


@pytest.fixture(scope="module")
def store(store_path: Path) -> OxigraphStore:
    s = OxigraphStore.open(store_path, max_result_rows=50)
    asyncio.run(s.start())
    return s


def run(store: OxigraphStore, query: str, **kw) -> dict:
    return json.loads(store.run(QueryJob(query, JSON, max_rows=store._max_rows, **kw)).body)


def test_statistics(store: OxigraphStore) -> None:
    assert store.named_graphs() == GRAPHS
    # 153 quads; one triple is stated by two sources: 152 distinct, 137 asserted
    assert store.triple_count() == 152
    assert store.counts().asserted == 137 and store.counts().inferred == 15
    assert store.triple_count(G + "inferred") == 15
    assert sum(store.counts().graphs.values()) == 153


def test_dataset_arguments() -> None:
    job = QueryJob("ASK {}", JSON)
    args = dataset_arguments(job, GRAPHS, has_dataset=False)
    # the store's own (materialised, distinct) default graph: no list of graphs to merge
    assert args == {}
    args = dataset_arguments(QueryJob("ASK {}", JSON, include_inferred=False), GRAPHS, False)
    assert [n.value for n in args["default_graph"]] == GRAPHS[1:]
    assert [n.value for n in args["named_graphs"]] == GRAPHS[1:]
    assert dataset_arguments(job, GRAPHS, has_dataset=True) == {}
    job = QueryJob("ASK {}", JSON, default_graph=(G + "source-0", "http://elsewhere/g"))
    args = dataset_arguments(job, GRAPHS, has_dataset=True)  # protocol beats FROM
    assert [n.value for n in args["default_graph"]] == [G + "source-0"]
    assert args["named_graphs"] == []


def test_default_graph_is_a_set(store: OxigraphStore) -> None:
    # stated by two sources: once in the default graph, twice across GRAPH ?g
    q = "SELECT ?o WHERE { <http://example.org/dup> ?p ?o }"
    assert len(run(store, q)["results"]["bindings"]) == 1
    # without inference: the union of the asserted named graphs (a bag, see layout)
    assert len(run(store, q, include_inferred=False)["results"]["bindings"]) == 2
    q = "SELECT ?g WHERE { GRAPH ?g { <http://example.org/dup> ?p ?o } }"
    assert len(run(store, q)["results"]["bindings"]) == 2
    # GRAPH ?g ranges over the named graphs only
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    graphs = {b["g"]["value"] for b in run(store, q)["results"]["bindings"]}
    assert graphs == set(GRAPHS)
    count = "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"
    assert run(store, count)["results"]["bindings"][0]["n"]["value"] == "152"
    n = run(store, count, include_inferred=False)["results"]["bindings"][0]["n"]["value"]
    assert n == "138"  # 137 distinct asserted triples, one stated by two sources
    distinct = "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT * { ?s ?p ?o } }"
    n = run(store, distinct, include_inferred=False)["results"]["bindings"][0]["n"]["value"]
    assert n == "137"


def test_row_cap_is_exact(store: OxigraphStore) -> None:
    assert len(run(store, "SELECT * { ?s ?p ?o } LIMIT 50")["results"]["bindings"]) == 50
    with pytest.raises(ResultTooLarge):
        run(store, "SELECT * { ?s ?p ?o } LIMIT 51")
    with pytest.raises(ResultTooLarge):
        store.run(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", JSON, max_rows=50))
    body = store.run(QueryJob("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 50", JSON, max_rows=50)).body
    assert body.count(b"\n") == 50


@pytest.mark.parametrize(
    "media_type", ["application/sparql-results+json", "application/sparql-results+xml", "text/csv"]
)
def test_terms_survive_the_tsv_pass(
    store: OxigraphStore, store_path: Path, media_type: str
) -> None:
    q = 'SELECT ?s ?o { ?s ?p ?o FILTER(isBlank(?s) || ?o = "7") }'
    direct = ox.Store.read_only(str(store_path))
    expected = direct.query(q).serialize(format=ox.QueryResultsFormat.from_media_type(media_type))
    got = store.run(QueryJob(q, FormatChoice(media_type, None))).body
    assert got == expected


def test_no_variables_and_no_rows(store: OxigraphStore) -> None:
    assert run(store, "SELECT * {}")["results"]["bindings"] == [{}]
    assert run(store, "SELECT ?x {} LIMIT 0") == {
        "head": {"vars": ["x"]},
        "results": {"bindings": []},
    }


def test_not_acceptable_for_the_form(store: OxigraphStore) -> None:
    with pytest.raises(NotAcceptable) as info:
        store.run(QueryJob("CONSTRUCT WHERE { ?s ?p ?o }", FormatChoice("text/csv", None)))
    assert "text/turtle" in info.value.details["available"]


def test_nesting_limit_is_the_same_in_every_backend(store: OxigraphStore) -> None:
    # pyoxigraph's recursive parser crashes the process near 3,000 levels, so
    # the safety check refuses more than MAX_NESTING before it sees the query.
    ok = "ASK { FILTER(" + "(" * (MAX_NESTING - 2) + "true" + ")" * (MAX_NESTING - 2) + ") }"
    assert store.run(QueryJob(ok, JSON)).body.endswith(b"true}")
    nested = "ASK { FILTER(" + "(" * 3000 + "true" + ")" * 3000 + ") }"
    with pytest.raises(QueryTooComplex) as info:
        store.run(QueryJob(nested, JSON))
    assert str(MAX_NESTING) in info.value.message
