"""api.build.reasoning: clients that know only schema.org or ORG find the data; no noise."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, BNode, Dataset, Graph, Literal, URIRef

from api.build.loader import LoadedGraphs, load
from api.build.reasoning import InferenceResult, infer, noise_reason
from api.namespaces import GRAPH_INFERRED, ID

PERSON = ID["person/ada-example"]
ORGANISATION = ID["organisation/demo-museum-network"]
EVENT = ID["event/demo-conference-2024"]
POST = ID["post/ada-example-demo-museum-network"]


@pytest.fixture(scope="module")
def loaded(fixture_graph_dir: Path) -> LoadedGraphs:
    return load(graph_dir=fixture_graph_dir)


@pytest.fixture(scope="module")
def inference(loaded: LoadedGraphs) -> InferenceResult:
    return infer(loaded.source_union(), loaded.ontology, loaded.vocabularies)


@pytest.fixture(scope="module")
def dataset(loaded: LoadedGraphs, inference: InferenceResult) -> Dataset:
    """The fixture's named graphs plus the inferred graph, as the build stores them."""
    ds = Dataset()
    for context in loaded.dataset.graphs():
        target = ds.graph(context.identifier)
        target += context
    inferred = ds.graph(GRAPH_INFERRED)
    inferred += inference.graph
    return ds


def _union_rows(dataset: Dataset, query: str) -> set[tuple[str, ...]]:
    union = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        union.add((s, p, o))
    return {tuple(str(v) for v in row) for row in union.query(query)}


def _asserted_rows(loaded: LoadedGraphs, query: str) -> set[tuple[str, ...]]:
    return {tuple(str(v) for v in row) for row in loaded.asserted_union().query(query)}


SCHEMA_QUERIES = {
    "organisations": (
        "PREFIX schema: <https://schema.org/> SELECT ?x WHERE { ?x a schema:Organization }",
        {(str(ORGANISATION),)},
    ),
    "organizers": (
        "PREFIX schema: <https://schema.org/> SELECT ?e ?o WHERE { ?e schema:organizer ?o }",
        {(str(EVENT), str(ORGANISATION))},
    ),
    "affiliations": (
        "PREFIX schema: <https://schema.org/> SELECT ?p ?org WHERE { ?p schema:affiliation ?org }",
        {(str(PERSON), str(ORGANISATION))},
    ),
    "event dates": (
        "PREFIX schema: <https://schema.org/> SELECT ?e ?d WHERE { ?e a schema:Event ; "
        "schema:startDate ?d }",
        {(str(EVENT), "2024-03-20")},
    ),
    "people": (
        "PREFIX schema: <https://schema.org/> SELECT ?p WHERE { ?p a schema:Person }",
        {(str(PERSON),)},
    ),
}


@pytest.mark.parametrize("name", sorted(SCHEMA_QUERIES))
def test_schema_org_client_finds_the_data(
    name: str, dataset: Dataset, loaded: LoadedGraphs
) -> None:
    query, expected = SCHEMA_QUERIES[name]
    assert _union_rows(dataset, query) == expected
    # ...and only thanks to the inferred graph:
    assert _asserted_rows(loaded, query) == set()


def test_org_client_finds_posts(dataset: Dataset, loaded: LoadedGraphs) -> None:
    query = """
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?m ?p ?o WHERE { ?m org:member ?p ; org:organization ?o }
    """
    assert _union_rows(dataset, query) == {(str(POST), str(PERSON), str(ORGANISATION))}
    assert _asserted_rows(loaded, query) == set()


def test_org_membership_and_organization_class(dataset: Dataset) -> None:
    query = """
        PREFIX org: <http://www.w3.org/ns/org#>
        SELECT ?p ?m ?x WHERE { ?p org:hasMembership ?m . ?m a org:Membership .
                                ?x a org:Organization }
    """
    assert _union_rows(dataset, query) == {(str(PERSON), str(POST), str(ORGANISATION))}


def test_chain_and_inverse_entailments(inference: InferenceResult) -> None:
    ccai = "https://w3id.org/ccai/ontology#"
    graph = inference.graph
    assert (PERSON, URIRef(ccai + "affiliatedWith"), ORGANISATION) in graph
    assert (PERSON, URIRef(ccai + "contributedTo"), EVENT) in graph
    assert (EVENT, URIRef(ccai + "hasContributor"), PERSON) in graph


def test_no_noise_survives(inference: InferenceResult) -> None:
    graph = inference.graph
    assert len(graph) > 0
    assert not list(graph.triples((None, RDF.type, RDFS.Resource)))
    assert not list(graph.triples((None, RDF.type, OWL.Thing)))
    assert not [(s, o) for s, o in graph.subject_objects(OWL.sameAs) if s == o]
    for s, p, o in graph:
        assert not isinstance(s, Literal | BNode), (s, p, o)
        assert not isinstance(o, BNode), (s, p, o)
        assert not str(s).startswith(("http://www.w3.org/2002/07/owl#", str(RDFS), str(RDF)))
        assert p in (RDF.type, OWL.sameAs) or not str(p).startswith(
            ("http://www.w3.org/2002/07/owl#", str(RDFS), str(RDF))
        )
        if p == RDF.type:
            assert not str(o).startswith(
                (
                    "http://www.w3.org/2002/07/owl#",
                    str(RDFS),
                    str(RDF),
                    "http://www.w3.org/2001/XMLSchema#",
                )
            )


def test_no_entailment_about_ontology_terms(
    inference: InferenceResult, loaded: LoadedGraphs
) -> None:
    terms = {t for triple in loaded.ontology for t in triple if isinstance(t, URIRef)}
    assert not [t for t in inference.graph if t[0] in terms]


def test_nothing_already_asserted_is_repeated(
    inference: InferenceResult, loaded: LoadedGraphs
) -> None:
    asserted = loaded.asserted_union()
    assert not [t for t in inference.graph if t in asserted]


def test_counts_are_reported(inference: InferenceResult) -> None:
    summary = inference.summary()
    assert summary["kept"] == len(inference.graph)
    assert summary["kept"] + summary["dropped"] == summary["total"]
    assert summary["dropped_by_reason"]["reflexive owl:sameAs"] > 0
    assert summary["inconsistencies"] == []


def test_inputs_are_not_modified(loaded: LoadedGraphs) -> None:
    data = loaded.source_union()
    before = len(data), len(loaded.ontology)
    infer(data, loaded.ontology, loaded.vocabularies)
    assert (len(data), len(loaded.ontology)) == before


def test_inconsistency_is_reported_not_published() -> None:
    ontology = Graph().parse(
        data="""
        @prefix owl: <http://www.w3.org/2002/07/owl#> .
        <https://e.org/A> a owl:Class ; owl:disjointWith <https://e.org/B> .
        <https://e.org/B> a owl:Class .
        """,
        format="turtle",
    )
    data = Graph().parse(
        data="<https://e.org/x> a <https://e.org/A> , <https://e.org/B> .", format="turtle"
    )
    result = infer(data, ontology)
    assert result.inconsistencies
    assert not list(result.graph.triples((None, RDF.type, None)))


@pytest.mark.parametrize(
    ("triple", "reason"),
    [
        ((Literal("x"), RDF.type, RDFS.Literal), "literal subject"),
        ((BNode(), RDF.type, URIRef("https://e.org/C")), "blank-node subject"),
        ((URIRef("https://e.org/x"), RDF.type, RDFS.Resource), "built-in class"),
        ((URIRef("https://e.org/x"), RDF.type, BNode()), "anonymous class"),
        (
            (URIRef("https://e.org/x"), OWL.sameAs, URIRef("https://e.org/x")),
            "reflexive owl:sameAs",
        ),
        (
            (URIRef("https://e.org/C"), RDFS.subClassOf, URIRef("https://e.org/C")),
            "schema entailment",
        ),
        (
            (OWL.Thing, URIRef("https://e.org/p"), URIRef("https://e.org/x")),
            "about a built-in term",
        ),
        ((URIRef("https://e.org/x"), URIRef("https://e.org/p"), BNode()), "blank-node object"),
        ((URIRef("https://e.org/x"), RDF.type, URIRef("https://e.org/C")), None),
        ((URIRef("https://e.org/x"), OWL.sameAs, URIRef("https://e.org/y")), None),
        ((URIRef("https://e.org/x"), URIRef("https://e.org/p"), Literal(1)), None),
    ],
)
def test_noise_reason(triple, reason) -> None:
    assert noise_reason(triple, frozenset()) == reason


def test_ontology_term_subject_is_noise() -> None:
    term = URIRef("https://e.org/C")
    triple = (term, URIRef("https://e.org/p"), URIRef("https://e.org/x"))
    assert noise_reason(triple, frozenset({term})) == "about an ontology term"
