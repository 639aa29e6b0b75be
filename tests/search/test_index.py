"""api.search.index: every label of every subject in every graph, accent- and
case-insensitive, prefix-capable, multilingual, typed, kept in step with loads."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from api.search import index as search_index
from api.search.index import SearchIndex, add_graph, build, replace_graphs, search
from api.store.layout import materialise

RDFS_LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
FOAF_NAME = ox.NamedNode("http://xmlns.com/foaf/0.1/name")
SCHEMA_NAME = ox.NamedNode("https://schema.org/name")
TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SUB = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
E = "https://example.org/"
LOADED = ox.NamedNode(E + "graph/loaded")


def n(local: str) -> ox.NamedNode:
    return ox.NamedNode(E + local)


@pytest.fixture()
def store() -> ox.Store:
    s = ox.Store()
    g = ox.NamedNode("https://w3id.org/ccai/graph/source")
    s.extend(
        [
            ox.Quad(n("louvre"), RDFS_LABEL, ox.Literal("Musée du Louvre", language="fr"), g),
            ox.Quad(n("louvre"), RDFS_LABEL, ox.Literal("Louvre Museum", language="en"), g),
            ox.Quad(n("louvre"), TYPE, n("Museum"), g),
            ox.Quad(n("Museum"), SUB, n("Organisation")),
            ox.Quad(n("rijks"), PREF, ox.Literal("Rijksmuseum", language="nl-NL")),
            ox.Quad(n("ada"), FOAF_NAME, ox.Literal("Ada Servellón")),
            ox.Quad(n("work"), SCHEMA_NAME, ox.Literal("Nachtwacht", language="nl")),
            ox.Quad(n("doc"), TITLE, ox.Literal("Museum policy")),
            ox.Quad(ox.BlankNode(), RDFS_LABEL, ox.Literal("Museum of blank nodes")),
            ox.Quad(n("x"), n("comment"), ox.Literal("Museum in a comment")),
        ]
    )
    return s


def iris(hits) -> list[str]:
    return [h.iri[len(E) :] for h in hits]


def test_every_label_property_in_every_graph(store: ox.Store, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    assert build(store, path) == 6
    assert iris(search(path, "museum")) == ["doc", "louvre"]  # prefix, then other words
    assert iris(search(path, "servellon")) == ["ada"]  # foaf:name, accents removed
    assert iris(search(path, "NACHTW")) == ["work"]  # schema:name, prefix, case
    assert iris(search(path, "comment")) == []  # not a label property
    assert iris(search(path, "blank")) == []  # IRI subjects only


def test_ranking_language_and_type(store: ox.Store, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    build(store, path)
    hits = search(path, "louvre museum")
    assert iris(hits) == ["louvre"] and hits[0].match == "exact"
    assert hits[0].label == "Louvre Museum"  # the subject once, with its best label
    assert iris(search(path, "musee", lang="fr")) == ["louvre"]
    assert iris(search(path, "musee", lang="en")) == []
    assert iris(search(path, "rijks", lang="nl")) == ["rijks"]  # nl matches nl-NL
    org = search(path, "mus", type=E + "Organisation")  # a subclass's instance
    assert iris(org) == ["louvre"] and E + "Museum" in org[0].types
    assert search(path, "   ") == [] and search(path, '"*) OR (') == []


def test_exact_before_prefix_before_other_words(tmp_path: Path) -> None:
    s = ox.Store()
    for local, text in [("a", "Art museum"), ("b", "Art"), ("c", "Modern art"), ("d", "Artists")]:
        s.add(ox.Quad(n(local), RDFS_LABEL, ox.Literal(text)))
    path = tmp_path / "i.sqlite"
    build(s, path)
    hits = search(path, "art")
    assert [(h.iri[len(E) :], h.match) for h in hits] == [
        ("b", "exact"),
        ("d", "prefix"),
        ("a", "prefix"),
        ("c", "word-prefix"),  # as the in-memory index names it
    ]
    index = SearchIndex(path)
    assert len(index) == 4
    assert iris(index.search("art", limit=2, offset=1)) == ["d", "a"]
    index.close()


def test_add_graph_replaces_the_labels_of_a_loaded_graph(store: ox.Store, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    build(store, path)
    store.add(ox.Quad(n("obj1"), RDFS_LABEL, ox.Literal("Vermeer's milkmaid"), LOADED))
    assert add_graph(store, path, LOADED.value) == 1
    assert iris(search(path, "milkm")) == ["obj1"]
    store.remove_graph(LOADED)
    store.add(ox.Quad(n("obj2"), RDFS_LABEL, ox.Literal("Rembrandt's night watch"), LOADED))
    assert add_graph(store, path, LOADED.value) == 1
    assert iris(search(path, "milkm")) == [] and iris(search(path, "rembr")) == ["obj2"]
    assert iris(search(path, "servellon")) == ["ada"]  # other graphs untouched


def test_the_build_writes_the_index(fixture_build) -> None:
    out, report = fixture_build
    path = out / search_index.INDEX_FILE
    assert report.store["search"]["labels"] == len(SearchIndex(path)) > 10
    hits = search(path, "demo museum network")
    assert hits and hits[0].iri.endswith("/id/organisation/demo-museum-network")


def test_a_hit_shows_the_display_label_whatever_label_matched(store, tmp_path: Path) -> None:
    # as the in-memory index (api.rest.search) does: English or language-neutral first
    path = tmp_path / "search.sqlite"
    build(store, path)
    index = SearchIndex(path)
    (hit,) = index.search("musee du louvre", limit=1)
    assert hit.label == "Musée du Louvre"  # the label that matched
    assert index.display_label(hit.iri) == "Louvre Museum"
    assert index.display_label(E + "rijks") == "Rijksmuseum"  # no English: any
    assert index.display_label(E + "nothing") == E + "nothing"


def test_display_labels_follow_a_reloaded_graph(store, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite"
    build(store, path)
    store.add(
        ox.Quad(n("dali"), RDFS_LABEL, ox.Literal("Dalí Theatre-Museum", language="en"), LOADED)
    )
    add_graph(store, path, LOADED.value)
    assert SearchIndex(path).display_label(E + "dali") == "Dalí Theatre-Museum"
    store.remove_graph(LOADED)
    add_graph(store, path, LOADED.value)
    assert SearchIndex(path).display_label(E + "dali") == E + "dali"


def test_a_reloaded_graph_leaves_no_stale_label_in_a_store_laid_out_as_built(
    tmp_path: Path,
) -> None:
    # As built, the default graph holds every triple of the named graphs too: a label
    # is indexed under its named graph, so that replacing that graph replaces it.
    s = ox.Store()
    s.add(ox.Quad(n("obj1"), RDFS_LABEL, ox.Literal("Vermeer's milkmaid"), LOADED))
    s.add(ox.Quad(n("ada"), FOAF_NAME, ox.Literal("Ada Servellón")))  # default graph only
    materialise(s)
    path = tmp_path / "search.sqlite"
    assert build(s, path) == 2
    s.remove_graph(LOADED)
    s.add(ox.Quad(n("obj2"), RDFS_LABEL, ox.Literal("Rembrandt's night watch"), LOADED))
    materialise(s)
    assert replace_graphs(s, path, [LOADED.value]) == 1
    assert iris(search(path, "milkm")) == [] and iris(search(path, "rembr")) == ["obj2"]
    assert iris(search(path, "servellon")) == ["ada"]
    assert len(SearchIndex(path)) == 2


def test_a_store_laid_out_as_built_indexes_the_same_without_its_default_graph(
    store: ox.Store, tmp_path: Path
) -> None:
    # as built: every statement in a named graph, the default graph their union
    other = ox.NamedNode("https://w3id.org/ccai/graph/other")
    for quad in list(store.quads_for_pattern(None, None, None, ox.DefaultGraph())):
        store.add(ox.Quad(quad.subject, quad.predicate, quad.object, other))
    materialise(store)
    every, laid_out = tmp_path / "every.sqlite", tmp_path / "laid-out.sqlite"
    assert build(store, every) == build(store, laid_out, laid_out=True) == 6

    def rows(path: Path) -> list[tuple[str, ...]]:
        index = SearchIndex(path)
        try:
            conn = index._conn
            return sorted(conn.execute("SELECT iri, label, lang, graph FROM labels")) + sorted(
                conn.execute("SELECT iri, class FROM classes")
            )
        finally:
            index.close()

    assert rows(every) == rows(laid_out)


def test_a_label_two_graphs_state_stays_when_one_is_replaced(tmp_path: Path) -> None:
    other = ox.NamedNode("https://w3id.org/ccai/graph/source")
    s = ox.Store()
    nemo = ox.Literal("NEMO", language="en")
    s.add(ox.Quad(n("nemo"), RDFS_LABEL, nemo, other))
    s.add(ox.Quad(n("nemo"), RDFS_LABEL, nemo, LOADED))
    s.add(ox.Quad(n("nemo"), PREF, nemo, LOADED))  # the same label twice in one graph: once
    materialise(s)
    path = tmp_path / "search.sqlite"
    assert build(s, path, laid_out=True) == 2  # once per graph stating it
    s.remove_graph(LOADED)
    materialise(s)
    replace_graphs(s, path, [LOADED.value])
    assert iris(search(path, "nemo")) == ["nemo"]  # the other graph still states it


@pytest.mark.parametrize("scan_from", [10_000, 0])  # labels looked up one by one, or read
def test_replacing_the_labels_of_the_subjects_that_changed_is_replacing_the_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_from: int
) -> None:
    monkeypatch.setattr(search_index, "_LOOK_UP_LABELS_BELOW", scan_from)
    s = ox.Store()
    s.extend(
        [
            ox.Quad(n("a"), RDFS_LABEL, ox.Literal("Alpha", language="en"), LOADED),
            ox.Quad(n("a"), RDFS_LABEL, ox.Literal("Alfa", language="nl"), LOADED),
            ox.Quad(n("b"), PREF, ox.Literal("Beta"), LOADED),
            ox.Quad(n("b"), TYPE, n("Museum"), LOADED),
            ox.Quad(n("c"), TITLE, ox.Literal("Gamma"), LOADED),
            ox.Quad(n("d"), RDFS_LABEL, ox.Literal("Delta")),  # the default graph's: not indexed
            ox.Quad(n("Museum"), SUB, n("Organisation")),
        ]
    )
    materialise(s)
    before = tmp_path / "before.sqlite"
    build(s, before, laid_out=True)
    # a's Dutch label edited, b's type gone, c's label gone, e new; d's graph stays
    s.remove(ox.Quad(n("a"), RDFS_LABEL, ox.Literal("Alfa", language="nl"), LOADED))
    s.add(ox.Quad(n("a"), RDFS_LABEL, ox.Literal("Alfa!", language="nl"), LOADED))
    s.remove(ox.Quad(n("b"), TYPE, n("Museum"), LOADED))
    s.remove(ox.Quad(n("c"), TITLE, ox.Literal("Gamma"), LOADED))
    s.add(ox.Quad(n("e"), RDFS_LABEL, ox.Literal("Epsilon"), LOADED))
    s.update("DELETE WHERE { ?s ?p ?o }")  # the default graph: the union again
    materialise(s)
    whole, changed = tmp_path / "whole.sqlite", tmp_path / "changed.sqlite"
    assert replace_graphs(s, whole, [LOADED.value], base=before) == 4
    subjects = {E + local for local in ("a", "b", "c", "e", "d", "nothing")}
    assert replace_graphs(s, changed, [LOADED.value], base=before, only={LOADED.value: subjects})
    assert index_rows(changed) == index_rows(whole)
    assert iris(search(changed, "gamma")) == [] and iris(search(changed, "alfa!")) == ["a"]


@pytest.mark.parametrize("scan_from", [10**9, 0])  # types looked up one by one, or read
def test_a_new_index_is_the_index_of_its_graphs_added_one_by_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scan_from: int
) -> None:
    # build() chooses display labels as the rows go by and reads the classes class by
    # class; adding graphs to an empty index does both in SQL (_DISPLAY) and by quads
    monkeypatch.setattr(search_index, "_SCAN_TYPES_FROM", scan_from)
    other = ox.NamedNode(E + "graph/other")
    s = ox.Store()
    s.extend(
        [
            ox.Quad(n("a"), RDFS_LABEL, ox.Literal("Alpha", language="en"), LOADED),
            ox.Quad(n("a"), PREF, ox.Literal("Aardvark"), LOADED),  # neutral, smaller: shown
            ox.Quad(n("a"), RDFS_LABEL, ox.Literal("Aa", language="en-GB"), other),
            ox.Quad(n("b"), RDFS_LABEL, ox.Literal("Zeta", language="fr"), LOADED),
            ox.Quad(n("b"), RDFS_LABEL, ox.Literal("Émile", language="de"), other),
            ox.Quad(n("c"), TITLE, ox.Literal("\uff21rt", language="ja"), LOADED),
            ox.Quad(n("c"), TITLE, ox.Literal("\U0001f3a8 palette", language="ja"), LOADED),
            ox.Quad(n("d"), FOAF_NAME, ox.Literal("Delta"), LOADED),
            ox.Quad(n("d"), FOAF_NAME, ox.Literal("Delta"), other),  # one row per graph
            ox.Quad(n("d"), SCHEMA_NAME, ox.Literal("Delta"), other),  # … once in it
            ox.Quad(n("a"), TYPE, n("Museum"), LOADED),
            ox.Quad(n("a"), TYPE, n("Archive"), other),
            ox.Quad(n("b"), TYPE, ox.Literal("not a class"), LOADED),
            ox.Quad(n("c"), TYPE, n("Painting"), other),
            ox.Quad(n("unlabelled"), TYPE, n("Museum"), LOADED),
            ox.Quad(ox.BlankNode(), RDFS_LABEL, ox.Literal("Blank"), LOADED),
            ox.Quad(n("Museum"), SUB, n("Organisation"), other),
            ox.Quad(n("Organisation"), SUB, n("Agent"), other),
            ox.Quad(n("Painting"), SUB, n("Work"), other),
        ]
    )
    materialise(s)
    built, added = tmp_path / "built.sqlite", tmp_path / "added.sqlite"
    assert build(s, built, laid_out=True) == 9
    build(ox.Store(), added)
    assert replace_graphs(s, added, [LOADED.value, other.value]) == 9
    assert index_rows(built) == index_rows(added)
    index = SearchIndex(built)
    try:
        shown = [index.display_label(E + local) for local in ("a", "b", "c", "d")]
        assert shown == ["Aardvark", "Zeta", "\uff21rt", "Delta"]
        assert index.search("alpha")[0].types == tuple(
            E + c for c in ("Agent", "Archive", "Museum", "Organisation")
        )
    finally:
        index.close()


def index_rows(path: Path) -> list[list[tuple[str, ...]]]:
    index = SearchIndex(path)
    try:
        conn = index._conn
        return [
            sorted(conn.execute(f"SELECT * FROM {table}"))
            for table in ("labels", "classes", "display")
        ]
    finally:
        index.close()


def test_the_kinds_of_match_are_those_of_the_in_memory_index(tmp_path: Path) -> None:
    from api.rest.search import SCORES, LabelEntry, match_kind

    s = ox.Store()
    labels = {"a": "AI Act", "b": "Active AI policy", "c": "The AI act debate"}
    for local, text in labels.items():
        s.add(ox.Quad(n(local), RDFS_LABEL, ox.Literal(text)))
    path = tmp_path / "i.sqlite"
    build(s, path)
    hits = search(path, "ai act")
    assert [(h.iri[len(E) :], h.match, h.score) for h in hits] == [
        ("a", "exact", 1.0),
        ("c", "word-prefix", 0.6),
        ("b", "words", 0.4),
    ]
    for hit in hits:  # the in-memory index's own verdict on each
        entry = LabelEntry(hit.iri, hit.label, None)
        kind = match_kind("ai act", ["ai", "act"], entry.folded, list(entry.words))
        assert (kind, SCORES[kind]) == (hit.match, hit.score)


def test_a_reader_keeps_the_pages_it_read_in_a_cache_of_its_own(
    store: ox.Store, tmp_path: Path
) -> None:
    # SQLite's default cache is 2 MiB: at 10⁷ triples the service's searches then read
    # their pages from the system again, which may have dropped them (bench/README.md)
    path = tmp_path / "search.sqlite"
    build(store, path)
    index = SearchIndex(path)
    try:
        (size,) = index._conn.execute("PRAGMA cache_size").fetchone()
        assert size == -search_index._READER_CACHE_KIB and size <= -64 * 1024
        assert index.search("museum")  # usable
    finally:
        index.close()
