"""``ccai validate``'s pieces: inputs, profiles, background, one run.

:func:`validate_paths` is the whole command without the printing:

1. **inputs** (:mod:`api.validate.inputs`): files, directories and globs,
   streamed file by file into an in-memory Oxigraph store (any RDF syntax, no
   size cap); "nothing to validate" is an error, never a pass;
2. **profile**: the shapes (:func:`profile_shapes`):

   * ``core``: ``shapes/*.ttl``, the rules of the project's own graph (ccai
     IRIs, provenance on every statement), with the ontology and the
     vocabularies as background;
   * ``linkset``: ``shapes/linkset/*.ttl``, for other people's data that links
     to the graph: their own IRIs, no ccai provenance; every ccai IRI used
     must exist and be of a class the property allows. The background is the
     slice of the ccai graph the data refers to
     (:class:`api.validate.background.Background`), read from the package or
     a build, never validated itself;

   ``--shapes DIR`` adds a user's own shapes to either;
3. **engine**: the background is added to that store (only the triples it
   lacks, removed afterwards) and the fast engine (:func:`api.shacl.check_store`)
   validates the store in place: no rdflib copy of the data. A shape it does not
   support, or ``engine="pyshacl"``, runs pySHACL (the oracle) on an rdflib copy
   instead (:func:`api.validation.run_engine`). Then results about background
   nodes are dropped (only nodes the input describes are reported), ill-typed
   literals are added as violations with their lexical form and reason,
   dangling links get the nearest existing IRIs, and each result gets the file
   and line of its focus node (looked up for those nodes only). The
   ``sh:ValidationReport`` graph (``rdfs:seeAlso`` on dangling links) is
   written only when a renderer asks for it (Turtle, JSON-LD).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.term import Node

from api import shacl
from api.namespaces import BASE
from api.rdf.parsing import NoRdfError, RdfInputError, parse_paths, rdf_files_in
from api.resources import shapes_dir
from api.shacl.report import _generic, report_graph
from api.shacl.run import Finding, to_ox, to_rdflib
from api.validate.background import Background
from api.validate.inputs import Inputs, LoadedInputs, expand, load
from api.validation import (
    SEVERITIES,
    SH,
    SHAPES,
    Engine,
    ValidationReport,
    ValidationResult,
    _namespace_manager,
    _path_text,
    load_ontology,
    report_from_graph,
    run_engine,
)

__all__ = [
    "FAIL_ON",
    "PROFILES",
    "Background",
    "Inputs",
    "LoadedInputs",
    "Outcome",
    "exit_code",
    "profile_shapes",
    "validate_inputs",
    "validate_paths",
]

#: Profiles of ``ccai validate --profile``.
PROFILES: tuple[str, ...] = ("core", "linkset")
#: ``--fail-on`` levels → the severities that fail the run.
FAIL_ON: dict[str, tuple[str, ...]] = {
    "violation": ("Violation",),
    "warning": ("Violation", "Warning"),
    "info": ("Violation", "Warning", "Info"),
}
#: Source shape of the ill-typed literal results (not a shape of ``shapes/``:
#: parsing finds them, whatever the profile).
WELL_TYPED = SHAPES["LiteralShape-wellTyped"]
_EXISTS = SHAPES["LinksetShape-exists"]
#: Prefixes of the ill-typed literal messages (``xsd:date``).
_NAMES = Graph()


@dataclass
class Outcome:
    """What one validation run read and found.

    Attributes:
        report: the validation report (file and line on each result when known).
        files: the input files read.
        profile: ``core`` or ``linkset``.
        background: where the background came from (a description).
        timings: seconds per step (``parse``, ``shapes``, ``background``, ``validate``).
    """

    report: ValidationReport
    files: list[Path]
    profile: str
    background: str
    timings: dict[str, float] = field(default_factory=dict)


def exit_code(report: ValidationReport, fail_on: str = "violation") -> int:
    """0 when no result of a failing severity (:data:`FAIL_ON`), else 1."""
    return 1 if any(report.counts.get(s, 0) for s in FAIL_ON[fail_on]) else 0


def profile_shapes(profile: str, extra: Sequence[Path] = ()) -> Graph:
    """The shapes of ``profile`` plus every RDF file of the ``extra`` directories.

    Raises:
        ValueError: an unknown profile.
        RdfInputError: an extra directory without RDF, or a file that does not parse.
    """
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {', '.join(PROFILES)}")
    graph = Graph()
    graph += _profile_graph(profile)
    for folder in extra:
        if not rdf_files_in(folder):
            raise NoRdfError(folder, "no SHACL shapes (RDF files) in this directory")
        parse_paths([folder], into=graph)
    return graph


def validate_paths(
    arguments: Sequence[str],
    *,
    profile: str = "core",
    shapes: Sequence[Path] = (),
    graph: Path | None = None,
    engine: Engine = "fast",
) -> Outcome:
    """Validate the RDF named by ``arguments`` (files, directories, globs).

    Args:
        arguments: what to validate; at least one.
        profile: ``core`` or ``linkset`` (see the module docstring).
        shapes: directories of extra SHACL shapes.
        graph: for ``linkset``, a build directory (or a folder of RDF) to use
            as background instead of the installed package's graph.
        engine: ``fast`` (:mod:`api.shacl`, pySHACL for shapes it does not
            support) or ``pyshacl`` (the oracle).

    Raises:
        RdfInputError: unusable input (nothing to validate included).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    if not arguments:
        raise NoRdfError(Path("."), "nothing to validate: name RDF files, directories or globs")
    with _fewer_collections():
        files = expand(list(arguments))
        inputs = load(files)
        timings["parse"] = time.perf_counter() - clock
        outcome = validate_inputs(
            inputs, profile=profile, shapes=shapes, graph=graph, engine=engine
        )
    outcome.timings = {**timings, **outcome.timings}
    return outcome


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cyclic garbage collector less often meanwhile: a validation allocates
    many short-lived objects (query rows, results), few cycles; the default
    thresholds cost about 5 % of a run at 10^6 triples."""
    thresholds = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1_000)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def validate_inputs(
    inputs: Inputs | LoadedInputs,
    *,
    profile: str = "core",
    shapes: Sequence[Path] = (),
    graph: Path | None = None,
    engine: Engine = "fast",
) -> Outcome:
    """Validate read :class:`~api.validate.inputs.LoadedInputs` (files streamed into a
    store) or :class:`~api.validate.inputs.Inputs` (RDF parsed with rdflib, an
    upload): steps 2 and 3 of the module docstring. Arguments as :func:`validate_paths`.

    Raises:
        ValueError: an unknown profile.
        RdfInputError: extra shapes or a ``graph`` background that cannot be used.
    """
    loaded = inputs if isinstance(inputs, LoadedInputs) else LoadedInputs.from_inputs(inputs)
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    shapes_graph = profile_shapes(profile, shapes)
    timings["shapes"] = time.perf_counter() - clock

    clock = time.perf_counter()
    known: Background | None = None
    if profile == "linkset":
        if graph is not None and not graph.is_dir():
            raise RdfInputError(graph, "--graph: no such directory")
        known = Background.from_directory(graph) if graph else Background.from_package()
        background = known.context_for_store(loaded.store)
        origin = known.origin
    else:
        background = _ontology()
        origin = "the ontology and the vocabularies"
    timings["background"] = time.perf_counter() - clock

    clock = time.perf_counter()
    findings, paths = _run(loaded.store, shapes_graph, background, engine)
    described: dict[Node, bool] = {}
    for finding in findings:
        if finding.focus not in described:
            described[finding.focus] = loaded.describes(finding.focus)
    findings = [f for f in findings if described[f.focus]]
    findings = _with_ill_typed(findings, loaded)
    suggestions = _suggestions(findings, known) if known is not None else {}
    origins = loaded.origins_of(f.focus for f in findings)
    results = [_result(f, paths, suggestions.get(i, ()), origins) for i, f in enumerate(findings)]
    report = _Report(results, lambda: _report_graph(findings, paths, known))
    timings["validate"] = time.perf_counter() - clock
    return Outcome(report, list(loaded.files), profile, origin, timings)


# --- helpers -----------------------------------------------------------------


class _Report(ValidationReport):
    """A :class:`~api.validation.ValidationReport` whose ``sh:ValidationReport`` graph
    is built on first use: rdflib needs seconds for the graph of thousands of results,
    which only the Turtle and JSON-LD renderings read."""

    def __init__(self, results: list[ValidationResult], build: Callable[[], Graph]) -> None:
        self.results = sorted(results, key=ValidationResult.sort_key)
        self.counts = {severity: 0 for severity in SEVERITIES}
        for result in self.results:
            self.counts[result.severity] = self.counts.get(result.severity, 0) + 1
        self.conforms = self.counts["Violation"] == 0
        self._build: Callable[[], Graph] | None = build
        self._graph: Graph | None = None

    @property
    def report_graph(self) -> Graph:
        if self._graph is None and self._build is not None:
            self._graph, self._build = self._build(), None
        return self._graph if self._graph is not None else Graph()

    @report_graph.setter
    def report_graph(self, graph: Graph) -> None:
        self._graph, self._build = graph, None


@functools.lru_cache(maxsize=2)
def _profile_graph(profile: str) -> Graph:
    folder = shapes_dir() if profile == "core" else shapes_dir() / profile
    graph = Graph()
    for path in sorted(folder.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


@functools.lru_cache(maxsize=1)
def _ontology() -> Graph:
    return load_ontology()


def _run(
    store: ox.Store, shapes: Graph, background: Graph, engine: Engine
) -> tuple[list[Finding], Graph]:
    """The engine over the inputs with ``background`` added to the store meanwhile:
    the findings, and the graph that holds their complex paths.

    Only the background triples the store lacks are added, and they are removed
    afterwards, so that the store again holds the input alone (for
    :meth:`~api.validate.inputs.LoadedInputs.describes`).
    """
    added = [q for q in map(_quad, background) if q not in store]
    store.extend(added)
    try:
        if engine == "fast":
            try:
                return shacl.check_store(store, shapes), shapes
            except shacl.UnsupportedShapeError:
                pass  # a shape (e.g. a user's --shapes) the compiler does not cover: the oracle
        _conforms, report_graph = run_engine(_graph_of(store), shapes, Graph(), engine="pyshacl")
        return _findings_of(report_graph), report_graph
    finally:
        for quad in added:
            store.remove(quad)


def _quad(triple: tuple[Node, Node, Node]) -> ox.Quad:
    s, p, o = (to_ox(term) for term in triple)
    return ox.Quad(s, p, o)  # type: ignore[arg-type]


def _graph_of(store: ox.Store) -> Graph:
    """The default graph of ``store`` as an rdflib graph (for pySHACL)."""
    graph = Graph()
    for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def _findings_of(report_graph: Graph) -> list[Finding]:
    """The results of an ``sh:ValidationReport`` graph (pySHACL's) as findings."""
    findings = []
    for node in report_graph.subjects(RDF.type, SH.ValidationResult):
        severity = report_graph.value(node, SH.resultSeverity)
        component = report_graph.value(node, SH.sourceConstraintComponent)
        findings.append(
            Finding(
                focus=report_graph.value(node, SH.focusNode),  # type: ignore[arg-type]
                path=report_graph.value(node, SH.resultPath),
                value=report_graph.value(node, SH.value),
                severity=severity if isinstance(severity, URIRef) else SH.Violation,
                shape=report_graph.value(node, SH.sourceShape),  # type: ignore[arg-type]
                component=component,  # type: ignore[arg-type]
                messages=tuple(
                    m
                    for m in report_graph.objects(node, SH.resultMessage)
                    if isinstance(m, Literal)
                ),
                constraint=report_graph.value(node, SH.sourceConstraint),
            )
        )
    return findings


def _with_ill_typed(findings: list[Finding], loaded: LoadedInputs) -> list[Finding]:
    """One violation per ill-typed literal, replacing an engine's result about it."""
    if not loaded.ill_typed:
        return findings
    items = {(i.subject, i.predicate, i.literal) for i in loaded.ill_typed}
    kept = [f for f in findings if (f.focus, f.path, f.value) not in items]
    for item in loaded.ill_typed:
        datatype = item.literal.datatype
        shown = URIRef(datatype).n3(_NAMES.namespace_manager) if datatype else "its datatype"
        message = f'"{item.literal}" is not a valid {shown}: {item.reason}'
        kept.append(
            Finding(
                focus=item.subject,
                path=item.predicate,
                value=item.literal,
                severity=SH.Violation,
                shape=WELL_TYPED,
                component=SH.DatatypeConstraintComponent,
                messages=(Literal(message, lang="en"),),
            )
        )
    return kept


def _suggestions(findings: list[Finding], known: Background) -> dict[int, tuple[URIRef, ...]]:
    """The nearest existing IRIs of each dangling link (by index in ``findings``)."""
    out: dict[int, tuple[URIRef, ...]] = {}
    for index, finding in enumerate(findings):
        if finding.shape != _EXISTS:
            continue
        target = finding.value if finding.value is not None else finding.focus
        if not isinstance(target, URIRef) or not str(target).startswith(BASE):
            continue
        if target in known:
            continue
        out[index] = tuple(sorted(known.suggest(target), key=str))
    return out


def _result(
    finding: Finding,
    paths: Graph,
    suggestions: tuple[URIRef, ...],
    origins: dict[Node, tuple[str, int | None]],
) -> ValidationResult:
    """A finding as :func:`~api.validation.report_from_graph` would read it."""
    messages = sorted({str(m) for m in finding.messages}) or [_generic(finding)]
    file, line = origins.get(finding.focus, (None, None))
    return ValidationResult(
        focus_node=finding.focus,
        path=finding.path,
        value=finding.value,
        severity=str(finding.severity).removeprefix(str(SH)),
        message=" | ".join(messages),
        source_shape=finding.shape,
        constraint=finding.component if isinstance(finding.component, URIRef) else None,
        path_text=(
            _path_text(paths, finding.path, _namespace_manager())
            if finding.path is not None
            else ""
        ),
        file=file,
        line=line,
        suggestions=suggestions,
    )


def _report_graph(findings: list[Finding], paths: Graph, known: Background | None) -> Graph:
    """The ``sh:ValidationReport`` graph of the final findings (suggestions as
    ``rdfs:seeAlso``); ``paths`` holds the structure of complex paths."""
    graph = report_graph(findings, paths)
    if known is not None:
        for result in set(graph.subjects(SH.sourceShape, _EXISTS)):
            value = graph.value(result, SH.value)
            target = value if value is not None else graph.value(result, SH.focusNode)
            if isinstance(target, URIRef) and str(target).startswith(BASE) and target not in known:
                for iri in known.suggest(target):
                    graph.add((result, RDFS.seeAlso, iri))
    report_from_graph(graph)  # binds the prefixes and sets sh:conforms, as before
    return graph
