"""The label index ``ccai load`` keeps for a remote store (:mod:`api.search.remote`),
without a server: the "remote store" is a pyoxigraph store laid out as
:class:`api.load.RemoteTarget` lays one out (its default graph in a named graph),
read through a SELECT function. ``tests/remote/test_remote_index.py`` runs the same
against Virtuoso, through ``ccai load`` and the service."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from api.cli import main
from api.load import GENID, read_triples
from api.namespaces import CCAI, ID
from api.search import remote
from api.search.index import INDEX_FILE
from api.search.remote import LabelMirror, RemoteIndex, RemoteIndexError, all_rows
from api.store.layout import TripleCounts, read_counts

WORK = "urn:x-ccai:default"
GRAPH = "https://example.org/museum/linkset"
EX = "https://example.org/museum/"
FIRST = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<{EX}object/1> a <{CCAI}Organisation> ; rdfs:label "Musée un"@fr, "Museum one"@en .
<{EX}object/2> rdfs:label "Object two" ; skos:altLabel "Objet deux"@fr .
<{ID}organisation/demo-museum-network> skos:altLabel "DMN" .
<{EX}object/3> <http://purl.org/dc/terms/subject> [ rdfs:label "a blank node" ] .
"""
SECOND = f"""
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{EX}object/2> rdfs:label "Object two, again" .
<{EX}object/4> a <{CCAI}Person> ; rdfs:label "Object four" .
"""


def select_over(store: ox.Store) -> remote.Select:
    def select(query: str) -> list[dict[str, Any]]:
        solutions = store.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{n: s[n] for n in names} for s in solutions]

    return select


def laid_out_remotely(path: Path) -> ox.Store:
    """The embedded store at ``path`` as a remote store holds it: the named graphs as
    they are, the default graph in the named graph :data:`WORK`."""
    source = ox.Store.read_only(str(path))
    store = ox.Store()
    work = ox.NamedNode(WORK)
    store.bulk_extend(
        q if q.graph_name != ox.DefaultGraph() else ox.Quad(q.subject, q.predicate, q.object, work)
        for q in source
    )
    del source
    return store


def rows(path: Path) -> list[list[tuple[str, ...]]]:
    conn = sqlite3.connect(path)
    try:
        return [
            sorted(conn.execute("SELECT iri, label, lang, graph, folded FROM labels")),
            sorted(conn.execute("SELECT iri, class FROM classes")),
            sorted(conn.execute("SELECT iri, label FROM display")),
        ]
    finally:
        conn.close()


def test_parts_add_up_to_their_counts_or_the_answer_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for i in range(100):
        store.add(ox.Quad(ox.NamedNode(f"{EX}{i}"), label, ox.Literal(f"label {i}")))
    many = ox.NamedNode(f"{EX}many")
    monkeypatch.setattr(remote, "PAGE", 4)
    select = select_over(store)
    queries: list[str] = []

    def logged(query: str) -> list[dict[str, Any]]:
        queries.append(query)
        return select(query)

    pattern = "?s ?p ?l"
    got = sorted(r["l"].value for r in all_rows(logged, "?s ?l", pattern))
    assert got == sorted(f"label {i}" for i in range(100))
    assert not any("ORDER BY" in q or "OFFSET" in q for q in queries)
    assert all(q.endswith("LIMIT 4") for q in queries if "COUNT" not in q)
    prefixes = {m for q in queries for m in re.findall(r'MD5\(STR\(\?s\)\), "(\w+)"', q)}
    assert {len(p) for p in prefixes} >= {1, 2}  # 16 parts, some split again

    def capped(query: str) -> list[dict[str, Any]]:  # a server that cuts an answer short
        return select(query)[:3]

    with pytest.raises(RemoteIndexError, match="3 of 4 rows"):
        list(all_rows(capped, "?s ?l", pattern))

    def grown(query: str) -> list[dict[str, Any]]:  # the store changed while read
        if "COUNT" in query:
            return [{"n": ox.Literal(str(int(select(query)[0]["n"].value) + 1))}]
        return select(query)

    with pytest.raises(RemoteIndexError, match="rows of"):
        list(all_rows(grown, "?s ?l", pattern))

    for i in range(5):  # one subject, more rows than a request holds: split by value
        store.add(ox.Quad(many, label, ox.Literal(f"many {i}")))
    alone = f"{pattern} FILTER(?s = <{many.value}>)"
    assert sorted(r["l"].value for r in all_rows(select, "?s ?l", alone)) == [
        f"many {i}" for i in range(5)
    ]


@pytest.fixture
def builds(fixture_build, tmp_path: Path) -> tuple[Path, Path]:
    """Two copies of the fixture build: one loads into its embedded store (its index
    updated by :func:`api.search.index.replace_graphs` from the whole store), the other
    keeps the index of the "remote" store."""
    out, _ = fixture_build
    embedded, beside = tmp_path / "embedded", tmp_path / "beside"
    shutil.copytree(out, embedded)
    shutil.copytree(out, beside)
    return embedded, beside


def load_both(embedded: Path, index: RemoteIndex, base: Path, path: Path) -> int:
    """``path`` into ``GRAPH`` of the embedded build; then the remote index from ``base``,
    as :class:`api.load.RemoteTarget` keeps it, over that store laid out remotely."""
    assert main(["load", "-q", "--no-validate", str(path), "--graph", GRAPH,
                 "--store", str(embedded / "oxigraph")]) == 0  # fmt: skip
    store = laid_out_remotely(embedded / "oxigraph")
    mirror = LabelMirror(skip=GENID)
    try:
        mirror.add(list(read_triples(path, "urn:x-ccai:loading:t", skolemise=True)), graph=GRAPH)
        counts = TripleCounts(1, 1, 0, {GRAPH: 1})
        return index.update(base, mirror, select_over(store), graph=GRAPH, work=WORK, counts=counts)
    finally:
        mirror.close()


def test_the_remote_index_equals_the_embedded_index_after_the_same_loads(
    builds: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "PAGE", 3)  # every read in several pages
    monkeypatch.setattr(remote, "VALUES_BATCH", 2)
    embedded, beside = builds
    index = RemoteIndex(beside, "http://127.0.0.1:1/sparql", WORK)
    first, second = tmp_path / "first.ttl", tmp_path / "second.ttl"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")

    assert load_both(embedded, index, beside / INDEX_FILE, first) == 5
    kept = index.dir / INDEX_FILE
    assert rows(kept) == rows(embedded / INDEX_FILE)
    labels, classes, _display = rows(kept)
    assert (f"{EX}object/1", "Musée un", "fr", GRAPH, "musee un") in labels
    assert (f"{EX}object/1", f"{CCAI}Actor") in classes  # inferred, from the store
    assert not any(iri.startswith(GENID) for iri, *_ in labels)  # a blank node's label
    assert read_counts(index.dir) == TripleCounts(1, 1, 0, {GRAPH: 1})
    assert rows(beside / INDEX_FILE) != rows(kept)  # the build's index as built

    # loaded again: the graph's labels replaced, from the store's own index
    assert load_both(embedded, index, kept, second) == 2
    assert rows(kept) == rows(embedded / INDEX_FILE)
    labels = rows(kept)[0]
    assert not any(label == "Musée un" for _, label, *_ in labels)
    assert (f"{ID}organisation/demo-museum-network", "DMN") not in {(i, lb) for i, lb, *_ in labels}


def test_the_index_that_describes_the_store_is_the_base(
    builds: tuple[Path, Path], tmp_path: Path
) -> None:
    from api.build.artefacts import STORE_DIR

    _, beside = builds
    built = read_counts(beside / STORE_DIR)
    assert built is not None
    index = RemoteIndex(beside, "http://127.0.0.1:1/sparql", WORK)
    assert index.base_for(built) == beside / INDEX_FILE
    other = TripleCounts(built.total + 1, built.asserted + 1, 0, {GRAPH: 1})
    assert index.base_for(other) is None
    index.dir.mkdir(parents=True)
    shutil.copyfile(beside / INDEX_FILE, index.dir / INDEX_FILE)
    from api.store.layout import write_counts

    write_counts(index.dir, other)
    assert index.base_for(other) == index.dir / INDEX_FILE
    index.distrust()  # a load began to change the store
    assert index.base_for(other) is None
    index.remove()
    assert not index.dir.exists()


def test_the_service_opens_the_index_kept_for_its_store(builds: tuple[Path, Path]) -> None:
    from api.build.artefacts import STORE_DIR
    from api.store.layout import write_counts
    from api.web.services import label_index_dir

    _, beside = builds
    endpoint = ("http://127.0.0.1:1/sparql", WORK)
    built = read_counts(beside / STORE_DIR)
    assert built is not None
    assert label_index_dir(beside, built, remote=endpoint) == beside
    loaded = TripleCounts(built.total + 1, built.asserted + 1, 0, {GRAPH: 1})
    assert label_index_dir(beside, loaded, remote=endpoint) is None
    own = remote.remote_index_dir(beside, *endpoint)
    own.mkdir(parents=True)
    shutil.copyfile(beside / INDEX_FILE, own / INDEX_FILE)
    write_counts(own, loaded)
    assert label_index_dir(beside, loaded, remote=endpoint) == own
    assert label_index_dir(beside, loaded) is None  # the embedded store: never
    assert label_index_dir(beside, loaded, remote=("http://elsewhere/sparql", WORK)) is None
