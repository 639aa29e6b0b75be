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
* Hostile files never hang or crash a command: only regular files are opened
  (a FIFO, socket or device is refused by its ``stat`` type, and the file is
  opened non-blocking and checked again with ``fstat``), a directory walk
  refuses symbolic link loops (a seen-set of ``(st_dev, st_ino)``), and an
  unreadable file or directory is an :class:`UnreadableInputError` naming it.
* Nothing is not RDF: :func:`parse_paths` raises :class:`NoRdfError` for a
  directory without RDF files or a file without triples (an empty file, JSON
  that is not JSON-LD), so a validation never "conforms" about nothing.
* Ill-typed literals (``"2024-06-31"^^xsd:date``) are kept, as RDF says, and
  reported as one-line :class:`RdfInputWarning` warnings instead of rdflib's
  logged tracebacks (see :func:`quiet_ill_typed_literals`).
"""

from __future__ import annotations

import errno
import gzip
import json
import logging
import os
import re
import stat
import warnings
import xml.sax
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pyoxigraph
from rdflib import Dataset, Graph, Literal
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


class UnreadableInputError(RdfInputError):
    """The path exists but cannot be read as RDF: permission denied, a FIFO,
    socket or device instead of a regular file, or a symbolic link loop."""


class NoRdfError(RdfInputError):
    """A directory without RDF files, or a file without a single triple."""


class RdfInputWarning(UserWarning):
    """Usable input with a problem worth a line on standard error (an ill-typed literal).

    Its text is ``path:line: message`` like :class:`RdfInputError`'s; ``where``
    (``path:line``) and ``text`` (the message) are its two parts.
    """

    def __init__(self, where: str, text: str) -> None:
        super().__init__(f"{where}: {text}")
        self.where = where
        self.text = text


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
    Symbolic links are followed, each directory walked once.

    Raises:
        MissingInputError: a path does not exist (or is a broken symbolic link).
        UnreadableInputError: a path, or an RDF file or folder met in a
            directory, is unreadable, not a regular file, or a symbolic link loop.
    """
    found: list[Path] = []
    for path in paths:
        info = _stat(path)
        if stat.S_ISDIR(info.st_mode):
            found.extend(rdf_files_in(path))
        else:
            _require_regular(path, info)
            found.append(path)
    return found


def rdf_files_in(
    folder: Path, *, recursive: bool = True, suffixes: Iterable[str] | None = None
) -> list[Path]:
    """The RDF files under ``folder`` (sorted), skipping hidden names.

    ``suffixes`` (lower case, e.g. ``{".ttl"}``) narrows :data:`RDF_SUFFIXES`
    down. A directory reached twice (through symbolic links) is walked once;
    one that leads back to a folder being walked is a loop, refused.

    Raises:
        MissingInputError, UnreadableInputError: see :func:`expand_paths`.
    """
    wanted = None if suffixes is None else {s.lower() for s in suffixes}
    root_info = _stat(folder)
    if not stat.S_ISDIR(root_info.st_mode):
        raise UnreadableInputError(folder, f"is {_file_type(root_info.st_mode)}, not a directory")
    root_key = (root_info.st_dev, root_info.st_ino)
    visited = {root_key}
    stack: list[tuple[Path, dict[tuple[int, int], Path]]] = [(folder, {root_key: folder})]
    found: list[Path] = []
    while stack:  # depth first, in name order: a folder linked twice is walked by its first name
        current, ancestors = stack.pop()
        subfolders: list[tuple[Path, dict[tuple[int, int], Path]]] = []
        for path in _list_dir(current):
            if path.name.startswith("."):
                continue
            wanted_file = is_rdf_file(path) and (wanted is None or _suffix(path) in wanted)
            info = _entry_stat(path, strict=wanted_file)
            if info is None:
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    raise UnreadableInputError(
                        path, f"symbolic link loop: leads back to {ancestors[key]}"
                    )
                if recursive and key not in visited:
                    visited.add(key)
                    subfolders.append((path, {**ancestors, key: path}))
            elif wanted_file:
                _require_regular(path, info)
                found.append(path)
        stack.extend(reversed(subfolders))
    return sorted(found)


def read_bytes(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """Read ``path`` (decompressing ``.gz``), refusing more than ``max_bytes``.

    Only a regular file is opened, non-blocking: a FIFO, socket or device is
    refused without waiting for a writer.

    Raises:
        MissingInputError, UnreadableInputError (permission denied, not a regular
        file), RdfSyntaxError (corrupt gzip), UnsafeInputError (too big).
    """
    with open_regular(path) as raw:
        try:
            if path.suffix.lower() == ".gz":
                with gzip.GzipFile(fileobj=raw, mode="rb") as stream:
                    data = stream.read(max_bytes + 1)
            else:
                data = raw.read(max_bytes + 1)
        except (OSError, EOFError) as exc:  # gzip.BadGzipFile is an OSError
            raise RdfSyntaxError(path, f"cannot read: {exc}") from None
    if len(data) > max_bytes:
        raise UnsafeInputError(path, f"larger than {max_bytes} bytes (decompressed); refused")
    return data


def open_regular(path: Path) -> IO[bytes]:
    """Open ``path`` for reading in binary mode, if it is a regular file.

    The type is checked with ``stat`` before opening (a socket or device is
    never opened) and with ``fstat`` after a non-blocking open (a FIFO swapped
    in meanwhile does not block).

    Raises:
        MissingInputError, UnreadableInputError (also for a directory).
    """
    _require_regular(path, _stat(path))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _os_error(path, exc) from None
    try:
        _require_regular(path, os.fstat(fd))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


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

    Ill-typed literals are kept and reported as :class:`RdfInputWarning`.

    Raises:
        UnknownFormatError, MissingInputError, UnreadableInputError,
        RdfSyntaxError, UnsafeInputError (all :class:`RdfInputError`).
    """
    fmt = rdf_format(path)
    data = read_bytes(path, max_bytes=max_bytes)
    return parse_data(data, fmt, path=path, base=path.resolve().as_uri())


def parse_data(data: bytes, fmt: str, *, path: Path | str, base: str) -> Graph:
    """Parse ``data`` (already in memory) as ``fmt`` (an rdflib parser name of
    :data:`RDF_SUFFIXES`) with the same safety checks and errors as :func:`parse_file`.

    ``path`` only names the input in errors and warnings (an upload has no
    file); ``base`` resolves relative IRIs. Nothing is written anywhere.

    >>> len(parse_data(b'<https://e.org/a> <https://e.org/b> "c" .', "nt", path="upload", base="https://upload.invalid/"))
    1

    Raises:
        RdfSyntaxError, UnsafeInputError (both :class:`RdfInputError`).
    """
    path = Path(path)
    if fmt == "xml":
        _reject_dtd(path, data)
    elif fmt == "json-ld":
        _check_json_ld(path, data)
    try:
        with warnings.catch_warnings(), quiet_ill_typed_literals():
            # rdflib's own N-Quads/TriG parsers use its deprecated ConjunctiveGraph API.
            warnings.simplefilter("ignore", DeprecationWarning)
            graph = _parse(data, fmt, base)
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
    _warn_ill_typed(path, data, fmt, graph)
    return graph


def parse_into(target: Graph, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Parse ``path`` and add its triples to ``target``; return how many it held.

    Nothing is added when the file fails to parse.
    """
    graph = parse_file(path, max_bytes=max_bytes)
    target += graph
    return len(graph)


def parse_paths(paths: Iterable[Path], *, into: Graph | None = None) -> Graph:
    """Parse every file (directories expanded) into one graph.

    Every path must bring RDF: a directory without RDF files, or a file
    without a single triple, raises :class:`NoRdfError`.

    Raises:
        RdfInputError: for the first path that cannot be used.
    """
    graph = Graph() if into is None else into
    for given in paths:
        files = expand_paths([given])
        if not files:
            known = ", ".join(sorted(RDF_SUFFIXES))
            raise NoRdfError(given, f"no RDF files in this directory (looked for {known})")
        for path in files:
            if parse_into(graph, path) == 0:
                raise NoRdfError(path, _no_triples_reason(path))
    return graph


@contextmanager
def quiet_ill_typed_literals() -> Iterator[None]:
    """Silence rdflib's logged traceback for each ill-typed literal it builds.

    rdflib logs ``Failed to convert Literal lexical form to value`` with the
    traceback of the conversion error on the ``rdflib.term`` logger (printed on
    standard error when logging is not configured). :func:`parse_file` reports
    such literals itself, one line each, as :class:`RdfInputWarning`.
    """
    logger = logging.getLogger("rdflib.term")
    added = _drop_literal_conversion not in logger.filters  # nested: the outermost removes it
    if added:
        logger.addFilter(_drop_literal_conversion)
    try:
        yield
    finally:
        if added:
            logger.removeFilter(_drop_literal_conversion)


# --- helpers -----------------------------------------------------------------

#: At most this many ill-typed literals are reported per file.
_MAX_LITERAL_WARNINGS = 20


def _drop_literal_conversion(record: logging.LogRecord) -> bool:
    return not str(record.msg).startswith("Failed to convert Literal lexical form")


def _warn_ill_typed(path: Path, data: bytes, fmt: str, graph: Graph) -> None:
    """One :class:`RdfInputWarning` per ill-typed literal, in line order."""
    found: list[tuple[int, str]] = []
    for literal in {o for o in graph.objects() if isinstance(o, Literal) and o.ill_typed}:
        line = _line_of(data, f'"{literal}"^^') if fmt != "json-ld" else None
        found.append((line or 0, literal.n3(graph.namespace_manager)))
    found.sort()
    for line, shown in found[:_MAX_LITERAL_WARNINGS]:
        where = f"{path}:{line}" if line else str(path)
        warnings.warn(RdfInputWarning(where, f"ill-typed literal {shown}"), stacklevel=3)
    if len(found) > _MAX_LITERAL_WARNINGS:
        more = len(found) - _MAX_LITERAL_WARNINGS
        warnings.warn(RdfInputWarning(str(path), f"{more} more ill-typed literal(s)"), stacklevel=3)


def _line_of(data: bytes, needle: str) -> int | None:
    """1-based line of the first occurrence of ``needle`` in ``data``, if any."""
    index = data.find(needle.encode("utf-8"))
    return None if index < 0 else data.count(b"\n", 0, index) + 1


def _no_triples_reason(path: Path) -> str:
    if rdf_format(path) == "json-ld":
        return "no RDF triples: not JSON-LD (no @context, @id or @type that makes triples)"
    return "no RDF triples (an empty file, or only prefixes and comments)"


def _suffix(path: Path) -> str:
    """The format suffix of ``path``, lower case, ``.gz`` left out."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes.pop()
    return suffixes[-1] if suffixes else ""


def _stat(path: Path) -> os.stat_result:
    """``os.stat`` (following symbolic links), its errors as :class:`RdfInputError`."""
    try:
        return os.stat(path)
    except OSError as exc:
        raise _os_error(path, exc) from None


def _entry_stat(path: Path, *, strict: bool) -> os.stat_result | None:
    """``stat`` of a directory entry. A broken link or an unreadable entry is an
    error when ``strict`` (an RDF file) or a link loop, else skipped (``None``)."""
    try:
        return os.stat(path)
    except OSError as exc:
        if strict or exc.errno == errno.ELOOP:
            raise _os_error(path, exc) from None
        return None


def _list_dir(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return sorted(folder / entry.name for entry in entries)
    except OSError as exc:
        raise _os_error(folder, exc) from None


def _os_error(path: Path, exc: OSError) -> RdfInputError:
    """One line naming ``path`` for an ``OSError`` met while opening or listing it."""
    if isinstance(exc, FileNotFoundError):
        reason = "broken symbolic link" if os.path.islink(path) else "no such file or directory"
        return MissingInputError(path, reason)
    if isinstance(exc, PermissionError):
        return UnreadableInputError(path, "permission denied")
    if exc.errno == errno.ELOOP:
        return UnreadableInputError(path, "symbolic link loop")
    return UnreadableInputError(path, f"cannot read: {exc.strerror or exc}")


def _require_regular(path: Path, info: os.stat_result) -> None:
    if stat.S_ISREG(info.st_mode):
        return
    if stat.S_ISDIR(info.st_mode):
        raise RdfInputError(path, "is a directory, not a file")
    raise UnreadableInputError(path, f"is {_file_type(info.st_mode)}, not a regular file; refused")


def _file_type(mode: int) -> str:
    """``stat`` file type, in words."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISREG, "a regular file"),
    ):
        if test(mode):
            return name
    return "not a regular file"


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
