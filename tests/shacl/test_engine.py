"""The fast engine on its own: inputs, errors, and SHACL features the project's shapes
do not use yet (each compared with pySHACL on a small graph)."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from api import shacl, validation
from tests.shacl.oracle import SH, fast_results, pyshacl_results

PREFIXES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

SHAPES = (
    PREFIXES
    + """
ex:PersonShape a sh:NodeShape ;
    sh:targetClass ex:Person ;
    sh:targetNode ex:ghost ;
    sh:closed true ; sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) ;
    sh:property ex:PersonShape-name , ex:PersonShape-born , ex:PersonShape-status ,
        ex:PersonShape-knows , ex:PersonShape-nick ;
    sh:sparql [ a sh:SPARQLConstraint ;
        sh:message "{$this} knows itself"@en ;
        sh:select '''SELECT $this ?value WHERE {
            $this <http://example.org/knows> ?value FILTER(?value = $this) }''' ] .
ex:PersonShape-name a sh:PropertyShape ; sh:path ex:name ;
    sh:minCount 1 ; sh:maxCount 2 ; sh:minLength 2 ; sh:uniqueLang true ;
    sh:message "A name of two letters or more, one per language."@en .
ex:PersonShape-born a sh:PropertyShape ; sh:path ex:born ;
    sh:datatype xsd:date ; sh:maxInclusive "2020-01-01"^^xsd:date ; sh:severity sh:Warning .
ex:PersonShape-status a sh:PropertyShape ; sh:path ex:status ;
    sh:in ( "active" "retired" ) ; sh:not [ sh:hasValue "retired" ] .
ex:PersonShape-knows a sh:PropertyShape ; sh:path ex:knows ;
    sh:xone ( [ sh:class ex:Person ] [ sh:nodeKind sh:Literal ] ) ;
    sh:node [ sh:property [ sh:path ex:name ; sh:minCount 1 ] ] .
ex:PersonShape-nick a sh:PropertyShape ; sh:path [ sh:alternativePath ( ex:nick ex:alias ) ] ;
    sh:pattern "^[a-z]+$" ; sh:flags "i" ; sh:severity sh:Info .
ex:Reverse a sh:NodeShape ; sh:targetObjectsOf ex:knows ;
    sh:property [ sh:path [ sh:inversePath ex:knows ] ; sh:maxCount 1 ] .
"""
)

DATA = (
    PREFIXES
    + """
ex:ann a ex:Person ; ex:name "Ann"@en , "Anna"@en , "A"@nl ; ex:born "2024-06-31"^^xsd:date ;
    ex:status "retired" ; ex:knows ex:ann , ex:bob , "Carl" ; ex:nick "ann_1" ; ex:extra 1 .
ex:bob a ex:Person ; ex:born "1990-05-01"^^xsd:date ; ex:status "sleeping" ;
    ex:knows ex:ann ; ex:alias "Bobby" .
ex:cy a ex:Person ; ex:name "Cy" ; ex:knows ex:ann , ex:dan .
"""
)


def _graphs() -> tuple[Graph, Graph]:
    return Graph().parse(data=DATA, format="turtle"), Graph().parse(data=SHAPES, format="turtle")


def test_features_beyond_the_project_shapes_match_pyshacl() -> None:
    data, shapes = _graphs()
    oracle_conforms, oracle, _ = pyshacl_results(data, shapes)
    conforms, fast, _ = fast_results(data, shapes)
    # Generic messages (a shape without sh:message) are each engine's own words.
    declared = {f"<{s}>" for s in shapes.subjects(SH.message, None)}
    assert _messages_if(fast, declared) == _messages_if(oracle, declared)
    assert conforms is oracle_conforms is False
    components = {key[5].rsplit("#", 1)[1].rstrip(">") for key in fast}
    # every component of the shapes above fails at least once
    assert components >= {
        "ClosedConstraintComponent",
        "MinCountConstraintComponent",
        "MaxCountConstraintComponent",
        "MinLengthConstraintComponent",
        "UniqueLangConstraintComponent",
        "DatatypeConstraintComponent",
        "InConstraintComponent",
        "NotConstraintComponent",
        "XoneConstraintComponent",
        "NodeConstraintComponent",
        "PatternConstraintComponent",
        "SPARQLConstraintComponent",
    }, components


@pytest.mark.parametrize(
    ("extra", "feature"),
    [
        ("ex:S sh:property [ sh:path ex:p ; sh:equals ex:q ] .", "sh:equals"),
        ("ex:S sh:property [ sh:path ex:p ; sh:lessThan ex:q ] .", "sh:lessThan"),
        ("ex:S sh:target [ a ex:CustomTarget ] .", "sh:target other than sh:SPARQLTarget"),
        ("ex:S sh:node ex:S .", "a recursive shape"),
        (
            'ex:S sh:sparql [ sh:select "SELECT $this WHERE { $this ?p $currentShape }" ] .',
            "$shapesGraph/$currentShape",
        ),
    ],
)
def test_an_unsupported_feature_is_an_error_never_a_pass(extra: str, feature: str) -> None:
    shapes = Graph().parse(
        data=PREFIXES + "ex:S a sh:NodeShape ; sh:targetClass ex:C .\n" + extra, format="turtle"
    )
    data = Graph().parse(data=PREFIXES + "ex:a a ex:C ; ex:p 1 ; ex:q 2 .", format="turtle")
    with pytest.raises(shacl.UnsupportedShapeError, match=r"does not support") as error:
        shacl.validate(data, shapes)
    assert feature in str(error.value)
    assert error.value.spec.startswith("https://www.w3.org/TR/shacl")


def test_inputs_in_any_syntax_are_merged_into_one_graph(tmp_path: Path) -> None:
    data, shapes = _graphs()
    expected = fast_results(data, shapes)[1]
    (tmp_path / "a.ttl").write_text(DATA, encoding="utf-8")
    nquads = "".join(
        f"{s.n3()} {p.n3()} {o.n3()} <http://example.org/g{i % 3}> .\n"
        for i, (s, p, o) in enumerate(data)
    )
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b.nq").write_text(nquads, encoding="utf-8")
    with gzip.open(tmp_path / "c.nt.gz", "wt", encoding="utf-8") as out:
        out.write(data.serialize(format="nt"))
    for source in (tmp_path / "a.ttl", tmp_path / "d", tmp_path / "c.nt.gz"):
        outcome = shacl.validate(source, shapes)
        assert _keys(outcome) == expected, source
    both = shacl.validate([tmp_path / "a.ttl", tmp_path / "d"], shapes)
    assert _keys(both) == expected  # the same triples twice are one graph


def test_unknown_file_type_and_inference_are_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n", encoding="utf-8")
    _data, shapes = _graphs()
    with pytest.raises(ValueError, match="unknown RDF file type"):
        shacl.validate(tmp_path / "x.csv", shapes)
    with pytest.raises(ValueError, match="inference"):
        shacl.validate(Graph(), shapes, inference="rdfs")


def test_api_validation_runs_either_engine_with_the_same_report() -> None:
    data = Graph().parse(
        data="""
        @prefix ccai: <https://w3id.org/ccai/ontology#> .
        <https://w3id.org/ccai/id/place/Bad_Slug> a ccai:Place .
        """,
        format="turtle",
    )
    fast = validation.validate(data)
    reference = validation.validate(data, engine="pyshacl")
    assert not fast.conforms
    assert validation.render_json(fast) == validation.render_json(reference)
    with pytest.raises(ValueError, match="unknown SHACL engine"):
        validation.validate(data, engine="jena")  # type: ignore[arg-type]


def _messages_if(results: Counter, declared: set[str]) -> Counter:
    return Counter({(k if k[2] in declared else k[:6]): n for k, n in results.items()})


def _keys(outcome: shacl.ValidationOutcome) -> Counter:
    from tests.shacl.oracle import results_of

    return results_of(outcome.report)


def test_results_are_rdflib_terms() -> None:
    data, shapes = _graphs()
    outcome = shacl.validate(data, shapes)
    assert all(isinstance(r.shape, URIRef) or r.shape is not None for r in outcome.results)
    assert {str(r.focus) for r in outcome.results} >= {"http://example.org/ann"}
