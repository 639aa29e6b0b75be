"""schema.org ``Dataset`` JSON-LD for the landing page (Google Dataset Search).

Entry point::

    dataset_jsonld(report, *, base_url, statistics=None, temporal=None) -> dict

Embed it in the landing page's ``<head>`` as::

    <script type="application/ld+json">{{ jsonld | tojson }}</script>

(Jinja's ``tojson`` escapes ``<``, ``>`` and ``&``, so the text cannot close the
script element.) The ``@context`` is inline (``@vocab`` schema.org, with ``url``,
``license``, ``sameAs`` and ``contentUrl`` typed as IRIs), so no processor has
to fetch a remote context.

Fields follow Google's Dataset structured-data guidelines: required ``name``
and ``description`` (50–5000 characters); recommended ``url``, ``identifier``,
``license``, ``creator``, ``publisher``, ``keywords``, ``inLanguage``,
``spatialCoverage``, ``temporalCoverage`` (ISO 8601 interval), ``version``,
``dateModified``, ``isAccessibleForFree``, ``includedInDataCatalog`` and
``distribution`` (``DataDownload`` with ``encodingFormat`` and ``contentUrl``).
"""

from __future__ import annotations

from typing import Any

from api.fair import terms as t
from api.fair.metadata import BuildMetadata
from api.fair.statistics import DatasetStatistics

__all__ = ["CONTEXT", "dataset_jsonld"]

#: Inline context: schema.org as the vocabulary, and the properties whose values
#: are web addresses typed as IRIs (as schema.org's own context does).
CONTEXT: dict[str, Any] = {
    "@vocab": "https://schema.org/",
    **{term: {"@type": "@id"} for term in ("url", "license", "sameAs", "contentUrl")},
}

_NAME = "CCAI knowledge graph: artificial intelligence in the cultural and creative sectors"
_DESCRIPTION = (
    "A linked-data knowledge graph of the actors, initiatives, policies, challenges, "
    "opportunities and recommendations about artificial intelligence in the European "
    "cultural and creative sectors, extracted from published reports, conference summaries "
    "and articles. Every statement records the source document and the place in it that "
    "supports it. Downloadable as RDF dumps and queryable through a SPARQL endpoint."
)


def dataset_jsonld(
    report: BuildMetadata,
    *,
    base_url: str,
    statistics: DatasetStatistics | None = None,
    temporal: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """The schema.org Dataset description as a JSON-serialisable dict.

    ``temporal`` = (first year, last year) overrides ``statistics.years``.

    Raises:
        ValueError: ``base_url`` is not an absolute http(s) URL.
    """
    base = t.normalise_base(base_url)
    project = {
        "@type": "Organization",
        "@id": str(t.PUBLISHER),
        "name": t.PUBLISHER_NAME,
        "url": str(t.HOMEPAGE),
    }
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "Dataset",
        "@id": str(t.DATASET),
        "name": _NAME,
        "description": _DESCRIPTION,
        "url": str(t.HOMEPAGE),
        "identifier": str(t.DATASET),
        "license": str(t.LICENSE),
        "isAccessibleForFree": True,
        "creator": project,
        "publisher": project,
        "keywords": list(dict.fromkeys([*t.KEYWORDS["en"], t.EUROVOC_AI_LABEL])),
        "about": {"@id": str(t.EUROVOC_AI), "@type": "DefinedTerm", "name": t.EUROVOC_AI_LABEL},
        "version": report.version,
        "dateModified": report.finished.replace(microsecond=0).isoformat(),
        "spatialCoverage": {
            "@type": "Place",
            "name": t.SPATIAL_EU_LABEL,
            "sameAs": str(t.SPATIAL_EU),
        },
        "includedInDataCatalog": {
            "@type": "DataCatalog",
            "@id": str(t.CATALOG_IRI),
            "name": "ccai-kg data catalogue",
            "url": base + "catalog",
        },
    }
    if report.issued:
        doc["datePublished"] = report.issued.isoformat()
    years = temporal or (statistics.years if statistics is not None else None)
    if years:
        doc["temporalCoverage"] = f"{years[0]:04d}/{years[1]:04d}"
    if statistics is not None and statistics.languages:
        doc["inLanguage"] = list(statistics.languages)

    distribution = []
    for artefact in report.artefacts:
        dump = t.classify_dump(artefact.file)
        if dump is None:
            continue
        entry: dict[str, Any] = {
            "@type": "DataDownload",
            "name": artefact.file,
            "contentUrl": str(t.download_url(base, artefact.file)),
            "encodingFormat": dump.format.media_type,
            "contentSize": f"{artefact.bytes} B",
            "sha256": artefact.sha256,
            "license": str(t.LICENSE),
        }
        if dump.compression is not None:
            entry["encodingFormat"] = "application/gzip"
            entry["description"] = (
                f"{dump.format.label} ({dump.format.media_type}), gzip-compressed"
            )
        distribution.append(entry)
    doc["distribution"] = distribution
    return doc
