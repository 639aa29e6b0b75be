"""Shared inputs of the ``ccai validate`` tests: a museum's records that link to the graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.cli import main

NEMO = "https://w3id.org/ccai/id/organisation/nemo"

#: The trial of issue 10: a museum's own IRIs, no ccai provenance, links to NEMO
#: and to concepts of the vocabularies.
MUSEUM = """\
@prefix ccai: <https://w3id.org/ccai/ontology#> .
@prefix schema: <https://schema.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://data.example-museum.nl/id/museum> a schema:Museum, ccai:Organisation ;
    rdfs:label "Example Museum"@en ;
    ccai:memberOf <https://w3id.org/ccai/id/organisation/nemo> ;
    ccai:sector <https://w3id.org/ccai/vocab/sectors/museums> ;
    skos:exactMatch <https://www.wikidata.org/wiki/Q000000> .

<https://data.example-museum.nl/id/project/ai-labels> a schema:Project ;
    rdfs:label "AI-generated object labels"@en ;
    ccai:operatedBy <https://data.example-museum.nl/id/museum> ;
    ccai:theme <https://w3id.org/ccai/vocab/themes/bias-and-representation> ;
    ccai:addresses <https://w3id.org/ccai/id/challenge/nemo-bias-and-representation> ;
    schema:startDate "2025-03-01"^^xsd:date .
"""

PREFIXES = """\
@prefix ccai: <https://w3id.org/ccai/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix schema: <https://schema.org/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.fixture
def museum(tmp_path: Path) -> Path:
    """The conforming museum file of the trial."""
    path = tmp_path / "museum.ttl"
    path.write_text(MUSEUM, encoding="utf-8")
    return path


def write(folder: Path, name: str, body: str) -> Path:
    """``folder/name`` holding the standard prefixes and ``body``."""
    path = folder / name
    path.write_text(PREFIXES + "\n" + body, encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err
