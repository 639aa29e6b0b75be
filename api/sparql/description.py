"""SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` without ``query``).

Describes: ``sd:endpoint``, ``sd:supportedLanguage sd:SPARQL11Query`` (no
Update), every ``sd:resultFormat``, ``sd:feature sd:UnionDefaultGraph`` when
the default graph is the union of the named graphs (setting
``default_graph="union"``), and ``sd:defaultDataset`` with its
``sd:defaultGraph`` and one ``sd:namedGraph`` per graph in the store, each with
``void:triples``. An ``rdfs:comment`` states the default-graph rule and the
``inference=false`` parameter in prose.
"""

from __future__ import annotations

import pyoxigraph as ox

from api.namespaces import GRAPH_INFERRED, SD, VOID
from api.negotiation import RDF_FORMATS

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS_COMMENT = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment")
DCT_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
VOID_TRIPLES = ox.NamedNode(str(VOID) + "triples")
XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
FORMATS = "http://www.w3.org/ns/formats/"

#: media type -> W3C format IRI (http://www.w3.org/ns/formats/)
FORMAT_IRIS: dict[str, str] = {
    "application/sparql-results+json": FORMATS + "SPARQL_Results_JSON",
    "application/sparql-results+xml": FORMATS + "SPARQL_Results_XML",
    "text/csv": FORMATS + "SPARQL_Results_CSV",
    "text/tab-separated-values": FORMATS + "SPARQL_Results_TSV",
    "text/turtle": FORMATS + "Turtle",
    "application/n-triples": FORMATS + "N-Triples",
    "application/ld+json": FORMATS + "JSON-LD",
    "application/rdf+xml": FORMATS + "RDF_XML",
    "application/trig": FORMATS + "TriG",
    "application/n-quads": FORMATS + "N-Quads",
}

_PREFIXES = {"sd": str(SD), "void": str(VOID), "formats": FORMATS}


def _sd(term: str) -> ox.NamedNode:
    return ox.NamedNode(str(SD) + term)


def default_graph_comment(union: bool) -> str:
    inferred = str(GRAPH_INFERRED)
    if union:
        rule = (
            "the union of all named graphs, including the OWL RL entailments in "
            f"<{inferred}>; add inference=false to the request for the asserted graphs only"
        )
    else:
        rule = (
            f"the union of all named graphs except the OWL RL entailments in <{inferred}>; "
            "add inference=true to the request to include them"
        )
    return (
        "When a request names no dataset (no default-graph-uri / named-graph-uri "
        f"parameter, no FROM / FROM NAMED), the default graph is {rule}. Read-only: "
        "SPARQL Update and SERVICE are refused."
    )


def service_description(
    endpoint: str,
    graph_counts: dict[str, int],
    *,
    union_default_graph: bool,
) -> list[ox.Triple]:
    """The description as triples (subject: the endpoint IRI)."""
    service = ox.NamedNode(endpoint)
    dataset = ox.BlankNode("dataset")
    default = ox.BlankNode("defaultGraph")
    t: list[ox.Triple] = [
        ox.Triple(service, RDF_TYPE, _sd("Service")),
        ox.Triple(service, _sd("endpoint"), service),
        ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
        ox.Triple(service, DCT_TITLE, ox.Literal("ccai-kg SPARQL endpoint", language="en")),
        ox.Triple(service, RDFS_COMMENT, ox.Literal(default_graph_comment(union_default_graph))),
    ]
    t += [
        ox.Triple(service, _sd("resultFormat"), ox.NamedNode(iri))
        for iri in dict.fromkeys(FORMAT_IRIS.values())
    ]
    if union_default_graph:
        t.append(ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")))
    t += [
        ox.Triple(service, _sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
        ox.Triple(dataset, _sd("defaultGraph"), default),
        ox.Triple(default, RDF_TYPE, _sd("Graph")),
    ]
    in_default = {
        g: n for g, n in graph_counts.items() if union_default_graph or g != str(GRAPH_INFERRED)
    }
    t.append(
        ox.Triple(
            default, VOID_TRIPLES, ox.Literal(str(sum(in_default.values())), datatype=XSD_INTEGER)
        )
    )
    for i, (graph, count) in enumerate(sorted(graph_counts.items())):
        named = ox.BlankNode(f"namedGraph{i}")
        described = ox.BlankNode(f"graph{i}")
        t += [
            ox.Triple(dataset, _sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
            ox.Triple(named, _sd("name"), ox.NamedNode(graph)),
            ox.Triple(named, _sd("graph"), described),
            ox.Triple(described, RDF_TYPE, _sd("Graph")),
            ox.Triple(described, VOID_TRIPLES, ox.Literal(str(count), datatype=XSD_INTEGER)),
        ]
    return t


def serialize_description(triples: list[ox.Triple], media_type: str) -> bytes:
    fmt = getattr(ox.RdfFormat, RDF_FORMATS[media_type])
    prefixes = _PREFIXES if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    body = ox.serialize(triples, format=fmt, prefixes=prefixes)
    assert body is not None  # no output given: serialize() returns the bytes
    return body
