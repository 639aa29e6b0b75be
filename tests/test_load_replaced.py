"""A graph loaded again, inferred from what changed (api.build.entailment.entail_replaced)
or over the whole store: either way the inferred graph is what the build's inference
keeps of everything asserted (a property test over every axiom kind of the rules'
fixture, with blank nodes, literals, schema terms and an institution's own terms)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph

from api.store.layout import INFERRED
from tests.test_load import (
    DATA,
    EX,
    LINKSET,
    _fixture_ontology,
    assert_default_graph_is_the_union,
    built_store,
    graph_triples,
    inferred_in,
    kept_by_the_build,
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
    data = Graph().parse(data=_nt(first), format="nt") + Graph().parse(data=_nt(third), format="nt")
    expected, got = kept_by_the_build(data, ontology), inferred_in(store)
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


def test_each_derivation_puts_the_rules_values_before_any_graph(
    tmp_path: Path, ontology: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso 7.2 refused to compile the rederivation with the overdeleted graph's
    pattern before the rule's ``VALUES`` (SQ156, "unknown table for a column dfe", on a
    store of 10⁶ triples after a few loads; measured in bench/README.md); the same
    pattern after it compiled. Every derivation of delete and rederive has the order
    that compiled."""
    from api.build import entailment

    wheres: list[str] = []
    derive = entailment._derive

    def recording(*args, **kwargs) -> None:
        wheres.append(args[3])
        derive(*args, **kwargs)

    monkeypatch.setattr(entailment, "_derive", recording)
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    one = [(NODES[0], PREDICATES[0], NODES[1]), (NODES[1], f"<{RDF_TYPE}>", CLASSES[0])]
    two = [(NODES[0], PREDICATES[3], NODES[2]), (NODES[2], f"<{RDF_TYPE}>", CLASSES[3])]
    for name, triples in (("one.nt", one), ("two.nt", two)):
        path = tmp_path / name
        path.write_text(_nt(triples), encoding="utf-8")
        assert load(store, str(path), "--graph", EX + "second") == 0
    with_values = [w for w in wheres if "VALUES (" in w]
    assert len(with_values) > 10  # the rules' derivations, overdeletion and rederivation
    late = [w for w in with_values if "GRAPH" in w[: w.index("VALUES (")]]
    assert late == [], late[0][:300] if late else ""
    # the rederivation starts from the overdeleted graph, right after the VALUES (the
    # rule's premises over the working graph first timed out on Virtuoso at 10⁶)
    rederived = [
        w for w in with_values if re.match(r"VALUES \(.*?\) \{.*?\) \} GRAPH <[^>]*:over>", w)
    ]
    assert len(rederived) == len([w for w in with_values if ":over>" in w.split("FILTER")[0]])
    assert rederived


quad_triple = st.tuples(st.integers(0, 5), st.integers(0, 2), st.integers(0, 5))


@given(
    new=st.lists(quad_triple, unique=True),
    old=st.lists(quad_triple, unique=True),
    shuffle=st.booleans(),
)
def test_the_walk_over_two_graphs_finds_their_differences_in_any_order(
    new: list[tuple[int, int, int]], old: list[tuple[int, int, int]], shuffle: bool
) -> None:
    """graph_differences.differences: sorted alike (as two stores list a graph) or not, what each
    side lacks of the other, each quad once."""
    from api.graph_differences import differences

    def quads(triples: list[tuple[int, int, int]], graph: str) -> list[ox.Quad]:
        return [
            ox.Quad(
                ox.NamedNode(f"{DATA}{s}"),
                ox.NamedNode(f"{E}p{p}"),
                ox.NamedNode(f"{DATA}{o}"),
                ox.NamedNode(graph),
            )
            for s, p, o in (triples if shuffle else sorted(triples))
        ]

    changes = list(
        differences(
            iter(quads(new, "urn:new")),
            iter(quads(old, "urn:old")),
            in_old=lambda q: q.triple in {x.triple for x in quads(old, "urn:old")},
            in_new=lambda q: q.triple in {x.triple for x in quads(new, "urn:new")},
        )
    )
    added = [q.triple for kept, q in changes if kept]
    lost = [q.triple for kept, q in changes if not kept]
    as_triples = (
        {x.triple for x in quads(new, "urn:new")},
        {x.triple for x in quads(old, "urn:old")},
    )
    assert sorted(map(str, added)) == sorted(map(str, as_triples[0] - as_triples[1]))
    assert sorted(map(str, lost)) == sorted(map(str, as_triples[1] - as_triples[0]))


def test_the_walk_looks_up_only_where_the_graphs_differ() -> None:
    """Sorted alike, two graphs one triple apart: a few lookups, not one per quad (the
    walk falls in step again after the difference)."""
    from api.graph_differences import differences

    def quad(i: int, graph: str) -> ox.Quad:
        return ox.Quad(
            ox.NamedNode(f"{DATA}{i:04}"), ox.NamedNode(f"{E}p"), ox.NamedNode(f"{DATA}o"),
            ox.NamedNode(graph),
        )  # fmt: skip

    old = [quad(i, "urn:old") for i in range(1000) if i != 500]
    new = [quad(i, "urn:new") for i in range(1000) if i != 200]
    lookups: list[ox.Quad] = []

    def lookup(triples: set[ox.Triple]) -> Callable[[ox.Quad], bool]:
        def found(q: ox.Quad) -> bool:
            lookups.append(q)
            return q.triple in triples

        return found

    changes = list(
        differences(
            iter(new),
            iter(old),
            in_old=lookup({q.triple for q in old}),
            in_new=lookup({q.triple for q in new}),
        )
    )
    assert [(kept, q.subject.value[-4:]) for kept, q in changes] == [
        (False, "0200"),
        (True, "0500"),
    ]
    assert len(lookups) <= 6


FIRST = [
    (NODES[0], PREDICATES[0], NODES[1]),
    (NODES[0], PREDICATES[8], '"a name"'),
    (NODES[1], f"<{RDF_TYPE}>", CLASSES[0]),
    (NODES[2], PREDICATES[4], NODES[3]),
    (NODES[4], PREDICATES[5], NODES[0]),  # a blank node
    (NODES[3], PREDICATES[9], NODES[5]),
]
SECOND = [
    FIRST[0],
    FIRST[1],
    FIRST[5],
    (NODES[2], PREDICATES[4], NODES[0]),  # the object changed
    (NODES[4], PREDICATES[5], NODES[1]),  # a blank node (the new file's own)
    (NODES[3], f"<{RDF_TYPE}>", CLASSES[3]),
    (NODES[1], PREDICATES[3], NODES[2]),  # a predicate the graph did not use
]


@pytest.mark.parametrize(
    "way",
    [
        "two child processes",
        "this process",
        "this process, too large",
        "this process, no room for a checkpoint",
    ],
)
def test_a_graph_loaded_again_is_compared_alike_in_two_processes_or_in_this_one(
    tmp_path: Path,
    ontology: Graph,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    way: str,
) -> None:
    """EmbeddedTarget._split: from COMPARE_APART_FROM triples (up to
    COMPARE_APART_UP_TO) the two graphs are walked in two child processes, each over
    half the predicates (api.graph_differences); the graph, its entailments and the
    default graph are then those of the new data, as when they are walked here; with
    no room for the store's checkpoint, or larger graphs, here."""
    from contextlib import contextmanager

    from rdflib.compare import isomorphic

    from api import load as load_module

    apart: list[dict[str, int]] = []
    written_apart = load_module.written_apart

    def spy(*args: object, **kwargs: object) -> list[Path]:
        apart.append(dict(kwargs["sizes"]))  # type: ignore[call-overload]
        return written_apart(*args, **kwargs)  # type: ignore[arg-type]

    @contextmanager
    def no_room(*_args: object) -> object:
        raise OSError(28, "No space left on device")
        yield

    monkeypatch.setattr(load_module, "written_apart", spy)
    monkeypatch.setattr(load_module, "COMPARE_APART_FROM", 10**9 if way == "this process" else 0)
    if way.endswith("checkpoint"):
        monkeypatch.setattr(load_module, "checkpoint", no_room)
    if way.endswith("too large"):  # larger graphs were slower in two processes
        monkeypatch.setattr(load_module, "COMPARE_APART_UP_TO", len(FIRST) + len(SECOND) - 1)
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    for name, triples in (("first.nt", FIRST), ("second.nt", SECOND)):
        path = tmp_path / name
        path.write_text(_nt(triples), encoding="utf-8")
        assert load(store, str(path), "--graph", EX + "second") == 0
    said = "graphs compared in this process, with no checkpoint of the store beside it: "
    assert (said in capsys.readouterr().out) == way.endswith("checkpoint")

    if way == "two child processes":  # both graphs' predicates, each in one half
        assert [sorted(sizes) for sizes in apart] == [
            sorted({p.strip("<>") for _s, p, _o in FIRST + SECOND})
        ]
        assert sum(apart[0].values()) == len(FIRST)  # the graph's; the new ones count 0
    else:
        assert apart == []
    expected = Graph().parse(data=_nt(SECOND), format="nt")
    got = "".join(f"{t} .\n" for t in graph_triples(store, EX + "second"))
    assert isomorphic(Graph().parse(data=got, format="nt"), expected)
    assert inferred_in(store) == kept_by_the_build(expected, ontology)
    assert_default_graph_is_the_union(store)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.nt", "oxigraph", "second.nt"]


def test_the_predicates_are_shared_in_two_halves_of_about_the_same_size() -> None:
    from api.graph_differences import halves

    sizes = {"p1": 50, "p2": 30, "p3": 25, "p4": 5, "p5": 1}
    one, two = halves(sizes)
    assert sorted(one + two) == sorted(sizes)
    assert sorted(sum(sizes[p] for p in part) for part in (one, two)) == [55, 56]
    assert halves({"p": 3}) == (["p"], [])


@settings(max_examples=60, deadline=None)
@given(
    new=st.lists(quad_triple, unique=True),
    old=st.lists(quad_triple, unique=True),
    sizes=st.lists(st.integers(0, 9), min_size=3, max_size=3),
)
def test_the_two_halves_of_a_walk_find_what_the_whole_walk_finds(
    new: list[tuple[int, int, int]], old: list[tuple[int, int, int]], sizes: list[int]
) -> None:
    """graph_differences.halves of every predicate of the two graphs, whatever their
    sizes: the two halves of the walk together find each difference the whole walk finds,
    once."""
    from api.graph_differences import halves, walk

    stores = {"urn:new": ox.Store(), "urn:old": ox.Store()}
    for graph, triples in (("urn:new", new), ("urn:old", old)):
        stores[graph].extend(
            ox.Quad(
                ox.NamedNode(f"{DATA}{s}"),
                ox.NamedNode(f"{E}p{p}"),
                ox.NamedNode(f"{DATA}{o}"),
                ox.NamedNode(graph),
            )
            for s, p, o in triples
        )
    args = (stores["urn:new"], "urn:new", stores["urn:old"], "urn:old")
    whole = sorted(str(q) for _added, q in walk(*args))
    parts = sorted(
        str(q)
        for predicates in halves({f"{E}p{p}": n for p, n in enumerate(sizes)})
        for _added, q in walk(*args, predicates)
    )
    assert parts == whole
    assert len(whole) == len(set(new) ^ set(old))


def test_a_load_removes_the_checkpoints_a_killed_load_left(tmp_path: Path, ontology: Graph) -> None:
    """A load killed while its children read a checkpoint of the store leaves it (hard
    links that would hold the disk space of files the store deletes): the next load,
    which holds the store's lock, removes it."""
    store = built_store(tmp_path / "oxigraph", ontology, Graph())
    stale = tmp_path / ".oxigraph-reading-0123"
    stale.mkdir()
    (stale / "000001.sst").write_bytes(b"")
    path = tmp_path / "first.nt"
    path.write_text(_nt(FIRST), encoding="utf-8")
    assert load(store, str(path), "--graph", EX + "second") == 0
    assert not stale.exists()
