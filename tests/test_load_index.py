"""``ccai load`` into a build's store keeps its label index (``search.sqlite``) in step.

A load replaces only the labels and classes of the subjects it changed (a new graph:
those it labels or types, or the rules type), in an index stamped with the store's
counts before the load; an index that does not describe the store, or a load that can
change any subject's classes (a subclass statement), writes it anew, and the service
does not answer from an index stamped for other counts.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import api.load as load_module
from api.build.artefacts import STORE_DIR
from api.search import index as search_index
from api.store.layout import INFERRED, read_counts
from api.web.services import label_index_dir
from tests.search.test_index import index_rows
from tests.test_load import load

CCAI = "https://w3id.org/ccai/ontology#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
D = "https://example.org/collection/"
GRAPH = "https://example.org/collection/graph"
OTHER = "https://example.org/other/graph"

FIRST = f"""
<{D}a> <{RDFS}label> "Alpha"@en .
<{D}a> <{RDFS}label> "Alfa"@nl .
<{D}b> <{SKOS}prefLabel> "Beta" .
<{D}b> <{TYPE}> <{CCAI}Organisation> .
<{D}c> <{RDFS}label> "Gamma" .
<{D}d> <{RDFS}label> "Delta" .
<{D}d> <{TYPE}> <{CCAI}Organisation> .
<{D}e> <{RDFS}label> "Epsilon" .
<{D}e> <{RDFS}seeAlso> <{D}d> .
<{D}g> <{RDFS}label> "Gimel" .
<{D}g> <{SKOS}altLabel> "Gimmel" .
<{D}h> <{RDFS}label> "Heth" .
<{D}h> <{CCAI}proposedBy> <{D}d> .
"""
# a's Dutch label edited, b gone, c typed (a ccai:Actor by the rules), f new; d as it was;
# e a ccai:Recommendation by the rules only (the domain of ccai:proposedBy), h no longer;
# g loses a label
SECOND = f"""
<{D}a> <{RDFS}label> "Alpha"@en .
<{D}a> <{RDFS}label> "Alfa!"@nl .
<{D}c> <{RDFS}label> "Gamma" .
<{D}c> <{TYPE}> <{CCAI}Organisation> .
<{D}d> <{RDFS}label> "Delta" .
<{D}d> <{TYPE}> <{CCAI}Organisation> .
<{D}e> <{RDFS}label> "Epsilon" .
<{D}e> <{RDFS}seeAlso> <{D}d> .
<{D}e> <{CCAI}proposedBy> <{D}d> .
<{D}f> <{RDFS}label> "Phi" .
<{D}g> <{RDFS}label> "Gimel" .
<{D}h> <{RDFS}label> "Heth" .
"""


@pytest.fixture
def build(fixture_build, tmp_path: Path) -> Path:
    out, _report = fixture_build
    copy = tmp_path / "build"
    shutil.copytree(out, copy)
    return copy


@pytest.fixture
def replaced(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every :func:`~api.search.index.replace_graphs` call, and
    ``{"build": True}`` for every index written anew."""
    calls: list[dict[str, Any]] = []
    real_replace, real_build = search_index.replace_graphs, search_index.build

    def replace_graphs(*args: Any, **kwargs: Any) -> int:
        calls.append({"graphs": list(args[2]), **kwargs})
        return real_replace(*args, **kwargs)

    def build(*args: Any, **kwargs: Any) -> int:
        calls.append({"build": True})
        return real_build(*args, **kwargs)

    monkeypatch.setattr(search_index, "replace_graphs", replace_graphs)
    monkeypatch.setattr(search_index, "build", build)
    return calls


def _load(build: Path, tmp_path: Path, text: str, graph: str = GRAPH) -> None:
    path = tmp_path / "data.nt"
    path.write_text(text, encoding="utf-8")
    assert load(build / STORE_DIR, str(path), "--graph", graph) == 0


def assert_index_describes_the_store(build: Path, tmp_path: Path) -> None:
    """The build's index has the rows of an index written anew from its store, and the
    stamp of the store's recorded counts."""
    fresh = tmp_path / "fresh.sqlite"
    store = ox.Store.read_only(str(build / STORE_DIR))
    try:
        search_index.build(store, fresh, laid_out=True)
    finally:
        del store
    assert index_rows(build / search_index.INDEX_FILE) == index_rows(fresh)
    counts = read_counts(build / STORE_DIR)
    assert counts is not None and search_index.described(build / "search.sqlite") == counts


def _stamp(index: Path, text: str | None) -> None:
    conn = sqlite3.connect(index)
    with conn:
        conn.execute("DELETE FROM described")
        if text is not None:
            conn.execute("INSERT INTO described (counts) VALUES (?)", (text,))
    conn.close()


def test_the_build_stamps_its_index_with_its_counts(build: Path) -> None:
    counts = read_counts(build / STORE_DIR)
    assert counts is not None and search_index.described(build / "search.sqlite") == counts


def test_a_graph_loaded_again_replaces_the_labels_of_the_subjects_it_changed(
    build: Path,
    tmp_path: Path,
    replaced: list[dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _load(build, tmp_path, FIRST)  # a new graph: all its labels, and the subjects typed
    typed = {D + local for local in ("b", "d", "h")}  # h: a ccai:Recommendation by the rules
    assert replaced == [
        {
            "graphs": [GRAPH, INFERRED],
            "only": None,
            "also": typed,
            "describes": replaced[0]["describes"],
        }
    ]
    assert_index_describes_the_store(build, tmp_path)
    replaced.clear()
    _load(build, tmp_path, SECOND)
    (call,) = replaced
    changed = {D + local for local in ("a", "b", "c", "e", "f", "g", "h")}
    assert call["only"] == {GRAPH: changed, INFERRED: changed}
    summary = capsys.readouterr().out
    assert (
        f"label index: 7 labels of {GRAPH} and {INFERRED} (of the 7 subjects it changed)" in summary
    )
    assert_index_describes_the_store(build, tmp_path)
    labels = search_index.SearchIndex(build / "search.sqlite")
    try:
        assert [h.iri for h in labels.search("beta")] == []
        assert [h.iri for h in labels.search("gimmel")] == []
        (gamma,) = labels.search("gamma")  # typed by the new data, a ccai:Actor by the rules
        assert {CCAI + "Actor", CCAI + "Organisation"} <= set(gamma.types)
        assert labels.display_label(D + "a") == "Alpha"
        (epsilon,) = labels.search("epsilon")
        assert CCAI + "Recommendation" in epsilon.types
        (heth,) = labels.search("heth")
        assert CCAI + "Recommendation" not in heth.types
    finally:
        labels.close()


def test_a_subclass_among_the_changes_writes_the_index_anew(
    build: Path, tmp_path: Path, replaced: list[dict[str, Any]]
) -> None:
    """Any subject's classes can change, those labelled only in another graph too."""
    _load(build, tmp_path, FIRST)
    _load(build, tmp_path, f'<{D}x> <{RDFS}label> "Xi" .\n<{D}x> <{TYPE}> <{D}Gallery> .\n', OTHER)
    replaced.clear()
    _load(build, tmp_path, FIRST + f"<{D}Gallery> <{RDFS}subClassOf> <{CCAI}Organisation> .\n")
    assert replaced == [{"build": True}]
    assert_index_describes_the_store(build, tmp_path)
    labels = search_index.SearchIndex(build / "search.sqlite")
    try:
        (xi,) = labels.search("xi")
        assert CCAI + "Organisation" in xi.types
    finally:
        labels.close()


def test_a_new_graph_gives_the_subjects_it_types_their_classes(
    build: Path, tmp_path: Path, replaced: list[dict[str, Any]]
) -> None:
    """A new graph that types subjects labelled in another graph, by a statement (d) or
    by the rules (c, a ccai:Recommendation by the domain of ccai:proposedBy): their
    classes in the index follow, though the new graph labels neither."""
    _load(build, tmp_path, FIRST)
    replaced.clear()
    _load(
        build,
        tmp_path,
        f"<{D}d> <{TYPE}> <{CCAI}Recommendation> .\n<{D}c> <{CCAI}proposedBy> <{D}d> .\n",
        OTHER,
    )
    (call,) = replaced
    assert call["graphs"] == [OTHER, INFERRED] and call["only"] is None
    assert {D + "c", D + "d"} <= call["also"]
    assert_index_describes_the_store(build, tmp_path)
    labels = search_index.SearchIndex(build / "search.sqlite")
    try:
        for word in ("gamma", "delta"):
            (hit,) = labels.search(word)
            assert CCAI + "Recommendation" in hit.types, word
    finally:
        labels.close()


@pytest.mark.parametrize(
    "stamp", [None, '{"total": 1, "asserted": 1, "inferred": 0, "graphs": {}}']
)
def test_an_index_that_does_not_describe_the_store_is_written_anew(
    build: Path,
    tmp_path: Path,
    replaced: list[dict[str, Any]],
    stamp: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # no stamp: an index written before stamps; another: a load killed while writing it
    _load(build, tmp_path, FIRST)
    _stamp(build / "search.sqlite", stamp)
    replaced.clear()
    capsys.readouterr()
    _load(build, tmp_path, SECOND)
    assert replaced == [{"build": True}]
    assert "label index: written anew, " in capsys.readouterr().out
    assert_index_describes_the_store(build, tmp_path)


def test_the_service_does_not_answer_from_an_index_stamped_for_other_counts(
    build: Path,
) -> None:
    counts = read_counts(build / STORE_DIR)
    assert counts is not None
    assert label_index_dir(build, counts) == build
    index = build / "search.sqlite"
    _stamp(index, None)  # written before stamps: trusted by the recorded counts, as before
    assert label_index_dir(build, counts) == build
    _stamp(index, '{"total": 1, "asserted": 1, "inferred": 0, "graphs": {}}')
    assert label_index_dir(build, counts) is None
    _stamp(index, "not JSON")
    assert search_index.described(index) is None and label_index_dir(build, counts) == build


def test_the_changes_are_read_before_the_swap_drops_their_graphs(
    build: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(build, tmp_path, FIRST)
    seen: list[load_module.IndexPatch | None] = []
    real = load_module.EmbeddedTarget._index_patch

    def spy(self, *args: Any) -> load_module.IndexPatch | None:  # type: ignore[no-untyped-def]
        seen.append(real(self, *args))
        return seen[-1]

    monkeypatch.setattr(load_module.EmbeddedTarget, "_index_patch", spy)
    _load(build, tmp_path, FIRST)  # the same data again: nothing changed
    assert seen == [load_module.IndexPatch(only=set())]
    assert_index_describes_the_store(build, tmp_path)
