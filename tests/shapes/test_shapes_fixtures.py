"""Each shape tested by a failing and a passing fixture (W3C data-shapes test-suite style).

``fixtures/<rule>.ttl`` is a minimal graph that is valid except for one rule. Its
comment header declares the expected results, which must match *exactly*::

    # rule: post-in-missing
    # severity: Violation
    # expect: <focus node> | <path, or - for a node-level rule> | <source shape>
    # message <source shape>: <the sh:message the result must carry>

``fixtures/valid/<family>.ttl`` must validate with no result of any severity.

Fixtures are validated against the *data* shapes (every ``shapes/*.ttl`` except
``vocabularies.ttl`` and ``ontology.ttl``, whose targets, the 140 concepts and
113 terms of the merged ontology, would only slow each run down) with the real
ontology and vocabularies merged in. A fixture whose header says
``# ontology: none`` tests the vocabulary or ontology shapes: it is validated
against all the shapes with nothing merged in.

Each fixture is validated by :func:`outcome` with the engine that
``ccai validate`` and the build use (:mod:`api.shacl`, about 45 ms a fixture);
``tests/shacl/test_oracle.py`` requires pySHACL's results on the same fixtures.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from api.namespaces import PREFIXES
from api.validation import SH, SHAPES, ValidationReport, validate

FIXTURES = Path(__file__).parent / "fixtures"
BROKEN = sorted(FIXTURES.glob("*.ttl"))
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
_NAMES = {
    **PREFIXES,
    "": str(SHAPES),
    "testsrc": "https://w3id.org/ccai/source/test-source/",
    "testvocab": "https://w3id.org/ccai/vocab/test-scheme/",
}


def expand(name: str) -> str:
    """``post:jane-doe`` → full IRI; ``<https://…>`` → the IRI."""
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    prefix, _, local = name.partition(":")
    return _NAMES[prefix] + local


@dataclass(frozen=True)
class Expectation:
    severity: str
    standalone: bool  # "# ontology: none"
    results: frozenset[tuple[str, str, str]]  # (focus IRI, path text or "-", shape IRI)
    messages: dict[str, str]  # shape IRI -> message


def read_expectation(path: Path) -> Expectation:
    severity, standalone, results, messages = "Violation", False, set(), {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body.startswith("severity:"):
            severity = body.split(":", 1)[1].strip()
        elif body == "ontology: none":
            standalone = True
        elif body.startswith("expect:"):
            focus, result_path, shape = (part.strip() for part in body.split(":", 1)[1].split("|"))
            results.add((expand(focus), result_path, expand(shape)))
        elif body.startswith("message "):
            shape, message = body[len("message ") :].split(": ", 1)
            messages[expand(shape)] = message
    return Expectation(severity, standalone, frozenset(results), messages)


def run(path: Path, shapes: dict[str, Graph], ontology: Graph) -> ValidationReport:
    data = Graph().parse(path, format="turtle")
    if read_expectation(path).standalone:
        return validate(data, shapes["all"], ontology=Graph())
    return validate(data, shapes["data"], ontology=ontology)


@dataclass(frozen=True)
class Result:
    """What the tests compare of one ``sh:ValidationResult``."""

    focus: str
    path: str  # the SPARQL path text, or "-" for a node-level rule
    shape: str
    severity: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity} {self.focus} {self.path} {self.shape} {self.message}"


def outcome(path: Path, shapes: dict[str, Graph], ontology: Graph) -> tuple[bool, list[Result]]:
    """Validate one fixture as :func:`run` does: conforms, results."""
    report = run(path, shapes, ontology)
    return report.conforms, [
        Result(str(r.focus_node), r.path_text or "-", str(r.source_shape), r.severity, r.message)
        for r in report.results
    ]


@pytest.mark.parametrize("fixture", BROKEN, ids=[p.stem for p in BROKEN])
def test_broken_fixture_fails_exactly_as_declared(
    fixture: Path, shapes_by_scope, ontology_graph
) -> None:
    expected = read_expectation(fixture)
    assert expected.results, f"{fixture.name} declares no '# expect:' line"
    conforms, results = outcome(fixture, shapes_by_scope, ontology_graph)
    actual = {(r.focus, r.path, r.shape) for r in results}
    assert actual == expected.results, "\n".join(map(str, results))
    for result in results:
        assert result.severity == expected.severity
        assert result.message == expected.messages[result.shape]
    assert conforms is (expected.severity != "Violation")


@pytest.mark.parametrize("fixture", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_conforms_without_any_result(
    fixture: Path, shapes_by_scope, ontology_graph
) -> None:
    conforms, results = outcome(fixture, shapes_by_scope, ontology_graph)
    assert conforms
    assert results == [], "\n".join(map(str, results))


def test_ontology_and_vocabularies_conform(shapes_graph, ontology_graph) -> None:
    report = validate(Graph(), shapes_graph, ontology=ontology_graph)
    assert report.results == []


def test_every_constraint_shape_has_a_failing_fixture(shapes_graph) -> None:
    """Every named shape that carries a sh:message is expected to fail in some fixture."""
    covered = {shape for path in BROKEN for _f, _p, shape in read_expectation(path).results}
    shapes = {
        str(s)
        for s in shapes_graph.subjects(SH.message, None)
        if isinstance(s, URIRef) and str(s).startswith(str(SHAPES))
    }
    # Helper shapes used through sh:node report under the shape that uses them.
    helpers = {s for s in shapes if s.endswith("Concept-inScheme")}
    missing = sorted(shapes - helpers - covered)
    assert not missing, f"shapes without a failing fixture: {missing}"
