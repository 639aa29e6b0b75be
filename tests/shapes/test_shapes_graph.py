"""The shapes graph itself: documented, canonical, and covering the whole ontology."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from api.canonical import format_file
from api.resources import ontology_file, shapes_dir
from api.validation import SH, SHAPES

SHAPE_FILES = sorted(shapes_dir().glob("*.ttl"))
RECOMMENDED = {SH.Warning, SH.Info}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ontology_file(), format="turtle")


def property_shapes(shapes: Graph) -> set:
    return {s for s in shapes.subjects(SH.path, None)} | set(shapes.objects(None, SH.property))


@pytest.mark.parametrize("path", SHAPE_FILES, ids=[p.name for p in SHAPE_FILES])
def test_shapes_file_is_canonical(path) -> None:
    assert not format_file(path, check=True).changed, f"run: ccai fmt {path}"


def test_every_property_shape_is_documented(shapes_graph) -> None:
    missing = [
        (str(shape), str(key).removeprefix(str(SH)))
        for shape in property_shapes(shapes_graph)
        for key in (SH.name, SH.description, SH.message)
        if shapes_graph.value(shape, key) is None
    ]
    assert not missing, missing


def test_every_shape_is_named_in_the_shapes_namespace(shapes_graph) -> None:
    shapes = property_shapes(shapes_graph) | set(shapes_graph.subjects(RDF.type, SH.NodeShape))
    assert all(isinstance(s, URIRef) and str(s).startswith(str(SHAPES)) for s in shapes)
    for shape in shapes:
        assert shapes_graph.value(shape, SH.name) is not None, shape
        assert shapes_graph.value(shape, SH.description) is not None, shape


def test_every_ontology_class_is_targeted(shapes_graph, ontology) -> None:
    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)}
    targeted = set(shapes_graph.objects(None, SH.targetClass))
    assert classes, "no class in ontology/ccai.ttl"
    assert not sorted(classes - targeted), f"classes without a shape: {sorted(classes - targeted)}"


def test_every_ontology_property_is_constrained(shapes_graph, ontology) -> None:
    properties = {
        p
        for kind in (OWL.ObjectProperty, OWL.DatatypeProperty)
        for p in ontology.subjects(RDF.type, kind)
    }
    paths = set(shapes_graph.objects(None, SH.path))
    assert not sorted(properties - paths), (
        f"properties without a shape: {sorted(properties - paths)}"
    )


def test_object_properties_constrain_the_value_type(shapes_graph, ontology) -> None:
    """Every object property has a property shape with sh:class, sh:node or sh:or
    (sh:nodeKind sh:IRI when the ontology gives it no rdfs:range, like ccai:mentions)."""
    typed = {
        shapes_graph.value(shape, SH.path)
        for shape in property_shapes(shapes_graph)
        if any(
            shapes_graph.value(shape, key) is not None for key in (SH["class"], SH.node, SH["or"])
        )
    }
    iri_only = {
        shapes_graph.value(shape, SH.path)
        for shape in property_shapes(shapes_graph)
        if shapes_graph.value(shape, SH.nodeKind) == SH.IRI
    }
    untyped = sorted(
        p
        for p in ontology.subjects(RDF.type, OWL.ObjectProperty)
        if p not in typed and not (p in iri_only and ontology.value(p, RDFS.range) is None)
    )
    assert not untyped, untyped


def test_severity_split_by_file() -> None:
    """recommendations.ttl holds only sh:Warning/sh:Info shapes; the other files only violations."""
    for path in SHAPE_FILES:
        graph = Graph().parse(path, format="turtle")
        severities = set(graph.objects(None, SH.severity))
        if path.name == "recommendations.ttl":
            shapes = {s for s in graph.subjects(SH.path, None)}
            assert shapes and all(graph.value(s, SH.severity) in RECOMMENDED for s in shapes)
        else:
            assert severities <= {SH.Violation}, path.name
