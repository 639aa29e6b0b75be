"""A pyoxigraph store of the project's asserted graph, for the named queries."""

from __future__ import annotations

from collections.abc import Callable

import pyoxigraph as ox
import pytest

from api.queries import load_queries
from api.resources import graph_dir, ontology_dir


@pytest.fixture(scope="session")
def project_store() -> ox.Store:
    """Ontology, vocabularies and every graph/*.ttl in one default graph."""
    store = ox.Store()
    for path in [*sorted(ontology_dir().rglob("*.ttl")), *sorted(graph_dir().glob("*.ttl"))]:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    return store


@pytest.fixture(scope="session")
def run(project_store: ox.Store) -> Callable[..., list[dict[str, str]]]:
    """Run a named query with parameters; rows as {variable: lexical value}."""
    queries = load_queries()

    def _run(name: str, **params: str) -> list[dict[str, str]]:
        solutions = project_store.query(queries[name].render(params))
        names = [v.value for v in solutions.variables]
        return [{n: row[n].value for n in names if row[n] is not None} for row in solutions]

    return _run
