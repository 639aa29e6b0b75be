"""``ccai validate``'s pieces: inputs, profiles, background, one run.

:func:`validate_paths` is the whole command without the printing:

1. **inputs** (:mod:`api.validate.inputs`): files, directories and globs,
   parsed file by file; "nothing to validate" is an error, never a pass;
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
3. **engine**: :func:`api.validation.run_engine` returns the
   ``sh:ValidationReport`` graph; then results about background nodes are
   dropped (only nodes the input describes are reported), ill-typed literals
   are added as violations with their lexical form and reason, dangling links
   get the nearest existing IRIs (``rdfs:seeAlso`` on the result), and each
   result gets the file and line of its focus node.
"""

from __future__ import annotations

import dataclasses
import functools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from api.namespaces import BASE
from api.rdf.parsing import NoRdfError, RdfInputError, parse_paths, rdf_files_in
from api.resources import shapes_dir
from api.validate.background import Background
from api.validate.inputs import Inputs, expand, load
from api.validation import (
    SH,
    SHAPES,
    ValidationReport,
    ValidationResult,
    load_ontology,
    report_from_graph,
    run_engine,
)

__all__ = [
    "FAIL_ON",
    "PROFILES",
    "Background",
    "Inputs",
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
) -> Outcome:
    """Validate the RDF named by ``arguments`` (files, directories, globs).

    Args:
        arguments: what to validate; at least one.
        profile: ``core`` or ``linkset`` (see the module docstring).
        shapes: directories of extra SHACL shapes.
        graph: for ``linkset``, a build directory (or a folder of RDF) to use
            as background instead of the installed package's graph.

    Raises:
        RdfInputError: unusable input (nothing to validate included).
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    if not arguments:
        raise NoRdfError(Path("."), "nothing to validate: name RDF files, directories or globs")
    files = expand(list(arguments))
    inputs = load(files)
    timings["parse"] = time.perf_counter() - clock
    outcome = validate_inputs(inputs, profile=profile, shapes=shapes, graph=graph)
    outcome.timings = {**timings, **outcome.timings}
    return outcome


def validate_inputs(
    inputs: Inputs,
    *,
    profile: str = "core",
    shapes: Sequence[Path] = (),
    graph: Path | None = None,
) -> Outcome:
    """Validate parsed :class:`~api.validate.inputs.Inputs` (steps 2 and 3 of
    the module docstring): the entry point for a caller that parsed the data
    itself (an upload). Arguments as :func:`validate_paths`.

    Raises:
        ValueError: an unknown profile.
        RdfInputError: extra shapes or a ``graph`` background that cannot be used.
    """
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
        background = known.context_for(inputs.graph)
        origin = known.origin
    else:
        background = _ontology()
        origin = "the ontology and the vocabularies"
    timings["background"] = time.perf_counter() - clock

    clock = time.perf_counter()
    _conforms, report_graph = run_engine(inputs.graph, shapes_graph, background)
    _keep_only_input_nodes(report_graph, inputs.graph)
    _add_ill_typed(report_graph, inputs)
    if known is not None:
        _add_suggestions(report_graph, known)
    report = report_from_graph(report_graph)
    report.results = [_located(r, inputs) for r in report.results]
    timings["validate"] = time.perf_counter() - clock
    return Outcome(report, list(inputs.files), profile, origin, timings)


# --- helpers -----------------------------------------------------------------


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


def _report_nodes(report_graph: Graph) -> list[Node]:
    return list(report_graph.subjects(RDF.type, SH.ValidationReport))


def _keep_only_input_nodes(report_graph: Graph, data: Graph) -> None:
    """Drop results whose focus node the input does not describe (background)."""
    described = set(data.subjects())
    for report in _report_nodes(report_graph):
        for result in list(report_graph.objects(report, SH.result)):
            if report_graph.value(result, SH.focusNode) not in described:
                report_graph.remove((report, SH.result, result))
    _collect_garbage(report_graph)


def _collect_garbage(report_graph: Graph) -> None:
    """Remove blank-node descriptions no report reaches any more."""
    reachable: set[Node] = set()
    stack: list[Node] = _report_nodes(report_graph)
    while stack:
        node = stack.pop()
        if node in reachable:
            continue
        reachable.add(node)
        stack.extend(o for o in report_graph.objects(node) if isinstance(o, BNode))
    for subject in set(report_graph.subjects()):
        if isinstance(subject, BNode) and subject not in reachable:
            report_graph.remove((subject, None, None))


def _add_ill_typed(report_graph: Graph, inputs: Inputs) -> None:
    """One violation per ill-typed literal (replacing an engine's datatype result)."""
    if not inputs.ill_typed:
        return
    reports = _report_nodes(report_graph)
    report = reports[0] if reports else BNode()
    if not reports:
        report_graph.add((report, RDF.type, SH.ValidationReport))
    nsm = inputs.graph.namespace_manager
    for item in inputs.ill_typed:
        for result in list(report_graph.objects(report, SH.result)):
            if (
                report_graph.value(result, SH.focusNode) == item.subject
                and report_graph.value(result, SH.resultPath) == item.predicate
                and report_graph.value(result, SH.value) == item.literal
            ):
                report_graph.remove((report, SH.result, result))
        datatype = item.literal.datatype
        shown = URIRef(datatype).n3(nsm) if datatype is not None else "its datatype"
        message = f'"{item.literal}" is not a valid {shown}: {item.reason}'
        result = BNode()
        report_graph.add((report, SH.result, result))
        for predicate, value in (
            (RDF.type, SH.ValidationResult),
            (SH.focusNode, item.subject),
            (SH.resultPath, item.predicate),
            (SH.value, item.literal),
            (SH.resultSeverity, SH.Violation),
            (SH.sourceConstraintComponent, SH.DatatypeConstraintComponent),
            (SH.sourceShape, WELL_TYPED),
            (SH.resultMessage, Literal(message, lang="en")),
        ):
            report_graph.add((result, predicate, value))
    _collect_garbage(report_graph)


def _add_suggestions(report_graph: Graph, known: Background) -> None:
    """``rdfs:seeAlso`` the nearest existing IRIs on each dangling-link result."""
    for result in set(report_graph.subjects(SH.sourceShape, _EXISTS)):
        value = report_graph.value(result, SH.value)
        focus = report_graph.value(result, SH.focusNode)
        target = value if value is not None else focus
        if not isinstance(target, URIRef) or not str(target).startswith(BASE):
            continue
        if target in known:
            continue
        for iri in known.suggest(target):
            report_graph.add((result, RDFS.seeAlso, iri))


def _located(result: ValidationResult, inputs: Inputs) -> ValidationResult:
    where = inputs.origins.get(result.focus_node)
    if where is None:
        return result
    file, line = where
    return dataclasses.replace(result, file=file, line=line)
