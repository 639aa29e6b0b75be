"""How a built store is laid out, and the one definition of its triple counts.

SPARQL users expect ``{ ?s ?p ?o }`` to mean *the graph*: each triple once.
A default graph that is the union of the named graphs is a bag in pyoxigraph
(a triple stated by two sources came back twice: the README's own
``event-participants`` example gave 60 rows for 26 distinct), and a default
graph given to the engine as a list of graphs is slower than one graph
(pyoxigraph evaluates each pattern on every graph of the list and merges:
measured in ``bench/README.md``). So the build materialises the graph a
query sees by default as the store's own default graph, next to the
provenance graphs, much as Jena's union default graph behaves:

========================================  ========================================
graph                                     holds
========================================  ========================================
the store's default graph                 every distinct asserted triple and every
                                          inferred one (each once)
``https://w3id.org/ccai/graph/{source}``  what one source states (provenance)
``https://w3id.org/ccai/graph/inferred``  the kept entailments, none of them
                                          asserted (the build's reasoner drops those)
========================================  ========================================

A query that names no dataset runs on the store's default graph as it is:
no list of graphs, no union at query time. ``GRAPH ?g`` ranges over the named
graphs, where a triple stated by two sources is found in both and the
inferred triples are found in ``…/graph/inferred``. With ``inference=false``
the default graph is the union of the named graphs but the inferred one (a
list: slower, and a bag, so a triple two sources state is seen twice; use
``DISTINCT``).

:func:`materialise` fills the default graph of a store that holds the named
graphs (the build calls it; so do test fixtures). :func:`dataset_for` tells
the engine which graphs a query sees. :class:`TripleCounts` is the one set of
figures every report uses (README, landing page, ``/health``, VoID,
``ccai stats``, the build report); the build records them beside the store
(:func:`write_counts`) so that a service starts without counting
(:func:`stored_counts`).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
>>> for g in ("https://w3id.org/ccai/graph/a", "https://w3id.org/ccai/graph/b"):
...     store.add(ox.Quad(s, p, ox.Literal("x"), ox.NamedNode(g)))
>>> materialise(store)
>>> counts = count_triples(store)
>>> counts.total, counts.asserted, counts.inferred, sorted(counts.graphs.values())
(1, 1, 0, [1, 1])
>>> dataset_for(True, list(counts.graphs))  # the store's own default graph, no list
{}
"""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

BASE = "https://w3id.org/ccai/graph/"
INFERRED = BASE + "inferred"

#: Layout version, recorded with the counts (1: the default graph held the asserted triples only).
LAYOUT = 2
#: The counts the build records, a file inside the store's folder (checksummed with it).
COUNTS_FILE = "ccai-counts.json"

_MATERIALISE = "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"
_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_OVERLAP = f"""ASK {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }}
  GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED}>) }}"""
#: A store of layout 1: inferred triples missing from the default graph.
_OLD_LAYOUT = f"ASK {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} FILTER NOT EXISTS {{ ?s ?p ?o }} }}"


class StoreLayoutError(ValueError):
    """The store lacks the materialised views (built by an older version)."""


@dataclass(frozen=True)
class TripleCounts:
    """The size of the graph, defined once.

    ``total``: distinct triples a query sees by default (asserted + inferred);
    ``asserted``: distinct asserted triples (the store's default graph);
    ``inferred``: triples in the inferred graph (entailments no source
    asserts); ``graphs``: triples per named graph (a triple stated by two
    sources counts in both).
    """

    total: int
    asserted: int
    inferred: int
    graphs: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, total: int, per_graph: dict[str, int]) -> TripleCounts:
        """The counts of a store whose default graph holds ``total`` triples and whose
        named graphs hold ``per_graph`` (the inferred one among them)."""
        inferred = per_graph.get(INFERRED, 0)
        return cls(
            total=total,
            asserted=total - inferred,
            inferred=inferred,
            graphs=dict(sorted(per_graph.items())),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "asserted": self.asserted,
            "inferred": self.inferred,
            "graphs": dict(self.graphs),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TripleCounts:
        """The counts :meth:`as_dict` gave (KeyError, TypeError, ValueError if not)."""
        return cls(
            total=int(data["total"]),
            asserted=int(data["asserted"]),
            inferred=int(data["inferred"]),
            graphs={str(g): int(n) for g, n in data["graphs"].items()},
        )


def materialise(store: ox.Store) -> None:
    """Fill the default graph with the distinct triples of the named graphs (idempotent).

    Raises:
        StoreLayoutError: the inferred graph repeats an asserted triple (the
            union would no longer be a set).
    """
    store.update(_MATERIALISE)
    if store.query(_OVERLAP):
        raise StoreLayoutError("the inferred graph repeats asserted triples")


def select(
    store: ox.Store,
    query: str,
    graph: ox.NamedNode | ox.BlankNode | ox.DefaultGraph | None = None,
) -> ox.QuerySolutions:
    """The solutions of a SELECT query (``store.query`` is typed for every query form),
    over ``graph`` when given, else over the store's default graph."""
    solutions = store.query(query, default_graph=graph)
    assert isinstance(solutions, ox.QuerySolutions), query
    return solutions


def count_triples(store: ox.Store) -> TripleCounts:
    """The :class:`TripleCounts` of a materialised store.

    Each graph is counted on its own (a range of the store's indexes), the default
    graph on a second thread meanwhile (pyoxigraph counts without holding the GIL):
    4.7 s at 10⁷ triples, where one ``GROUP BY ?g`` over the named graphs (it hashes
    each quad's graph) and then the default graph took 13.5 s (``bench/README.md``).
    Empty named graphs are left out.
    """
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="ccai-count") as pool:
        default = pool.submit(_count, store, None)
        counted = {g.value: _count(store, g) for g in store.named_graphs()}
        total = default.result()
    per_graph = {g: n for g, n in counted.items() if n}
    if per_graph and (not total or store.query(_OLD_LAYOUT)):
        raise StoreLayoutError(
            "The store's default graph is not the materialised union of its named graphs "
            "(it was built by an older version of ccai-kg): rebuild it with `ccai build`."
        )
    return TripleCounts.of(total, per_graph)


def counts_after_adding(
    store: ox.Store, before: TripleCounts, *, total: int, graphs: list[str]
) -> TripleCounts:
    """The counts of a store whose only named graphs changed since it had ``before`` are
    ``graphs`` (the named graphs written, the inferred one among them: counted again,
    each on its own); its default graph now holds ``total`` (known to the caller)."""
    per_graph = dict(before.graphs)
    for graph in graphs:
        per_graph[graph] = _count(store, ox.NamedNode(graph))
    per_graph = {g: n for g, n in per_graph.items() if n}
    return TripleCounts.of(total, per_graph)


def _count(store: ox.Store, graph: ox.NamedNode | ox.BlankNode | None) -> int:
    """The triples of ``graph`` (``None``: the default graph)."""
    return int(next(iter(select(store, _COUNT, graph)))["n"].value)


def write_counts(store_dir: str | Path, counts: TripleCounts) -> Path:
    """Record ``counts`` in the store's folder (:data:`COUNTS_FILE`); call after every change.

    ``ccai build`` writes it; whatever changes the store afterwards (``ccai
    load``) must write it again (:func:`count_triples` of the changed store),
    or the service counts at start (:func:`stored_counts` sees the graphs differ).
    """
    path = Path(store_dir) / COUNTS_FILE
    payload = {"layout": LAYOUT, **counts.as_dict()}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_counts(store_dir: str | Path) -> TripleCounts | None:
    """The counts :func:`write_counts` recorded, or ``None`` (missing, unreadable, older layout)."""
    try:
        data = json.loads((Path(store_dir) / COUNTS_FILE).read_text(encoding="utf-8"))
        if data.get("layout") != LAYOUT:
            return None
        return TripleCounts.from_dict(data)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def stored_counts(store: ox.Store, store_dir: str | Path | None) -> TripleCounts:
    """The recorded counts when they describe ``store`` (the same named graphs), else counted.

    Reading the file costs microseconds; :func:`count_triples` scans every
    triple (seconds at 10⁷). Listing the named graphs is cheap, and catches a
    store changed without its counts being written again.
    """
    if store_dir is not None:
        recorded = read_counts(store_dir)
        if recorded is not None:
            graphs = sorted(g.value for g in store.named_graphs())
            if graphs == sorted(recorded.graphs):
                return recorded
    return count_triples(store)


def dataset_for(include_inferred: bool, graphs: list[str]) -> dict[str, object]:
    """``pyoxigraph.Store.query`` arguments for a query that names no dataset.

    ``graphs``: the named graphs (as :attr:`TripleCounts.graphs`). With
    inference, none: the store's own default graph (asserted ∪ inferred, a
    set) and every named graph, with no list for the engine to merge. Without,
    the union of the named graphs but the inferred one (hidden from ``GRAPH
    ?g`` as well).
    """
    if include_inferred:
        return {}
    asserted = [ox.NamedNode(g) for g in graphs if g != INFERRED]
    return {"default_graph": asserted or [ox.DefaultGraph()], "named_graphs": asserted}
