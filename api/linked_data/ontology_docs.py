"""Human documentation of the ontology, for ``GET /ontology`` in a browser.

:func:`ontology_html` renders the ontology graph with pyLODE (``OntPub``
profile) when it is installed, and otherwise with our own template
(``ontology.html``: classes with labels in English and Dutch, definitions,
super-classes; properties with domain, range and super-properties, which show
the alignment to schema.org, ORG, FOAF and PROV). The caller caches the result
once per process (:class:`api.linked_data.service.LinkedData`).

pyLODE 3.4.1 does not import (it reads a ``pyproject.toml`` that is not in its
wheel); 3.3.4 works with rdflib 7.6 and needs no network. Importing pyLODE calls
``logging.basicConfig(level=DEBUG)``; :func:`_import_ontpub` undoes that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import OWL, SKOS
from rdflib.term import Node

from api.linked_data.view import curie

log = logging.getLogger(__name__)


def _import_ontpub() -> Any | None:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        from pylode import OntPub
    except Exception:  # ImportError, or a broken pyLODE release
        log.info("pyLODE unavailable; using the built-in ontology documentation")
        return None
    finally:
        for handler in root.handlers[:]:
            if handler not in handlers:
                root.removeHandler(handler)
        root.setLevel(level)
    return OntPub


def pylode_html(graph: Graph) -> str | None:
    """pyLODE's HTML for ``graph``, or ``None`` when pyLODE is missing or fails."""
    ontpub = _import_ontpub()
    if ontpub is None:
        return None
    try:
        return ontpub(ontology=graph).make_html(include_css=True)
    except Exception:
        log.exception("pyLODE failed; using the built-in ontology documentation")
        return None


@dataclass
class Term:
    iri: str
    curie: str
    anchor: str
    labels: dict[str, str]
    definition: str | None
    kind: str = ""
    parents: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    ranges: list[str] = field(default_factory=list)
    equivalents: list[str] = field(default_factory=list)


def _text(graph: Graph, node: Node, prop: URIRef) -> str | None:
    values = [o for o in graph.objects(node, prop) if isinstance(o, Literal)]
    english = [v for v in values if v.language in ("en", None)]
    return str(sorted(english or values)[0]) if values else None


def _names(graph: Graph, node: URIRef, prop: URIRef) -> list[str]:
    return sorted(curie(str(o)) for o in graph.objects(node, prop) if isinstance(o, URIRef))


def _term(graph: Graph, node: URIRef, kind: str) -> Term:
    labels = {
        (o.language or ""): str(o)
        for o in graph.objects(node, RDFS.label)
        if isinstance(o, Literal)
    }
    is_class = kind == "class"
    sub = RDFS.subClassOf if is_class else RDFS.subPropertyOf
    equivalent = OWL.equivalentClass if is_class else OWL.equivalentProperty
    return Term(
        iri=str(node),
        curie=curie(str(node)),
        anchor=str(node).rpartition("#")[2] or str(node).rpartition("/")[2],
        labels=labels,
        definition=_text(graph, node, SKOS.definition) or _text(graph, node, RDFS.comment),
        kind=kind,
        parents=_names(graph, node, sub),
        domains=_names(graph, node, RDFS.domain),
        ranges=_names(graph, node, RDFS.range),
        equivalents=_names(graph, node, equivalent),
    )


def documentation(graph: Graph, namespace: str) -> dict[str, Any]:
    """The data of the built-in documentation page: metadata, classes, properties."""
    ontology = next(iter(graph.subjects(RDF.type, OWL.Ontology)), None)
    dct = "http://purl.org/dc/terms/"

    def ours(node: object) -> TypeGuard[URIRef]:
        return isinstance(node, URIRef) and str(node).startswith(namespace)

    classes = sorted(
        {s for s in graph.subjects(RDF.type, OWL.Class) if ours(s)}, key=lambda s: str(s).lower()
    )
    kinds = {
        OWL.ObjectProperty: "object property",
        OWL.DatatypeProperty: "datatype property",
        OWL.AnnotationProperty: "annotation property",
    }
    properties: dict[URIRef, str] = {}
    for rdf_type, kind in kinds.items():
        for s in graph.subjects(RDF.type, rdf_type):
            if ours(s):
                properties[s] = kind
    return {
        "iri": str(ontology) if ontology else namespace,
        "title": (_text(graph, ontology, URIRef(dct + "title")) if ontology else None)
        or "Ontology",
        "description": _text(graph, ontology, URIRef(dct + "description")) if ontology else None,
        "version": str(graph.value(ontology, OWL.versionInfo) or "") if ontology else "",
        "classes": [_term(graph, c, "class") for c in classes],
        "properties": [
            _term(graph, p, kind)
            for p, kind in sorted(properties.items(), key=lambda item: str(item[0]).lower())
        ],
    }
