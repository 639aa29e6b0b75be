"""A fast SHACL validator: shapes compiled to SPARQL, run by Oxigraph over a bulk-loaded store.

One entry point, :func:`validate`. It gives the same results as pySHACL with
the project's settings (``inference="none"``, SHACL-SPARQL enabled, warnings
allowed) for the SHACL features the project's shapes use: targets (class,
node, subjects-of, objects-of, ``sh:SPARQLTarget``), ``sh:class``,
``sh:datatype``, ``sh:nodeKind``, ``sh:pattern``, ``sh:languageIn``, ``sh:in``,
value ranges and lengths, ``sh:minCount``/``sh:maxCount``, ``sh:hasValue``,
``sh:uniqueLang``, ``sh:node``, ``sh:or``/``sh:and``/``sh:not``/``sh:xone``,
qualified counts, ``sh:closed`` and SPARQL constraints
(``tests/shacl/test_oracle.py`` compares both engines on every fixture and on
the project's graph). A shape that uses anything else raises
:class:`UnsupportedShapeError`, never a silent pass.

How: :mod:`api.shacl.compile` turns the shapes into a few hundred SPARQL
``SELECT`` queries (one per constraint, over all focus nodes at once),
:mod:`api.shacl.run` loads the data into an in-memory Oxigraph store (files are
streamed, N-Triples/N-Quads without a size cap) and runs them,
:mod:`api.shacl.report` writes the ``sh:ValidationReport`` graph.

Example::

    >>> from rdflib import Graph
    >>> shapes = Graph().parse(data='''
    ...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://e/> .
    ...   @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ...   ex:S a sh:NodeShape ; sh:targetClass ex:C ;
    ...     sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:datatype xsd:string ] .
    ... ''', format="turtle")
    >>> data = Graph().parse(data="<http://e/a> a <http://e/C> ; <http://e/name> 3 .",
    ...                      format="turtle")
    >>> outcome = validate(data, shapes)
    >>> outcome.conforms, [(str(r.focus), r.value.toPython()) for r in outcome.results]
    (False, [('http://e/a', 3)])
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef

from api.shacl.compile import CompiledShapes, UnsupportedShapeError, compile_shapes
from api.shacl.report import conforms as _conforms
from api.shacl.report import report_graph
from api.shacl.run import Finding, load_store, run_checks, subclass_map

__all__ = [
    "Finding",
    "UnsupportedShapeError",
    "ValidationOutcome",
    "check_store",
    "compile_shapes",
    "load_store",
    "validate",
    "validate_store",
]

DataSource = Path | str | Graph | ox.Store


@dataclass
class ValidationOutcome:
    """What :func:`validate` returns.

    Attributes:
        conforms: no result of severity ``sh:Violation``.
        report: the ``sh:ValidationReport`` graph (as pySHACL's).
        results: the results as :class:`~api.shacl.run.Finding` records.
        timings: seconds spent loading, compiling and checking.
    """

    conforms: bool
    report: Graph = field(repr=False)
    results: list[Finding]
    timings: dict[str, float] = field(default_factory=dict)


def validate(
    data: DataSource | Sequence[DataSource],
    shapes: Graph,
    *,
    background: Iterable[DataSource] = (),
    inference: str | None = None,
) -> ValidationOutcome:
    """Validate ``data`` (with ``background`` merged in) against ``shapes``.

    Args:
        data: an rdflib ``Graph``/``Dataset`` (every graph merged), a pyoxigraph
            ``Store`` (its quads merged into a copy's default graph), a file or
            directory path in any RDF syntax, or a list of these.
        shapes: the SHACL shapes graph.
        background: more sources merged into the data before validation (the
            ontology and vocabularies, so that ``sh:class`` sees ``rdfs:subClassOf``).
        inference: only ``None`` or ``"none"`` (the data is checked as asserted).

    Returns:
        A :class:`ValidationOutcome`.

    Raises:
        UnsupportedShapeError: a shape uses a feature this engine does not implement.
        ValueError: ``inference`` is not ``None``/``"none"``; an unknown file type.
        SyntaxError: an input file does not parse.
    """
    if inference not in (None, "none"):
        raise ValueError(
            f"inference={inference!r}: the fast SHACL engine validates as asserted only"
        )
    started = time.perf_counter()
    sources: list[DataSource] = list(data) if isinstance(data, list | tuple) else [data]  # type: ignore[list-item]
    store = load_store([*sources, *background])
    loaded = time.perf_counter() - started
    outcome = validate_store(store, shapes)
    outcome.timings = {"load": loaded, **outcome.timings}
    return outcome


def validate_store(store: ox.Store, shapes: Graph) -> ValidationOutcome:
    """Validate the default graph of ``store`` as it is (no copy) against ``shapes``.

    The store is used as scratch space meanwhile (named graphs
    ``urn:x-ccai-shacl:focus/<n>``, removed before returning); its default graph
    is not modified.

    Raises:
        UnsupportedShapeError: a shape uses a feature this engine does not implement.
    """
    timings: dict[str, float] = {}
    findings = check_store(store, shapes, timings)
    return ValidationOutcome(
        conforms=_conforms(findings),
        report=report_graph(findings, shapes),
        results=findings,
        timings=timings,
    )


def check_store(
    store: ox.Store, shapes: Graph, timings: dict[str, float] | None = None
) -> list[Finding]:
    """:func:`validate_store` without the report graph: the findings only (thousands
    of results take rdflib seconds to write as a graph). ``timings`` gets the
    seconds spent compiling and checking."""
    started = time.perf_counter()
    compiled = compile_for(store, shapes)
    compiled_at = time.perf_counter()
    findings = run_checks(store, compiled)
    if timings is not None:
        timings["compile"] = compiled_at - started
        timings["check"] = time.perf_counter() - compiled_at
    return findings


#: The last few compilations: (id and size of the shapes graph, class hierarchy) →
#: (the shapes graph, kept alive so that its id is not reused, compiled checks).
_COMPILED: dict[tuple[int, int, frozenset], tuple[Graph, CompiledShapes]] = {}


def compile_for(store: ox.Store, shapes: Graph) -> CompiledShapes:
    """Compile ``shapes`` with the class hierarchy found in ``store`` (cached).

    A shapes graph must not be modified between two validations that use it.
    """
    hierarchy = subclass_map(store)
    key = (id(shapes), len(shapes), frozenset((c, frozenset(s)) for c, s in hierarchy.items()))
    cached = _COMPILED.get(key)
    if cached is not None:
        return cached[1]

    def subclasses(cls: URIRef) -> set[URIRef]:
        return {cls, *hierarchy.get(cls, ())}

    compiled = compile_shapes(shapes, subclasses)
    while len(_COMPILED) >= 4:
        _COMPILED.pop(next(iter(_COMPILED)))
    _COMPILED[key] = (shapes, compiled)
    return compiled
