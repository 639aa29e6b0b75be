"""How a built store is laid out, and the one definition of its triple counts.

SPARQL users expect ``{ ?s ?p ?o }`` to mean *the graph*: each triple once.
A default graph that is the union of the named graphs is a bag in pyoxigraph
(a triple stated by two sources came back twice: the README's own
``event-participants`` example gave 60 rows for 26 distinct). So the build
materialises the set of asserted triples as the store's default graph, next
to the provenance graphs, much as Jena's union default graph behaves:

========================================  ========================================
graph                                     holds
========================================  ========================================
the store's default graph                 every distinct asserted triple
``https://w3id.org/ccai/graph/{source}``  what one source states (provenance)
``https://w3id.org/ccai/graph/inferred``  the kept OWL RL entailments, none of them
                                          asserted (the build's reasoner drops those)
========================================  ========================================

A query that names no dataset sees the default graph ∪ the inferred graph:
two disjoint sets, so every triple once (with ``inference=false``: the
default graph alone). ``GRAPH ?g`` ranges over the named graphs, where a
triple stated by two sources is found in both.

:func:`materialise` fills the default graph of a store that holds the named
graphs (the build calls it; so do test fixtures). :func:`dataset_for` tells
the engine which graphs a query sees. :class:`TripleCounts` is the one set of
figures every report uses (README, landing page, ``/health``, VoID,
``ccai stats``, the build report).

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> s, p = ox.NamedNode("http://e/s"), ox.NamedNode("http://e/p")
>>> for g in ("https://w3id.org/ccai/graph/a", "https://w3id.org/ccai/graph/b"):
...     store.add(ox.Quad(s, p, ox.Literal("x"), ox.NamedNode(g)))
>>> materialise(store)
>>> counts = count_triples(store)
>>> counts.total, counts.asserted, counts.inferred, sorted(counts.graphs.values())
(1, 1, 0, [1, 1])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

BASE = "https://w3id.org/ccai/graph/"
INFERRED = BASE + "inferred"

_MATERIALISE = f"""
INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != <{INFERRED}>) }}
"""
_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_DEFAULT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_OVERLAP = f"ASK {{ GRAPH <{INFERRED}> {{ ?s ?p ?o }} ?s ?p ?o }}"


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

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "asserted": self.asserted,
            "inferred": self.inferred,
            "graphs": dict(self.graphs),
        }


def materialise(store: ox.Store) -> None:
    """Fill the default graph with the asserted triples of the named graphs (idempotent).

    Raises:
        StoreLayoutError: the inferred graph repeats an asserted triple (the
            union would no longer be a set).
    """
    store.update(_MATERIALISE)
    if store.query(_OVERLAP):
        raise StoreLayoutError("the inferred graph repeats asserted triples")


def _select(store: ox.Store, query: str) -> ox.QuerySolutions:
    """The solutions of a SELECT query (``store.query`` is typed for every query form)."""
    solutions = store.query(query)
    assert isinstance(solutions, ox.QuerySolutions), query
    return solutions


def count_triples(store: ox.Store) -> TripleCounts:
    """The :class:`TripleCounts` of a materialised store."""
    per_graph = {sol["g"].value: int(sol["n"].value) for sol in _select(store, _PER_GRAPH)}
    asserted = int(next(iter(_select(store, _DEFAULT)))["n"].value)
    if per_graph and not asserted:
        raise StoreLayoutError(
            "The store has named graphs but an empty default graph (it was built by an "
            "older version of ccai-kg): rebuild it with `ccai build`."
        )
    inferred = per_graph.get(INFERRED, 0)
    return TripleCounts(
        total=asserted + inferred,
        asserted=asserted,
        inferred=inferred,
        graphs=dict(sorted(per_graph.items())),
    )


def dataset_for(include_inferred: bool, graphs: list[str]) -> dict[str, object]:
    """``pyoxigraph.Store.query`` arguments for a query that names no dataset.

    ``graphs``: the named graphs (as :attr:`TripleCounts.graphs`). With
    inference the default graph is the store's default graph ∪ the inferred
    graph (disjoint: a set); without, the store's default graph alone, and the
    inferred graph is hidden from ``GRAPH ?g`` as well.
    """
    if include_inferred:
        default: list[object] = [ox.DefaultGraph()]
        if INFERRED in graphs:
            default.append(ox.NamedNode(INFERRED))
        return {"default_graph": default, "named_graphs": [ox.NamedNode(g) for g in graphs]}
    return {
        "default_graph": [ox.DefaultGraph()],
        "named_graphs": [ox.NamedNode(g) for g in graphs if g != INFERRED],
    }
