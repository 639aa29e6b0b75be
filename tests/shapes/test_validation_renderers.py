"""api.validation: the report and its three renderers."""

from __future__ import annotations

import json

import pytest
from rdflib import RDF, Dataset, Graph, URIRef

from api.validation import SH, render_json, render_text, render_turtle, validate

DATA = """
PREFIX ccai: <https://w3id.org/ccai/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
<https://w3id.org/ccai/id/place/Bad_Slug> a ccai:Place ; rdfs:label "Bad"@en .
<https://w3id.org/ccai/id/organisation/acme> a ccai:Organisation ; rdfs:label "Acme"@en .
"""
PLACE = "https://w3id.org/ccai/id/place/Bad_Slug"


@pytest.fixture(scope="module")
def report(shapes_graph, ontology_graph):
    return validate(
        Graph().parse(data=DATA, format="turtle"), shapes_graph, ontology=ontology_graph
    )


def test_report_counts_and_order(report) -> None:
    assert not report.conforms
    assert report.counts == {
        "Violation": len(report.by_severity("Violation")),
        "Warning": len(report.by_severity("Warning")),
        "Info": 0,
    }
    assert report.counts["Warning"] == 1  # organisation without a kind
    assert report.results == sorted(report.results, key=lambda r: r.sort_key())
    assert [r.severity for r in report.results][-1] == "Warning"


def test_text_names_focus_node_path_and_message(report) -> None:
    text = render_text(report)
    assert text.startswith("Conforms: no (")
    assert "place:Bad_Slug" in text
    assert "The IRI of a place must be" in text
    assert "organisation:acme  ccai:organisationKind" in text
    assert "\nViolation (" in text and "\nWarning (1):" in text


def test_json_is_valid_and_stable(report, shapes_graph, ontology_graph) -> None:
    first = render_json(report)
    payload = json.loads(first)
    assert set(payload) == {"conforms", "counts", "results"}
    assert payload["conforms"] is False
    assert payload["counts"]["Warning"] == 1
    keys = {
        "severity",
        "focusNode",
        "path",
        "pathIri",
        "value",
        "message",
        "sourceShape",
        "constraint",
        "file",
        "line",
        "suggestions",
    }
    assert all(set(r) == keys for r in payload["results"])
    assert any(r["focusNode"] == PLACE and r["path"] is None for r in payload["results"])
    again = validate(
        Graph().parse(data=DATA, format="turtle"), shapes_graph, ontology=ontology_graph
    )
    assert render_json(again) == first


def test_turtle_parses_to_a_validation_report(report) -> None:
    graph = Graph().parse(data=render_turtle(report), format="turtle")
    reports = list(graph.subjects(RDF.type, SH.ValidationReport))
    assert len(reports) == 1
    assert len(list(graph.objects(reports[0], SH.result))) == len(report.results)


def test_conforming_report_renders(shapes_graph, ontology_graph) -> None:
    report = validate(Graph(), shapes_graph, ontology=ontology_graph)
    assert report.conforms and report.results == []
    assert render_text(report) == "Conforms: yes (0 violations, 0 warnings, 0 infos)\n"
    assert json.loads(render_json(report)) == {
        "conforms": True,
        "counts": {"Info": 0, "Violation": 0, "Warning": 0},
        "results": [],
    }


def test_dataset_is_validated_as_the_union_of_its_graphs(shapes_graph, ontology_graph) -> None:
    """A post in one named graph may point to an organisation described in another."""
    ds = Dataset()
    a = ds.graph(URIRef("https://w3id.org/ccai/graph/a"))
    b = ds.graph(URIRef("https://w3id.org/ccai/graph/b"))
    ccai = "https://w3id.org/ccai/ontology#"
    post, org = (
        URIRef("https://w3id.org/ccai/id/post/x"),
        URIRef("https://w3id.org/ccai/id/organisation/y"),
    )
    a.add((post, URIRef(ccai + "postIn"), org))
    b.add((org, RDF.type, URIRef(ccai + "Organisation")))
    a.add((post, RDF.type, URIRef(ccai + "Post")))
    report = validate(ds, shapes_graph, ontology=ontology_graph)
    assert not [
        r
        for r in report.results
        if str(r.source_shape).endswith("PostShape-postIn") and r.value == org
    ]
    assert len(ds) == 0 or (org, RDF.type, URIRef(ccai + "Organisation")) in b  # not modified
