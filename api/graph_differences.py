"""What a graph loaded again adds and takes out, against the graph it replaces.

``ccai load`` on the embedded store writes a graph loaded again into a store of its
own (the side store), then compares it with the graph it replaces
(:meth:`api.load.EmbeddedTarget._split`). Two stores list a graph's quads in the
same order (their indexes, of the same encoding), so :func:`differences` walks
both graphs at once and looks a quad up in the other store only where they
differ.

Reading the quads is most of the cost: pyoxigraph decodes every term, 6.5 s per
10⁶ quads on the bench machine, and the walk reads both graphs. So a large graph,
within the bounds :mod:`api.load` sets, is walked in two child processes
(:func:`written_apart`). Each walks the quads of half the predicates (one range of
each store's predicate index per predicate), reading a checkpoint of the store and
the closed side store, and writes what it finds to an N-Quads file, which keeps the
blank nodes' labels. The walk of the bench's graph loaded again took 15.8 s in one
process and 9.2 s in two at 10⁶ triples; at 10⁷, 277.9 s and 221.8 s on stores
opened cold, but in the whole load the load's own walk, on warm stores, was faster
than the two children (``bench/README.md``). Halves by position (a SPARQL
``OFFSET``) gained less at 10⁷: 266.1 s.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pyoxigraph as ox

__all__ = ["differences", "predicate_sizes", "walk", "written_apart"]

Change = tuple[bool, ox.Quad]


def differences(
    new: Iterator[ox.Quad],
    old: Iterator[ox.Quad],
    *,
    in_old: Callable[[ox.Quad], bool],
    in_new: Callable[[ox.Quad], bool],
) -> Iterator[Change]:
    """The quads of ``new`` whose triple ``old`` lacks (``True``, the quad) and those of
    ``old`` whose triple ``new`` lacks (``False``, the quad), walking both at once.

    The walk compares neighbours and looks a quad up in the other store (``in_old``,
    ``in_new``) only where they differ: 27 s for two graphs of 10⁶ triples 0.24 %
    apart, where a lookup of every quad took 59 s (``bench/README.md``). Where the
    orders disagree it looks up more, and is still right: a quad is left out only when
    it equals its neighbour or the other store holds it."""
    a, b = next(new, None), next(old, None)
    while a is not None and b is not None:
        if a.subject == b.subject and a.predicate == b.predicate and a.object == b.object:
            a, b = next(new, None), next(old, None)
            continue
        a_kept, b_kept = in_old(a), in_new(b)
        if not a_kept:
            yield True, a
        if not b_kept:
            yield False, b
        if a_kept == b_kept or not a_kept:
            a = next(new, None)
        if a_kept == b_kept or not b_kept:
            b = next(old, None)
    for quad in [] if a is None else itertools.chain([a], new):
        if not in_old(quad):
            yield True, quad
    for quad in [] if b is None else itertools.chain([b], old):
        if not in_new(quad):
            yield False, quad


def walk(
    new_store: ox.Store,
    new_graph: str,
    old_store: ox.Store,
    old_graph: str,
    predicates: Sequence[str] | None = None,
) -> Iterator[Change]:
    """:func:`differences` between graph ``new_graph`` of ``new_store`` and ``old_graph``
    of ``old_store``: over the whole graphs, or over the quads of each of ``predicates``."""
    new, old = ox.NamedNode(new_graph), ox.NamedNode(old_graph)
    for predicate in [None] if predicates is None else [ox.NamedNode(p) for p in predicates]:
        yield from differences(
            new_store.quads_for_pattern(None, predicate, None, new),
            old_store.quads_for_pattern(None, predicate, None, old),
            in_old=lambda q: ox.Quad(q.subject, q.predicate, q.object, old) in old_store,
            in_new=lambda q: ox.Quad(q.subject, q.predicate, q.object, new) in new_store,
        )


def predicate_sizes(store: ox.Store, graph: str) -> dict[str, int]:
    """``{predicate: triples}`` of graph ``graph`` of ``store``."""
    solutions = store.query(
        f"SELECT ?p (COUNT(*) AS ?n) WHERE {{ GRAPH <{ox.NamedNode(graph).value}> "
        "{ ?s ?p ?o } } GROUP BY ?p"
    )
    assert isinstance(solutions, ox.QuerySolutions)
    return {row[0].value: int(row[1].value) for row in solutions}


def halves(sizes: Mapping[str, int]) -> tuple[list[str], list[str]]:
    """The predicates of ``sizes`` in two lists of about the same number of triples (the
    largest first, each to the smaller list so far)."""
    parts: tuple[list[str], list[str]] = ([], [])
    totals = [0, 0]
    for predicate in sorted(sizes, key=lambda p: (-sizes[p], p)):
        smaller = totals.index(min(totals))
        parts[smaller].append(predicate)
        totals[smaller] += sizes[predicate]
    return parts


def written_apart(
    new_dir: Path,
    new_graph: str,
    old_dir: Path,
    old_graph: str,
    *,
    sizes: Mapping[str, int],
    lost_into: str,
    folder: Path,
) -> list[Path]:
    """The differences between graph ``new_graph`` of the store in ``new_dir`` and
    ``old_graph`` of the store in ``old_dir`` (both closed or checkpoints: opened
    read-only), walked in two child processes over the two :func:`halves` of the
    predicates of ``sizes``: N-Quads files in ``folder``, the quads ``new_graph`` adds
    as they are, those it lacks in graph ``lost_into``."""
    jobs = [
        (str(new_dir), new_graph, str(old_dir), old_graph, part, lost_into, str(out))
        for part, out in zip(halves(sizes), (folder / "a.nq", folder / "b.nq"), strict=True)
        if part
    ]
    with ProcessPoolExecutor(max_workers=len(jobs), mp_context=get_context("spawn")) as pool:
        return [Path(out) for out in pool.map(_write_walk, *zip(*jobs, strict=True))]


def _write_walk(
    new_dir: str,
    new_graph: str,
    old_dir: str,
    old_graph: str,
    predicates: list[str],
    lost_into: str,
    out: str,
) -> str:
    """In a child process: :func:`walk` over ``predicates``, written to ``out``."""
    new_store, old_store = ox.Store.read_only(new_dir), ox.Store.read_only(old_dir)
    lost = ox.NamedNode(lost_into)
    changes: Iterable[Change] = walk(new_store, new_graph, old_store, old_graph, predicates)
    ox.serialize(
        (q if added else ox.Quad(q.subject, q.predicate, q.object, lost) for added, q in changes),
        out,
        ox.RdfFormat.N_QUADS,
    )
    return out
