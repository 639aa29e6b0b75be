"""Findings → a ``sh:ValidationReport`` rdflib graph, as pySHACL writes it.

Each result carries ``sh:focusNode``, ``sh:resultPath`` (a complex path is
copied from the shapes graph, blank nodes and all), ``sh:value`` where the
constraint has one, ``sh:resultSeverity``, ``sh:sourceShape``,
``sh:sourceConstraintComponent``, ``sh:sourceConstraint`` (SPARQL constraints)
and ``sh:resultMessage`` (the shape's ``sh:message``, or a generic message
naming the constraint component).
"""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import RDF, BNode, Graph, Literal
from rdflib.term import Node

from api.shacl.compile import SH
from api.shacl.run import Finding

__all__ = ["conforms", "report_graph"]


def conforms(findings: Iterable[Finding]) -> bool:
    """True when no finding is a ``sh:Violation`` (warnings and infos are allowed)."""
    return not any(f.severity == SH.Violation for f in findings)


def report_graph(findings: list[Finding], shapes: Graph) -> Graph:
    """The ``sh:ValidationReport`` graph of ``findings``.

    >>> from rdflib import URIRef
    >>> f = Finding(URIRef("http://e/x"), None, None, SH.Violation, URIRef("http://e/S"),
    ...             SH.MinCountConstraintComponent, ())
    >>> g = report_graph([f], Graph())
    >>> g.value(predicate=RDF.type, object=SH.ValidationReport) is not None
    True
    """
    graph = Graph()
    graph.bind("sh", str(SH))
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    graph.add((report, SH.conforms, Literal(conforms(findings))))
    copied: set[Node] = set()
    for finding in findings:
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, finding.focus))
        graph.add((node, SH.resultSeverity, finding.severity))
        graph.add((node, SH.sourceShape, finding.shape))
        graph.add((node, SH.sourceConstraintComponent, finding.component))
        if finding.value is not None:
            graph.add((node, SH.value, finding.value))
        if finding.path is not None:
            graph.add((node, SH.resultPath, finding.path))
            _copy(shapes, finding.path, graph, copied)
        if finding.constraint is not None:
            graph.add((node, SH.sourceConstraint, finding.constraint))
        messages = finding.messages or (Literal(_generic(finding)),)
        for message in messages:
            graph.add((node, SH.resultMessage, message))
    return graph


def _copy(source: Graph, node: Node, target: Graph, done: set[Node]) -> None:
    """Copy the blank-node structure below ``node`` (a complex path)."""
    if not isinstance(node, BNode) or node in done:
        return
    done.add(node)
    for p, o in source.predicate_objects(node):
        target.add((node, p, o))
        _copy(source, o, target, done)


def _generic(finding: Finding) -> str:
    component = str(finding.component).removeprefix(str(SH)).removesuffix("ConstraintComponent")
    return f"{component} constraint not satisfied"
