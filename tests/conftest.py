"""Shared fixtures: the project's graph loaded once per test session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from api.resources import graph_dir, ontology_dir


@pytest.fixture(scope="session")
def asserted_union() -> Graph:
    """Ontology + vocabularies + every graph/*.ttl, merged into one rdflib Graph."""
    union = Graph()
    for path in [*sorted(ontology_dir().rglob("*.ttl")), *sorted(graph_dir().glob("*.ttl"))]:
        union.parse(path, format="turtle")
    return union
