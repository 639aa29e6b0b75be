"""Shapes and ontology parsed once for the shapes tests."""

from __future__ import annotations

import pytest
from rdflib import Graph

from api.resources import shapes_dir
from api.validation import load_ontology, load_shapes


@pytest.fixture(scope="session")
def shapes_graph() -> Graph:
    return load_shapes()


@pytest.fixture(scope="session")
def ontology_graph() -> Graph:
    return load_ontology()


@pytest.fixture(scope="session")
def shapes_by_scope(shapes_graph) -> dict[str, Graph]:
    """``all`` shapes, and the ``data`` shapes (without vocabularies.ttl and ontology.ttl)."""
    data = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        if path.name not in {"vocabularies.ttl", "ontology.ttl"}:
            data.parse(path, format="turtle")
    return {"all": shapes_graph, "data": data}
