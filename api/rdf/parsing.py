"""Parse RDF files chosen by suffix, safely, with errors that name the file and line.

Supported suffixes (each may also end in ``.gz``):

==========================  ===========  =====================
suffix                      format       rdflib parser
==========================  ===========  =====================
``.ttl``                    Turtle       ``turtle``
``.nt``                     N-Triples    ``nt``
``.nq``                     N-Quads      ``nquads``
``.trig``                   TriG         ``trig``
``.jsonld``, ``.json``      JSON-LD      ``json-ld``
``.rdf``, ``.owl``, ``.xml``  RDF/XML    ``xml``
==========================  ===========  =====================

Every problem raises a subclass of :class:`RdfInputError`, whose ``str()`` is
``path:line:column: message`` (line and column when known), so a command line
prints one readable line and an editor can jump to it:

>>> from pathlib import Path
>>> str(RdfSyntaxError(Path("graph/x.ttl"), "Bad syntax (objectList expected)", line=12, column=5))
'graph/x.ttl:12:5: Bad syntax (objectList expected)'

Safety, whatever the caller:

* RDF/XML containing ``<!DOCTYPE`` or ``<!ENTITY`` is rejected before any XML
  parser sees it (entity expansion, "billion laughs"; see
  ``shared/notes/security.md`` #6). RDF has no use for a DTD.
* JSON-LD whose ``@context`` (anywhere in the document) is a string or an array
  containing one, or uses ``@import``, is rejected: such a context would be
  fetched from the network or the file system (security.md #4). Only inline
  (object) contexts are accepted, so parsing never fetches anything.
* Decompressed input is capped (``max_bytes``) so a small ``.gz`` cannot fill
  memory.
"""

from __future__ import annotations

import gzip
import json
import re
import warnings
import xml.sax
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyoxigraph
from rdflib import Dataset, Graph
from rdflib.exceptions import ParserError
from rdflib.plugins.parsers.notation3 import BadSyntax

#: Suffix (lower case, without ``.gz``) → rdflib parser name.
RDF_SUFFIXES: dict[str, str] = {
    ".ttl": "turtle",
    ".nt": "nt",
    ".nq": "nquads",
    ".trig": "trig",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "xml",
    ".owl": "xml",
    ".xml": "xml",
}

#: Formats that carry named graphs; their quads are merged into one graph.
QUAD_FORMATS = frozenset({"nquads", "trig"})

#: Default cap on the (decompressed) size of one input file: 512 MiB.
DEFAULT_MAX_BYTES = 512 * 1024 * 1024

_OXIGRAPH_FORMATS = {
    "nt": pyoxigraph.RdfFormat.N_TRIPLES,
    "nquads": pyoxigraph.RdfFormat.N_QUADS,
}
_DTD_RE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


class RdfInputError(Exception):
    """An RDF input that cannot be used. Base of every error in this module.

    Attributes:
        path: the file (as the caller named it).
        line: 1-based line of the problem, or ``None`` when the parser does not say.
        column: 1-based column, or ``None``.
        message: the problem, in the parser's words where there is a parser.
    """

    def __init__(
        self,
        path: Path | str,
        message: str,
        *,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.message = message
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class UnknownFormatError(RdfInputError):
    """The file's suffix names no RDF format this project reads."""


class RdfSyntaxError(RdfInputError):
    """The parser rejected the file's content."""


class UnsafeInputError(RdfInputError):
    """The file asks for something never done: entity expansion, remote fetches."""


class MissingInputError(RdfInputError):
    """The path does not exist."""


def rdf_format(path: Path) -> str:
    """Return the rdflib parser name for ``path``, chosen by its suffix.

    >>> rdf_format(Path("graph/nemo.ttl")), rdf_format(Path("dump.nq.gz"))
    ('turtle', 'nquads')

    Raises:
        UnknownFormatError: the suffix is not one of :data:`RDF_SUFFIXES`.
    """
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    suffix = suffixes[-1] if suffixes else ""
    try:
        return RDF_SUFFIXES[suffix]
    except KeyError:
        known = ", ".join(sorted(RDF_SUFFIXES))
        shown = suffix or "(none)"
        raise UnknownFormatError(
            path, f"unknown RDF file type {shown!r}; expected one of {known} (optionally .gz)"
        ) from None


def is_rdf_file(path: Path) -> bool:
    """True when ``path``'s suffix names a format :func:`rdf_format` knows."""
    try:
        rdf_format(path)
    except UnknownFormatError:
        return False
    return True


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Expand directories into their RDF files (recursively, sorted).

    Files named explicitly are kept whatever their suffix, so that an unknown
    suffix is reported by :func:`parse_file` instead of being skipped silently.
    Hidden files and folders (``.name``) inside a directory are skipped.

    Raises:
        MissingInputError: a path does not exist.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.is_file()
                    and is_rdf_file(p)
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        elif path.exists():
            found.append(path)
        else:
            raise MissingInputError(path, "no such file or directory")
    return found


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read ``path`` (decompressing ``.gz``), refusing more than ``max_bytes``.

    Raises:
        MissingInputError, RdfSyntaxError (corrupt gzip), UnsafeInputError (too big).
    """
    try:
        if path.suffix.lower() == ".gz":
            with gzip.open(path, "rb") as stream:
                data = stream.read(max_bytes + 1)
        else:
            with path.open("rb") as stream:
                data = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise MissingInputError(path, "no such file or directory") from None
    except IsADirectoryError:
        raise RdfInputError(path, "is a directory, not a file") from None
    except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
        raise RdfSyntaxError(path, f"cannot read: {exc}") from None
    if len(data) > max_bytes:
        raise UnsafeInputError(path, f"larger than {max_bytes} bytes (decompressed); refused")
    return data


def parse_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Graph:
    """Parse one RDF file into a new :class:`~rdflib.Graph`.

    Quads (N-Quads, TriG) are merged into the one graph: callers that need the
    named graphs read them with rdflib's ``Dataset`` directly.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp, "x.nt")
    ...     _ = path.write_text('<https://e.org/a> <https://e.org/b> "c" .\\n')
    ...     len(parse_file(path))
    1

    Raises:
        UnknownFormatError, MissingInputError, RdfSyntaxError, UnsafeInputError
        (all :class:`RdfInputError`).
    """
    fmt = rdf_format(path)
    data = read_bytes(path, max_bytes=max_bytes)
    if fmt == "xml":
        _reject_dtd(path, data)
    elif fmt == "json-ld":
        _check_json_ld(path, data)
    base = path.resolve().as_uri()
    try:
        with warnings.catch_warnings():
            # rdflib's own N-Quads/TriG parsers use its deprecated ConjunctiveGraph API.
            warnings.simplefilter("ignore", DeprecationWarning)
            return _parse(data, fmt, base)
    except RdfInputError:
        raise
    except BadSyntax as exc:
        raise from_bad_syntax(path, exc) from None
    except xml.sax.SAXParseException as exc:
        column = exc.getColumnNumber()
        raise RdfSyntaxError(
            path,
            exc.getMessage(),
            line=exc.getLineNumber(),
            column=column + 1 if column is not None and column >= 0 else None,
        ) from None
    except ParserError as exc:
        line, column, reason = _locate_line_error(data, fmt)
        text = str(exc.msg).strip()
        message = reason or (text.splitlines()[0].rstrip(":") if text else "parse error")
        raise RdfSyntaxError(path, message, line=line, column=column) from None
    except RecursionError:
        raise RdfSyntaxError(path, "nesting too deep to parse") from None
    except Exception as exc:  # any other parser failure is still bad input
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RdfSyntaxError(path, f"{type(exc).__name__}: {message}") from None


def parse_into(target: Graph, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Parse ``path`` and add its triples to ``target``; return how many it held.

    Nothing is added when the file fails to parse.
    """
    graph = parse_file(path, max_bytes=max_bytes)
    target += graph
    return len(graph)


def parse_paths(paths: Iterable[Path], *, into: Graph | None = None) -> Graph:
    """Parse every file (directories expanded) into one graph.

    Raises:
        RdfInputError: for the first file that cannot be used.
    """
    graph = Graph() if into is None else into
    for path in expand_paths(paths):
        parse_into(graph, path)
    return graph


# --- helpers -----------------------------------------------------------------


def _parse(data: bytes, fmt: str, base: str) -> Graph:
    if fmt in QUAD_FORMATS:
        dataset = Dataset()
        dataset.parse(data=data, format=fmt, publicID=base)
        graph = Graph()
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
        return graph
    graph = Graph()
    graph.parse(data=data, format=fmt, publicID=base)
    return graph


def from_bad_syntax(path: Path, exc: BadSyntax) -> RdfSyntaxError:
    """Turn rdflib's Turtle/TriG ``BadSyntax`` into line, column and message."""
    line = exc.lines + 1
    column = None
    try:
        text = exc._str.decode("utf-8")
        index = exc._i
        if 0 <= index <= len(text) and text.count("\n", 0, index) + 1 == line:
            column = index - (text.rfind("\n", 0, index) + 1) + 1
    except (AttributeError, UnicodeDecodeError):  # pragma: no cover - rdflib internals
        pass
    why = getattr(exc, "_why", None) or str(exc)
    return RdfSyntaxError(path, f"Bad syntax ({why})", line=line, column=column)


def _locate_line_error(data: bytes, fmt: str) -> tuple[int | None, int | None, str | None]:
    """Line, column and reason of an N-Triples/N-Quads error.

    rdflib's line parsers say neither the line nor, clearly, the reason;
    pyoxigraph's parsers say both ("Quads must be followed by a dot").
    """
    oxi_format = _OXIGRAPH_FORMATS.get(fmt)
    if oxi_format is None:
        return None, None, None
    try:
        for _ in pyoxigraph.parse(data, oxi_format):
            pass
    except SyntaxError as exc:
        reason = str(exc.msg).split(": ", 1)[-1].strip() if exc.msg else None
        return exc.lineno, exc.offset, reason or None
    except Exception:  # pragma: no cover - only locating, never the real error
        return None, None, None
    return None, None, None


def _reject_dtd(path: Path, data: bytes) -> None:
    """Refuse RDF/XML with a document type declaration or entity declarations."""
    text = data
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            text = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise RdfSyntaxError(path, "not valid UTF-16") from None
    elif b"\x00" in data[:512]:
        raise UnsafeInputError(path, "RDF/XML must be UTF-8 or UTF-16 with a byte order mark")
    match = _DTD_RE.search(text)
    if match:
        line = text.count(b"\n", 0, match.start()) + 1
        column = match.start() - (text.rfind(b"\n", 0, match.start()) + 1) + 1
        keyword = match.group(1).decode("ascii").upper()
        raise UnsafeInputError(
            path,
            f"RDF/XML with <!{keyword}> refused: DTDs and entity declarations are "
            "not allowed (entity expansion)",
            line=line,
            column=column,
        )


def _check_json_ld(path: Path, data: bytes) -> None:
    """Parse the JSON and refuse contexts that would be fetched."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise RdfSyntaxError(path, f"not UTF-8: {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise RdfSyntaxError(path, exc.msg, line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise RdfSyntaxError(path, "nesting too deep to parse") from None
    for context in _contexts(document):
        for entry in context if isinstance(context, list) else [context]:
            if isinstance(entry, str):
                raise UnsafeInputError(
                    path,
                    f"JSON-LD @context {entry!r} refused: remote or file contexts are never "
                    "fetched; inline the context",
                )
            if isinstance(entry, dict) and "@import" in entry:
                raise UnsafeInputError(
                    path,
                    f"JSON-LD @import {entry['@import']!r} refused: contexts are never fetched",
                )


def _contexts(node: Any) -> Iterator[Any]:
    """Every ``@context`` value in a JSON document, at any depth."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key == "@context":
                    yield value
                stack.append(value)
        elif isinstance(current, list):
            stack.extend(current)
