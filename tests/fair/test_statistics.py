"""VoID statistics counted from the fixture graph (see conftest.FIXTURE_TRIG).

Hand count: graph ekip-policy-lab-1 holds 9 triples, nemo-museums-ai-conference-2024
11 (2 of them also in ekip: NEMO's type and label), ontology 3, so the union has
9 + 11 - 2 + 3 = 21 distinct triples.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from api.fair import DatasetStatistics
from api.fair.statistics import (
    namespace_of,
    read_statistics,
    recorded_statistics,
    write_statistics,
)
from api.store.layout import TripleCounts, materialise

CCAI = "https://w3id.org/ccai/ontology#"
ELI_REG = "http://data.europa.eu/eli/reg/2024/1689/oj"


def test_totals(fixture_statistics: DatasetStatistics) -> None:
    s = fixture_statistics
    assert s.triples == 21
    # nemo, european-commission, eu-ai-act, wef-creative-disruption-2018
    assert s.entities == 4
    # 2 source documents + 4 entities + 2 classes + the ontology
    assert s.distinct_subjects == 9
    assert s.distinct_objects == 17
    # rdf:type dct:issued rdfs:label dct:source skos:exactMatch owl:sameAs dct:created
    assert s.properties == 7
    assert s.classes == 5


def test_class_partitions(fixture_statistics: DatasetStatistics) -> None:
    assert fixture_statistics.class_partitions == {
        CCAI + "Document": 2,
        CCAI + "Organisation": 2,
        CCAI + "SourceDocument": 2,
        "http://data.europa.eu/eli/ontology#LegalResource": 1,
        "http://www.w3.org/2002/07/owl#Class": 2,
    }


def test_property_partitions(fixture_statistics: DatasetStatistics) -> None:
    partitions = fixture_statistics.property_partitions
    assert partitions == {
        "http://purl.org/dc/terms/created": 1,
        "http://purl.org/dc/terms/issued": 3,
        "http://purl.org/dc/terms/source": 1,
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#type": 9,
        "http://www.w3.org/2000/01/rdf-schema#label": 4,
        "http://www.w3.org/2002/07/owl#sameAs": 1,
        "http://www.w3.org/2004/02/skos/core#exactMatch": 2,
    }
    assert sum(partitions.values()) == fixture_statistics.triples


def test_graph_subsets(fixture_statistics: DatasetStatistics) -> None:
    assert fixture_statistics.graphs == {
        "https://w3id.org/ccai/graph/ekip-policy-lab-1": 9,
        "https://w3id.org/ccai/graph/nemo-museums-ai-conference-2024": 11,
        "https://w3id.org/ccai/graph/ontology": 3,
    }


def test_links_count_external_objects_but_not_vocabulary_terms(
    fixture_statistics: DatasetStatistics,
) -> None:
    # eli:LegalResource (the ELI ontology) is a class, not a link to ELI data
    assert fixture_statistics.links == {
        ("eli", "http://www.w3.org/2002/07/owl#sameAs"): 1,
        ("eu-authority", "http://www.w3.org/2004/02/skos/core#exactMatch"): 1,
        ("wikidata", "http://www.w3.org/2004/02/skos/core#exactMatch"): 1,
    }


def test_vocabularies_languages_years_examples(fixture_statistics: DatasetStatistics) -> None:
    s = fixture_statistics
    assert set(s.vocabularies) == {
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
        "http://www.w3.org/2000/01/rdf-schema#",
        "http://www.w3.org/2002/07/owl#",
        "http://www.w3.org/2004/02/skos/core#",
        "http://purl.org/dc/terms/",
        "http://data.europa.eu/eli/ontology#",
        CCAI,
    }
    assert s.languages == ("en", "nl")
    # source dates 2018, 2024, 2024-03-20; the ontology's 2026 is not a source date
    assert s.years == (2018, 2024)
    assert s.example_resources == (
        "https://w3id.org/ccai/id/organisation/european-commission",
        "https://w3id.org/ccai/id/document/eu-ai-act",
    )


def test_from_store_agrees_with_from_dataset(
    fixture_dataset, fixture_statistics: DatasetStatistics, tmp_path: Path
) -> None:
    data = fixture_dataset.serialize(format="nquads", encoding="utf-8")
    memory = ox.Store()
    memory.load(data, format=ox.RdfFormat.N_QUADS)
    materialise(memory)  # laid out as the build lays it out
    assert DatasetStatistics.from_store(memory) == fixture_statistics

    on_disk = ox.Store(str(tmp_path / "oxigraph"))
    on_disk.load(data, format=ox.RdfFormat.N_QUADS)
    materialise(on_disk)
    on_disk.flush()
    del on_disk
    assert DatasetStatistics.from_store(tmp_path / "oxigraph") == fixture_statistics


def test_empty_store_gives_zero_counts() -> None:
    stats = DatasetStatistics.from_store(ox.Store())
    assert (stats.triples, stats.entities, stats.years, stats.links) == (0, 0, None, {})


@pytest.mark.parametrize(
    ("iri", "namespace"),
    [
        ("https://schema.org/Organization", "https://schema.org/"),
        ("http://www.w3.org/ns/org#memberOf", "http://www.w3.org/ns/org#"),
        ("http://xmlns.com/foaf/0.1/name", "http://xmlns.com/foaf/0.1/"),
    ],
)
def test_namespace_of(iri: str, namespace: str) -> None:
    assert namespace_of(iri) == namespace


def test_rare_languages_are_counted_but_not_languages_of_the_dataset() -> None:
    lines = [
        f"<https://w3id.org/ccai/id/organisation/o{i}> "
        f'<http://www.w3.org/2000/01/rdf-schema#label> "Organisation {i}"@en .'
        for i in range(200)
    ]
    lines.append(
        "<https://w3id.org/ccai/id/organisation/o0> "
        '<http://www.w3.org/2004/02/skos/core#altLabel> "VNIVERSITAT DE BARCELONA"@ca .'
    )
    store = ox.Store()
    store.load("\n".join(lines), format=ox.RdfFormat.N_TRIPLES)
    stats = DatasetStatistics.from_store(store)
    assert stats.language_literals == {"ca": 1, "en": 200}
    assert stats.languages == ("en",)
    assert stats.years is None  # no source graph, no dates


def test_recorded_statistics_round_trip(fixture_statistics, tmp_path: Path) -> None:
    assert DatasetStatistics.from_dict(fixture_statistics.as_dict()) == fixture_statistics
    write_statistics(tmp_path, fixture_statistics)
    assert read_statistics(tmp_path) == fixture_statistics
    counts = TripleCounts(fixture_statistics.triples, 0, 0, dict(fixture_statistics.graphs))
    assert recorded_statistics(tmp_path, counts) == fixture_statistics
    other = TripleCounts(fixture_statistics.triples + 1, 0, 0, dict(fixture_statistics.graphs))
    assert recorded_statistics(tmp_path, other) is None
    (tmp_path / "ccai-statistics.json").write_text('{"format": 99}', encoding="utf-8")
    assert read_statistics(tmp_path) is None


def _through_the_reader(store: ox.Store) -> DatasetStatistics:
    """The service's own count (SPARQL through the read facade, bag-safe: ``DISTINCT``
    over the triples), which a store without recorded statistics answers with."""
    from api.store.reader import reader_over

    reader = reader_over(store, timeout=600.0)
    try:
        return DatasetStatistics.from_reader(reader)
    finally:
        reader.close()


def test_the_store_count_agrees_with_the_service_count(fixture_dataset) -> None:
    store = ox.Store()
    store.load(
        fixture_dataset.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS
    )
    materialise(store)
    assert DatasetStatistics.from_store(store) == _through_the_reader(store)


def test_the_store_count_agrees_with_the_service_count_on_the_project(project_build) -> None:
    build_dir, _report = project_build
    store = ox.Store.read_only(str(build_dir / "oxigraph"))
    counted = DatasetStatistics.from_store(store, store_dir=build_dir / "oxigraph")
    assert counted == _through_the_reader(store)
    assert counted.links and counted.years and len(counted.languages) > 1  # all exercised


def test_language_literals_count_triples_not_distinct_literals() -> None:
    """A literal stated by several triples counts once per triple, under its primary
    language tag (the store's count reads each distinct object once, with its triples)."""
    label = "<http://www.w3.org/2000/01/rdf-schema#label>"
    lines = [
        f'<https://w3id.org/ccai/id/organisation/o{i}> {label} "Museum"@en-GB .' for i in range(3)
    ]
    lines += [
        f'<https://w3id.org/ccai/id/organisation/o0> {label} "Museum"@en .',
        f'<https://w3id.org/ccai/id/organisation/o1> {label} "Museum" .',
    ]
    store = ox.Store()
    store.load("\n".join(lines), format=ox.RdfFormat.N_TRIPLES)
    assert DatasetStatistics.from_store(store).language_literals == {"en": 4}
