"""Fixtures of the FAIR-metadata tests: a small graph with hand-counted statistics
and a realistic build report (artefacts with real sizes and SHA-256 digests)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Dataset

from api.fair import BuildMetadata, DatasetStatistics

#: Two source graphs sharing two triples (NEMO's type and label) and the ontology
#: graph. The counts in test_statistics.py are worked out by hand from this text.
FIXTURE_TRIG = """
PREFIX ccai: <https://w3id.org/ccai/ontology#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX eli: <http://data.europa.eu/eli/ontology#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX source: <https://w3id.org/ccai/source/>
PREFIX organisation: <https://w3id.org/ccai/id/organisation/>
PREFIX document: <https://w3id.org/ccai/id/document/>

<https://w3id.org/ccai/graph/ekip-policy-lab-1> {
    source:ekip-policy-lab-1 a ccai:SourceDocument ; dct:issued "2024"^^xsd:gYear .
    organisation:nemo a ccai:Organisation ; rdfs:label "NEMO"@en ;
        dct:source source:ekip-policy-lab-1 .
    organisation:european-commission a ccai:Organisation ;
        rdfs:label "European Commission"@en ;
        skos:exactMatch <http://publications.europa.eu/resource/authority/corporate-body/COM> ,
                        <http://www.wikidata.org/entity/Q8880> .
}

<https://w3id.org/ccai/graph/nemo-museums-ai-conference-2024> {
    source:nemo-museums-ai-conference-2024 a ccai:SourceDocument ;
        dct:issued "2024-03-20"^^xsd:date .
    organisation:nemo a ccai:Organisation ; rdfs:label "NEMO"@en .
    document:eu-ai-act a ccai:Document , eli:LegalResource ;
        rdfs:label "AI Act"@en , "AI-verordening"@nl ;
        owl:sameAs <http://data.europa.eu/eli/reg/2024/1689/oj> .
    document:wef-creative-disruption-2018 a ccai:Document ; dct:issued "2018"^^xsd:gYear .
}

<https://w3id.org/ccai/graph/ontology> {
    ccai:Organisation a owl:Class .
    ccai:Document a owl:Class .
    <https://w3id.org/ccai/ontology> dct:created "2026-11-23"^^xsd:date .
}
"""

DUMPS = ("dataset.trig", "dataset.nq", "ccai.ttl", "ccai-inferred.ttl", "ccai.nt.gz", "ccai.jsonld")
BASE_URL = "http://localhost:8000/"


@pytest.fixture(scope="session")
def fixture_dataset() -> Dataset:
    ds = Dataset()
    ds.parse(data=FIXTURE_TRIG, format="trig")
    return ds


@pytest.fixture(scope="session")
def fixture_statistics(fixture_dataset: Dataset) -> DatasetStatistics:
    return DatasetStatistics.from_dataset(fixture_dataset)


@pytest.fixture(scope="session")
def build_report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A report.json as ``ccai build`` writes it, over real files in a temp dir."""
    out: Path = tmp_path_factory.mktemp("build")
    media = {
        ".trig": "application/trig",
        ".nq": "application/n-quads",
        ".ttl": "text/turtle",
        ".gz": "application/gzip",
        ".jsonld": "application/ld+json",
        ".json": "application/json",
    }
    artefacts = []
    for i, name in enumerate((*DUMPS, "report.json")):
        content = f"# {name}\n".encode() * (100 + 37 * i)
        (out / name).write_bytes(content)
        artefacts.append(
            {
                "file": name,
                "media_type": media[Path(name).suffix],
                "bytes": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )
    return {
        "version": "0.1.0",
        "finished": "2026-11-23T10:44:12.345678+00:00",
        "artefacts": artefacts,
        "triples": {"graphs": {"https://w3id.org/ccai/graph/ekip-policy-lab-1": 9}},
    }


@pytest.fixture(scope="session")
def build_metadata(build_report: dict) -> BuildMetadata:
    return BuildMetadata.from_report(build_report)
