"""Fixed vocabulary of the FAIR metadata: IRIs, labels and the dump-format table.

Everything external here is either listed in
``../shared/sources/external-identifiers.md`` (EU data theme ``EDUC``, EuroVoc
``3030``) or an entry of an EU/ADMS/IANA code list named by the DCAT-AP 3.0.1
specification for that property. Labels are the code lists' own English labels;
where we were not sure of a label we give none (the shapes do not ask for one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS

from api.namespaces import BASE, DATASET_IRI, ID

#: Plain namespace: rdflib's DCAT lacks DCAT 3 terms such as ``dcat:version``.
DCAT = Namespace("http://www.w3.org/ns/dcat#")
#: rdflib's closed DCTERMS (a plain Namespace would turn ``DCT.title`` into ``str.title``).
DCT = DCTERMS
FORMATS = Namespace("http://www.w3.org/ns/formats/")
EU = "http://publications.europa.eu/resource/authority/"

# --- the project's own resources -------------------------------------------------
CATALOG_IRI: Final = URIRef(BASE + "catalog")
DATASET: Final = DATASET_IRI
HOMEPAGE: Final = URIRef(BASE)
ONTOLOGY: Final = URIRef(BASE + "ontology")
URI_SPACE: Final = str(ID)
#: The project as an agent (publisher/creator). A hash IRI in the catalogue
#: document, so that it dereferences to the description given there.
PUBLISHER: Final = URIRef(str(CATALOG_IRI) + "#publisher")
CONTACT: Final = URIRef(str(CATALOG_IRI) + "#contact")
SPARQL_SERVICE: Final = URIRef(str(CATALOG_IRI) + "#sparql-service")
PUBLISHER_NAME: Final = "ccai-kg project"

LICENSE: Final = URIRef("https://creativecommons.org/licenses/by/4.0/")
LICENSE_TITLE: Final = "Creative Commons Attribution 4.0 International (CC BY 4.0)"
LICENSE_SPDX: Final = "CC-BY-4.0"
#: ADMS licence type (the code list DCAT-AP names for dct:type of a licence).
LICENCE_TYPE_SCHEME: Final = URIRef("http://purl.org/adms/licencetype/1.0")
LICENCE_TYPE_ATTRIBUTION: Final = URIRef("http://purl.org/adms/licencetype/Attribution")
#: ADMS publisher type (the code list DCAT-AP names for dct:type of an agent).
#: None of its values fits an open community project exactly; "Non-Profit
#: Organisation" is the nearest (the data is published free, under CC BY).
PUBLISHER_TYPE_SCHEME: Final = URIRef("http://purl.org/adms/publishertype/1.0")
PUBLISHER_TYPE: Final = URIRef("http://purl.org/adms/publishertype/NonProfitOrganisation")
PUBLISHER_TYPE_LABEL: Final = "Non-Profit Organisation"

DATASET_TITLE: Final[dict[str, str]] = {
    "en": "CCAI knowledge graph: artificial intelligence in the cultural and creative sectors",
    "nl": "CCAI-kennisgraaf: artificiële intelligentie in de culturele en creatieve sectoren",
}
DATASET_DESCRIPTION: Final[dict[str, str]] = {
    "en": "A linked-data knowledge graph of the actors, initiatives, policies, challenges, "
    "opportunities and recommendations about artificial intelligence in the European "
    "cultural and creative sectors, extracted from published reports, conference summaries "
    "and articles. Every statement records the source document and the place in it that "
    "supports it.",
    "nl": "Een linked-data-kennisgraaf van de actoren, initiatieven, beleidsmaatregelen, "
    "uitdagingen, kansen en aanbevelingen rond artificiële intelligentie in de Europese "
    "culturele en creatieve sectoren, ontleend aan gepubliceerde rapporten, "
    "conferentieverslagen en artikelen. Bij elke bewering staat het brondocument en de "
    "plaats daarin die haar onderbouwt.",
}

# --- EU authority tables --------------------------------------------------------
DATA_THEME_SCHEME: Final = URIRef(EU + "data-theme")
THEME_EDUC: Final = URIRef(EU + "data-theme/EDUC")
THEME_EDUC_LABEL: Final = "Education, culture and sport"
FILE_TYPE_SCHEME: Final = URIRef(EU + "file-type")
LANGUAGE_SCHEME: Final = URIRef(EU + "language")
COUNTRY_SCHEME: Final = URIRef(EU + "country")
SPATIAL_EU: Final = URIRef(EU + "country/EUR")
SPATIAL_EU_LABEL: Final = "European Union"
EUROVOC_SCHEME: Final = URIRef("http://eurovoc.europa.eu/100141")
EUROVOC_AI: Final = URIRef("http://eurovoc.europa.eu/3030")
EUROVOC_AI_LABEL: Final = "artificial intelligence"

#: Titles of the code lists, for skos:ConceptScheme (DCAT-AP wants dct:title).
SCHEME_TITLES: Final[dict[URIRef, str]] = {
    DATA_THEME_SCHEME: "Data theme",
    FILE_TYPE_SCHEME: "File type",
    LANGUAGE_SCHEME: "Language",
    COUNTRY_SCHEME: "Country",
    EUROVOC_SCHEME: "EuroVoc",
    LICENCE_TYPE_SCHEME: "ADMS licence type",
    PUBLISHER_TYPE_SCHEME: "ADMS publisher type",
}

#: BCP 47 primary language tag -> code of the EU language table (ISO 639-3 based).
EU_LANGUAGES: Final[dict[str, tuple[str, str]]] = {
    "en": ("ENG", "English"),
    "nl": ("NLD", "Dutch"),
    "fr": ("FRA", "French"),
    "de": ("DEU", "German"),
    "it": ("ITA", "Italian"),
    "es": ("SPA", "Spanish"),
    "pt": ("POR", "Portuguese"),
    "pl": ("POL", "Polish"),
}


def eu_language(tag: str) -> URIRef | None:
    """The EU language concept for a BCP 47 tag (``"en-GB"`` -> ``…/language/ENG``)."""
    entry = EU_LANGUAGES.get(tag.split("-")[0].lower())
    return URIRef(f"{EU}language/{entry[0]}") if entry else None


# --- standards --------------------------------------------------------------------
SPARQL_PROTOCOL: Final = URIRef("https://www.w3.org/TR/sparql11-protocol/")
IANA_MEDIA_TYPES: Final = "https://www.iana.org/assignments/media-types/"
GZIP_MEDIA_TYPE: Final = URIRef(IANA_MEDIA_TYPES + "application/gzip")


@dataclass(frozen=True)
class DumpFormat:
    """How one dump file extension is described."""

    suffix: str
    media_type: str  # IANA name
    eu_file_type: str  # code in the EU file-type table
    label: str
    w3c_format: URIRef | None  # http://www.w3.org/ns/formats/ (void:feature)
    named_graphs: bool

    @property
    def media_type_iri(self) -> URIRef:
        return URIRef(IANA_MEDIA_TYPES + self.media_type)

    @property
    def file_type_iri(self) -> URIRef:
        return URIRef(f"{EU}file-type/{self.eu_file_type}")


DUMP_FORMATS: Final[tuple[DumpFormat, ...]] = (
    DumpFormat(".trig", "application/trig", "RDF_TRIG", "TriG", FORMATS["TriG"], True),
    DumpFormat(".nq", "application/n-quads", "RDF_N_QUADS", "N-Quads", FORMATS["N-Quads"], True),
    DumpFormat(".ttl", "text/turtle", "RDF_TURTLE", "Turtle", FORMATS["Turtle"], False),
    DumpFormat(
        ".nt", "application/n-triples", "RDF_N_TRIPLES", "N-Triples", FORMATS["N-Triples"], False
    ),
    DumpFormat(".jsonld", "application/ld+json", "JSON_LD", "JSON-LD", FORMATS["JSON-LD"], False),
    DumpFormat(".rdf", "application/rdf+xml", "RDF_XML", "RDF/XML", FORMATS["RDF_XML"], False),
    DumpFormat(".owl", "application/rdf+xml", "RDF_XML", "RDF/XML", FORMATS["RDF_XML"], False),
)
COMPRESSIONS: Final[dict[str, URIRef]] = {".gz": GZIP_MEDIA_TYPE}


@dataclass(frozen=True)
class Dump:
    """An artefact recognised as an RDF dump: its format and compression."""

    file: str
    format: DumpFormat
    compression: URIRef | None


def classify_dump(file: str) -> Dump | None:
    """Recognise an RDF dump by its name; None for anything else (report.json…).

    >>> d = classify_dump("ccai.nt.gz"); d.format.label, str(d.compression).rsplit("/", 1)[-1]
    ('N-Triples', 'gzip')
    >>> classify_dump("report.json") is None
    True
    """
    name = file.lower()
    compression = None
    for suffix, iri in COMPRESSIONS.items():
        if name.endswith(suffix):
            compression, name = iri, name[: -len(suffix)]
            break
    for fmt in DUMP_FORMATS:
        if name.endswith(fmt.suffix):
            return Dump(file, fmt, compression)
    return None


#: What the known dumps hold (from the build contract); other dumps get a
#: generic description from their format.
DUMP_DESCRIPTIONS: Final[dict[str, str]] = {
    "dataset.trig": "Every named graph of the knowledge graph (one per source document, "
    "the ontology, the vocabularies and the OWL RL inferences) in TriG.",
    "dataset.nq": "Every named graph of the knowledge graph in N-Quads.",
    "ccai.ttl": "The asserted knowledge graph merged into one graph, in Turtle.",
    "ccai-inferred.ttl": "The knowledge graph with the triples inferred by OWL RL "
    "reasoning, in Turtle.",
    "ccai.nt.gz": "The knowledge graph merged into one graph, in gzip-compressed N-Triples.",
    "ccai.jsonld": "The knowledge graph merged into one graph, in JSON-LD.",
}


def download_url(base_url: str, file: str) -> URIRef:
    """``{base}download/{file}``: where the server publishes a build artefact."""
    return URIRef(normalise_base(base_url) + "download/" + file)


def sparql_endpoint(base_url: str) -> URIRef:
    return URIRef(normalise_base(base_url) + "sparql")


def normalise_base(base_url: str) -> str:
    """The base URL with exactly one trailing slash; ValueError unless http(s)."""
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    return base_url.rstrip("/") + "/"


def distribution_iri(file: str) -> URIRef:
    """A stable IRI for the distribution of one dump, independent of the server."""
    slug = "".join(c if c.isalnum() else "-" for c in file.lower())
    return URIRef(f"{DATASET}#distribution-{slug}")


#: Free-text keywords of the dataset, per language (DCAT dcat:keyword, schema.org keywords).
KEYWORDS: Final = {
    "en": (
        "artificial intelligence",
        "cultural and creative sectors",
        "cultural heritage",
        "museums",
        "cultural policy",
        "knowledge graph",
        "linked data",
    ),
    "nl": (
        "artificiële intelligentie",
        "culturele en creatieve sectoren",
        "cultureel erfgoed",
        "musea",
        "cultuurbeleid",
        "kennisgraaf",
    ),
}
