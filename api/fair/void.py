"""The VoID description of the knowledge graph (served at ``/.well-known/void``).

Entry point::

    build_void(report, *, base_url, statistics) -> rdflib.Graph

``report`` (:class:`~api.fair.metadata.BuildMetadata`, or None) supplies the
dumps (``void:dataDump``) and the modification time; ``statistics``
(:class:`~api.fair.statistics.DatasetStatistics`) every number. The graph holds

* the description document ``{base_url}.well-known/void`` (``void:DatasetDescription``,
  ``foaf:primaryTopic`` the dataset);
* ``https://w3id.org/ccai/dataset`` as ``void:Dataset``: title, licence, publisher,
  ``void:triples``, ``void:entities``, ``void:distinctSubjects``/``Objects``,
  ``void:properties``, ``void:classes``, ``void:uriSpace``, ``void:sparqlEndpoint``,
  ``void:dataDump`` per RDF dump, ``void:feature`` per dump format,
  ``void:vocabulary`` per namespace used, ``void:exampleResource``;
* one ``void:classPartition`` per class (``void:class``, ``void:entities``) and
  one ``void:propertyPartition`` per property (``void:property``, ``void:triples``);
* one ``void:subset`` per named graph, identified by the graph IRI itself, with its
  triple count (and ``dct:source`` = the source document for per-source graphs);
* one ``void:Linkset`` (also a subset) per external dataset and link predicate,
  with ``void:triples``, ``void:linkPredicate``, ``void:subjectsTarget`` (the
  dataset) and ``void:objectsTarget`` (a ``void:Dataset`` with its ``void:uriSpace``).

A route serving it (to be wired in :mod:`api.web`)::

    @router.get("/.well-known/void")
    def void(...):
        graph = build_void(meta, base_url=settings.base_url, statistics=stats)
"""

from __future__ import annotations

import re

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, XSD

from api.fair import terms as t
from api.fair.metadata import BuildMetadata
from api.fair.statistics import LINK_TARGETS, DatasetStatistics
from api.namespaces import GRAPH, GRAPH_INFERRED, GRAPH_ONTOLOGY, GRAPH_VOCABULARIES, SOURCE, VOID

__all__ = ["build_void", "void_description_iri"]

DCT = t.DCT

_GRAPH_TITLES = {
    str(GRAPH_ONTOLOGY): "The CCAI ontology",
    str(GRAPH_VOCABULARIES): "The SKOS concept schemes of the CCAI knowledge graph",
    str(GRAPH_INFERRED): "Triples inferred by OWL RL reasoning",
}


def void_description_iri(base_url: str) -> URIRef:
    """``{base_url}.well-known/void``: where the VoID description is served."""
    return URIRef(t.normalise_base(base_url) + ".well-known/void")


def build_void(
    report: BuildMetadata | None, *, base_url: str, statistics: DatasetStatistics
) -> Graph:
    """Describe the dataset in VoID with the counted ``statistics``.

    Raises:
        ValueError: ``base_url`` is not an absolute http(s) URL.
    """
    base = t.normalise_base(base_url)
    g = Graph()
    for prefix, ns in {"void": VOID, "dct": DCT, "foaf": FOAF, "xsd": XSD}.items():
        g.bind(prefix, ns)
    ds = t.DATASET

    doc = void_description_iri(base)
    g.add((doc, RDF.type, VOID.DatasetDescription))
    g.add((doc, DCT.title, Literal("VoID description of the CCAI knowledge graph", lang="en")))
    g.add((doc, FOAF.primaryTopic, ds))

    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCT.title, Literal(t.DATASET_TITLE["en"], lang="en")))
    g.add((ds, DCT.description, Literal(t.DATASET_DESCRIPTION["en"], lang="en")))
    g.add((ds, DCT.license, t.LICENSE))
    g.add((ds, DCT.publisher, t.PUBLISHER))
    g.add((ds, FOAF.homepage, t.HOMEPAGE))
    g.add((ds, DCT.subject, t.EUROVOC_AI))
    if report is not None:
        g.add(
            (
                ds,
                DCT.modified,
                Literal(report.finished.replace(microsecond=0), datatype=XSD.dateTime),
            )
        )
    g.add((ds, VOID.uriSpace, Literal(t.URI_SPACE)))
    g.add((ds, VOID.sparqlEndpoint, t.sparql_endpoint(base)))

    for predicate, value in (
        (VOID.triples, statistics.triples),
        (VOID.entities, statistics.entities),
        (VOID.distinctSubjects, statistics.distinct_subjects),
        (VOID.distinctObjects, statistics.distinct_objects),
        (VOID.properties, statistics.properties),
        (VOID.classes, statistics.classes),
    ):
        g.add((ds, predicate, _count(value)))

    if report is not None:
        for artefact in report.artefacts:
            dump = t.classify_dump(artefact.file)
            if dump is None:
                continue
            g.add((ds, VOID.dataDump, t.download_url(base, artefact.file)))
            if dump.format.w3c_format is not None:
                g.add((ds, VOID.feature, dump.format.w3c_format))

    for namespace in statistics.vocabularies:
        g.add((ds, VOID.vocabulary, URIRef(namespace)))
    for iri in statistics.example_resources:
        g.add((ds, VOID.exampleResource, URIRef(iri)))

    for cls, entities in statistics.class_partitions.items():
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, _count(entities)))
    for prop, triples in statistics.property_partitions.items():
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, _count(triples)))

    for graph, triples in statistics.graphs.items():
        subset = URIRef(graph)
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, VOID.triples, _count(triples)))
        g.add((subset, VOID.sparqlEndpoint, t.sparql_endpoint(base)))
        title = _GRAPH_TITLES.get(graph)
        if title is None and graph.startswith(str(GRAPH)):
            slug = graph[len(str(GRAPH)) :]
            title = f"Statements taken from the source document {slug}"
            g.add((subset, DCT.source, SOURCE[slug]))
        if title:
            g.add((subset, DCT.title, Literal(title, lang="en")))

    targets = {target.key: target for target in LINK_TARGETS}
    for (key, link_predicate), triples in statistics.links.items():
        target = targets[key]
        target_iri = URIRef(f"{ds}#target-{key}")
        g.add((target_iri, RDF.type, VOID.Dataset))
        g.add((target_iri, DCT.title, Literal(target.title, lang="en")))
        g.add((target_iri, VOID.uriSpace, Literal(target.uri_space)))
        if target.homepage:
            g.add((target_iri, FOAF.homepage, URIRef(target.homepage)))
        linkset = URIRef(f"{ds}#linkset-{key}-{_local_name(link_predicate)}")
        g.add((ds, VOID.subset, linkset))
        g.add((linkset, RDF.type, VOID.Linkset))
        g.add((linkset, VOID.subjectsTarget, ds))
        g.add((linkset, VOID.objectsTarget, target_iri))
        g.add((linkset, VOID.linkPredicate, URIRef(link_predicate)))
        g.add((linkset, VOID.triples, _count(triples)))
    return g


def _count(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def _local_name(iri: str) -> str:
    tail = re.split(r"[#/]", iri.rstrip("/#"))[-1]
    return re.sub(r"[^A-Za-z0-9]+", "-", tail).strip("-").lower() or "link"
