"""What an HTML page shows about a resource, computed from its description graph.

:func:`resource_view` turns the graph of :func:`api.linked_data.describe.describe`
into plain data for ``api/web/templates/resource.html``: a title, type badges,
property rows, incoming links, a provenance box. Links to our own IRIs point at
this server (:func:`api.linked_data.iris.to_public`); other IRIs stay as they are.
The templates escape every value (Jinja2 autoescape).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast
from urllib.parse import quote

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS
from rdflib.term import Identifier, Node

from api.linked_data.iris import to_public
from api.namespaces import BASE, CCAI, PREFIXES, PROV

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, DCTERMS.title, CCAI.locatorLabel)
PREFERRED_LANGUAGES = ("en", "", "nl")
_PROVENANCE = {DCTERMS.source, PROV.wasDerivedFrom, CCAI.quote}
# Longest namespace first so that ``organisation:`` wins over ``id:``.
_PREFIXES = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


@dataclass
class Link:
    href: str
    text: str
    iri: str
    local: bool


@dataclass
class Value:
    """One object of a property: a link, a literal, or a nested blank node."""

    link: Link | None = None
    text: str = ""
    language: str | None = None
    datatype: str | None = None
    nested: list[Row] = field(default_factory=list)


@dataclass
class Row:
    predicate: Link
    values: list[Value]


@dataclass
class Provenance:
    documents: list[Link]
    locators: list[tuple[Link, Link | None]]  # (locator, its document)
    quotes: list[Value]


@dataclass
class ResourceView:
    iri: str
    title: str
    types: list[Link]
    rows: list[Row]
    incoming: list[tuple[Link, Link]]  # (subject, predicate)
    provenance: Provenance


def curie(iri: str) -> str:
    """``ccai:organiser`` for a known namespace, else the IRI itself."""
    for prefix, namespace in _PREFIXES:
        if iri.startswith(namespace) and len(iri) > len(namespace):
            rest = iri[len(namespace) :]
            if "/" not in rest and "#" not in rest:
                return f"{prefix}:{rest}"
    return iri


def label(graph: Graph, node: Node) -> str | None:
    """The best label of ``node`` in ``graph`` (English first), or ``None``."""
    for prop in LABEL_PROPERTIES:
        labels = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
        for lang in PREFERRED_LANGUAGES:
            for lit in sorted(labels):
                if (lit.language or "") == lang:
                    return str(lit)
        if labels:
            return str(sorted(labels)[0])
    return None


def _sorted(nodes: Iterable[Node]) -> list[Identifier]:
    """``nodes`` in rdflib's term order."""
    # rdflib types graph terms as Node, which has no order; the terms of a graph
    # (URIRef, BNode, Literal) are Identifiers, which rdflib orders.
    return sorted(cast("Iterable[Identifier]", nodes))


def link(graph: Graph, iri: Node, public_base: str, text: str | None = None) -> Link:
    iri_s = str(iri)
    return Link(
        href=to_public(iri_s, public_base),
        text=text or label(graph, iri) or curie(iri_s),
        iri=iri_s,
        local=iri_s.startswith(BASE),
    )


def _value(graph: Graph, node: Node, public_base: str, depth: int = 0) -> Value:
    if isinstance(node, URIRef):
        return Value(link=link(graph, node, public_base))
    if isinstance(node, Literal):
        datatype = curie(str(node.datatype)) if node.datatype else None
        return Value(text=str(node), language=node.language, datatype=datatype)
    if isinstance(node, BNode) and depth < 3:
        return Value(text="", nested=_rows(graph, node, public_base, depth + 1))
    return Value(text="[…]")


def _rows(
    graph: Graph, subject: Node, public_base: str, depth: int = 0, skip: set | None = None
) -> list[Row]:
    by_predicate: dict[Node, list[Node]] = {}
    for p, o in graph.predicate_objects(subject):
        if skip and p in skip:
            continue
        by_predicate.setdefault(p, []).append(o)
    rows = []
    for p in sorted(by_predicate, key=lambda x: curie(str(x))):
        objects = sorted(by_predicate[p], key=lambda o: (label(graph, o) or str(o)).lower())
        rows.append(
            Row(
                predicate=link(graph, p, public_base, text=curie(str(p))),
                values=[_value(graph, o, public_base, depth) for o in objects],
            )
        )
    return rows


def resource_view(graph: Graph, iri: str, public_base: str) -> ResourceView:
    """The page content for ``iri`` described by ``graph``."""
    subject = URIRef(iri)
    types = [link(graph, t, public_base) for t in _sorted(graph.objects(subject, RDF.type))]
    incoming = sorted(
        (
            (link(graph, s, public_base), link(graph, p, public_base, text=curie(str(p))))
            for s, p in graph.subject_predicates(subject)
            if isinstance(s, URIRef)
        ),
        key=lambda pair: (pair[1].text, pair[0].text.lower()),
    )
    documents = [
        link(graph, d, public_base) for d in _sorted(graph.objects(subject, DCTERMS.source))
    ]
    locators = []
    for loc in _sorted(graph.objects(subject, PROV.wasDerivedFrom)):
        doc = graph.value(loc, DCTERMS.isPartOf)
        locators.append(
            (link(graph, loc, public_base), link(graph, doc, public_base) if doc else None)
        )
    quotes = [_value(graph, q, public_base) for q in _sorted(graph.objects(subject, CCAI.quote))]
    return ResourceView(
        iri=iri,
        title=label(graph, subject) or curie(iri),
        types=types,
        rows=_rows(graph, subject, public_base, skip={RDF.type, *_PROVENANCE}),
        incoming=incoming,
        provenance=Provenance(documents, locators, quotes),
    )


def sparql_link(sparql_url: str, iri: str) -> str:
    """A link to the SPARQL endpoint with a query listing the resource's statements."""
    query = (
        "SELECT ?graph ?property ?value WHERE {\n"
        f"  GRAPH ?graph {{ <{iri}> ?property ?value }}\n}}\nORDER BY ?graph ?property"
    )
    return f"{sparql_url}?query={quote(query, safe='')}"
