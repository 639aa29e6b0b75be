"""The files a validation reads: paths, directories and globs, parsed one by one.

* A directory brings its RDF files (recursively, by suffix); a pattern with
  ``*``, ``?`` or ``[`` is a glob (``**`` recursive), expanded here so that it
  works on every shell and in a pre-commit or CI step that quotes it.
* Every named path must bring RDF: a glob matching nothing, a directory without
  RDF files, an empty file, a ``.json`` that is not JSON-LD is
  :class:`~api.rdf.parsing.NoRdfError` (exit 2 in the CLI, never "conforms").
* Each triple's subject is remembered with the file and line that describe it,
  so a report can say where a focus node is (:attr:`Inputs.origins`).
* Ill-typed literals (``"2024-06-31"^^xsd:date``, ``"abc"^^xsd:integer``) are
  kept and listed in :attr:`Inputs.ill_typed` with the lexical form and the
  reason, for the report to show them as violations.
"""

from __future__ import annotations

import contextlib
import glob
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node, XSDToPython

from api.rdf.parsing import (
    RDF_SUFFIXES,
    NoRdfError,
    RdfInputWarning,
    expand_paths,
    is_rdf_file,
    parse_file,
    rdf_format,
    read_bytes,
)

__all__ = ["IllTypedLiteral", "Inputs", "expand", "load"]

_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True)
class IllTypedLiteral:
    """A literal whose lexical form is not in its datatype's lexical space."""

    subject: Node
    predicate: URIRef
    literal: Literal
    reason: str
    file: str
    line: int | None


@dataclass
class Inputs:
    """The parsed files.

    Attributes:
        files: the files read, in order.
        graph: the union of their triples.
        origins: subject → ``(file, line)`` of the first file describing it
            (line ``None`` when it cannot be found, e.g. JSON-LD).
        ill_typed: the ill-typed literals found, in file and line order.
    """

    files: list[Path] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph)
    origins: dict[Node, tuple[str, int | None]] = field(default_factory=dict)
    ill_typed: list[IllTypedLiteral] = field(default_factory=list)


def expand(arguments: list[str]) -> list[Path]:
    """Files named by ``arguments`` (files, directories, globs), each once, in order.

    Raises:
        NoRdfError: a glob matches nothing, a directory holds no RDF file.
        MissingInputError, UnreadableInputError: see :func:`api.rdf.parsing.expand_paths`.
    """
    files: list[Path] = []
    for argument in arguments:
        if _GLOB_CHARS & set(argument) and not Path(argument).exists():
            matches = sorted(glob.glob(argument, recursive=True))
            if not matches:
                raise NoRdfError(argument, "this pattern matches no file")
            found = [p for p in expand_paths(Path(m) for m in matches) if is_rdf_file(p)]
            if not found:
                raise NoRdfError(argument, f"this pattern matches no RDF file ({_known()})")
        else:
            path = Path(argument)
            found = expand_paths([path])
            if not found:
                raise NoRdfError(path, f"no RDF files in this directory (looked for {_known()})")
        for file in found:
            if file not in files:
                files.append(file)
    return files


def load(files: list[Path]) -> Inputs:
    """Parse ``files`` one by one into :class:`Inputs`.

    Raises:
        RdfInputError: the first file that cannot be used (syntax, unknown
        type, unsafe, or :class:`NoRdfError` for a file without triples).
    """
    inputs = Inputs(files=list(files))
    for path in files:
        with warnings.catch_warnings():
            # reported as violations below instead of one warning line each
            warnings.simplefilter("ignore", RdfInputWarning)
            graph = parse_file(path)
        if len(graph) == 0:
            raise NoRdfError(path, _no_triples_reason(path))
        text = _text(path)
        lines = _subject_lines(text, graph)
        for subject in set(graph.subjects()):
            if subject not in inputs.origins:
                inputs.origins[subject] = (str(path), lines.get(subject))
        for s, p, o in graph:
            if isinstance(o, Literal) and o.ill_typed and isinstance(p, URIRef):
                line = _find_line(text, f'"{o}"') if text is not None else None
                inputs.ill_typed.append(
                    IllTypedLiteral(s, p, o, ill_typed_reason(o), str(path), line)
                )
        inputs.graph += graph
        for prefix, namespace in graph.namespaces():
            inputs.graph.bind(prefix, namespace, override=False)
    inputs.ill_typed.sort(key=lambda i: (i.file, i.line or 0, str(i.literal)))
    return inputs


def ill_typed_reason(literal: Literal) -> str:
    """Why ``literal``'s lexical form does not fit its datatype, in the converter's words.

    >>> from rdflib.namespace import XSD
    >>> ill_typed_reason(Literal("abc", datatype=XSD.integer, normalize=False))
    "invalid literal for int() with base 10: 'abc'"
    >>> ill_typed_reason(Literal("2024-06-31", datatype=XSD.date))
    'day is out of range for month'
    """
    converter = XSDToPython.get(literal.datatype) if literal.datatype is not None else None
    if converter is None:
        return f"not a valid {literal.datatype}"
    try:
        converter(str(literal))
    except Exception as exc:  # the converters raise ValueError, TypeError, ...
        return str(exc) or type(exc).__name__
    return f"not in the lexical space of {literal.datatype}"


def _known() -> str:
    return ", ".join(sorted(RDF_SUFFIXES))


def _no_triples_reason(path: Path) -> str:
    if rdf_format(path) == "json-ld":
        return "no RDF triples: not JSON-LD (no @context, @id or @type that makes triples)"
    return "no RDF triples (an empty file, or only prefixes and comments)"


def _text(path: Path) -> str | None:
    if path.suffix.lower() == ".gz":
        return None
    try:
        return read_bytes(path).decode("utf-8", errors="replace")
    except Exception:
        return None


def _subject_lines(text: str | None, graph: Graph) -> dict[Node, int]:
    """Line of each subject's description: the first line that starts with it,
    as ``<iri>`` or a prefixed name (Turtle, TriG, N-Triples, N-Quads).
    One pass over the lines; a subject not found has no line."""
    if text is None:
        return {}
    first_line: dict[str, int] = {}
    for number, content in enumerate(text.splitlines(), start=1):
        token = content.lstrip().split(None, 1)[0] if content.strip() else ""
        if token and token not in first_line:
            first_line[token] = number
    nsm = graph.namespace_manager
    found: dict[Node, int] = {}
    for subject in set(graph.subjects()):
        if not isinstance(subject, URIRef):
            continue
        forms = [f"<{subject}>"]
        with contextlib.suppress(Exception):  # no usable prefixed name
            forms.append(subject.n3(nsm))
        lines = [first_line[form] for form in forms if form in first_line]
        if lines:
            found[subject] = min(lines)
    return found


def _find_line(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return None if index < 0 else text.count("\n", 0, index) + 1
