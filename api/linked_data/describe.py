"""Bounded descriptions of the resources we publish.

:func:`describe` answers "what does this server say about IRI *x*?" with a
small graph, not a dump:

* **every resource** (entity, concept, scheme, source document, locator):
  its outgoing asserted triples in every named graph but the inferred one,
  plus its ``rdf:type`` statements from the inferred graph (the alignment
  types: ``schema:Organization``, ``foaf:Person``, ``prov:Agent`` …, without
  ``owl:Thing``); the blank nodes it reaches (three levels); for each IRI it
  links to, that IRI's labels (``rdfs:label``, ``skos:prefLabel``,
  ``dct:title``, ``ccai:locatorLabel``) and asserted types; provenance (the
  ``dct:source`` documents with their titles, the ``prov:wasDerivedFrom``
  locators with their ``ccai:locatorLabel`` and the document they belong to);
  and its incoming links (subject, predicate, subject's labels; at most 2000).
  So a source document lists the entities derived from it and its locators,
  a concept scheme its concepts (``skos:inScheme``), ``/vocab`` its schemes.
  An HTML page asks for the description without the incoming links
  (``incoming=False``) and reads them one page at a time instead
  (:meth:`api.linked_data.pages.Pages.incoming`).
* **a named graph** ``…/graph/{name}``: a VoID summary (triple and subject
  counts, the SPARQL endpoint, a dump URL), never its content.
* **the ontology** ``https://w3id.org/ccai/ontology``: the ontology graph.

Every IRI is minted from a validated path (:mod:`api.linked_data.iris`) and
bound into the queries as an RDF term (:mod:`api.linked_data.queries`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from urllib.parse import quote

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL
from rdflib.term import Node

from api.linked_data import queries
from api.linked_data.iris import ResourceRef, UnknownResource, parse_resource_path
from api.linked_data.source import SparqlSource, as_source
from api.namespaces import (
    BASE,
    DATASET_IRI,
    GRAPH_INFERRED,
    GRAPH_ONTOLOGY,
    GRAPH_VOCABULARIES,
    PREFIXES,
    SOURCE,
    VOID,
)
from api.store.reader import SyncReader

#: Named graphs that are not the graph of one source document.
NON_SOURCE_GRAPHS = frozenset({GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, GRAPH_INFERRED})


def new_graph() -> Graph:
    """An empty graph with the project's prefixes bound (readable Turtle)."""
    graph = Graph(bind_namespaces="core")
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def ref_for_iri(iri: str) -> ResourceRef:
    """The :class:`ResourceRef` of a canonical IRI (validating it as a path would be).

    Raises:
        MalformedPath, UnknownResource: as :func:`parse_resource_path`.
    """
    if not iri.startswith(BASE):
        raise UnknownResource(f"{iri} is not under {BASE}")
    return parse_resource_path(*iri[len(BASE) :].split("/"))


#: The queries of a resource's description; the last one reads its incoming links.
_PARTS = ("outgoing", "blank-nodes", "linked", "incoming")


def _resource(source: SparqlSource, iri: URIRef, *, incoming: bool = True) -> Graph:
    graph = new_graph()
    values = {"resource": str(iri)}
    for name in _PARTS if incoming else _PARTS[:-1]:
        graph += source.construct(queries.render(name, values))
    return graph


def incoming_links(store: SparqlSource | SyncReader, iri: str) -> Graph:
    """The incoming part of a description alone (subjects, predicates, subjects' labels;
    at most 2000 solutions): what ``describe(…, incoming=False)`` leaves out."""
    graph = new_graph()
    graph += as_source(store).construct(queries.render("incoming", {"resource": iri}))
    return graph


def _count(node: Node) -> int:
    """The value of a ``COUNT`` in a SELECT row (an integer literal)."""
    assert isinstance(node, Literal), node
    return int(node)


def _named_graph(source: SparqlSource, iri: URIRef, sparql_url: str, incoming: bool) -> Graph:
    rows = source.select(queries.render("graph-summary", {"graph": str(iri)}))
    graph = new_graph()
    triples = rows[0].get("triples") if rows else None
    if triples is None or _count(triples) == 0:
        return graph
    graph += _resource(source, iri, incoming=incoming)  # what the dataset metadata says of it
    name = str(iri).rsplit("/", 1)[-1]
    dump = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }}"
    graph.add((iri, RDF.type, VOID.Dataset))
    graph.add((iri, RDFS.label, Literal(f"named graph {name}", lang="en")))
    graph.add((iri, VOID.triples, Literal(_count(triples), datatype=XSD.integer)))
    graph.add(
        (iri, VOID.distinctSubjects, Literal(_count(rows[0]["subjects"]), datatype=XSD.integer))
    )
    graph.add((iri, VOID.sparqlEndpoint, URIRef(sparql_url)))
    graph.add((iri, VOID.dataDump, URIRef(f"{sparql_url}?query={quote(dump, safe='')}")))
    graph.add((iri, DCTERMS.isPartOf, DATASET_IRI))
    if iri not in NON_SOURCE_GRAPHS:
        document = SOURCE[name]
        graph.add((iri, DCTERMS.source, document))
        for label in source.construct(queries.render("outgoing", {"resource": str(document)})):
            s, p, o = label
            if p in (DCTERMS.title, RDFS.label):
                graph.add((s, p, o))
    return graph


def ontology_graph(store: SparqlSource | SyncReader) -> Graph:
    """The named graph ``…/graph/ontology`` (empty if the store has none)."""
    graph = new_graph()
    graph += as_source(store).construct(queries.render("ontology"))
    return graph


def ontology_version_iris(graph: Graph) -> set[str]:
    """The ``owl:versionIRI`` values declared in an ontology graph."""
    return {str(o) for o in graph.objects(None, OWL.versionIRI)}


def describe(
    store: SparqlSource | SyncReader,
    iri: str | ResourceRef,
    *,
    sparql_url: str = BASE + "sparql",
    incoming: bool = True,
) -> Graph:
    """The bounded description of one of our IRIs (see the module docstring).

    Args:
        store: the read facade (:class:`~api.store.reader.SyncReader`) or a
            :class:`~api.linked_data.source.SparqlSource` over it.
        iri: a canonical IRI under ``https://w3id.org/ccai/``, or a parsed
            :class:`ResourceRef`.
        sparql_url: the public SPARQL endpoint, cited by named-graph summaries.
        incoming: include the incoming links (``False``: an HTML page, which reads
            them one page at a time, :meth:`api.linked_data.pages.Pages.incoming`).

    Returns:
        An rdflib graph with the project's prefixes bound; **empty** when the
        store says nothing about the IRI (the caller answers 404).

    Raises:
        MalformedPath: ``iri`` is under our base but not a well-formed path.
        UnknownResource: ``iri`` is not one we could publish.

    >>> import pyoxigraph as ox
    >>> from api.store.reader import reader_over
    >>> len(describe(reader_over(ox.Store()), "https://w3id.org/ccai/id/person/nobody"))
    0
    """
    ref = iri if isinstance(iri, ResourceRef) else ref_for_iri(str(iri))
    source = as_source(store)
    if ref.family == "graph":
        return _named_graph(source, ref.iri, sparql_url, incoming)
    if ref.family == "ontology":
        return ontology_graph(source)
    return _resource(source, ref.iri, incoming=incoming)


def similar(ref: ResourceRef, known: Iterable[str], limit: int = 5) -> list[str]:
    """Canonical IRIs among ``known`` under the same parent whose last segment resembles
    ``ref``'s (difflib). ``known`` is an in-memory list (the label index, built at
    start-up): a 404 never scans the store."""
    parent, _, last = str(ref.iri).rpartition("/")
    prefix = parent + "/"
    candidates: dict[str, str] = {}
    for iri in known:
        if iri.startswith(prefix) and "/" not in iri[len(prefix) :]:
            candidates[iri[len(prefix) :]] = iri
    matches = difflib.get_close_matches(last, list(candidates), n=limit, cutoff=0.6)
    return [candidates[m] for m in matches]
