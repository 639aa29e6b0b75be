"""The reconciliation rows recorded with the build: the index is made of them, not of the store."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from fastapi.testclient import TestClient

from api.reconcile.recorded import RECONCILE_FILE, read_store, recorded_rows
from api.settings import Settings
from api.store.layout import count_triples
from api.web.app import create_app

ORG = "https://w3id.org/ccai/id/organisation/demo-museum-network"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def _build(fixture_build: tuple[Path, object], tmp_path: Path) -> Path:
    out, _report = fixture_build
    copy = tmp_path / "build"
    shutil.copytree(out, copy, symlinks=True)
    return copy


def _top(build: Path, name: str) -> str | None:
    settings = Settings(
        _env_file=None, store_path=build, store_backend="inprocess", query_timeout=10
    )
    with TestClient(create_app(settings)) as c:
        queries = json.dumps({"q0": {"query": name}})
        response = c.get("/reconcile", params={"queries": queries})
        assert response.status_code == 200
        result = response.json()["q0"]["result"]
        return result[0]["id"] if result else None


def test_the_build_records_what_the_four_queries_read(fixture_build, tmp_path: Path) -> None:
    build = _build(fixture_build, tmp_path)
    store = ox.Store.read_only(str(build / "oxigraph"))
    try:
        read, counts = read_store(store), count_triples(store)
    finally:
        del store
    recorded = recorded_rows(build / "oxigraph", counts)
    assert recorded is not None and recorded.names
    for part in ("names", "types", "classes", "properties"):
        assert Counter(getattr(recorded, part)) == Counter(getattr(read, part)), part


def test_the_rows_are_the_four_queries_over_the_whole_store(fixture_build) -> None:
    from api.reconcile.queries import render
    from api.reconcile.recorded import QUERIES, rows_of
    from api.store.layout import materialise

    out, _report = fixture_build
    store = ox.Store()
    store.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    g = ox.NamedNode("https://w3id.org/ccai/graph/loaded")
    other = ox.NamedNode("https://example.org/museum/object/1")  # not reconcilable
    concept = ox.NamedNode("https://w3id.org/ccai/vocab/test/concept")
    definition = ox.NamedNode("http://www.w3.org/2004/02/skos/core#definition")
    store.extend(
        [
            ox.Quad(other, ox.NamedNode(LABEL), ox.Literal("Object one"), g),
            ox.Quad(ox.BlankNode(), ox.NamedNode(LABEL), ox.Literal("Blank"), g),
            ox.Quad(ox.NamedNode(ORG), ox.NamedNode(LABEL), ox.Literal("DMN", language="nl"), g),
            ox.Quad(concept, definition, ox.Literal("A concept", language="en"), g),
            ox.Quad(concept, ox.NamedNode(LABEL), other, g),  # not a literal: no name
        ]
    )
    materialise(store)

    def select(name: str) -> list[dict[str, object]]:
        solutions = store.query(render(name))
        assert isinstance(solutions, ox.QuerySolutions)
        names = [v.value for v in solutions.variables]
        return [{n: solution[n] for n in names} for solution in solutions]

    whole = rows_of({name: select(name) for name in QUERIES})
    read = read_store(store)
    assert (ORG, LABEL, "DMN", "nl") in read.names
    assert (concept.value, None, "A concept", "en") in read.types
    assert not any(name == "Object one" for _, _, name, _ in read.names)
    for part in ("names", "types", "classes", "properties"):
        assert Counter(getattr(read, part)) == Counter(getattr(whole, part)), part


def test_a_graph_that_does_not_touch_the_rows_leaves_them_as_they_are(fixture_build) -> None:
    """rows_touched_by says no only for triples whose addition to the default graph leaves
    the four queries' rows as they are; and it says no for the heritage objects of the
    benchmark (under https://w3id.org/ccai/bench/), which are no subjects of ours."""
    from api.reconcile.recorded import rows_touched_by
    from api.store.layout import materialise

    out, _report = fixture_build
    ccai = "https://w3id.org/ccai/"
    rdfs, skos = "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#"
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    subjects = [
        ORG,
        ccai + "id/organisation/new-one",
        ccai + "vocab/test/concept",
        ccai + "source/new-source",
        ccai + "ontology#Organisation",
        ccai + "bench/heritage/object/o1",
        "https://example.org/museum/object/1",
        skos + "Concept",
        "http://purl.org/dc/terms/publisher",  # a predicate the entities use
    ]
    predicates = [LABEL, rdf_type, rdfs + "subClassOf", skos + "definition", skos + "prefLabel"]
    objects: list[ox.NamedNode | ox.Literal] = [
        ox.Literal("A name", language="en"),
        ox.NamedNode(ccai + "ontology#Organisation"),
        ox.NamedNode("https://schema.org/CreativeWork"),
    ]
    g = ox.NamedNode("urn:x-ccai:loading:touches")
    untouched = 0
    for s in subjects:
        for p in predicates:
            for o in objects:
                store = ox.Store()
                store.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
                materialise(store)
                before = read_store(store)
                triple = (ox.NamedNode(s), ox.NamedNode(p), o)
                store.add(ox.Quad(*triple, g))
                touched = rows_touched_by(store, g.value)
                store.add(ox.Quad(*triple))
                if not touched:
                    untouched += 1
                    after = read_store(store)
                    for part in ("names", "types", "classes", "properties"):
                        got, was = Counter(getattr(after, part)), Counter(getattr(before, part))
                        assert got == was, (triple, part)
                if s.startswith(ccai + "bench/") and p != rdfs + "subClassOf":
                    assert not touched, triple
    assert untouched >= 30


def test_the_service_matches_with_the_recorded_rows(fixture_build, tmp_path: Path) -> None:
    build = _build(fixture_build, tmp_path)
    path = build / "oxigraph" / RECONCILE_FILE
    data = json.loads(path.read_text(encoding="utf-8"))
    assert _top(build, "Demo Museum Network") == "id/organisation/demo-museum-network"
    # a name only the recorded rows know is found: the index is made of them
    data["names"].append([ORG, LABEL, "Zyxwvut Recorded Name", "en"])
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _top(build, "Zyxwvut Recorded Name") == "id/organisation/demo-museum-network"
    # rows of another store (other counts) are not used: the store is read instead
    data["graphs"]["https://example.org/other"] = 1
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _top(build, "Zyxwvut Recorded Name") is None
    assert _top(build, "Demo Museum Network") == "id/organisation/demo-museum-network"
    path.write_text("{not json", encoding="utf-8")  # unreadable: read from the store as well
    assert _top(build, "Demo Museum Network") == "id/organisation/demo-museum-network"
