"""The linked-data layer's view of the read path: rdflib terms over a :class:`Reader`.

:class:`SparqlSource` is what :mod:`api.linked_data` asks of the data: two
methods over *query text*, ``construct`` (an ``rdflib.Graph``) and ``select``
(rows of rdflib terms). It is not a store interface: its one implementation,
:class:`ReaderSource`, runs every query through the service's read facade
(:class:`api.store.reader.SyncReader`), so the pages under ``/id/``,
``/vocab/`` and ``/source/`` get the same safety check, deadline, admission
and default graph as ``/sparql``. Query text reaches it only from
:mod:`api.linked_data.queries`, which binds request values as RDF terms (a
``VALUES`` block built from validated IRIs), never by pasting request strings.

>>> import pyoxigraph as ox
>>> from api.store.layout import materialise
>>> from api.store.reader import reader_over
>>> store = ox.Store()
>>> store.add(ox.Quad(ox.NamedNode("http://ex/a"), ox.NamedNode("http://ex/p"),
...                   ox.Literal("x", language="en"), ox.NamedNode("http://ex/g")))
>>> materialise(store)
>>> src = ReaderSource(reader_over(store))
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

from api.store.reader import SyncReader

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@runtime_checkable
class SparqlSource(Protocol):
    """What :mod:`api.linked_data` asks of the data (rdflib terms)."""

    def construct(self, sparql: str) -> Graph:
        """Run a CONSTRUCT query; the triples as an rdflib graph."""
        ...

    def select(self, sparql: str) -> list[dict[str, Node]]:
        """Run a SELECT query; one dict per row, unbound variables left out."""
        ...


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """Convert a pyoxigraph term to the equal rdflib term (TypeError for a quoted triple)."""
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


class ReaderSource:
    """:class:`SparqlSource` over the read facade's blocking face."""

    def __init__(self, reader: SyncReader) -> None:
        self.reader = reader

    def construct(self, sparql: str) -> Graph:
        graph = Graph()
        for t in self.reader.triples(sparql):
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph

    def select(self, sparql: str) -> list[dict[str, Node]]:
        return [
            {name: to_rdflib(value) for name, value in row.items()}
            for row in self.reader.rows(sparql)
        ]


def as_source(source: SparqlSource | SyncReader) -> SparqlSource:
    """Wrap a :class:`~api.store.reader.SyncReader`; pass any :class:`SparqlSource` through.

    Raises:
        TypeError: neither.
    """
    if isinstance(source, SyncReader):
        return ReaderSource(source)
    if isinstance(source, SparqlSource):
        return source
    raise TypeError(f"not a SyncReader nor a SparqlSource: {type(source).__name__}")
