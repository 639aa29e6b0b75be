"""Shared fixtures: the project's graph loaded once per test session."""

from __future__ import annotations

from pathlib import Path

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


# --- build and command-line fixtures (tests/test_build*.py, test_cli*.py, …) ---

FIXTURES_INPUT = Path(__file__).parent / "fixtures" / "input"


@pytest.fixture(scope="session")
def input_dir() -> Path:
    """``tests/fixtures/input/``: small good and bad RDF inputs."""
    return FIXTURES_INPUT


@pytest.fixture(scope="session")
def fixture_graph_dir() -> Path:
    """A one-source graph directory that conforms to the shapes (``--graph-dir``)."""
    return FIXTURES_INPUT / "graph"


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory, fixture_graph_dir: Path):
    """A build of :func:`fixture_graph_dir` with the real validator: ``(out_dir, report)``."""
    from api.build import build

    out = tmp_path_factory.mktemp("fixture-build") / "build"
    report = build(out, graph_dir=fixture_graph_dir)
    return out, report


@pytest.fixture(scope="session")
def project_build(tmp_path_factory: pytest.TempPathFactory):
    """The real project built once per session: ``(out_dir, report)``.

    Fails (rather than skips) when the project's graph does not conform.
    """
    from api.build.pipeline import BuildFailed, build
    from api.validation import render_text

    out = tmp_path_factory.mktemp("project-build") / "build"
    try:
        report = build(out)
    except BuildFailed as exc:
        pytest.fail(f"the project's graph does not conform:\n{render_text(exc.validation)}")
    return out, report
