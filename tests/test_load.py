"""``ccai load`` into the embedded store: files into a named graph, atomically.

The remote target runs the same procedure against a real Virtuoso in
``tests/remote/test_remote_load.py``.
"""

from __future__ import annotations

import gzip
import re
import shutil
import socket
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

import api.build.entailment as entailment_module
import api.load as load_module
from api.build import rules
from api.cli import main
from api.fair.statistics import DatasetStatistics, read_statistics
from api.namespaces import GRAPH_ONTOLOGY
from api.reconcile.recorded import Rows, read_store, recorded_rows
from api.store.layout import (
    INFERRED,
    TripleCounts,
    count_triples,
    materialise,
    read_counts,
    write_counts,
)
from tests.web.conftest import ID, build_fixture_store

LINKSET = "https://example.org/museum/linkset"
ONTOLOGY = str(GRAPH_ONTOLOGY)
SOURCE = "https://w3id.org/ccai/graph/source-a"
FIXTURE = Path(__file__).parent / "fixtures" / "rules" / "axioms.ttl"
DATA = "https://example.org/data/"
EX = "https://example.org/museum/"
LINKS = f"""
<{EX}object/1> <http://purl.org/dc/terms/subject> <{ID}organisation/nemo> .
<{EX}object/1> <http://www.w3.org/2000/01/rdf-schema#label> "Object one" .
<{EX}object/2> <http://purl.org/dc/terms/subject> <{ID}challenge/does-not-exist> .
<{EX}object/2> <http://www.w3.org/2000/01/rdf-schema#label> "Object two"@en .
"""


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return build_fixture_store(tmp_path / "oxigraph")


def quads(path: Path) -> set[ox.Quad]:
    s = ox.Store.read_only(str(path))
    try:
        return set(s)
    finally:
        del s


def graph_triples(path: Path, graph: str) -> set[ox.Triple]:
    return {q.triple for q in quads(path) if q.graph_name == ox.NamedNode(graph)}


def load(store: Path, *args: str, validate: bool = False) -> int:
    extra = [] if validate else ["--no-validate"]
    return main(["load", "--quiet", *extra, "--store", str(store), *args])


def test_files_load_into_a_named_graph_with_a_summary(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nt = tmp_path / "links.nt"
    nt.write_text(LINKS, encoding="utf-8")
    assert load(store, str(nt), "--graph", LINKSET) == 0
    out = capsys.readouterr().out
    assert "4 triples loaded" in out
    assert "links to ccai entities: 2" in out
    assert "dangling links: 1" in out and f"{ID}challenge/does-not-exist" in out
    assert len(graph_triples(store, LINKSET)) == 4
    s = ox.Store.read_only(str(store))
    counts = count_triples(s)  # the layout holds: the default graph has the new triples
    assert counts.graphs[LINKSET] == 4
    assert read_counts(store) == counts  # the service starts with the new counts
    del s


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("links.ttl.gz", f"@prefix ex: <{EX}> . ex:a ex:p <{ID}organisation/nemo> ."),
        ("links.trig", f"<{EX}g> {{ <{EX}a> <{EX}p> <{ID}organisation/nemo> }}"),
        ("links.nq", f"<{EX}a> <{EX}p> <{ID}organisation/nemo> <{EX}g> ."),
        (
            "links.jsonld",
            f'{{"@id": "{EX}a", "{EX}p": {{"@id": "{ID}organisation/nemo"}}}}',
        ),
        (
            "links.rdf",
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns:ex="{EX}"><rdf:Description rdf:about="{EX}a">'
            f'<ex:p rdf:resource="{ID}organisation/nemo"/></rdf:Description></rdf:RDF>',
        ),
    ],
)
def test_every_common_syntax_and_gzip(store: Path, tmp_path: Path, name: str, text: str) -> None:
    path = tmp_path / name
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert load(store, str(path), "--graph", LINKSET) == 0
    triples = graph_triples(store, LINKSET)
    assert triples == {
        ox.Triple(
            ox.NamedNode(EX + "a"), ox.NamedNode(EX + "p"), ox.NamedNode(ID + "organisation/nemo")
        )
    }


def test_reloading_replaces_the_graph_and_the_default_graph_follows(
    store: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text(f"<{EX}old> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    second.write_text(f"<{EX}new> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    assert load(store, str(first), "--graph", LINKSET) == 0
    assert load(store, str(second), "--graph", LINKSET) == 0
    assert {t.subject.value for t in graph_triples(store, LINKSET)} == {EX + "new"}
    default = {q.triple.subject for q in quads(store) if q.graph_name == ox.DefaultGraph()}
    assert ox.NamedNode(EX + "new") in default
    assert ox.NamedNode(EX + "old") not in default  # gone from the default graph too


def test_a_parse_error_leaves_the_store_as_it_was(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.nt"
    good.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    assert load(store, str(good), "--graph", LINKSET) == 0
    before = quads(store)
    bad = tmp_path / "bad.nt"
    bad.write_text(f"<{EX}b> <{EX}p> <{EX}o> .\n<{EX}c> <{EX}p> oops .\n", encoding="utf-8")
    capsys.readouterr()
    # the good file first: its triples were written (to the temporary graph) before the error
    assert load(store, str(good), str(bad), "--graph", LINKSET) == 2
    err = capsys.readouterr().err
    assert f"{bad}:2:" in err
    assert quads(store) == before


def test_an_asserted_entailment_leaves_the_inferred_graph(store: Path, tmp_path: Path) -> None:
    inferred = graph_triples(store, INFERRED)
    assert inferred
    triple = next(iter(inferred))
    path = tmp_path / "restate.nt"
    path.write_text(f"{triple} .\n", encoding="utf-8")
    assert load(store, str(path), "--graph", LINKSET) == 0
    assert triple not in graph_triples(store, INFERRED)
    s = ox.Store.read_only(str(store))
    counts = count_triples(s)  # layout check: no triple both asserted and inferred
    del s
    assert counts.inferred == len(inferred) - 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["x.nt"], "needs --graph"),
        (["--graph", LINKSET], "needs at least one FILE"),
        (["x.csv", "--graph", LINKSET], "unknown RDF file type"),
        (["missing.nt", "--graph", LINKSET], "no such file"),
        (["x.nt", "--graph", "not an iri"], "not an absolute IRI"),
        (["x.nt", "--graph", INFERRED], "reserved"),
    ],
)
def test_unusable_input_exits_2(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "x.nt").write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    (tmp_path / "x.csv").write_text("a,b\n", encoding="utf-8")
    args = [str(tmp_path / a) if a.endswith((".nt", ".csv")) else a for a in args]
    before = quads(store)
    assert load(store, *args) == 2
    assert message in capsys.readouterr().err
    assert quads(store) == before


def test_loading_a_build_into_another_embedded_store(store: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(store, build / "oxigraph")
    target = tmp_path / "other"
    assert load(target, "--build", str(build)) == 0
    assert quads(target) == quads(store)
    s = ox.Store.read_only(str(target))
    assert read_counts(target) == count_triples(s)
    del s


# --- backend options, shared by serve and load (a flag overrides its variable) ---------


def test_remote_backend_needs_a_query_endpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CCAI_QUERY_ENDPOINT", raising=False)
    assert main(["load", "--backend", "remote", "--build", str(tmp_path)]) == 2
    assert "--query-endpoint" in capsys.readouterr().err
    monkeypatch.setenv("CCAI_BACKEND", "remote")  # the variable, when no flag is given
    assert main(["load", "--build", str(tmp_path)]) == 2
    assert "--query-endpoint" in capsys.readouterr().err
    assert main(["serve", "--store", str(tmp_path)]) == 2
    assert "--query-endpoint" in capsys.readouterr().err


def test_the_backend_flag_overrides_the_variable(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCAI_BACKEND", "remote")
    path = tmp_path / "x.nt"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    assert load(store, "--backend", "embedded", str(path), "--graph", LINKSET) == 0
    assert len(graph_triples(store, LINKSET)) == 1


def test_an_unreachable_remote_store_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.nt"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    with socket.socket() as sock:  # a port nothing listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    code = main(
        [
            "load",
            "-q",
            "--backend",
            "remote",
            "--query-endpoint",
            url + "/sparql",
            "--update-endpoint",
            url + "/update",
            str(path),
            "--graph",
            LINKSET,
        ]
    )
    assert code == 2
    assert "ConnectError" in capsys.readouterr().err


def test_data_that_violates_the_linkset_profile_is_not_loaded(
    store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "links.nt"
    path.write_text(LINKS, encoding="utf-8")  # a dangling link, a subject that is no concept
    before = quads(store)
    assert load(store, str(path), "--graph", LINKSET, validate=True) == 1
    captured = capsys.readouterr()
    assert "does-not-exist does not exist in the ccai graph" in captured.out
    assert "nothing was loaded" in captured.err
    assert quads(store) == before


def test_data_that_conforms_to_the_linkset_profile_is_loaded(store: Path, tmp_path: Path) -> None:
    path = tmp_path / "links.nt"
    path.write_text(
        f"<{EX}object/1> <http://purl.org/dc/terms/subject> "
        "<https://w3id.org/ccai/vocab/sectors/film> .\n"
        f'<{EX}object/1> <http://www.w3.org/2000/01/rdf-schema#label> "Object one" .\n',
        encoding="utf-8",
    )
    assert load(store, str(path), "--graph", LINKSET, validate=True) == 0
    assert len(graph_triples(store, LINKSET)) == 2


# --- inference by the build's rules (issue 11) ------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
CCAI = "https://w3id.org/ccai/ontology#"
SCHEMA_ABOUT = "https://schema.org/about"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
ACTORS = f"SELECT ?x WHERE {{ ?x a <{CCAI}Actor> }}"


def _nt(graph: Graph) -> bytes:
    return graph.serialize(format="nt", encoding="utf-8")


def kept_by_the_build(data: Graph, ontology: Graph) -> set[tuple[str, ...]]:
    """The entailments the build's inference keeps of ``data`` (the oracle), as strings."""
    return {tuple(str(t) for t in triple) for triple in rules.infer(data, ontology).graph}


def inferred_in(store: Path) -> set[tuple[str, ...]]:
    """The triples of the store's inferred graph, as strings."""
    return {
        (t.subject.value, t.predicate.value, t.object.value) for t in graph_triples(store, INFERRED)
    }


def built_store(path: Path, ontology: Graph, data: Graph) -> Path:
    """A store laid out as ``ccai build`` writes it: the ontology, one source graph and
    the build's kept entailments, the default graph materialised, the counts recorded."""
    store = ox.Store(str(path))
    store.load(_nt(ontology), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(ONTOLOGY))
    store.load(_nt(data), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(SOURCE))
    kept = rules.infer(data, ontology).graph
    if len(kept):
        store.load(_nt(kept), format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(INFERRED))
    materialise(store)
    write_counts(path, count_triples(store))
    store.flush()
    del store
    return path


@pytest.fixture
def ccai_store(tmp_path: Path) -> Path:
    """The project's ontology, and NEMO as an organisation (so a ccai:Actor by the build)."""
    data = Graph().parse(
        data=f"<{ID}organisation/nemo> a <{CCAI}Organisation> ; "
        '<http://www.w3.org/2000/01/rdf-schema#label> "NEMO" .',
        format="turtle",
    )
    return built_store(tmp_path / "oxigraph", Graph().parse(ROOT / "ontology" / "ccai.ttl"), data)


def select(path: Path, query: str) -> set[str]:
    s = ox.Store.read_only(str(path))
    try:
        return {solution[0].value for solution in s.query(query)}  # type: ignore[union-attr]
    finally:
        del s


def test_a_loaded_graph_gets_the_entailments_of_the_build_rules(
    ccai_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "museum.ttl"
    path.write_text(
        f"""@prefix ccai: <{CCAI}> . @prefix ex: <{EX}> .
        ex:m a ccai:Organisation ; ccai:hasSubOrganisation ex:dept .
        ex:doc ccai:discusses ex:m .""",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert load(ccai_store, str(path), "--graph", LINKSET) == 0
    assert "inferred graph:" in capsys.readouterr().out
    inferred = graph_triples(ccai_store, INFERRED)
    m, dept, doc = (ox.NamedNode(EX + n) for n in ("m", "dept", "doc"))
    for triple in [
        ox.Triple(m, ox.NamedNode(RDF_TYPE), ox.NamedNode(CCAI + "Actor")),  # subClassOf
        ox.Triple(dept, ox.NamedNode(CCAI + "subOrganisationOf"), m),  # inverseOf
        ox.Triple(doc, ox.NamedNode(SCHEMA_ABOUT), m),  # subPropertyOf
    ]:
        assert triple in inferred, triple
    # a query that knows only the superclass finds the loaded organisation, and the
    # build's own entailments are still there
    assert {EX + "m", ID + "organisation/nemo"} <= select(ccai_store, ACTORS)
    s = ox.Store.read_only(str(ccai_store))
    counts = count_triples(s)  # the layout holds: no triple both asserted and inferred
    del s
    assert read_counts(ccai_store) == counts and counts.inferred == len(inferred)


def test_loading_a_graph_again_replaces_its_entailments(ccai_store: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    first.write_text(f"<{EX}m> a <{CCAI}Organisation> .", encoding="utf-8")
    second.write_text(f"<{EX}n> a <{CCAI}Person> .", encoding="utf-8")
    assert load(ccai_store, str(first), "--graph", LINKSET) == 0
    assert EX + "m" in select(ccai_store, ACTORS)
    assert load(ccai_store, str(second), "--graph", LINKSET) == 0
    actors = select(ccai_store, ACTORS)
    assert EX + "n" in actors and ID + "organisation/nemo" in actors
    assert EX + "m" not in actors  # neither in the inferred graph nor in the default graph
    assert not {t for t in graph_triples(ccai_store, INFERRED) if t.subject.value == EX + "m"}
    s = ox.Store.read_only(str(ccai_store))
    assert read_counts(ccai_store) == count_triples(s)
    del s


def test_load_keeps_exactly_the_build_entailments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every axiom kind of the rules' fixture: what a load leaves in the inferred graph
    is what the build's inference keeps (rules.infer, itself checked against owlrl),
    the build's filter (blank nodes, schema terms, asserted triples) included."""
    whole = Graph().parse(FIXTURE)
    ontology, data = Graph(), Graph()
    for triple in whole:
        (data if str(triple[0]).startswith(DATA) else ontology).add(triple)
    data.parse(  # what the build's filter drops: blank nodes, schema terms, built-in classes
        data=f"""@prefix e: <https://example.org/onto#> . @prefix d: <{DATA}> .
        [] e:memberOf d:rijks . d:thing e:knows e:Museum . d:x e:name d:y .""",
        format="turtle",
    )
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    path = tmp_path / "data.nt"
    path.write_bytes(_nt(data))
    assert load(store, str(path), "--graph", LINKSET) == 0
    expected, got = kept_by_the_build(data, ontology), inferred_in(store)
    assert len(expected) > 10 and got == expected
    assert (DATA + "x", RDF_TYPE, "https://example.org/onto#Named") in got  # kept beside them
    dropped = re.search(r"\((\d+) dropped", capsys.readouterr().out)
    assert dropped and int(dropped.group(1)) >= 4


def test_the_build_entailments_come_out_the_same(ccai_store: Path, tmp_path: Path) -> None:
    before = graph_triples(ccai_store, INFERRED)
    assert before
    path = tmp_path / "unrelated.nt"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    assert load(ccai_store, str(path), "--graph", LINKSET) == 0
    assert graph_triples(ccai_store, INFERRED) == before


@pytest.mark.parametrize("changes_only", [True, False], ids=["what changed", "whole store"])
def test_a_failure_while_inferring_leaves_the_store_as_it_was(
    ccai_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, changes_only: bool
) -> None:
    first, second = tmp_path / "a.ttl", tmp_path / "b.ttl"
    first.write_text(f"<{EX}m> a <{CCAI}Organisation> .", encoding="utf-8")
    second.write_text(f"<{EX}n> a <{CCAI}Person> .", encoding="utf-8")
    assert load(ccai_store, str(first), "--graph", LINKSET) == 0
    before = quads(ccai_store)

    def broken(*args: object, **kwargs: object) -> None:
        raise load_module.LoadError("the rules could not run")

    # each after the default graph changed: the triples taken out and the new ones in
    if changes_only:
        monkeypatch.setattr(entailment_module, "_forward", broken)
    else:
        monkeypatch.setattr(load_module, "entail_replaced", lambda *a, **k: None)
        monkeypatch.setattr(load_module, "infer_over", broken)
    assert load(ccai_store, str(second), "--graph", LINKSET) == 2
    assert quads(ccai_store) == before
    assert not list(tmp_path.glob(f"**/{load_module.SIDE_STORE}*"))


def test_a_killed_load_is_mended_by_the_next_one(ccai_store: Path, tmp_path: Path) -> None:
    s = ox.Store(str(ccai_store))  # what a load killed while inferring leaves
    left = ox.NamedNode("urn:x-ccai:loading:0123")
    junk = ox.Triple(ox.NamedNode(EX + "junk"), ox.NamedNode(EX + "p"), ox.NamedNode(EX + "o"))
    s.add(ox.Quad(*junk, left))
    s.add(ox.Quad(*junk))
    s.flush()
    del s
    path = tmp_path / "a.nt"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")
    assert load(ccai_store, str(path), "--graph", LINKSET) == 0
    after = quads(ccai_store)
    assert not {q for q in after if q.graph_name == left}
    assert ox.Quad(*junk) not in after  # no named graph holds it: out of the default graph
    s = ox.Store.read_only(str(ccai_store))
    assert read_counts(ccai_store) == count_triples(s)
    del s


def test_blank_nodes_of_two_loads_stay_apart(store: Path, tmp_path: Path) -> None:
    # A blank node label is local to its document (RDF 1.1 §3.4): "_:b1" in two files is
    # two nodes, in one graph or in two.
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    first.write_text(f'_:b1 <{EX}p> "one" .\n', encoding="utf-8")
    second.write_text(f'_:b1 <{EX}p> "two" .\n', encoding="utf-8")
    assert load(store, str(first), "--graph", LINKSET) == 0
    assert load(store, str(second), "--graph", EX + "other") == 0
    subjects = {q.subject for q in quads(store) if q.predicate == ox.NamedNode(EX + "p")}
    assert len(subjects) == 2 and all(isinstance(s, ox.BlankNode) for s in subjects)


def assert_default_graph_is_the_union(path: Path) -> None:
    """The layout, node for node: the default graph holds exactly the triples of the
    named graphs (the service's own, ``urn:x-ccai:…``, aside), the same blank nodes."""
    everything = quads(path)
    default = {q.triple for q in everything if q.graph_name == ox.DefaultGraph()}
    named = {
        q.triple
        for q in everything
        if isinstance(q.graph_name, ox.NamedNode)
        and not q.graph_name.value.startswith("urn:x-ccai:")
    }
    assert default == named


@pytest.mark.parametrize(
    "blank", [True, False], ids=["with blank nodes: quad by quad", "without: from a dump"]
)
def test_the_copies_into_the_default_graph_keep_every_node(
    store: Path, tmp_path: Path, blank: bool
) -> None:
    """The new data goes into the default graph (and a graph loaded again into place)
    through the bulk loader: from an N-Triples dump when it holds no blank node, quad
    by quad when it does (the bulk loader would name them anew)."""
    node = "_:b1" if blank else f"<{EX}node>"
    for n, name in enumerate(("first.nt", "second.nt")):
        path = tmp_path / name
        path.write_text(
            f'<{EX}s{n}> <{EX}p> {node} .\n{node} <{EX}name> "node {n}"@en .\n'
            f"<{EX}s{n}> <http://purl.org/dc/terms/subject> <{ID}organisation/nemo> .\n",
            encoding="utf-8",
        )
        assert load(store, str(path), "--graph", LINKSET) == 0  # new, then replaced
        assert_default_graph_is_the_union(store)
        triples = graph_triples(store, LINKSET)
        assert len(triples) == 3
        assert any(isinstance(t.object, ox.BlankNode) for t in triples) is blank
    assert not list(tmp_path.parent.glob("**/ccai-copy-*"))  # no dump left behind


@pytest.mark.parametrize(
    ("names", "from_the_files"),
    [
        (("a.ttl", "b.nt.gz", "c.rdf"), True),
        (("a.ttl", "d.nq", "b.nt.gz"), False),  # a file of quads: read as it is
    ],
    ids=["files of triples: from their copies", "with a file of quads: from a dump"],
)
def test_a_new_graph_goes_into_the_default_graph_from_the_files_it_was_read_from(
    store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    names: tuple[str, ...],
    from_the_files: bool,
) -> None:
    """A new graph without blank nodes goes into the default graph by the bulk loader from
    copies of its files, which resolve relative IRIs as they were read; the files can
    change meanwhile."""
    texts = {
        "a.ttl": f'@prefix e: <{EX}> . <relative> e:p e:o ; e:name "Ä"@de .',
        "b.nt": f'<{EX}b> <{EX}p> "2"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
        "c.rdf": f"""<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
            xmlns:e="{EX}"><rdf:Description rdf:about="c"><e:p>three</e:p>
            </rdf:Description></rdf:RDF>""",
        "d.nq": f"<{EX}d> <{EX}p> <{EX}o> <{EX}g> .\n",
    }
    files = []
    for name in names:
        path = tmp_path / name
        text = texts[name.removesuffix(".gz")].encode()
        path.write_bytes(gzip.compress(text) if name.endswith(".gz") else text)
        files.append(path)
    dumped = []
    copy = load_module.EmbeddedTarget._copy

    def spy(self: load_module.EmbeddedTarget, source: str, target: object) -> None:
        dumped.append(target)
        copy(self, source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(load_module.EmbeddedTarget, "_copy", spy)
    read = load_module.read_triples

    def changing(path: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        yield from read(path, *args, **kwargs)  # type: ignore[arg-type]
        path.write_text("<urn:x> <urn:changed> <urn:y> .\n", encoding="utf-8")

    monkeypatch.setattr(load_module, "read_triples", changing)
    assert load(store, *map(str, files), "--graph", LINKSET) == 0
    assert (ox.DefaultGraph() in dumped) is not from_the_files
    assert_default_graph_is_the_union(store)
    triples = graph_triples(store, LINKSET)
    assert len(triples) == 1 + len(names)  # a.ttl holds two
    assert ox.NamedNode((tmp_path / "a.ttl").resolve().as_uri()[:-5] + "relative") in {
        t.subject for t in triples
    }
    assert not {t for t in triples if t.predicate == ox.NamedNode("urn:changed")}


def test_without_room_for_the_copies_a_new_graph_is_read_from_its_files(
    store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "a.nt"
    path.write_text(f"<{EX}a> <{EX}p> <{EX}o> .\n", encoding="utf-8")

    temporary = load_module.tempfile.TemporaryFile

    def full(*args: object, prefix: str = "", **kwargs: object) -> object:
        if prefix == "ccai-input-":  # room for the dump, not for the copies
            raise OSError(28, "No space left on device")
        return temporary(*args, prefix=prefix, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(load_module.tempfile, "TemporaryFile", full)
    assert load(store, str(path), "--graph", LINKSET) == 0
    assert_default_graph_is_the_union(store)
    assert len(graph_triples(store, LINKSET)) == 1


def _fixture_ontology() -> Graph:
    ontology = Graph()
    for triple in Graph().parse(FIXTURE):
        if not str(triple[0]).startswith(DATA):
            ontology.add(triple)
    return ontology


PREFIXES = f"@prefix e: <https://example.org/onto#> . @prefix d: <{DATA}> .\n"
FIRST = f"""@prefix e: <https://example.org/onto#> . @prefix d: <{DATA}> .
d:rijks a e:Museum ; e:partOf d:network ; e:basedIn d:amsterdam ; e:name "Rijksmuseum"@en .
d:network e:partOf d:federation . d:amsterdam a e:Place .
d:bob e:hasMember d:carol ; e:knows d:ada . d:x e:memberOf d:y . d:z e:worksFor d:w ."""
SECOND = f"""@prefix e: <https://example.org/onto#> . @prefix d: <{DATA}> .
d:federation e:partOf d:world . d:lab e:partOf d:rijks .
d:ada e:memberOf d:rijks ; e:knows d:bob ; e:worksFor d:lab . d:dan e:knows d:carol ."""


@pytest.mark.parametrize(
    ("first", "second", "incremental"),
    [
        (FIRST, SECOND, True),  # the second graph uses only terms the store uses
        # a predicate and a class the store has never mentioned (an institution's own
        # vocabulary): nothing inferred before is about them
        (FIRST, SECOND + " d:dan e:likes d:ada ; a e:Curator .", True),
        # a predicate the store has never used, but an entailment is about it (kept so
        # far, dropped once it is a predicate): inferred again over everything
        (FIRST + " e:likes e:partOf d:network .", SECOND + " d:dan e:likes d:ada .", False),
        # likewise a class
        (FIRST + " e:Curator e:partOf d:network .", SECOND + " d:dan a e:Curator .", False),
        # a blank node where a transitive property's entailments go: likewise
        (FIRST + " [] e:partOf d:rijks .", SECOND, False),
    ],
)
def test_a_new_graph_is_inferred_from_its_own_triples_when_that_gives_the_same(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    first: str,
    second: str,
    incremental: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Semi-naive inference of a new graph (api.build.entailment.entail_added) keeps
    exactly what inferring over the whole store keeps, on every axiom kind of the rules'
    fixture; where it could not, the whole store is inferred again. What the service
    reads at start-up is then updated with the added triples, or counted again."""
    ontology = _fixture_ontology()
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    paths = []
    for name, text in (("first.ttl", first), ("second.ttl", second)):
        paths.append(tmp_path / name)
        paths[-1].write_text(text, encoding="utf-8")
    assert load(store, str(paths[0]), "--graph", LINKSET) == 0
    capsys.readouterr()
    reads = store_reads(monkeypatch)
    assert load(store, str(paths[1]), "--graph", EX + "second") == 0
    out = capsys.readouterr().out
    assert ("entailments of the new data" in out) is incremental, out
    # the statistics counted again only after a whole-store inference; the rows never
    # (no subject of ours among the added triples)
    assert reads == ({"reconciliation"} if not incremental else set()) | (
        {"statistics"} if not incremental else set()
    ), reads
    data = Graph().parse(data=first, format="turtle") + Graph().parse(data=second, format="turtle")
    expected, got = kept_by_the_build(data, ontology), inferred_in(store)
    assert got == expected
    assert (DATA + "lab", "https://example.org/onto#partOf", DATA + "world") in got  # transitive
    assert_recorded_as_counted(store)


#: The second graph without one triple that a transitive property's paths went through.
SECOND_CUT = SECOND.replace("d:lab e:partOf d:rijks .", "d:lab e:knows d:dan .")
assert SECOND_CUT != SECOND


@pytest.mark.parametrize(
    ("first", "second", "third", "changes_only"),
    [
        # a triple out (the paths through it with it), another in
        (FIRST, SECOND, SECOND_CUT, True),
        # the same triples again: nothing changes
        (FIRST, SECOND, SECOND, True),
        # every triple out but one new
        (
            FIRST,
            SECOND,
            "<https://example.org/data/zed> <https://example.org/onto#knows> "
            "<https://example.org/data/ada> .",
            True,
        ),
        # an asserted triple out that the rest entails: it joins the inferred graph
        (FIRST, SECOND + " d:ada a e:Person .", SECOND, True),
        # likewise, but only an entailment the build drops derives it (d:eve e:worksFor
        # a blank node: e:affiliatedWith to a blank node, then e:Person by its domain)
        (FIRST + " d:eve e:worksFor [] .", SECOND + " d:eve a e:Person .", SECOND, True),
        # a new term of the institution's own, with the change
        (FIRST, SECOND, SECOND_CUT + " d:dan e:likes d:ada ; a e:Curator .", True),
        # only additions, with entailments: the recorded figures updated, not counted again
        (FIRST, SECOND, SECOND + " d:eve e:memberOf d:rijks .", True),
        # the last use of a predicate goes, and the store says something of it (dropped
        # as a schema term so far, kept from now on): inferred again over everything
        (
            FIRST + ' e:likes e:name "likes" .',
            SECOND + " d:dan e:likes d:ada .",
            SECOND,
            False,
        ),
        # a blank node where a transitive property's entailments go, in the new data:
        # its entailments are derived from it (and dropped) as for a new graph
        (FIRST, SECOND, SECOND + " [] e:partOf d:rijks .", True),
        # in the store already (what it entails was dropped): inferred again over everything
        (FIRST + " [] e:partOf d:rijks .", SECOND, SECOND_CUT, False),
    ],
)
def test_a_graph_loaded_again_is_inferred_from_what_changed_when_that_gives_the_same(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    first: str,
    second: str,
    third: str,
    changes_only: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Delete and rederive (api.build.entailment.entail_replaced) keeps exactly what
    inferring over the whole store keeps, on every axiom kind of the rules' fixture; where
    it could not, the whole store is inferred again. The default graph and what the
    service reads at start-up follow: updated with what changed, else counted again."""
    ontology = _fixture_ontology()
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    for name, text, graph in (
        ("first.ttl", first, LINKSET),
        ("second.ttl", second, EX + "second"),
        ("third.ttl", third, EX + "second"),
    ):
        path = tmp_path / name
        path.write_text(PREFIXES + text, encoding="utf-8")
        capsys.readouterr()
        reads = store_reads(monkeypatch)  # what the last load counts again
        assert load(store, str(path), "--graph", graph) == 0
    out = capsys.readouterr().out
    assert ("of what changed" in out) is changes_only, out
    # what changed updates the recorded figures (none of the subjects is ours: the
    # reconciliation rows stand too); a whole-store inference counts everything again
    assert reads == (set() if changes_only else {"statistics", "reconciliation"}), reads
    data = Graph().parse(data=PREFIXES + first, format="turtle") + Graph().parse(
        data=PREFIXES + third, format="turtle"
    )
    expected, got = kept_by_the_build(data, ontology), inferred_in(store)
    assert got == expected
    assert_default_graph_is_the_union(store)
    assert_recorded_as_counted(store)
    assert not list(tmp_path.glob(f"{load_module.SIDE_STORE}*"))  # the side store gone


def test_a_class_the_rules_would_use_for_the_first_time_means_inferring_everything() -> None:
    """A rule's conclusion may make a class (named only in the vocabularies graph) used
    for the first time; what was inferred about it before would then be about a schema
    term, which the build drops: only a whole-store inference says so."""
    from api.build.entailment import added_alone_suffices, schema_rules
    from api.namespaces import GRAPH_VOCABULARIES

    e, d = "https://example.org/onto#", DATA
    store = ox.Store()
    vocabularies, source, added = (
        ox.NamedNode(g) for g in (str(GRAPH_VOCABULARIES), SOURCE, "urn:x-ccai:loading:t")
    )
    sub = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#subClassOf")
    a, b, typ = ox.NamedNode(e + "A"), ox.NamedNode(e + "B"), ox.NamedNode(RDF_TYPE)
    store.add(ox.Quad(a, sub, b, vocabularies))
    store.add(ox.Quad(ox.NamedNode(d + "x"), typ, a, source))
    store.add(ox.Quad(ox.NamedNode(d + "y"), typ, a, added))
    materialise(store)  # (the added graph's triple too: harmless for this check)

    def select(query: str) -> list[dict]:
        solutions = store.query(query)
        return [{v.value: s[v] for v in solutions.variables} for s in solutions]  # type: ignore[union-attr]

    rules_ = schema_rules(select, [str(GRAPH_VOCABULARIES)])
    check = {"added": added.value, "ontology": ONTOLOGY}
    assert not added_alone_suffices(select, rules_, **check)  # e:B is used by no one yet
    store.add(ox.Quad(ox.NamedNode(d + "x"), typ, b, ox.NamedNode(INFERRED)))
    materialise(store)  # as a build would have inferred it
    assert added_alone_suffices(select, rules_, **check)


#: The full reads, whatever store_reads patches.
FULL_COUNT, FULL_READ = DatasetStatistics.from_store, read_store


def store_reads(monkeypatch: pytest.MonkeyPatch) -> set[str]:
    """Which of the recorded figures the next loads read from the whole store again."""
    reads: set[str] = set()

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        reads.add("statistics")
        return FULL_COUNT(*args, **kwargs)

    def read(store):  # type: ignore[no-untyped-def]
        reads.add("reconciliation")
        return FULL_READ(store)

    monkeypatch.setattr(DatasetStatistics, "from_store", counted)
    monkeypatch.setattr("api.build.recorded.read_store", read)
    return reads


def _sorted(rows: Rows | None) -> dict[str, list]:
    assert rows is not None
    return {name: sorted(getattr(rows, name), key=repr) for name in Rows.__dataclass_fields__}


def assert_recorded_as_counted(path: Path) -> None:
    """The counts, statistics and reconciliation rows recorded beside the store are
    those a full read of the store gives, and no working graph is left."""
    s = ox.Store.read_only(str(path))
    try:
        counts = count_triples(s)
        assert read_counts(path) == counts  # the layout holds
        assert read_statistics(path) == FULL_COUNT(s)
        assert _sorted(recorded_rows(path, counts)) == _sorted(FULL_READ(s))
        assert not [g for g in s.named_graphs() if g.value.startswith("urn:x-ccai:")]
    finally:
        del s


def test_a_load_that_adds_updates_the_recorded_figures(
    ccai_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new graph inferred from its own triples: the counts, statistics and rows are
    updated from the triples it added; the rows are read again only when those can
    change them (a subject of ours); a graph loaded again is counted from what it
    changed, unless only a full count can say."""
    museum, names = tmp_path / "museum.ttl", tmp_path / "names.ttl"
    museum.write_text(LINKS, encoding="utf-8")
    names.write_text(
        f'<{ID}organisation/nemo> <http://www.w3.org/2000/01/rdf-schema#label> "NEMO"@nl .',
        encoding="utf-8",
    )
    assert load(ccai_store, str(museum), "--graph", LINKSET) == 0  # nothing recorded yet
    assert_recorded_as_counted(ccai_store)

    reads = store_reads(monkeypatch)
    assert load(ccai_store, str(museum), "--graph", EX + "copy") == 0
    assert reads == set()  # only additions, none about our resources
    assert_recorded_as_counted(ccai_store)

    assert load(ccai_store, str(names), "--graph", EX + "names") == 0
    assert reads == {"reconciliation"}  # a new name of NEMO
    assert_recorded_as_counted(ccai_store)
    rows = recorded_rows(ccai_store, count_triples_of(ccai_store))
    assert rows is not None and (ID + "organisation/nemo", "rdfs:label", "NEMO", "nl") in {
        (s, p.replace("http://www.w3.org/2000/01/rdf-schema#", "rdfs:"), n, lang)
        for s, p, n, lang in rows.names
    }

    reads.clear()
    assert load(ccai_store, str(names), "--graph", EX + "copy") == 0  # replaced: lost triples
    # what changed counted; the rows stand: graph names states NEMO's Dutch name already
    assert reads == set()
    assert_recorded_as_counted(ccai_store)

    # NEMO's Dutch name no longer stated by any graph: the rows are read again
    assert load(ccai_store, str(museum), "--graph", EX + "names") == 0
    reads.clear()
    assert load(ccai_store, str(museum), "--graph", EX + "copy") == 0
    assert reads == {"reconciliation"}
    assert_recorded_as_counted(ccai_store)
    rows = recorded_rows(ccai_store, count_triples_of(ccai_store))
    assert rows is not None and not [r for r in rows.names if r[3] == "nl" and r[2] == "NEMO"]

    # the first organisation (alphabetically) stated, then no more: which organisation
    # comes first takes a full count
    first = tmp_path / "first.ttl"
    first.write_text(
        f'<{ID}organisation/0-first> <http://www.w3.org/2000/01/rdf-schema#label> "0"@en .',
        encoding="utf-8",
    )
    assert load(ccai_store, str(first), "--graph", EX + "first") == 0
    reads.clear()
    assert load(ccai_store, str(museum), "--graph", EX + "first") == 0
    assert reads == {"statistics", "reconciliation"}
    assert_recorded_as_counted(ccai_store)


def test_a_new_graph_large_beside_the_store_is_counted_again_whole(
    ccai_store: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Counting the figures over the added triples costs more per triple than over the
    whole store: a new graph larger than the store divided by ADDED_COUNT_COST is still
    inferred from its own triples, but everything is counted again."""
    museum = tmp_path / "museum.ttl"
    museum.write_text(LINKS, encoding="utf-8")
    assert load(ccai_store, str(museum), "--graph", LINKSET) == 0
    total = count_triples_of(ccai_store).total
    reads = store_reads(monkeypatch)
    # 4 triples: "large" once each costs more than a quarter of the store
    monkeypatch.setattr(load_module, "ADDED_COUNT_COST", total // 4 + 1)
    capsys.readouterr()
    assert load(ccai_store, str(museum), "--graph", EX + "large") == 0
    assert "entailments of the new data" in capsys.readouterr().out
    assert reads == {"statistics", "reconciliation"}
    assert_recorded_as_counted(ccai_store)
    reads.clear()
    monkeypatch.setattr(load_module, "ADDED_COUNT_COST", total // 4)  # small enough
    assert load(ccai_store, str(museum), "--graph", EX + "small") == 0
    assert reads == set()
    assert_recorded_as_counted(ccai_store)


def count_triples_of(path: Path) -> TripleCounts:
    s = ox.Store.read_only(str(path))
    try:
        return count_triples(s)
    finally:
        del s


def test_a_load_killed_after_the_swap_leaves_nothing_recorded_to_trust(
    ccai_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap is committed but the process dies before recording: the recorded counts
    are gone (so neither the service nor the next load trusts the old figures), and the
    next load records them from the store again."""
    museum = tmp_path / "museum.ttl"
    museum.write_text(LINKS, encoding="utf-8")
    assert load(ccai_store, str(museum), "--graph", LINKSET) == 0
    assert read_counts(ccai_store) is not None

    def killed(self, **_kwargs):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    with monkeypatch.context() as patched:
        patched.setattr(load_module.EmbeddedTarget, "_record", killed)
        assert load(ccai_store, str(museum), "--graph", EX + "copy") != 0  # "interrupted"
    assert read_counts(ccai_store) is None
    assert EX + "copy" in {g.value for g in ox.Store.read_only(str(ccai_store)).named_graphs()}

    reads = store_reads(monkeypatch)
    assert load(ccai_store, str(museum), "--graph", EX + "third") == 0
    assert reads == {"statistics", "reconciliation"}  # no baseline: everything read again
    assert_recorded_as_counted(ccai_store)


@pytest.mark.parametrize(
    "recorded",
    ['{"format": 1, "triples": 3}', "not json", '{"format": 2}'],
    ids=["older-format", "unreadable", "incomplete"],
)
def test_recorded_statistics_that_cannot_be_read_are_counted_again(
    ccai_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recorded: str
) -> None:
    """A statistics file of another format, or damaged, is no baseline: the next load
    counts the whole store, and records what a full read gives."""
    museum = tmp_path / "museum.ttl"
    museum.write_text(LINKS, encoding="utf-8")
    assert load(ccai_store, str(museum), "--graph", LINKSET) == 0
    (ccai_store / "ccai-statistics.json").write_text(recorded, encoding="utf-8")
    reads = store_reads(monkeypatch)
    assert load(ccai_store, str(museum), "--graph", EX + "copy") == 0
    assert "statistics" in reads
    assert_recorded_as_counted(ccai_store)


# --- a load killed half-way: the journal (EmbeddedTarget._recover) ---------------------

TYPED = f"""<{EX}m> a <{CCAI}Organisation> .
<{EX}m> <http://www.w3.org/2000/01/rdf-schema#label> "Museum m" .
<{EX}m> <http://purl.org/dc/terms/subject> <{ID}organisation/nemo> .
"""
RETYPED = f"""<{EX}n> a <{CCAI}Person> .
<{EX}n> <http://www.w3.org/2000/01/rdf-schema#label> "Person n" .
"""


def killed_load(store: Path, path: Path, graph: str, monkeypatch, where: str) -> None:  # type: ignore[no-untyped-def]
    """``ccai load`` of ``path`` into ``graph``, the process "killed" at ``where``: an
    interruption raised there, and nothing run on the way out (a killed process runs no
    handler)."""

    def kill(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    original = load_module.EmbeddedTarget._swap_in

    def swap_then_kill(self, temp, graph, **kwargs):  # type: ignore[no-untyped-def]
        if where == "swapping":  # the graph copied in place, the entailments not yet
            self._graph_in_place(temp, graph)
            raise KeyboardInterrupt
        original(self, temp, graph, **kwargs)
        raise KeyboardInterrupt  # "swapped": the mark stated, nothing cleaned up

    with monkeypatch.context() as patched:
        patched.setattr(load_module.EmbeddedTarget, "abandon", lambda *a, **k: None)
        if where == "loading":
            patched.setattr(load_module, "infer_over", kill)
            patched.setattr(entailment_module, "_forward", kill)  # entail_added, _replaced
        else:
            patched.setattr(load_module.EmbeddedTarget, "_swap_in", swap_then_kill)
        assert load(store, str(path), "--graph", graph) != 0
    assert (store / load_module.JOURNAL_FILE).is_file()


@pytest.mark.parametrize("where", ["loading", "swapping", "swapped"])
@pytest.mark.parametrize("again", [False, True], ids=["new graph", "graph loaded again"])
def test_a_killed_load_is_undone_or_completed_by_the_next(
    ccai_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, again: bool
) -> None:
    """Killed before the entailments are swapped in, a load is undone by whoever opens the
    store next (the store as it was); killed after the swap began, it is completed (the
    store as a load that ran to its end leaves it). Either way the recorded figures are
    those of a full read."""
    first, second = tmp_path / "first.ttl", tmp_path / "second.ttl"
    first.write_text(TYPED, encoding="utf-8")
    second.write_text(RETYPED, encoding="utf-8")
    if again:
        assert load(ccai_store, str(first), "--graph", LINKSET) == 0
    before = quads(ccai_store)
    completed = tmp_path / "completed"
    shutil.copytree(ccai_store, completed)
    assert load(completed, str(second), "--graph", LINKSET) == 0
    expected = before if where == "loading" else quads(completed)

    killed_load(ccai_store, second, LINKSET, monkeypatch, where)
    assert quads(ccai_store) != expected  # half-way

    nothing = tmp_path / "nothing.nt"
    nothing.write_text("", encoding="utf-8")
    assert load(ccai_store, str(nothing), "--graph", EX + "empty") == 0  # opens, recovers
    assert quads(ccai_store) == expected
    assert not (ccai_store / load_module.JOURNAL_FILE).exists()
    assert_recorded_as_counted(ccai_store)


def test_a_new_graph_that_fails_to_load_is_taken_out_again(
    ccai_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new graph is written in place while it loads: a file that does not parse takes it
    out again, and the default graph is as it was."""
    before = quads(ccai_store)
    good, bad = tmp_path / "good.ttl", tmp_path / "bad.nt"
    good.write_text(TYPED, encoding="utf-8")
    bad.write_text(f"<{EX}x> <{EX}p> .\n", encoding="utf-8")
    assert load(ccai_store, str(good), str(bad), "--graph", LINKSET) == 2
    assert f"{bad}:1:" in capsys.readouterr().err
    assert quads(ccai_store) == before
    assert not (ccai_store / load_module.JOURNAL_FILE).exists()


def test_an_unreadable_journal_is_refused_with_a_message(
    ccai_store: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ccai_store / load_module.JOURNAL_FILE).write_text("{not json", encoding="utf-8")
    path = tmp_path / "a.ttl"
    path.write_text(TYPED, encoding="utf-8")
    assert load(ccai_store, str(path), "--graph", LINKSET) == 2
    assert "an unreadable record of a load that was stopped" in capsys.readouterr().err
