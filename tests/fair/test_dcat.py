"""The DCAT-AP description: zero violations of the official 3.0.1 shapes, and the
distributions carry exactly the sizes and digests of the build report."""

from __future__ import annotations

from datetime import date

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from api.fair import BuildMetadata, DatasetStatistics, build_catalog
from api.fair.terms import DCAT, classify_dump
from api.fair.validate import validate_dcat_ap
from api.namespaces import SPDX
from tests.conftest import SHARED
from tests.fair.conftest import BASE_URL, DUMPS

# the official DCAT-AP shapes in ../shared, beside the checkout (tests/conftest.py)
SHAPES = SHARED / "standards" / "dcat-ap" / "3.0.1"
needs_shapes = pytest.mark.skipif(
    not (SHAPES / "dcat-ap-SHACL.ttl").is_file(),
    reason=f"official DCAT-AP 3.0.1 shapes not found at {SHAPES} (../shared is absent)",
)
DATASET = URIRef("https://w3id.org/ccai/dataset")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: rdflib's warns under pytest
IANA = "https://www.iana.org/assignments/media-types/"


@pytest.fixture(scope="module")
def catalog(build_metadata: BuildMetadata, fixture_statistics: DatasetStatistics) -> Graph:
    return build_catalog(
        build_metadata, base_url=BASE_URL, statistics=fixture_statistics, issued=date(2026, 11, 23)
    )


@needs_shapes
@pytest.mark.parametrize("profile", ["core", "generated", "deprecated", "recommended"])
def test_no_violations_of_official_shapes(catalog: Graph, profile: str) -> None:
    """core = grouped/shapes.ttl + grouped/range.ttl (mandatory properties, cardinalities,
    ranges), generated = dcat-ap-SHACL.ttl + ranges.ttl (the release's own shapes),
    deprecated = grouped/deprecateduris.ttl, recommended = warnings only."""
    outcome = validate_dcat_ap(catalog, SHAPES, profile)
    assert outcome.violations == [], "\n".join(map(str, outcome.violations))


@needs_shapes
def test_core_shapes_have_no_warnings_either(catalog: Graph) -> None:
    outcome = validate_dcat_ap(catalog, SHAPES, "core")
    assert outcome.results == (), "\n".join(map(str, outcome.results))


@needs_shapes
def test_controlled_vocabularies(catalog: Graph) -> None:
    """Every code-list value is in its EU scheme (skos:inScheme carried in the graph).

    The only violations are the upstream pattern ``^https://spdx.org/rdf/terms`` for
    the checksum algorithm, which contradicts the SPDX namespace
    ``http://spdx.org/rdf/terms#`` used by DCAT-AP 3.0.1 itself and by the other shapes.
    """
    outcome = validate_dcat_ap(catalog, SHAPES, "vocabularies")
    unexpected = [r for r in outcome.violations if r.path != str(SPDX.algorithm)]
    assert unexpected == [], "\n".join(map(str, unexpected))
    # the project is not an EU corporate body: warnings about that, nothing else
    assert {r.path for r in outcome.warnings} <= {str(DCTERMS.publisher)}


@needs_shapes
def test_validator_catches_a_missing_mandatory_property(catalog: Graph) -> None:
    broken = Graph() + catalog
    broken.remove((DATASET, DCTERMS.description, None))
    outcome = validate_dcat_ap(broken, SHAPES, "core")
    assert [(v.focus, v.path) for v in outcome.violations] == [
        (str(DATASET), str(DCTERMS.description))
    ]


def test_one_distribution_per_dump_with_size_and_digest(catalog: Graph, build_report: dict) -> None:
    by_url = {
        str(catalog.value(d, DCAT.downloadURL)): d
        for d in catalog.objects(DATASET, DCAT.distribution)
        if catalog.value(d, DCAT.downloadURL) is not None
    }
    assert sorted(by_url) == sorted(f"{BASE_URL}download/{name}" for name in DUMPS)
    for artefact in build_report["artefacts"]:
        url = f"{BASE_URL}download/{artefact['file']}"
        if classify_dump(artefact["file"]) is None:
            assert url not in by_url  # report.json is not a distribution
            continue
        dist = by_url[url]
        assert catalog.value(dist, DCAT.accessURL) == URIRef(url)
        size = catalog.value(dist, DCAT.byteSize)
        assert size == Literal(artefact["bytes"], datatype=XSD.nonNegativeInteger)
        assert size.datatype == XSD.nonNegativeInteger
        checksum = catalog.value(dist, SPDX.checksum)
        assert catalog.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        value = catalog.value(checksum, SPDX.checksumValue)
        assert (str(value), value.datatype) == (artefact["sha256"], XSD.hexBinary)
        assert str(catalog.value(dist, DCAT.mediaType)).startswith(IANA)
        assert str(catalog.value(dist, DCTERMS.format)).startswith(
            "http://publications.europa.eu/resource/authority/file-type/"
        )
        assert catalog.value(dist, DCTERMS.license) == URIRef(
            "https://creativecommons.org/licenses/by/4.0/"
        )


def test_compressed_dump(catalog: Graph) -> None:
    dist = URIRef("https://w3id.org/ccai/dataset#distribution-ccai-nt-gz")
    assert catalog.value(dist, DCAT.compressFormat) == URIRef(IANA + "application/gzip")
    assert catalog.value(dist, DCAT.mediaType) == URIRef(IANA + "application/n-triples")


def test_dataset_facts(catalog: Graph) -> None:
    eu = "http://publications.europa.eu/resource/authority/"
    assert (DATASET, DCAT.theme, URIRef(eu + "data-theme/EDUC")) in catalog
    assert (DATASET, DCTERMS.subject, URIRef("http://eurovoc.europa.eu/3030")) in catalog
    assert (DATASET, DCTERMS.spatial, URIRef(eu + "country/EUR")) in catalog
    assert set(catalog.objects(DATASET, DCTERMS.language)) == {
        URIRef(eu + "language/ENG"),
        URIRef(eu + "language/NLD"),
    }
    period = catalog.value(DATASET, DCTERMS.temporal)
    assert (period, RDF.type, DCTERMS.PeriodOfTime) in catalog
    assert str(catalog.value(period, DCAT.startDate)) == "2018"
    assert str(catalog.value(period, DCAT.endDate)) == "2024"  # the fixture's sources
    assert str(catalog.value(DATASET, DCAT.version)) == "0.1.0"
    assert catalog.value(DATASET, DCTERMS.modified) == Literal(
        "2026-11-23T10:44:12+00:00", datatype=XSD.dateTime
    )


def test_sparql_service(catalog: Graph) -> None:
    service = catalog.value(URIRef("https://w3id.org/ccai/catalog"), DCAT.service)
    assert catalog.value(service, DCAT.endpointURL) == URIRef(BASE_URL + "sparql")
    assert catalog.value(service, DCAT.servesDataset) == DATASET
    assert catalog.value(service, DCTERMS.conformsTo) == URIRef(
        "https://www.w3.org/TR/sparql11-protocol/"
    )


def test_no_invented_people_or_mailboxes(catalog: Graph) -> None:
    text = catalog.serialize(format="nt")
    assert "mailto:" not in text
    assert "foaf/0.1/Person" not in text
    assert "vcard#hasEmail" not in text


def test_base_url_must_be_absolute(build_metadata, fixture_statistics) -> None:
    with pytest.raises(ValueError, match="absolute"):
        build_catalog(build_metadata, base_url="localhost:8000", statistics=fixture_statistics)


EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@needs_shapes
def test_minimal_inputs_still_conform() -> None:
    """No issued date, no statistics, only one dump: still zero violations."""
    meta = BuildMetadata.from_report(
        {
            "version": "0.0.1",
            "finished": "2026-01-01T00:00:00",
            "artefacts": [
                {
                    "file": "ccai.ttl",
                    "media_type": "text/turtle",
                    "bytes": 0,
                    "sha256": EMPTY_SHA256,
                }
            ],
        }
    )
    graph = build_catalog(meta, base_url="https://w3id.org/ccai/", statistics=DatasetStatistics())
    for profile in ("core", "generated"):
        outcome = validate_dcat_ap(graph, SHAPES, profile)
        assert outcome.violations == [], "\n".join(map(str, outcome.violations))


def test_temporal_override(build_metadata, fixture_statistics) -> None:
    graph = build_catalog(
        build_metadata, base_url=BASE_URL, statistics=fixture_statistics, temporal=(2018, 2025)
    )
    period = graph.value(DATASET, DCTERMS.temporal)
    assert (str(graph.value(period, DCAT.startDate)), str(graph.value(period, DCAT.endDate))) == (
        "2018",
        "2025",
    )


@pytest.fixture(scope="module")
def project_statistics() -> DatasetStatistics:
    """Statistics of the project's own graph (ontology, vocabularies, graph/*.ttl)."""
    from rdflib import Dataset

    from api.namespaces import GRAPH, GRAPH_ONTOLOGY, GRAPH_VOCABULARIES
    from api.resources import graph_dir, ontology_file, vocabularies_dir

    ds = Dataset()
    ds.graph(GRAPH_ONTOLOGY).parse(ontology_file(), format="turtle")
    for path in sorted(vocabularies_dir().glob("*.ttl")):
        ds.graph(GRAPH_VOCABULARIES).parse(path, format="turtle")
    for path in sorted(graph_dir().glob("*.ttl")):
        ds.graph(GRAPH[path.stem]).parse(path, format="turtle")
    return DatasetStatistics.from_dataset(ds)


@needs_shapes
def test_catalog_of_the_project_graph_conforms(
    build_metadata: BuildMetadata, project_statistics: DatasetStatistics
) -> None:
    graph = build_catalog(build_metadata, base_url=BASE_URL, statistics=project_statistics)
    for profile in ("core", "generated"):
        outcome = validate_dcat_ap(graph, SHAPES, profile)
        assert outcome.violations == [], "\n".join(map(str, outcome.violations))


@needs_shapes
def test_catalog_of_the_latest_build_conforms(project_build) -> None:
    """The catalogue of a real build (the session's ``ccai build`` of the project, so a
    fresh clone runs it too): conforms, and the sizes are the files' sizes."""
    build_dir, _report = project_build
    meta = BuildMetadata.from_report(build_dir / "report.json")
    stats = DatasetStatistics.from_store(build_dir / "oxigraph")
    graph = build_catalog(meta, base_url=BASE_URL, statistics=stats)
    for profile in ("core", "generated"):
        outcome = validate_dcat_ap(graph, SHAPES, profile)
        assert outcome.violations == [], "\n".join(map(str, outcome.violations))
    for artefact in meta.artefacts:
        if classify_dump(artefact.file) is not None:
            assert (build_dir / artefact.file).stat().st_size == artefact.bytes, artefact.file
