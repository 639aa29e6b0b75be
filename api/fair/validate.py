"""Check a DCAT description against the official DCAT-AP 3.0.1 SHACL shapes.

The shapes are not shipped with the package (they belong to SEMIC, CC BY 4.0);
pass the folder holding them, laid out as in ``../shared/standards/dcat-ap/3.0.1``::

    dcat-ap-SHACL.ttl, ranges.ttl           generated shapes of the 3.0.1 release
    grouped/shapes.ttl, grouped/range.ttl   the same constraints, grouped as in 2.x
    grouped/shapes_recommended.ttl          recommended properties (warnings)
    grouped/mdr-vocabularies.shape.ttl      values from the EU code lists
    grouped/deprecateduris.ttl              DCAT 2 terms deprecated in DCAT-AP 3

:data:`PROFILES` names the combinations. ``generated`` has to drop five
``sh:property`` references of ``ranges.ttl`` that point to property shapes
defined in neither file (an inconsistency of the upstream generator; pySHACL
refuses such shapes as "not a well-formed SHACL PropertyShape"). Nothing else is
changed in the official files.

Example::

    outcome = validate_dcat_ap(graph, Path("../shared/standards/dcat-ap/3.0.1"))
    assert outcome.violations == [], outcome.text
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.term import Node

__all__ = ["PROFILES", "ShapeResult", "ValidationOutcome", "load_shapes", "validate_dcat_ap"]

SH = Namespace("http://www.w3.org/ns/shacl#")

PROFILES: Final[dict[str, tuple[str, ...]]] = {
    "core": ("grouped/shapes.ttl", "grouped/range.ttl"),
    "generated": ("dcat-ap-SHACL.ttl", "ranges.ttl"),
    "recommended": ("grouped/shapes_recommended.ttl",),
    "vocabularies": ("grouped/mdr-vocabularies.shape.ttl",),
    "deprecated": ("grouped/deprecateduris.ttl",),
}


@dataclass(frozen=True)
class ShapeResult:
    """One SHACL validation result, flattened for printing."""

    severity: str
    focus: str
    path: str
    message: str
    shape: str

    def __str__(self) -> str:
        return f"[{self.severity}] {self.focus} {self.path}: {self.message} ({self.shape})"


@dataclass(frozen=True)
class ValidationOutcome:
    profile: str
    results: tuple[ShapeResult, ...]
    text: str

    @property
    def violations(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[ShapeResult]:
        return [r for r in self.results if r.severity == "Warning"]


def load_shapes(directory: Path, profile: str = "core") -> Graph:
    """The shapes graph of one profile; KeyError for an unknown profile name,
    FileNotFoundError when a file is missing."""
    shapes = Graph()
    for name in PROFILES[profile]:
        path = Path(directory) / name
        if not path.is_file():
            raise FileNotFoundError(path)
        shapes.parse(path, format="turtle")
    dangling = [
        (shape, ref)
        for shape, ref in shapes.subject_objects(SH.property)
        if (ref, None, None) not in shapes
    ]
    for shape, ref in dangling:
        shapes.remove((shape, SH.property, ref))
    return shapes


def validate_dcat_ap(graph: Graph, directory: Path, profile: str = "core") -> ValidationOutcome:
    """Validate ``graph`` (no inference, offline) against one profile of the shapes."""
    _conforms, report, text = validate(
        graph,
        shacl_graph=load_shapes(directory, profile),
        inference="none",
        allow_warnings=True,
    )
    results = tuple(
        sorted(
            (_result(report, r) for r in report.objects(None, SH.result)),  # top level only
            key=lambda r: (r.severity, r.focus, r.path, r.message),
        )
    )
    return ValidationOutcome(profile, results, str(text))


def _result(report: Graph, node: Node) -> ShapeResult:
    def text(predicate: Node) -> str:
        value = report.value(node, predicate)
        return "" if value is None else str(value)

    return ShapeResult(
        severity=text(SH.resultSeverity).rsplit("#", 1)[-1],
        focus=text(SH.focusNode),
        path=text(SH.resultPath),
        message=text(SH.resultMessage),
        shape=text(SH.sourceShape),
    )
