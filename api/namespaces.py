"""The project's namespaces and the IRI scheme.

Every IRI the project mints lives under :data:`BASE` (``https://w3id.org/ccai/``):

=====================  ==================================================
ontology               ``https://w3id.org/ccai/ontology`` (terms: ``#Term``)
version IRI            ``https://w3id.org/ccai/ontology/{version}``
entities               ``https://w3id.org/ccai/id/{kind}/{slug}``
concepts               ``https://w3id.org/ccai/vocab/{scheme}/{concept}``
concept schemes        ``https://w3id.org/ccai/vocab/{scheme}``
source documents       ``https://w3id.org/ccai/source/{slug}``
locators in a source   ``https://w3id.org/ccai/source/{slug}/{locator}``
named graphs           ``https://w3id.org/ccai/graph/{name}``
=====================  ==================================================
"""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/ccai/"
ONTOLOGY_IRI = URIRef(BASE + "ontology")
CCAI = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
VOCAB = Namespace(BASE + "vocab/")
SOURCE = Namespace(BASE + "source/")
GRAPH = Namespace(BASE + "graph/")
DATASET_IRI = URIRef(BASE + "dataset")

# Well-known vocabularies that rdflib does not bind by default.
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
VANN = Namespace("http://purl.org/vocab/vann/")
ELI = Namespace("http://data.europa.eu/eli/ontology#")
VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
DCATAP = Namespace("http://data.europa.eu/r5r/")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")

# Named graphs that are not per-source.
GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_VOCABULARIES = GRAPH["vocabularies"]
GRAPH_INFERRED = GRAPH["inferred"]

PREFIXES: dict[str, str] = {
    "ccai": str(CCAI),
    "id": str(ID),
    "vocab": str(VOCAB),
    "source": str(SOURCE),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "schema": str(SCHEMA),
    "org": str(ORG),
    "prov": str(PROV),
    "dcat": "http://www.w3.org/ns/dcat#",
    "vann": str(VANN),
    "eli": str(ELI),
    "sh": "http://www.w3.org/ns/shacl#",
    "void": str(VOID),
}

#: Concept schemes under ``vocab/`` (one file each in ``ontology/vocabularies/``).
VOCABULARY_SCHEMES: tuple[str, ...] = (
    "sectors",
    "themes",
    "levels",
    "policy-levels",
    "value-chain-stages",
    "opportunity-categories",
    "organisation-kinds",
    "participant-roles",
    "target-groups",
    "ai-techniques",
    "units",
)

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
_SLUG_RE = re.compile(rf"^{SLUG_PATTERN}$")

#: The path segment after ``id/`` and the ontology class family it names.
ENTITY_KINDS: tuple[str, ...] = (
    "organisation",
    "person",
    "post",
    "participation",
    "project",
    "network",
    "event",
    "programme",
    "funding",
    "platform",
    "alliance",
    "document",
    "challenge",
    "opportunity",
    "recommendation",
    "application",
    "work",
    "statistic",
    "place",
)

# One prefix per entity kind (``person:julia-pagel``) and per concept scheme
# (``themes:data``), so that canonical Turtle stays readable.
PREFIXES.update({kind: f"{BASE}id/{kind}/" for kind in ENTITY_KINDS})
PREFIXES.update(
    {scheme.replace("-", ""): f"{BASE}vocab/{scheme}/" for scheme in VOCABULARY_SCHEMES}
)


def is_slug(text: str) -> bool:
    """Return True when ``text`` is a lower-case, hyphen-separated slug.

    >>> is_slug("nemo-conference-2024"), is_slug("Nemo_2024")
    (True, False)
    """
    return bool(_SLUG_RE.match(text))


def entity_iri(kind: str, slug: str) -> URIRef:
    """Mint the IRI of an entity, checking the kind and the slug.

    >>> str(entity_iri("organisation", "nemo"))
    'https://w3id.org/ccai/id/organisation/nemo'

    Raises:
        ValueError: unknown kind or a slug that is not lower-case-hyphenated.
    """
    if kind not in ENTITY_KINDS:
        raise ValueError(f"unknown entity kind {kind!r}; expected one of {ENTITY_KINDS}")
    if not is_slug(slug):
        raise ValueError(f"not a slug: {slug!r} (expected {SLUG_PATTERN})")
    return ID[f"{kind}/{slug}"]


def graph_iri(name: str) -> URIRef:
    """IRI of a named graph, e.g. ``graph_iri("inferred")``."""
    if not is_slug(name):
        raise ValueError(f"not a slug: {name!r}")
    return GRAPH[name]
