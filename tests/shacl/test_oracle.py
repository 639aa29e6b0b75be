"""pySHACL is the oracle of the fast engine (:mod:`api.shacl`): same input, same results.

Results are compared as multisets of (focus node, result path, source shape,
severity, value, constraint component, messages).

* **Fixtures**: every ``tests/shapes/fixtures/**/*.ttl``, validated the way
  ``tests/shapes/test_shapes_fixtures.py`` validates them (the data shapes with
  the ontology and vocabularies merged in; all the shapes and nothing merged for
  a ``# ontology: none`` fixture). pySHACL needs about two seconds per fixture,
  most of it for the merged ontology, so the fixtures are validated in two
  batches: each fixture's own IRIs get a suffix of its own (``…/organisation/acme``
  → ``…/organisation/acmex12``) so that fixtures cannot mask each other, and the
  batch is one graph. Each fixture's declared results must be among the batch's.
* **The project's graph**: the asserted union (ontology, vocabularies, every
  source graph; what the build validates) against all the shapes (about 20 s
  of pySHACL). ``bench/validate.py`` compares both engines on the graph
  replicated up to 10^5 triples as well.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, Graph, URIRef

from api.resources import graph_dir, ontology_dir, shapes_dir
from api.validation import load_ontology, load_shapes
from tests.shacl.oracle import FIXTURES, fast_results, merged, pyshacl_results
from tests.shapes.test_shapes_fixtures import read_expectation

ALL_FIXTURES = sorted(FIXTURES.glob("*.ttl")) + sorted((FIXTURES / "valid").glob("*.ttl"))
_SEGMENT = re.compile(r"^(https://w3id\.org/ccai/(?:id/[^/#]+|source|vocab)/)([^/#]+)(.*)$")


def _rename(iri: str, suffix: str) -> str:
    match = _SEGMENT.match(iri)
    if match:
        return match.group(1) + match.group(2) + suffix + match.group(3)
    return iri + suffix


def _batch(paths: list[Path], keep: set[URIRef]) -> tuple[Graph, dict[Path, dict[str, str]]]:
    """One graph of ``paths``; each fixture's IRIs renamed, but ``keep``, predicates, classes."""
    batch = Graph()
    renames: dict[Path, dict[str, str]] = {}
    for number, path in enumerate(paths):
        fixture = Graph().parse(path, format="turtle")
        fixed = keep | set(fixture.predicates()) | set(fixture.objects(None, RDF.type))
        mapping: dict[str, str] = {}

        def rename(term, mapping=mapping, fixed=fixed, suffix=f"x{number}"):
            if isinstance(term, URIRef) and term not in fixed:
                mapping[str(term)] = _rename(str(term), suffix)
                return URIRef(mapping[str(term)])
            return term

        for s, p, o in fixture:
            batch.add((rename(s), p, rename(o)))
        renames[path] = mapping
    return batch, renames


def _iris(graph: Graph) -> set[URIRef]:
    return {t for triple in graph for t in triple if isinstance(t, URIRef)}


def _constants(shapes: Graph) -> set[URIRef]:
    """The IRIs the shapes name as values (``sh:hasValue vocab:levels``, target nodes)."""
    sh = "http://www.w3.org/ns/shacl#"
    return {
        o
        for name in ("hasValue", "targetNode", "in", "class", "targetClass")
        for o in shapes.objects(None, URIRef(sh + name))
        if isinstance(o, URIRef)
    }


@pytest.fixture(scope="module")
def shapes() -> dict[str, Graph]:
    data = Graph()
    for path in sorted(shapes_dir().glob("*.ttl")):
        if path.name not in {"vocabularies.ttl", "ontology.ttl"}:
            data.parse(path, format="turtle")
    return {"all": load_shapes(), "data": data}


@pytest.mark.parametrize("standalone", [False, True], ids=["with-ontology", "ontology-none"])
def test_fixtures_give_the_same_results_in_both_engines(shapes, standalone: bool) -> None:
    paths = [p for p in ALL_FIXTURES if read_expectation(p).standalone is standalone]
    ontology = Graph() if standalone else load_ontology()
    shapes_graph = shapes["all"] if standalone else shapes["data"]
    batch, renames = _batch(paths, _constants(shapes_graph) | _iris(ontology))
    data = merged(batch, ontology)

    oracle_conforms, oracle, _ = pyshacl_results(data, shapes_graph)
    conforms, fast, _ = fast_results(data, shapes_graph)

    assert fast == oracle, _diff(oracle, fast)
    assert conforms is oracle_conforms
    # The batch is not vacuous: every fixture's declared results are there.
    found = {(focus, path_, shape) for focus, path_, shape, *_rest in fast}
    for path in paths:
        for focus, _result_path, shape in read_expectation(path).results:
            renamed = renames[path].get(focus, focus)
            assert any(f == f"<{renamed}>" and s == f"<{shape}>" for f, _p, s in found), (
                f"{path.name}: no result for {renamed} {shape}"
            )


def _asserted_union(sources: list[Path]) -> Graph:
    union = Graph()
    for path in [*sorted(ontology_dir().rglob("*.ttl")), *sources]:
        union.parse(path, format="turtle")
    return union


def test_the_project_graph_gives_the_same_results(shapes) -> None:
    data = _asserted_union(sorted(graph_dir().glob("*.ttl")))
    oracle_conforms, oracle, _ = pyshacl_results(data, shapes["all"])
    conforms, fast, _ = fast_results(data, shapes["all"])
    assert fast == oracle, _diff(oracle, fast)
    assert conforms is oracle_conforms
    assert sum(oracle.values()) > 0  # the project's warnings and infos


def _diff(oracle: Counter, fast: Counter) -> str:
    lines = ["pySHACL only:", *map(str, (oracle - fast).items())]
    lines += ["fast engine only:", *map(str, (fast - oracle).items())]
    return "\n".join(lines)
