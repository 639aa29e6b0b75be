"""api.build.rules: the compiled rules keep exactly owlrl's entailments (owlrl is the oracle)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef

from api.build import reasoning, rules
from api.build.loader import LoadedGraphs, load

FIXTURE = Path(__file__).parent / "fixtures" / "rules" / "axioms.ttl"
E = "https://example.org/onto#"
D = "https://example.org/data/"
NT = ox.RdfFormat.N_TRIPLES


def _split(path: Path) -> tuple[Graph, Graph]:
    """(ontology, data) of the fixture: triples about e: terms are the ontology."""
    whole = Graph().parse(path)
    onto, data = Graph(), Graph()
    for triple in whole:
        (onto if str(triple[0]).startswith(E) else data).add(triple)
    return onto, data


def test_fixture_same_kept_entailments_as_owlrl() -> None:
    onto, data = _split(FIXTURE)
    oracle = reasoning.infer(data, onto)
    result = rules.infer(data, onto)
    assert set(result.graph) == set(oracle.graph)
    kept = {(str(s), str(p), str(o)) for s, p, o in result.graph}
    # one entailment per axiom kind, so the fixture cannot pass by being empty
    rdf_type = rules.RDF_TYPE
    for expected in [
        (D + "rijks", rdf_type, E + "Agent"),  # subClassOf, closed transitively
        (D + "rijks", rdf_type, E + "Thing2"),  # equivalentClass
        (D + "rijks", E + "hasMember", D + "ada"),  # inverseOf
        (D + "carol", E + "memberOf", D + "bob"),  # inverseOf, the other way
        (D + "ada", E + "affiliatedWith", D + "rijks"),  # subPropertyOf
        (D + "ada", E + "employedBy", D + "lab"),  # equivalentProperty
        (D + "lab", E + "partOf", D + "world"),  # TransitiveProperty
        (D + "carol", E + "knows", D + "dan"),  # SymmetricProperty
        (D + "ada", E + "locatedIn", D + "amsterdam"),  # propertyChainAxiom
        (D + "ada", rdf_type, E + "Person"),  # domain of a super-property
        (D + "lab", rdf_type, E + "Agent"),  # range, via equivalentProperty
        (D + "rijks", rdf_type, E + "Named"),  # domain of a datatype property
    ]:
        assert expected in kept, expected
    assert (D + "bob", E + "knows", D + "ada") not in kept  # asserted, so not inferred


def test_disjoint_classes_reported_like_owlrl() -> None:
    onto, data = _split(FIXTURE)
    data.add((URIRef(D + "x"), URIRef(rules.RDF_TYPE), URIRef(E + "Person")))
    data.add((URIRef(D + "x"), URIRef(rules.RDF_TYPE), URIRef(E + "Place")))
    assert len(reasoning.infer(data, onto).inconsistencies) == 1
    (message,) = rules.infer(data, onto).inconsistencies
    assert D + "x" in message


@pytest.fixture(scope="module")
def project() -> LoadedGraphs:
    return load()


def test_project_graph_same_kept_entailments_as_owlrl(project: LoadedGraphs) -> None:
    data = project.source_union()
    oracle = reasoning.infer(data, project.ontology, project.vocabularies)
    result = rules.infer(data, project.ontology, project.vocabularies)
    assert result.kept > 1000
    assert set(result.graph) == set(oracle.graph)
    assert result.inconsistencies == oracle.inconsistencies


def test_project_ontology_uses_no_axiom_the_rules_ignore(project: LoadedGraphs) -> None:
    store = ox.Store()
    store.load(
        project.schema().serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
    )
    assert rules.unsupported_axioms(store) == []
    compiled = rules.compile_rules(store)
    assert compiled.axioms["subClassOf"] and compiled.axioms["propertyChainAxiom"] == 2


def test_unsupported_axioms_are_named() -> None:
    store = ox.Store()
    store.add(
        ox.Quad(
            ox.NamedNode(E + "p"),
            ox.NamedNode(rules.RDF_TYPE),
            ox.NamedNode("http://www.w3.org/2002/07/owl#FunctionalProperty"),
        )
    )
    assert rules.unsupported_axioms(store) == ["http://www.w3.org/2002/07/owl#FunctionalProperty"]


def test_run_rules_stops_at_a_fixpoint() -> None:
    store = ox.Store()
    onto, data = _split(FIXTURE)
    store.load(
        (onto + data).serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES
    )
    compiled = rules.compile_rules(store)
    rounds = rules.run_rules(store, compiled)
    size = len(store)
    assert rounds >= 2
    assert rules.run_rules(store, compiled) == 1 and len(store) == size
