"""The files a validation reads: paths, directories and globs, streamed into a store.

* A directory brings its RDF files (recursively, by suffix); a pattern with
  ``*``, ``?`` or ``[`` is a glob (``**`` recursive), expanded here so that it
  works on every shell and in a pre-commit or CI step that quotes it.
* Every named path must bring RDF: a glob matching nothing, a directory without
  RDF files, an empty file, a ``.json`` that is not JSON-LD is
  :class:`~api.rdf.parsing.NoRdfError` (exit 2 in the CLI, never "conforms").
* :func:`load` streams each file with Oxigraph's parsers (Turtle, N-Triples,
  N-Quads, TriG, RDF/XML; ``.gz`` too) into the default graph of one in-memory
  :class:`pyoxigraph.Store`, the store the SHACL engine validates: no rdflib
  graph, no size cap. Only JSON-LD (whose remote contexts are refused after
  reading the whole JSON document) and UTF-16 RDF/XML (which Oxigraph does not
  decode: it is converted to UTF-8 here) are read whole, up to
  :data:`WHOLE_DOCUMENT_MAX_BYTES`.
  RDF/XML is scanned for a DTD first (entity expansion is refused, as in
  :mod:`api.rdf.parsing`). A syntax error is an
  :class:`~api.rdf.parsing.RdfSyntaxError` naming the file, line and column.
* The file and line of a focus node are found after validation, for the focus
  nodes of the results only (:meth:`LoadedInputs.origins_of`): the first file
  describing it (one file: that one; several: recorded while streaming them)
  and there the first line that starts with the node (``<iri>`` or a prefixed
  name; Turtle, TriG, N-Triples, N-Quads).
* Ill-typed literals (``"2024-06-31"^^xsd:date``, ``"abc"^^xsd:integer``) are
  found by one SPARQL query over the store (Oxigraph keeps them as written and
  its casts tell; rdflib's converter confirms each and gives the reason) and
  listed in :attr:`LoadedInputs.ill_typed`, for the report to show them as
  violations. Oxigraph's store keeps derived integer types (``xsd:byte``,
  ``xsd:nonNegativeInteger``…) as ``xsd:integer``, so a file that names one is
  streamed through Python and its literals of those types checked on the way.

:class:`Inputs` is the same for RDF already parsed with rdflib (an upload).
"""

from __future__ import annotations

import contextlib
import glob
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node, XSDToPython

from api.rdf.parsing import (
    DEFAULT_MAX_BYTES,
    RDF_SUFFIXES,
    NoRdfError,
    RdfSyntaxError,
    UnsafeInputError,
    expand_paths,
    is_rdf_file,
    quiet_ill_typed_literals,
    rdf_format,
)
from api.rdf.parsing import _check_json_ld as check_json_ld
from api.shacl.compile import CHECKED_DATATYPES, lexical_form_check
from api.shacl.run import load_store, to_ox, to_rdflib
from api.validate.files import (
    DERIVED_INTEGERS,
    OX_FORMATS,
    first_lines,
    has_a_triple,
    open_stream,
    oxigraph_errors,
    prescan,
    read_whole,
)

__all__ = [
    "WHOLE_DOCUMENT_MAX_BYTES",
    "IllTypedLiteral",
    "Inputs",
    "LoadedInputs",
    "expand",
    "load",
]

_GLOB_CHARS = frozenset("*?[")
#: Largest (decompressed) file read as a whole document: JSON-LD, UTF-16 RDF/XML.
WHOLE_DOCUMENT_MAX_BYTES = DEFAULT_MAX_BYTES
_QUAD_FORMATS = frozenset({"nquads", "trig"})
_RDF_NS = str(RDF)
#: Datatypes rdflib checks that Oxigraph has no cast for: every such literal is a candidate.
_UNCHECKED = frozenset(
    URIRef(iri)
    for iri in (
        "http://www.w3.org/2001/XMLSchema#hexBinary",
        "http://www.w3.org/2001/XMLSchema#base64Binary",
        _RDF_NS + "XMLLiteral",
        _RDF_NS + "HTML",
    )
)
_XML_ENCODING = re.compile(r"""^(<\?xml[^>]*?\bencoding\s*=\s*)["'][^"']*["']""")
Opener = Callable[[], contextlib.AbstractContextManager[IO[bytes]]]


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
    """RDF parsed with rdflib (an upload): what :class:`LoadedInputs` holds, as a graph.

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


@dataclass
class LoadedInputs:
    """The files, streamed into the store that is validated.

    Attributes:
        files: the files read, in order.
        store: their triples, in its default graph (named graphs merged).
        ill_typed: the ill-typed literals found (``file``: the file when known,
            ``line``: ``None``; a report gives the line of the focus node).
        origins: focus node → ``(file, line)``, filled by :meth:`origins_of`.
        first_file: with several files, subject → index of the first file
            describing it (recorded while streaming; one file needs none).
    """

    files: list[Path]
    store: ox.Store
    ill_typed: list[IllTypedLiteral] = field(default_factory=list)
    origins: dict[Node, tuple[str, int | None]] = field(default_factory=dict)
    first_file: dict[ox.NamedNode | ox.BlankNode, int] = field(default_factory=dict)

    @classmethod
    def from_inputs(cls, inputs: Inputs) -> LoadedInputs:
        """RDF parsed with rdflib (its origins already known) in a new store."""
        loaded = cls(files=list(inputs.files), store=load_store([inputs.graph]))
        loaded.ill_typed = list(inputs.ill_typed)
        loaded.origins = dict(inputs.origins)
        return loaded

    def describes(self, node: Node) -> bool:
        """The input has a triple whose subject is ``node`` (ask before background
        triples are added to the store, or after they are removed)."""
        term = None if isinstance(node, Literal) else to_ox(node)
        if not isinstance(term, ox.NamedNode | ox.BlankNode):
            return False
        pattern = self.store.quads_for_pattern(term, None, None, ox.DefaultGraph())
        return next(pattern, None) is not None

    def origins_of(self, nodes: Iterable[Node]) -> dict[Node, tuple[str, int | None]]:
        """``(file, line)`` of each of ``nodes`` that the input describes: the first
        file describing it, and there the first line starting with it (IRIs in
        Turtle, TriG, N-Triples and N-Quads; ``None`` otherwise). Each file is
        scanned once, for all its nodes, and only here (after validation)."""
        wanted = list(dict.fromkeys(nodes))
        pending: dict[int, list[Node]] = {}
        for node in wanted:
            index = None if node in self.origins else self._file_of(node)
            if index is not None:
                pending.setdefault(index, []).append(node)
        for index, group in pending.items():
            path = self.files[index]
            lines = first_lines(path, {str(n) for n in group if isinstance(n, URIRef)})
            for node in group:
                line = lines.get(str(node)) if isinstance(node, URIRef) else None
                self.origins[node] = (str(path), line)
        return {node: self.origins[node] for node in wanted if node in self.origins}

    def _file_of(self, node: Node) -> int | None:
        if not self.files or isinstance(node, Literal):
            return None
        if len(self.files) == 1:
            return 0
        return self.first_file.get(to_ox(node))  # type: ignore[arg-type]


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


def load(files: list[Path]) -> LoadedInputs:
    """Stream ``files`` one by one into a new store (see the module docstring).

    Raises:
        RdfInputError: the first file that cannot be used (syntax, unknown
        type, unsafe, or :class:`NoRdfError` for a file without triples).
    """
    loaded = LoadedInputs(files=list(files), store=ox.Store())
    with quiet_ill_typed_literals():
        for index, path in enumerate(files):
            _load_file(loaded, index, path)
        found = {(i.subject, i.predicate, i.literal) for i in loaded.ill_typed}
        for item in _ill_typed_in_store(loaded):
            if (item.subject, item.predicate, item.literal) not in found:
                loaded.ill_typed.append(item)
    return loaded


def _load_file(loaded: LoadedInputs, index: int, path: Path) -> None:
    """Stream ``path`` into ``loaded.store``: Oxigraph's loader when nothing needs to
    be seen on the way, else through Python (several files: the first file
    of each subject; quads: into the default graph; derived integer types)."""
    fmt = rdf_format(path)
    base = path.resolve().as_uri()
    opener = _opener(path, fmt)
    with oxigraph_errors(path):
        derived = prescan(opener, path)
        if not has_a_triple(opener, fmt, base):
            raise NoRdfError(path, _no_triples_reason(path))
        record = len(loaded.files) > 1
        with opener() as stream:
            if record or derived or fmt in _QUAD_FORMATS:
                quads = ox.parse(stream, OX_FORMATS[fmt], base_iri=base, rename_blank_nodes=True)
                loaded.store.bulk_extend(_watched(quads, loaded, index, record, derived))
            else:
                # One transaction, parsed as a stream: less memory than bulk_load
                # (370 against 580 MiB for 10^6 triples), as fast.
                loaded.store.load(
                    stream, OX_FORMATS[fmt], base_iri=base, to_graph=ox.DefaultGraph()
                )


def _opener(path: Path, fmt: str) -> Opener:
    """How to (re)open ``path`` for Oxigraph.

    JSON-LD is read whole (its contexts are checked before parsing); RDF/XML
    that is not UTF-8 is read whole and converted (Oxigraph reads UTF-8 only).
    Everything else is streamed from the file.
    """
    if fmt == "json-ld":
        why = "JSON-LD is read as a whole document (its contexts are checked first)"
        data = read_whole(path, WHOLE_DOCUMENT_MAX_BYTES, why)
        check_json_ld(path, data)
        return _bytes_opener(data)
    if fmt == "xml" and _not_utf8(path):
        why = "RDF/XML that is not UTF-8 is decoded as a whole document"
        data = read_whole(path, WHOLE_DOCUMENT_MAX_BYTES, why)
        return _bytes_opener(_utf16_to_utf8(path, data))
    return lambda: open_stream(path)


def _utf16_to_utf8(path: Path, data: bytes) -> bytes:
    """UTF-16 RDF/XML (with a byte order mark) as UTF-8, its XML declaration to match.

    Raises:
        UnsafeInputError: no byte order mark (as :func:`api.rdf.parsing.parse_data`).
        RdfSyntaxError: not valid UTF-16.
    """
    if data[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        raise UnsafeInputError(path, "RDF/XML must be UTF-8 or UTF-16 with a byte order mark")
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        raise RdfSyntaxError(path, "not valid UTF-16") from None
    return _XML_ENCODING.sub(r'\1"UTF-8"', text, count=1).encode("utf-8")


def _bytes_opener(data: bytes) -> Opener:
    return lambda: contextlib.nullcontext(io.BytesIO(data))


def _not_utf8(path: Path) -> bool:
    """A byte order mark of UTF-16, or NUL bytes at the start (UTF-16/32 without one)."""
    with open_stream(path) as stream:
        start = stream.read(512)
    return start[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in start


def _watched(
    quads: Iterator[ox.Quad], loaded: LoadedInputs, index: int, record: bool, derived: bool
) -> Iterator[ox.Quad]:
    """``quads`` into the default graph, noting each subject's first file (``record``)
    and the ill-typed literals of derived integer types (``derived``) on the way."""
    first = loaded.first_file
    path = str(loaded.files[index])
    for quad in quads:
        subject, obj = quad.subject, quad.object
        if record and subject not in first:
            first[subject] = index  # type: ignore[index]
        if derived and isinstance(obj, ox.Literal) and obj.datatype.value in DERIVED_INTEGERS:
            literal = Literal(obj.value, datatype=URIRef(obj.datatype.value))
            if literal.ill_typed:
                loaded.ill_typed.append(
                    IllTypedLiteral(
                        to_rdflib(subject),
                        URIRef(quad.predicate.value),
                        literal,
                        ill_typed_reason(literal),
                        path,
                        None,
                    )
                )
        yield ox.Quad(subject, quad.predicate, obj)


def _ill_typed_in_store(loaded: LoadedInputs) -> list[IllTypedLiteral]:
    """The ill-typed literals of the store: Oxigraph's casts find the candidates in
    one pass, rdflib's converters confirm each one (and give the reason)."""
    checked = sorted(CHECKED_DATATYPES)
    valid = " || ".join(f"(?dt = {d.n3()} && {lexical_form_check(d, '?o')})" for d in checked)
    listed = ", ".join(d.n3() for d in [*checked, *sorted(_UNCHECKED)])
    query = (
        'SELECT ?s ?p ?o WHERE { ?s ?p ?o . FILTER(isLiteral(?o) && LANG(?o) = "") '
        f"BIND(DATATYPE(?o) AS ?dt) FILTER(?dt IN ({listed}) && !({valid})) }}"
    )
    found: list[IllTypedLiteral] = []
    for row in loaded.store.query(query):  # type: ignore[union-attr]
        obj = row["o"]
        literal = Literal(obj.value, datatype=URIRef(obj.datatype.value))
        if not literal.ill_typed:
            continue  # e.g. " 12 "^^xsd:integer: Oxigraph's cast is stricter than XSD
        subject = to_rdflib(row["s"])
        file = loaded.files[loaded._file_of(subject) or 0] if loaded.files else None
        found.append(
            IllTypedLiteral(
                subject,
                URIRef(row["p"].value),
                literal,
                ill_typed_reason(literal),
                str(file) if file is not None else "",
                None,
            )
        )
    return found


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
