"""Validate RDF against the project's SHACL shapes (``shapes/*.ttl``).

One entry point, :func:`validate`, runs the SHACL engine (the fast engine of
:mod:`api.shacl` by default, or pySHACL, behind the one function
:func:`run_engine`) with the settings the shapes are written for, and returns
a :class:`ValidationReport` that the renderers (:func:`render_text`,
:func:`render_json`, :func:`render_junit`, :func:`render_turtle`) print.
Everything downstream of the engine reads the ``sh:ValidationReport`` graph it
returns (:func:`report_from_graph`), so another engine with the same contract,
``(conforms, report_graph)``, is one call away.

Settings (fixed, because the shapes depend on them):

* ``inference="none"``: the shapes check what the sources assert, not what a
  reasoner adds;
* ``advanced=True``: SHACL-SPARQL targets and constraints (provenance, date
  order, locator IRIs) are used;
* ``do_owl_imports=False``: nothing is fetched from the network;
* ``allow_warnings=True``: ``sh:Warning`` and ``sh:Info`` results are reported
  but do not break conformance. ``conforms`` means *no* ``sh:Violation``.

The ontology and the SKOS vocabularies (``ontology/**/*.ttl``) are merged into
a copy of the data graph, so that ``sh:class`` sees ``rdfs:subClassOf`` (a
``ccai:Person`` is a ``ccai:Actor``) and ``sh:node`` sees that a concept is
``skos:inScheme`` the right scheme. (pySHACL's own ``ont_graph`` option is not
used: it copies only RDFS/OWL axioms, so the SKOS triples of the vocabularies,
``skos:inScheme`` among them, would be missing.) The caller's graph is not
modified.

Example::

    >>> from rdflib import Graph
    >>> data = Graph().parse(data='''
    ...     @prefix ccai: <https://w3id.org/ccai/ontology#> .
    ...     <https://w3id.org/ccai/id/place/Bad_Slug> a ccai:Place .
    ... ''', format="turtle")
    >>> report = validate(data)
    >>> report.conforms, report.counts["Violation"] > 0
    (False, True)
    >>> print(render_text(report).splitlines()[0])  # doctest: +ELLIPSIS
    Conforms: no (... violations, 0 warnings, 0 infos)
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from pyshacl import validate as _pyshacl_validate
from rdflib import RDF, RDFS, BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import NamespaceManager
from rdflib.term import Node

from api.namespaces import PREFIXES
from api.resources import ontology_dir, shapes_dir

__all__ = [
    "SEVERITIES",
    "SHAPES",
    "ValidationReport",
    "ValidationResult",
    "load_ontology",
    "load_shapes",
    "render_json",
    "render_junit",
    "render_text",
    "render_turtle",
    "report_from_graph",
    "run_engine",
    "validate",
]

SH = Namespace("http://www.w3.org/ns/shacl#")
#: Namespace of the project's shapes (``:OrganisationShape``, ``:PostShape-postIn``…).
SHAPES = Namespace("https://w3id.org/ccai/shapes#")
#: Severities, most severe first (the order of :func:`render_text` groups).
SEVERITIES: tuple[str, ...] = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
#: The SHACL engines of :func:`run_engine`.
Engine = typing.Literal["fast", "pyshacl"]


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult`` of a report.

    Attributes:
        focus_node: the resource that fails (``sh:focusNode``).
        path: the property path (``sh:resultPath``): a predicate IRI, a blank
            node for a complex path (e.g. ``[ sh:inversePath dct:isPartOf ]``),
            or ``None`` for node-level constraints (an IRI pattern).
        value: the offending value (``sh:value``), or ``None``.
        severity: ``"Violation"``, ``"Warning"`` or ``"Info"``.
        message: the shape's ``sh:message`` (several are joined with `` | ``).
        source_shape: the shape that produced the result (``sh:sourceShape``).
        constraint: the constraint component (``sh:sourceConstraintComponent``).
        path_text: ``path`` written as a SPARQL property path with prefixed
            names (``ccai:postIn``, ``^dct:isPartOf``), ``""`` when there is none.
        file: the input file that describes the focus node, when known.
        line: its line in that file, when known.
        suggestions: for a dangling link, the nearest existing IRIs.
    """

    focus_node: Node
    path: Node | None
    value: Node | None
    severity: str
    message: str
    source_shape: Node
    constraint: URIRef | None
    path_text: str = ""
    file: str | None = None
    line: int | None = None
    suggestions: tuple[URIRef, ...] = ()

    def sort_key(self) -> tuple[int, str, str, str, str, str, str]:
        return (
            _SEVERITY_RANK.get(self.severity, len(SEVERITIES)),
            str(self.focus_node),
            self.path_text,
            str(self.source_shape),
            str(self.constraint or ""),
            _nt(self.value),
            self.message,
        )


@dataclass
class ValidationReport:
    """The outcome of :func:`validate`.

    Attributes:
        conforms: True when there is no ``sh:Violation`` (warnings and infos
            are allowed).
        results: every result, sorted by severity, focus node, path, shape,
            constraint, value and message (deterministic across runs).
        counts: number of results per severity, always with the three keys
            ``Violation``, ``Warning``, ``Info``.
        report_graph: the ``sh:ValidationReport`` graph pySHACL produced.
    """

    conforms: bool
    results: list[ValidationResult]
    counts: dict[str, int]
    report_graph: Graph = field(repr=False)

    def by_severity(self, severity: str) -> list[ValidationResult]:
        """The results of one severity (``"Violation"``, ``"Warning"`` or ``"Info"``)."""
        return [r for r in self.results if r.severity == severity]


def load_shapes(directory: Path | None = None) -> Graph:
    """Parse every ``*.ttl`` file of ``directory`` (default: :func:`api.resources.shapes_dir`).

    Raises:
        FileNotFoundError: the directory does not exist or holds no ``.ttl`` file.
        rdflib parser errors when a file is not Turtle.

    >>> shapes = load_shapes()
    >>> (SHAPES["PostShape"], RDF.type, SH.NodeShape) in shapes
    True
    """
    folder = Path(directory) if directory is not None else shapes_dir()
    files = sorted(folder.glob("*.ttl")) if folder.is_dir() else []
    if not files:
        raise FileNotFoundError(f"no SHACL shapes (*.ttl) in {folder}")
    graph = Graph()
    for path in files:
        graph.parse(path, format="turtle")
    _bind(graph)
    return graph


def load_ontology(directory: Path | None = None) -> Graph:
    """The ontology and the vocabularies: every ``*.ttl`` under ``ontology/`` (recursively)."""
    folder = Path(directory) if directory is not None else ontology_dir()
    graph = Graph()
    for path in sorted(folder.rglob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@functools.lru_cache(maxsize=1)
def _default_shapes() -> Graph:
    return load_shapes()


@functools.lru_cache(maxsize=1)
def _default_ontology() -> Graph:
    return load_ontology()


def validate(
    data: Graph,
    shapes: Graph | None = None,
    *,
    ontology: Graph | None = None,
    engine: Engine = "fast",
) -> ValidationReport:
    """Validate ``data`` against the SHACL ``shapes``.

    Args:
        data: the graph to check. A :class:`rdflib.Dataset` (or
            ``ConjunctiveGraph``) is validated as the union of its graphs, so that
            a reference from one source graph to an entity described in another
            is resolved. It is never modified.
        shapes: the shapes graph; default :func:`load_shapes` (``shapes/*.ttl``).
        ontology: the ontology and vocabularies merged into (a copy of) the data
            before validation; default :func:`load_ontology` (``ontology/**/*.ttl``).
            Pass an empty ``Graph()`` to validate the data alone.
        engine: ``"fast"`` (:mod:`api.shacl`: the shapes compiled to SPARQL, run
            by Oxigraph) or ``"pyshacl"`` (the reference; same results, see
            ``tests/shacl/test_oracle.py``).

    Returns:
        A :class:`ValidationReport`; ``report.conforms`` is False when at least
        one ``sh:Violation`` is found.

    Raises:
        pyshacl.errors.ShapeLoadError / ReportableRuntimeError: the shapes are
        not valid SHACL.
        api.shacl.UnsupportedShapeError: ``engine="fast"`` and a shape uses a
        SHACL feature it does not implement (use ``engine="pyshacl"``).
    """
    shapes_graph = shapes if shapes is not None else _default_shapes()
    ont_graph = ontology if ontology is not None else _default_ontology()
    _conforms, report_graph = run_engine(data, shapes_graph, ont_graph, engine=engine)
    return report_from_graph(report_graph)


def run_engine(
    data: Graph, shapes: Graph, background: Graph, *, engine: Engine = "fast"
) -> tuple[bool, Graph]:
    """Run the SHACL engine: ``(conforms, sh:ValidationReport graph)``.

    ``engine="fast"`` runs :func:`api.shacl.validate` (Oxigraph), ``"pyshacl"``
    pySHACL; both give the same results (``tests/shacl/test_oracle.py``).

    ``background`` (ontology, vocabularies, a slice of the ccai graph) is
    merged into a copy of ``data``; neither graph is modified. The one place
    that names the engine (pySHACL, settings in the module docstring).
    """
    if engine == "fast":
        from api import shacl

        try:
            outcome = shacl.validate(data, shapes, background=[background])
        except shacl.UnsupportedShapeError:
            # a shape (e.g. a user's --shapes) the compiler does not cover: the oracle runs it
            return run_engine(data, shapes, background, engine="pyshacl")
        return outcome.conforms, outcome.report
    if engine != "pyshacl":
        raise ValueError(f"unknown SHACL engine {engine!r} (fast or pyshacl)")
    data_graph = _merge(data, background)
    conforms, report_graph, _text = _pyshacl_validate(
        data_graph,
        shacl_graph=shapes,
        inference="none",
        inplace=True,  # data_graph is our own copy
        advanced=True,
        do_owl_imports=False,
        allow_warnings=True,
        abort_on_first=False,
    )
    return bool(conforms), report_graph


def report_from_graph(report_graph: Graph) -> ValidationReport:
    """A :class:`ValidationReport` read from an ``sh:ValidationReport`` graph.

    ``conforms`` is recomputed (no ``sh:Violation``), so a report graph that a
    caller edited (results added or removed) reads consistently.
    """
    _bind(report_graph)
    results = sorted(_results(report_graph), key=ValidationResult.sort_key)
    counts = {severity: 0 for severity in SEVERITIES}
    for result in results:
        counts[result.severity] = counts.get(result.severity, 0) + 1
    conforms = counts["Violation"] == 0
    for report in list(report_graph.subjects(RDF.type, SH.ValidationReport)):
        report_graph.set((report, SH.conforms, Literal(conforms)))
    return ValidationReport(
        conforms=conforms,
        results=results,
        counts=counts,
        report_graph=report_graph,
    )


# ---------------------------------------------------------------- renderers


def render_text(report: ValidationReport) -> str:
    """A readable report: a summary line, then one line per result, grouped by severity.

    Each line is ``<severity>  <focus node>  <path>  <message>  [value: <value>]  (<shape>)``
    with prefixed names (``post:jane-doe``, ``ccai:postIn``, ``:PostShape-postIn``),
    followed by ``did you mean …?`` for a dangling link and by ``at file:line``
    when the input file is known.
    """
    nsm = _namespace_manager()
    c = report.counts
    lines = [
        f"Conforms: {'yes' if report.conforms else 'no'} "
        f"({c['Violation']} violations, {c['Warning']} warnings, {c['Info']} infos)"
    ]
    for severity in SEVERITIES:
        group = report.by_severity(severity)
        if not group:
            continue
        lines.append("")
        lines.append(f"{severity} ({len(group)}):")
        for r in group:
            parts = [f"  {severity}", _short(r.focus_node, nsm), r.path_text or "-", r.message]
            if r.value is not None:
                parts.append(f"[value: {_short(r.value, nsm)}]")
            parts.append(f"({_short(r.source_shape, nsm)})")
            if r.suggestions:
                parts.append("did you mean " + ", ".join(f"<{s}>" for s in r.suggestions) + "?")
            if r.file:
                parts.append(f"at {_where(r)}")
            lines.append("  ".join(parts))
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> str:
    """The report as stable JSON (keys sorted, results in report order).

    Schema::

        {
          "conforms": true | false,
          "counts": {"Info": int, "Violation": int, "Warning": int},
          "results": [
            {
              "severity": "Violation" | "Warning" | "Info",
              "focusNode": "<full IRI>" or "_:blank",
              "path": "ccai:postIn" | "^dct:isPartOf" | null,   # SPARQL path, prefixed
              "pathIri": "<full IRI of a simple path>" | null,
              "value": "<N-Triples term>" | null,                # "\\"x\\"@en", "<https://…>"
              "message": "…",
              "sourceShape": "https://w3id.org/ccai/shapes#PostShape-postIn",
              "constraint": "http://www.w3.org/ns/shacl#MinCountConstraintComponent",
              "file": "museum.ttl" | null,      # the input file describing the focus node
              "line": 12 | null,                # its line there, when known
              "suggestions": ["<full IRI>", …]  # nearest existing IRIs of a dangling link
            }, …
          ]
        }
    """
    payload = {
        "conforms": report.conforms,
        "counts": dict(report.counts),
        "results": [
            {
                "severity": r.severity,
                "focusNode": _plain(r.focus_node),
                "path": r.path_text or None,
                "pathIri": str(r.path) if isinstance(r.path, URIRef) else None,
                "value": _nt(r.value) if r.value is not None else None,
                "message": r.message,
                "sourceShape": _plain(r.source_shape),
                "constraint": str(r.constraint) if r.constraint is not None else None,
                "file": r.file,
                "line": r.line,
                "suggestions": [str(s) for s in r.suggestions],
            }
            for r in report.results
        ],
    }
    return json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_junit(
    report: ValidationReport,
    *,
    suite: str = "ccai validate",
    files: Sequence[str] = (),
    fail_on: str = "Violation",
) -> str:
    """The report as JUnit XML, the format CI systems show natively.

    One ``<testcase>`` per focus node and shape (``classname`` the input file
    when known, ``name`` the focus node and the shape); results of severity
    ``fail_on`` or more severe are ``<failure type="Violation">`` (one per
    result, with path, value and message), milder ones are printed in the test
    case's ``<system-out>``. Each input file in ``files`` adds a passing test
    case ``parses``, so a conforming run still shows what was checked.

    >>> print(render_junit(ValidationReport(True, [], {"Violation": 0}, Graph()), files=["a.ttl"]))
    ... # doctest: +NORMALIZE_WHITESPACE
    <?xml version="1.0" encoding="utf-8"?>
    <testsuites name="ccai validate" tests="1" failures="0" errors="0">
    <testsuite name="ccai validate" tests="1" failures="0" errors="0" skipped="0">
    <testcase classname="a.ttl" name="parses" />
    </testsuite>
    </testsuites>
    """
    nsm = _namespace_manager()
    threshold = _SEVERITY_RANK.get(fail_on, 0)
    groups: dict[tuple[str, str, str], list[ValidationResult]] = {}
    for r in report.results:
        key = (r.file or "ccai.validate", _short(r.focus_node, nsm), _short(r.source_shape, nsm))
        groups.setdefault(key, []).append(r)
    cases: list[str] = [
        f'<testcase classname="{_xml(f)}" name="parses" />' for f in dict.fromkeys(files)
    ]
    failed = 0
    for (classname, focus, shape), results in groups.items():
        failing = [r for r in results if _SEVERITY_RANK.get(r.severity, 9) <= threshold]
        other = [r for r in results if r not in failing]
        body: list[str] = []
        for r in failing:
            text = f"{_where(r)}: " if r.file else ""
            text += f"{r.severity}: {focus} {r.path_text or '-'}: {r.message}"
            if r.value is not None:
                text += f" [value: {_short(r.value, nsm)}]"
            if r.suggestions:
                text += " did you mean " + ", ".join(f"<{s}>" for s in r.suggestions) + "?"
            body.append(
                f'<failure type="{_xml(r.severity)}" message="{_xml(r.message)}">'
                f"{_xml(text)}</failure>"
            )
        if other:
            notes = "\n".join(f"{r.severity}: {r.path_text or '-'}: {r.message}" for r in other)
            body.append(f"<system-out>{_xml(notes)}</system-out>")
        failed += bool(failing)
        name = _xml(f"{focus} ({shape})")
        cases.append(
            f'<testcase classname="{_xml(classname)}" name="{name}">{"".join(body)}</testcase>'
        )
    counts = f'tests="{len(cases)}" failures="{failed}" errors="0"'
    return (
        "\n".join(
            [
                '<?xml version="1.0" encoding="utf-8"?>',
                f'<testsuites name="{_xml(suite)}" {counts}>',
                f'<testsuite name="{_xml(suite)}" {counts} skipped="0">',
                *cases,
                "</testsuite>",
                "</testsuites>",
            ]
        )
        + "\n"
    )


def render_turtle(report: ValidationReport) -> str:
    """The ``sh:ValidationReport`` graph as Turtle (deterministic ``longturtle``)."""
    graph = Graph(bind_namespaces="none")
    _bind(graph)
    for triple in report.report_graph:
        graph.add(triple)
    return graph.serialize(format="longturtle")


# ---------------------------------------------------------------- helpers


def _merge(data: Graph, ontology: Graph) -> Graph:
    """A new Graph with every triple of ``data`` (all graphs of a Dataset) and of ``ontology``."""
    merged = Graph()
    if isinstance(data, Dataset | ConjunctiveGraph):
        for s, p, o, _g in data.quads((None, None, None, None)):
            merged.add((s, p, o))
    else:
        for triple in data:
            merged.add(triple)
    for triple in ontology:
        merged.add(triple)
    return merged


def _results(report_graph: Graph) -> list[ValidationResult]:
    nsm = _namespace_manager()
    out: list[ValidationResult] = []
    for report in report_graph.subjects(RDF.type, SH.ValidationReport):
        for node in report_graph.objects(report, SH.result):
            severity_iri = report_graph.value(node, SH.resultSeverity)
            severity = str(severity_iri).removeprefix(str(SH)) if severity_iri else "Violation"
            messages = sorted({str(m) for m in report_graph.objects(node, SH.resultMessage)})
            path = report_graph.value(node, SH.resultPath)
            constraint = report_graph.value(node, SH.sourceConstraintComponent)
            focus_node = report_graph.value(node, SH.focusNode)
            source_shape = report_graph.value(node, SH.sourceShape)
            # SHACL §3.6.2: each result has exactly one sh:focusNode and sh:sourceShape
            assert focus_node is not None and source_shape is not None, node
            out.append(
                ValidationResult(
                    focus_node=focus_node,
                    path=path,
                    value=report_graph.value(node, SH.value),
                    severity=severity,
                    message=" | ".join(messages),
                    source_shape=source_shape,
                    constraint=constraint if isinstance(constraint, URIRef) else None,
                    path_text=_path_text(report_graph, path, nsm) if path is not None else "",
                    suggestions=tuple(
                        sorted(
                            (
                                s
                                for s in report_graph.objects(node, RDFS.seeAlso)
                                if isinstance(s, URIRef)
                            ),
                            key=str,
                        )
                    ),
                )
            )
    return out


def _path_text(graph: Graph, path: Node, nsm: NamespaceManager) -> str:
    """A SHACL path as a SPARQL property path with prefixed names."""
    if isinstance(path, URIRef):
        return _short(path, nsm)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + _path_text(graph, inverse, nsm)
    for key, fmt in (
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = graph.value(path, key)
        if inner is not None:
            return fmt.format(_path_text(graph, inner, nsm))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(_path_text(graph, p, nsm) for p in graph.items(alternatives)) + ")"
    if (path, RDF.first, None) in graph:
        return "/".join(_path_text(graph, p, nsm) for p in graph.items(path))
    return str(path)


def _bind(graph: Graph) -> None:
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    graph.bind("", str(SHAPES), override=True, replace=True)


@functools.lru_cache(maxsize=1)
def _namespace_manager() -> NamespaceManager:
    graph = Graph(bind_namespaces="none")
    _bind(graph)
    return graph.namespace_manager


def _short(term: Node | None, nsm: NamespaceManager) -> str:
    if term is None:
        return "-"
    if isinstance(term, URIRef):
        try:
            prefix, _ns, local = nsm.compute_qname_strict(str(term), generate=False)
        except (KeyError, ValueError):
            return f"<{term}>"
        return f"{prefix}:{local}"
    if isinstance(term, Literal):
        return term.n3(nsm)
    return str(term.n3()) if isinstance(term, BNode) else str(term)


def _where(result: ValidationResult) -> str:
    return f"{result.file}:{result.line}" if result.line else str(result.file)


def _xml(text: str) -> str:
    return xml_escape(text, {'"': "&quot;"})


def _plain(term: Node | None) -> str | None:
    if term is None:
        return None
    return term.n3() if isinstance(term, BNode) else str(term)


def _nt(term: Node | None) -> str:
    return term.n3() if term is not None else ""
