"""The oracle: pySHACL and the fast engine (:mod:`api.shacl`) on the same input.

:func:`pyshacl_results` and :func:`fast_results` return the results of a
validation as a multiset (``Counter``) of comparable tuples: focus node, result
path (as SPARQL text), source shape, severity, value, constraint component and
messages, every term in N-Triples form.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from pyshacl import validate as pyshacl_validate
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from api import shacl
from tests.conftest import untraced

SH = Namespace("http://www.w3.org/ns/shacl#")
FIXTURES = Path(__file__).parent.parent / "shapes" / "fixtures"

Key = tuple[str, str, str, str, str, str, tuple[str, ...]]


def path_text(g: Graph, path: Node | None) -> str:
    if path is None:
        return "-"
    if isinstance(path, URIRef):
        return f"<{path}>"
    for key, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = g.value(path, key)
        if inner is not None:
            return fmt.format(path_text(g, inner))
    alternatives = g.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(g, p) for p in Collection(g, alternatives)) + ")"
    if (path, RDF.first, None) in g:
        return "(" + "/".join(path_text(g, p) for p in Collection(g, path)) + ")"
    return "?"


def _term(term: Node | None) -> str:
    if term is None:
        return "-"
    if isinstance(term, BNode):
        return "_:" + str(term)
    return term.n3()


def results_of(report: Graph) -> Counter[Key]:
    """The results of an ``sh:ValidationReport`` graph as a multiset."""
    out: Counter[Key] = Counter()
    nodes = [
        node
        for report_node in report.subjects(RDF.type, SH.ValidationReport)
        for node in report.objects(report_node, SH.result)
    ]
    for node in nodes:
        messages = tuple(
            sorted(str(m) for m in report.objects(node, SH.resultMessage) if isinstance(m, Literal))
        )
        out[
            (
                _term(report.value(node, SH.focusNode)),
                path_text(report, report.value(node, SH.resultPath)),
                _term(report.value(node, SH.sourceShape)),
                _term(report.value(node, SH.resultSeverity)),
                _term(report.value(node, SH.value)),
                _term(report.value(node, SH.sourceConstraintComponent)),
                messages,
            )
        ] += 1
    return out


def pyshacl_results(data: Graph, shapes: Graph) -> tuple[bool, Counter[Key], float]:
    """pySHACL as api.validation.run_engine runs it: conforms, results, seconds."""
    started = time.perf_counter()
    # untraced: coverage measures api/ only; Python 3.11's tracer doubled pySHACL's time
    conforms, report, _text = untraced(pyshacl_validate)(
        merged(data),  # a copy, validated in place as api.validation.run_engine does
        shacl_graph=shapes,
        inference="none",
        inplace=True,
        advanced=True,
        do_owl_imports=False,
        allow_warnings=True,
        abort_on_first=False,
    )
    return bool(conforms), results_of(report), time.perf_counter() - started


def fast_results(data: Graph, shapes: Graph) -> tuple[bool, Counter[Key], float]:
    started = time.perf_counter()
    outcome = shacl.validate(data, shapes)
    return outcome.conforms, results_of(outcome.report), time.perf_counter() - started


def merged(*graphs: Graph) -> Graph:
    out = Graph()
    for g in graphs:
        for triple in g:
            out.add(triple)
    return out
