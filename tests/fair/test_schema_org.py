"""schema.org Dataset JSON-LD for the landing page (Google Dataset requirements)."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from api.fair import BuildMetadata, DatasetStatistics, dataset_jsonld
from api.namespaces import SCHEMA
from tests.fair.conftest import BASE_URL, DUMPS

DATASET = URIRef("https://w3id.org/ccai/dataset")


@pytest.fixture(scope="module")
def doc(build_metadata: BuildMetadata, fixture_statistics: DatasetStatistics) -> dict:
    return dataset_jsonld(build_metadata, base_url=BASE_URL, statistics=fixture_statistics)


def test_google_required_and_recommended_fields(doc: dict) -> None:
    assert doc["@type"] == "Dataset"
    assert doc["name"]
    assert 50 <= len(doc["description"]) <= 5000
    for key in (
        "url",
        "identifier",
        "license",
        "creator",
        "publisher",
        "keywords",
        "inLanguage",
        "spatialCoverage",
        "temporalCoverage",
        "distribution",
        "isAccessibleForFree",
        "includedInDataCatalog",
        "version",
    ):
        assert key in doc, key
    assert doc["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert doc["temporalCoverage"] == "2018/2024"
    assert doc["inLanguage"] == ["en", "nl"]
    assert doc["isAccessibleForFree"] is True
    assert doc["creator"]["@type"] == "Organization"


def test_distribution_per_dump(doc: dict, build_report: dict) -> None:
    sizes = {a["file"]: a for a in build_report["artefacts"]}
    downloads = {d["contentUrl"]: d for d in doc["distribution"]}
    assert sorted(downloads) == sorted(f"{BASE_URL}download/{name}" for name in DUMPS)
    for name in DUMPS:
        entry = downloads[f"{BASE_URL}download/{name}"]
        assert entry["@type"] == "DataDownload"
        assert entry["encodingFormat"]
        assert entry["sha256"] == sizes[name]["sha256"]
        assert entry["contentSize"] == f"{sizes[name]['bytes']} B"


def test_parses_as_schema_dataset_without_fetching_a_context(doc: dict) -> None:
    assert isinstance(doc["@context"], dict)  # inline: nothing to fetch
    graph = Graph().parse(data=json.dumps(doc), format="json-ld")
    assert (DATASET, RDF.type, SCHEMA.Dataset) in graph
    downloads = list(graph.objects(DATASET, SCHEMA.distribution))
    assert len(downloads) == len(DUMPS)
    assert all((d, RDF.type, SCHEMA.DataDownload) in graph for d in downloads)
    assert graph.value(DATASET, SCHEMA.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )


def test_safe_to_embed_in_a_script_element(doc: dict) -> None:
    text = json.dumps(doc)
    assert "</script" not in text.lower()


def test_keywords_are_distinct(doc: dict) -> None:
    assert doc["keywords"]
    assert len(doc["keywords"]) == len(set(doc["keywords"]))
