"""The VoID description carries the counted statistics and the dumps."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from api.fair import BuildMetadata, DatasetStatistics, build_void
from api.namespaces import VOID
from tests.fair.conftest import BASE_URL, DUMPS

DATASET = URIRef("https://w3id.org/ccai/dataset")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")  # plain: rdflib's warns under pytest


@pytest.fixture(scope="module")
def void(build_metadata: BuildMetadata, fixture_statistics: DatasetStatistics) -> Graph:
    return build_void(build_metadata, base_url=BASE_URL, statistics=fixture_statistics)


def _int(value: int) -> Literal:
    return Literal(value, datatype=XSD.integer)


def test_dataset_counts(void: Graph) -> None:
    assert (DATASET, RDF.type, VOID.Dataset) in void
    for predicate, value in [
        (VOID.triples, 21),
        (VOID.entities, 4),
        (VOID.distinctSubjects, 9),
        (VOID.distinctObjects, 17),
        (VOID.properties, 7),
        (VOID.classes, 5),
    ]:
        assert void.value(DATASET, predicate) == _int(value), predicate
    assert void.value(DATASET, VOID.uriSpace) == Literal("https://w3id.org/ccai/id/")
    assert void.value(DATASET, VOID.sparqlEndpoint) == URIRef(BASE_URL + "sparql")
    assert void.value(DATASET, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(DATASET, DCTERMS.title) is not None


def test_partitions(void: Graph) -> None:
    classes = {
        str(void.value(p, VOID["class"])): void.value(p, VOID.entities).toPython()
        for p in void.objects(DATASET, VOID.classPartition)
    }
    assert classes["https://w3id.org/ccai/ontology#Organisation"] == 2
    assert len(classes) == 5
    properties = {
        str(void.value(p, VOID.property)): void.value(p, VOID.triples).toPython()
        for p in void.objects(DATASET, VOID.propertyPartition)
    }
    assert properties["http://www.w3.org/1999/02/22-rdf-syntax-ns#type"] == 9
    assert sum(properties.values()) == 21


def test_graph_subsets_and_linksets(void: Graph) -> None:
    ekip = URIRef("https://w3id.org/ccai/graph/ekip-policy-lab-1")
    assert (DATASET, VOID.subset, ekip) in void
    assert void.value(ekip, VOID.triples) == _int(9)
    assert void.value(ekip, DCTERMS.source) == URIRef(
        "https://w3id.org/ccai/source/ekip-policy-lab-1"
    )
    linksets = {
        (
            str(void.value(ls, VOID.objectsTarget)),
            str(void.value(ls, VOID.linkPredicate)),
        ): void.value(ls, VOID.triples).toPython()
        for ls in void.subjects(RDF.type, VOID.Linkset)
    }
    assert linksets == {
        ("https://w3id.org/ccai/dataset#target-eli", "http://www.w3.org/2002/07/owl#sameAs"): 1,
        (
            "https://w3id.org/ccai/dataset#target-eu-authority",
            "http://www.w3.org/2004/02/skos/core#exactMatch",
        ): 1,
        (
            "https://w3id.org/ccai/dataset#target-wikidata",
            "http://www.w3.org/2004/02/skos/core#exactMatch",
        ): 1,
    }
    for ls in void.subjects(RDF.type, VOID.Linkset):
        assert void.value(ls, VOID.subjectsTarget) == DATASET
        assert void.value(void.value(ls, VOID.objectsTarget), VOID.uriSpace) is not None


def test_dumps_vocabularies_examples(void: Graph) -> None:
    assert set(void.objects(DATASET, VOID.dataDump)) == {
        URIRef(f"{BASE_URL}download/{name}") for name in DUMPS
    }
    vocabularies = set(map(str, void.objects(DATASET, VOID.vocabulary)))
    assert {
        "http://purl.org/dc/terms/",
        "http://www.w3.org/2004/02/skos/core#",
        "https://w3id.org/ccai/ontology#",
    } <= vocabularies
    assert set(void.objects(DATASET, VOID.exampleResource)) == {
        URIRef("https://w3id.org/ccai/id/organisation/european-commission"),
        URIRef("https://w3id.org/ccai/id/document/eu-ai-act"),
    }
    assert URIRef("http://www.w3.org/ns/formats/TriG") in set(void.objects(DATASET, VOID.feature))


def test_without_report(fixture_statistics: DatasetStatistics) -> None:
    graph = build_void(None, base_url=BASE_URL, statistics=fixture_statistics)
    assert list(graph.objects(DATASET, VOID.dataDump)) == []
    assert graph.value(DATASET, VOID.triples) == _int(21)


def test_serialises_as_turtle(void: Graph) -> None:
    again = Graph().parse(data=void.serialize(format="turtle"), format="turtle")
    assert len(again) == len(void)
