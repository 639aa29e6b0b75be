"""The small store interface the linked-data layer needs, and its Oxigraph adapter.

:class:`SparqlSource` is two methods over *query text*: ``construct`` returns an
``rdflib.Graph``, ``select`` returns rows of rdflib terms. Query text reaches
them only from :mod:`api.linked_data.queries`, which binds request values as
RDF terms (a ``VALUES`` block built from validated IRIs), never by pasting
request strings.

:class:`OxigraphSource` runs the queries in-process on a ``pyoxigraph.Store``.
Any other backend (the service's worker pool, a remote endpoint) fits by
providing the same two methods.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"),
...                   ox.Literal("x", language="en"), ox.NamedNode("http://ex/g")))
>>> src = OxigraphSource(store)
>>> len(src.construct("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"))
1
>>> src.select("SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }")[0]["o"].language
'en'
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@runtime_checkable
class SparqlSource(Protocol):
    """What :mod:`api.linked_data` asks of a store."""

    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT query; the triples as an rdflib graph."""
        ...

    def select(self, sparql: str) -> list[dict[str, Node]]:
        """Run a SELECT query; one dict per row, unbound variables left out."""
        ...


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise TypeError(f"unsupported term {term!r}")  # pragma: no cover (RDF-star)


class OxigraphSource:
    """:class:`SparqlSource` over an in-process ``pyoxigraph.Store``."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def construct(self, sparql: str) -> Graph:
        graph = Graph()
        for triple in self.store.query(sparql):
            graph.add(
                (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
            )
        return graph

    def select(self, sparql: str) -> list[dict[str, Node]]:
        solutions = self.store.query(sparql)
        names = [v.value for v in solutions.variables]
        rows = []
        for solution in solutions:
            row = {}
            for name in names:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return rows


def as_source(store: SparqlSource | ox.Store) -> SparqlSource:
    """Wrap a ``pyoxigraph.Store``; pass any :class:`SparqlSource` through.

    Raises:
        TypeError: neither.
    """
    if isinstance(store, ox.Store):
        return OxigraphSource(store)
    if isinstance(store, SparqlSource):
        return store
    raise TypeError(f"not a pyoxigraph.Store nor a SparqlSource: {type(store).__name__}")
