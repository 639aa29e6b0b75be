"""The DCAT-AP 3.0.1 description of the catalogue, the dataset and its distributions.

Entry point::

    build_catalog(report, *, base_url, statistics, issued=None,
                  landing_page=HOMEPAGE, endpoint_description=None,
                  include_sparql_distribution=True) -> rdflib.Graph

``report`` is the build's :class:`~api.fair.metadata.BuildMetadata`
(``BuildMetadata.from_report("build/report.json")``), ``statistics`` the
:class:`~api.fair.statistics.DatasetStatistics` of the same build
(``DatasetStatistics.from_store("build/oxigraph")``), ``base_url`` where the
server runs (``https://w3id.org/ccai/`` in production, ``http://localhost:8000/``
in development). The graph describes

* ``https://w3id.org/ccai/catalog`` (``dcat:Catalog``),
* ``https://w3id.org/ccai/dataset`` (``dcat:Dataset``),
* one ``dcat:Distribution`` per RDF dump among ``report.artefacts`` (recognised by
  file name, :func:`api.fair.terms.classify_dump`; ``report.json`` and other
  non-RDF artefacts are not distributions), downloadable at
  ``{base_url}download/{file}``, with byte size and SHA-256 from the report,
* the SPARQL endpoint ``{base_url}sparql`` as a ``dcat:DataService`` (and, unless
  ``include_sparql_distribution=False``, a distribution that points to it),
* every linked object typed as DCAT-AP's range classes ask (``foaf:Agent``,
  ``dct:LicenseDocument``, ``dct:MediaType``, ``skos:Concept`` with a label …),
  so that the graph alone conforms to the official shapes, offline.

Identifiers are the persistent ``https://w3id.org/ccai/…`` IRIs whatever the
base URL; only access and download URLs use ``base_url``.

A route serving it (to be wired in :mod:`api.web`)::

    @router.get("/catalog")
    def catalog(...):  # negotiate Turtle / JSON-LD / RDF/XML from the graph
        graph = build_catalog(meta, base_url=settings.base_url, statistics=stats)

Honesty rules followed: the publisher is the ccai-kg project itself, described
as such; the contact point is the project's web address (there is no project
e-mail address, so none is given); no person is named. ``dct:issued`` is given
only when the caller (or ``report.json: issued``) knows the first release date.
"""

from __future__ import annotations

from datetime import date

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import FOAF, OWL, RDF, RDFS, SKOS, XSD

from api.fair import terms as t
from api.fair.metadata import BuildMetadata
from api.fair.statistics import DatasetStatistics
from api.namespaces import ADMS, DCATAP, SPDX, VCARD, VOID

__all__ = ["build_catalog"]

DCAT, DCT = t.DCAT, t.DCT

_CATALOG_TITLE = {
    "en": "ccai-kg data catalogue",
    "nl": "Datacatalogus van ccai-kg",
}
_CATALOG_DESCRIPTION = {
    "en": "The datasets and data services published by the ccai-kg project: the CCAI "
    "knowledge graph, its downloadable dumps and its SPARQL endpoint.",
    "nl": "De datasets en datadiensten die het ccai-kg-project publiceert: de CCAI-kennisgraaf, "
    "de downloadbare dumps ervan en het SPARQL-eindpunt.",
}
_PROVENANCE = (
    "Curated by hand from a small set of public source documents (reports, conference "
    "summaries, articles) into RDF following the CCAI ontology; each entity carries "
    "dct:source (the document) and prov:wasDerivedFrom (the section, table or paragraph). "
    "OWL RL inferences are kept in a separate named graph."
)
_METADATA_LANGUAGES = ("en", "nl")


def build_catalog(
    report: BuildMetadata,
    *,
    base_url: str,
    statistics: DatasetStatistics,
    issued: date | None = None,
    landing_page: URIRef = t.HOMEPAGE,
    endpoint_description: URIRef | None = None,
    include_sparql_distribution: bool = True,
    temporal: tuple[int, int] | None = None,
) -> Graph:
    """Describe the catalogue, dataset, distributions and SPARQL service in DCAT-AP 3.0.1.

    Args:
        report: facts about the build (version, finish time, artefacts).
        base_url: absolute http(s) URL the server runs at; downloads are at
            ``{base_url}download/{file}``, the endpoint at ``{base_url}sparql``.
        statistics: counts from the same build (languages, years, triples).
        issued: date of the first public release; defaults to ``report.issued``;
            left out when neither is known.
        landing_page: the human-readable page of the dataset.
        endpoint_description: where the SPARQL service description lives;
            defaults to the endpoint URL itself (SPARQL 1.1 Service Description:
            a GET on the endpoint without a query returns it).
        include_sparql_distribution: also describe the endpoint as a distribution
            (``dcat:accessService``), as the EU data portal expects for APIs.
        temporal: (first year, last year) of the temporal coverage; defaults to
            ``statistics.years`` (every date the sources state); none when unknown.

    Returns:
        A new rdflib Graph with the DCAT-AP prefixes bound.

    Raises:
        ValueError: ``base_url`` is not an absolute http(s) URL.
    """
    base = t.normalise_base(base_url)
    endpoint = t.sparql_endpoint(base)
    issued = issued or report.issued
    modified = Literal(report.finished.replace(microsecond=0), datatype=XSD.dateTime)
    g = _new_graph()

    # -- shared resources ------------------------------------------------------------
    _publisher(g)
    _contact(g)
    _licence(g)
    _concept(g, t.THEME_EDUC, t.THEME_EDUC_LABEL, t.DATA_THEME_SCHEME)
    _concept(g, t.EUROVOC_AI, t.EUROVOC_AI_LABEL, t.EUROVOC_SCHEME)
    g.add((t.SPATIAL_EU, RDF.type, DCT.Location))
    g.add((t.SPATIAL_EU, SKOS.prefLabel, Literal(t.SPATIAL_EU_LABEL, lang="en")))
    g.add((t.SPATIAL_EU, SKOS.inScheme, t.COUNTRY_SCHEME))
    _scheme(g, t.COUNTRY_SCHEME)
    for page in {landing_page, t.HOMEPAGE}:
        g.add((page, RDF.type, FOAF.Document))

    # -- the catalogue ------------------------------------------------------------------
    cat = t.CATALOG_IRI
    g.add((cat, RDF.type, DCAT.Catalog))
    _texts(g, cat, DCT.title, _CATALOG_TITLE)
    _texts(g, cat, DCT.description, _CATALOG_DESCRIPTION)
    g.add((cat, DCT.publisher, t.PUBLISHER))
    g.add((cat, FOAF.homepage, t.HOMEPAGE))
    g.add((cat, DCT.license, t.LICENSE))
    for tag in _METADATA_LANGUAGES:
        _language(g, cat, tag)
    g.add((cat, DCAT.themeTaxonomy, t.DATA_THEME_SCHEME))
    g.add((cat, DCT.spatial, t.SPATIAL_EU))
    g.add((cat, DCT.modified, modified))
    if issued:
        g.add((cat, DCT.issued, Literal(issued, datatype=XSD.date)))
    g.add((cat, DCAT.dataset, t.DATASET))
    g.add((cat, DCAT.service, t.SPARQL_SERVICE))

    # -- the dataset -------------------------------------------------------------------
    ds = t.DATASET
    g.add((ds, RDF.type, DCAT.Dataset))
    _texts(g, ds, DCT.title, t.DATASET_TITLE)
    _texts(g, ds, DCT.description, t.DATASET_DESCRIPTION)
    g.add((ds, DCT.identifier, Literal(str(ds))))
    identifier = BNode()
    g.add((ds, ADMS.identifier, identifier))
    g.add((identifier, RDF.type, ADMS.Identifier))
    g.add((identifier, SKOS.notation, Literal(str(ds), datatype=XSD.anyURI)))
    g.add((identifier, DCT.creator, t.PUBLISHER))
    g.add((ds, DCT.publisher, t.PUBLISHER))
    g.add((ds, DCT.creator, t.PUBLISHER))
    g.add((ds, DCAT.contactPoint, t.CONTACT))
    g.add((ds, DCT.license, t.LICENSE))
    g.add((ds, DCAT.theme, t.THEME_EDUC))
    g.add((ds, DCT.subject, t.EUROVOC_AI))
    for lang, words in t.KEYWORDS.items():
        for word in words:
            g.add((ds, DCAT.keyword, Literal(word, lang=lang)))
    g.add((ds, DCT.spatial, t.SPATIAL_EU))
    years = temporal or statistics.years
    if years:
        g.add((ds, DCT.temporal, _period(g, *years)))
    for tag in statistics.languages:
        _language(g, ds, tag)
    g.add((ds, DCAT.landingPage, landing_page))
    g.add((ds, DCAT.version, Literal(report.version)))
    g.add((ds, OWL.versionInfo, Literal(report.version)))
    g.add((ds, DCT.modified, modified))
    if issued:
        g.add((ds, DCT.issued, Literal(issued, datatype=XSD.date)))
    g.add((ds, DCT.conformsTo, t.ONTOLOGY))
    g.add((t.ONTOLOGY, RDF.type, DCT.Standard))
    g.add((t.ONTOLOGY, DCT.title, Literal("CCAI ontology", lang="en")))
    provenance = BNode()
    g.add((ds, DCT.provenance, provenance))
    g.add((provenance, RDF.type, DCT.ProvenanceStatement))
    g.add((provenance, RDFS.label, Literal(_PROVENANCE, lang="en")))
    g.add((ds, RDFS.seeAlso, URIRef(base + ".well-known/void")))
    if statistics.triples:
        g.add((ds, VOID.triples, Literal(statistics.triples, datatype=XSD.integer)))

    # -- distributions --------------------------------------------------------------
    for artefact in report.artefacts:
        dump = t.classify_dump(artefact.file)
        if dump is None:
            continue
        dist = t.distribution_iri(artefact.file)
        g.add((ds, DCAT.distribution, dist))
        _distribution(g, dist, dump, artefact.bytes, artefact.sha256, base, modified)

    # -- the SPARQL endpoint -----------------------------------------------------------
    svc = t.SPARQL_SERVICE
    g.add((svc, RDF.type, DCAT.DataService))
    g.add((svc, DCT.title, Literal("CCAI knowledge graph SPARQL endpoint", lang="en")))
    g.add((svc, DCT.title, Literal("SPARQL-eindpunt van de CCAI-kennisgraaf", lang="nl")))
    g.add(
        (
            svc,
            DCT.description,
            Literal(
                "SPARQL 1.1 query endpoint over every named graph of the CCAI knowledge graph "
                "(read-only).",
                lang="en",
            ),
        )
    )
    g.add((svc, DCAT.endpointURL, endpoint))
    g.add((svc, DCAT.endpointDescription, endpoint_description or endpoint))
    # DCAT-AP's generated range shapes ask these to be of class rdfs:Resource;
    # trivially true, but a validator without RDFS inference needs it said.
    g.add((endpoint, RDF.type, RDFS.Resource))
    g.add((endpoint_description or endpoint, RDF.type, RDFS.Resource))
    g.add((svc, DCAT.servesDataset, ds))
    g.add((svc, DCT.conformsTo, t.SPARQL_PROTOCOL))
    g.add((t.SPARQL_PROTOCOL, RDF.type, DCT.Standard))
    g.add((t.SPARQL_PROTOCOL, DCT.title, Literal("SPARQL 1.1 Protocol", lang="en")))
    g.add((svc, DCT.publisher, t.PUBLISHER))
    g.add((svc, DCAT.contactPoint, t.CONTACT))
    g.add((svc, DCT.license, t.LICENSE))
    g.add((svc, DCAT.theme, t.THEME_EDUC))
    g.add((svc, DCAT.landingPage, landing_page))
    for word in ("SPARQL", "linked data", "knowledge graph"):
        g.add((svc, DCAT.keyword, Literal(word, lang="en")))
    if include_sparql_distribution:
        dist = URIRef(f"{t.DATASET}#distribution-sparql")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCT.title, Literal("SPARQL endpoint", lang="en")))
        g.add(
            (
                dist,
                DCT.description,
                Literal("Query the knowledge graph with SPARQL 1.1.", lang="en"),
            )
        )
        g.add((dist, DCAT.accessURL, endpoint))
        g.add((dist, DCAT.accessService, svc))
        g.add((dist, DCT.license, t.LICENSE))
        sparql_type = URIRef(t.EU + "file-type/SPARQLQ")
        g.add((dist, DCT.format, sparql_type))
        g.add((sparql_type, RDF.type, DCT.MediaTypeOrExtent))
        g.add((sparql_type, SKOS.inScheme, t.FILE_TYPE_SCHEME))
        _scheme(g, t.FILE_TYPE_SCHEME)
    return g


# ---------------------------------------------------------------------------------
def _new_graph() -> Graph:
    g = Graph()
    for prefix, ns in {
        "dcat": DCAT,
        "dct": DCT,
        "foaf": FOAF,
        "adms": ADMS,
        "dcatap": DCATAP,
        "spdx": SPDX,
        "vcard": VCARD,
        "skos": SKOS,
        "void": VOID,
        "owl": OWL,
        "xsd": XSD,
        "rdfs": RDFS,
    }.items():
        g.bind(prefix, ns)
    return g


def _texts(g: Graph, subject: URIRef, predicate: URIRef, texts: dict[str, str]) -> None:
    for lang, text in texts.items():
        g.add((subject, predicate, Literal(text, lang=lang)))


def _scheme(g: Graph, scheme: URIRef) -> None:
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, DCT.title, Literal(t.SCHEME_TITLES[scheme], lang="en")))


def _concept(g: Graph, concept: URIRef, label: str, scheme: URIRef) -> None:
    g.add((concept, RDF.type, SKOS.Concept))
    g.add((concept, SKOS.prefLabel, Literal(label, lang="en")))
    g.add((concept, SKOS.inScheme, scheme))
    _scheme(g, scheme)


def _publisher(g: Graph) -> None:
    agent = t.PUBLISHER
    g.add((agent, RDF.type, FOAF.Agent))
    g.add((agent, FOAF.name, Literal(t.PUBLISHER_NAME, lang="en")))
    g.add((agent, FOAF.homepage, t.HOMEPAGE))
    g.add(
        (
            agent,
            RDFS.comment,
            Literal(
                "The open ccai-kg project, which builds and publishes the CCAI knowledge graph; "
                "not a legal person.",
                lang="en",
            ),
        )
    )
    g.add((agent, DCT.type, t.PUBLISHER_TYPE))
    _concept(g, t.PUBLISHER_TYPE, t.PUBLISHER_TYPE_LABEL, t.PUBLISHER_TYPE_SCHEME)


def _contact(g: Graph) -> None:
    contact = t.CONTACT
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(t.PUBLISHER_NAME)))
    g.add((contact, VCARD.hasURL, t.HOMEPAGE))


def _licence(g: Graph) -> None:
    g.add((t.LICENSE, RDF.type, DCT.LicenseDocument))
    g.add((t.LICENSE, DCT.title, Literal(t.LICENSE_TITLE, lang="en")))
    g.add((t.LICENSE, DCT.identifier, Literal(t.LICENSE_SPDX)))
    g.add((t.LICENSE, DCT.type, t.LICENCE_TYPE_ATTRIBUTION))
    _concept(g, t.LICENCE_TYPE_ATTRIBUTION, "Attribution", t.LICENCE_TYPE_SCHEME)


def _language(g: Graph, subject: URIRef, tag: str) -> None:
    language = t.eu_language(tag)
    if language is None:
        return
    g.add((subject, DCT.language, language))
    g.add((language, RDF.type, DCT.LinguisticSystem))
    g.add((language, SKOS.inScheme, t.LANGUAGE_SCHEME))
    _scheme(g, t.LANGUAGE_SCHEME)


def _period(g: Graph, first: int, last: int) -> BNode:
    period = BNode()
    g.add((period, RDF.type, DCT.PeriodOfTime))
    g.add((period, DCAT.startDate, Literal(f"{first:04d}", datatype=XSD.gYear)))
    g.add((period, DCAT.endDate, Literal(f"{last:04d}", datatype=XSD.gYear)))
    return period


def _distribution(
    g: Graph, dist: URIRef, dump: t.Dump, size: int, sha256: str, base: str, modified: Literal
) -> None:
    fmt = dump.format
    url = t.download_url(base, dump.file)
    g.add((dist, RDF.type, DCAT.Distribution))
    g.add(
        (
            dist,
            DCT.title,
            Literal(f"{dump.file} ({fmt.label}{', gzip' if dump.compression else ''})", lang="en"),
        )
    )
    description = t.DUMP_DESCRIPTIONS.get(dump.file) or (
        f"A dump of the knowledge graph in {fmt.label}."
    )
    g.add((dist, DCT.description, Literal(description, lang="en")))
    g.add((dist, DCAT.accessURL, url))
    g.add((dist, DCAT.downloadURL, url))
    g.add((dist, DCAT.mediaType, fmt.media_type_iri))
    g.add((fmt.media_type_iri, RDF.type, DCT.MediaType))
    g.add((dist, DCT.format, fmt.file_type_iri))
    g.add((fmt.file_type_iri, RDF.type, DCT.MediaTypeOrExtent))
    g.add((fmt.file_type_iri, SKOS.inScheme, t.FILE_TYPE_SCHEME))
    _scheme(g, t.FILE_TYPE_SCHEME)
    if dump.compression is not None:
        g.add((dist, DCAT.compressFormat, dump.compression))
        g.add((dump.compression, RDF.type, DCT.MediaType))
    g.add((dist, DCAT.byteSize, Literal(size, datatype=XSD.nonNegativeInteger)))
    checksum = BNode()
    g.add((dist, SPDX.checksum, checksum))
    g.add((checksum, RDF.type, SPDX.Checksum))
    g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
    g.add((checksum, SPDX.checksumValue, Literal(sha256, datatype=XSD.hexBinary)))
    g.add((SPDX.checksumAlgorithm_sha256, RDF.type, SPDX.ChecksumAlgorithm))
    g.add((dist, DCT.license, t.LICENSE))
    g.add((dist, DCT.modified, modified))
    g.add((dist, DCT.conformsTo, t.ONTOLOGY))
